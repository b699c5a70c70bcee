package exec

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
)

// source is a table or a set read by a scan: the engine's source and its
// row layout here, which is the engine's columns (id first) plus the
// synset a MATCHES IMAGENET binds.
type Source struct {
	Name      string // the qualifier: alias or name
	Info      *engine.Source
	Sch       value.Schema
	SynsetPos int         // bound synset, -1 when none
	bindRule  synset.Rule // the rule of the MATCHES IMAGENET that binds it
	// LemmaPos is the bound lemma (the lemmas of the bound synset found in
	// the caption, why the row matched), 0 when none (0 is the id).
	LemmaPos   int
	captionCol int
	vocab      *synset.Vocabulary
}

func (src *Source) HasColumn(name string) bool {
	for _, c := range src.Sch {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

// isStored reports whether name is a column stored with a set.
func (src *Source) IsStored(name string) bool {
	i := src.Info.Column(name)
	return i >= 0 && src.Info.Columns[i].Kind == engine.KindStored
}

// bindSynset adds the synset column a MATCHES IMAGENET conjunct binds,
// and beside it lemma, the lemmas of that synset the caption holds (vocab
// is the rule's dictionary). lemma is not part of *: select it by name.
func (src *Source) BindSynset(rule synset.Rule, vocab *synset.Vocabulary) {
	src.bindRule = rule
	src.SynsetPos = len(src.Sch)
	src.Sch = append(src.Sch, value.ColInfo{Name: "synset", Qual: src.Name, Typ: value.TString})
	if !src.HasColumn("lemma") {
		src.vocab, src.captionCol = vocab, src.Info.Column("caption")
		src.LemmaPos = len(src.Sch)
		src.Sch = append(src.Sch, value.ColInfo{Name: "lemma", Qual: src.Name, Typ: value.TString, Hidden: true})
	}
}

// CaptionCol is the caption's position, which the bound lemma reads.
func (src *Source) CaptionCol() int { return src.captionCol }

// indexPred is a WHERE conjunct answered from an index: it yields the ids
// of the rows that satisfy it.
type IndexPred struct {
	Kind      string // "match", "synset", "contains", "id", "vrange"
	Rule      synset.Rule
	Class     int
	Vocab     *synset.Vocabulary // "synset": the dictionary Class indexes
	Phrase    string
	Ids       []uint64
	Vt        *VecTarget // vrange
	Threshold float64    // vrange
	Text      string
}

func (p *IndexPred) String() string { return p.Text }

// scanNode reads rows of a source: all of them, or those the index
// predicates select, filling only the columns the query needs and
// applying the residual filter before a row leaves the scan.
type ScanNode struct {
	Src    *Source
	Preds  []*IndexPred
	Need   []bool // per schema position
	Filter []Cond // conjuncts applied to each row
	// Tap, when set, gets the id of each row the scan hands on (a
	// partial run's order key).
	Tap *OrderTap
}

func (n *ScanNode) Schema() value.Schema { return n.Src.Sch }
func (n *ScanNode) Children() []PlanNode { return nil }

func (n *ScanNode) explain() string {
	var b strings.Builder
	kind := "table"
	if n.Src.Info.Set != nil {
		kind = "set"
	}
	fmt.Fprintf(&b, "scan %s %s", kind, n.Src.Info.Name)
	if !strings.EqualFold(n.Src.Info.Name, n.Src.Name) {
		fmt.Fprintf(&b, " as %s", n.Src.Name)
	}
	if n.Src.Info.Set != nil {
		fmt.Fprintf(&b, " (rows of %s)", n.Src.Info.Table.Name)
	}
	switch {
	case len(n.Preds) == 0 && n.Src.Info.Set != nil:
		b.WriteString(" via set ids")
	case len(n.Preds) == 0:
		b.WriteString(" via full scan")
	default:
		var parts []string
		for _, p := range n.Preds {
			switch p.Kind {
			case "id":
				parts = append(parts, "id lookup ["+p.Text+"]")
			case "vrange":
				parts = append(parts, "hnsw range search ["+p.Text+"]")
			default:
				parts = append(parts, "caption index ["+p.Text+"]")
			}
		}
		b.WriteString(" via " + strings.Join(parts, " ∩ "))
	}
	if n.Src.SynsetPos >= 0 {
		b.WriteString(", binds synset")
	}
	if len(n.Filter) > 0 {
		b.WriteString(", filter " + conjunction(n.Filter).String())
	}
	return b.String()
}

// rowSet computes the ids the index predicates select (nil: every row of
// the source) and, when the plan reads the bound synset, the labelling
// that gives it.
func (n *ScanNode) rowSet(ec *EvalCtx) (*roaring64.Bitmap, *engine.Labelling, error) {
	snap, t := ec.snap, n.Src.Info.Table
	var ids *roaring64.Bitmap
	var labels *engine.Labelling
	and := func(b *roaring64.Bitmap) {
		if ids == nil {
			ids = b.Clone()
		} else {
			ids.And(b)
		}
	}
	for _, p := range n.Preds {
		if err := ec.ctx.Err(); err != nil {
			return nil, nil, err
		}
		switch p.Kind {
		case "match":
			l, err := snap.Labels(ec.ctx, t, p.Rule)
			if err != nil {
				return nil, nil, err
			}
			if p.Rule == n.Src.bindRule {
				labels = l
			}
			and(l.IDs())
		case "synset":
			b, err := snap.MatchVocabulary(ec.ctx, t, p.Vocab, p.Class)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "contains":
			b, err := snap.Contains(ec.ctx, t, p.Rule, p.Phrase)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "vrange":
			tv, err := p.Vt.Eval(ec)
			if err != nil {
				return nil, nil, err
			}
			b, err := snap.Above(ec.ctx, n.Src.Info, p.Vt.Col, tv, p.Threshold, p.Vt.options(ec, false))
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "id":
			b := roaring64.New()
			b.AddMany(p.Ids)
			and(b)
		}
	}
	if pos, lp := n.Src.SynsetPos, n.Src.LemmaPos; pos >= 0 && labels == nil && (n.Need == nil || n.Need[pos] || lp > 0 && n.Need[lp]) {
		l, err := snap.Labels(ec.ctx, t, n.Src.bindRule)
		if err != nil {
			return nil, nil, err
		}
		labels = l
	}
	return ids, labels, nil
}

// columns returns the source columns the plan reads.
func (n *ScanNode) Columns() []int {
	var cols []int
	for i := range n.Src.Info.Columns {
		if n.Need == nil || n.Need[i] {
			cols = append(cols, i)
		}
	}
	return cols
}

func (n *ScanNode) Open(ec *EvalCtx) (value.Rows, error) {
	ids, labels, err := n.rowSet(ec)
	if err != nil {
		return nil, err
	}
	cur, err := ec.snap.Scan(ec.ctx, n.Src.Info, n.Columns(), ids)
	if err != nil {
		return nil, err
	}
	return &scanIter{n: n, ec: ec, cur: cur, labels: labels, filter: conjunction(n.Filter), row: make(value.Row, len(n.Src.Sch))}, nil
}

// scanIter turns the engine's rows into the plan's, binding the synset
// and applying the residual filter.
type scanIter struct {
	n      *ScanNode
	ec     *EvalCtx
	cur    *engine.Cursor
	labels *engine.Labelling
	filter Expr
	row    value.Row
	err    error
}

func (it *scanIter) Row() value.Row { return it.row }
func (it *scanIter) Err() error {
	if it.err != nil {
		return it.err
	}
	return it.cur.Err()
}
func (it *scanIter) Close() error { it.cur.Close(); return nil }

func (it *scanIter) Next() bool {
	for it.cur.Next() {
		ok, err := it.n.fill(it.ec, it.row, it.cur, it.labels, it.filter)
		if err != nil {
			it.err = err
			it.cur.Close()
			return false
		}
		if ok {
			if it.n.Tap != nil {
				it.n.Tap.ID = int64(it.cur.ID())
			}
			return true
		}
	}
	return false
}

// fill builds the plan's row from the cursor's and applies filter (nil:
// none).
func (n *ScanNode) fill(ec *EvalCtx, row value.Row, cur *engine.Cursor, labels *engine.Labelling, filter Expr) (bool, error) {
	copy(row, cur.Row())
	if p := n.Src.SynsetPos; p >= 0 {
		row[p] = value.Value{}
		lp := n.Src.LemmaPos
		if lp > 0 {
			row[lp] = value.Value{}
		}
		if labels != nil {
			if class, ok := labels.Class(cur.ID()); ok {
				row[p] = value.StringV(ec.host.ClassWNID(class))
				if c := n.Src.captionCol; lp > 0 && c >= 0 && row[c].T == value.TString {
					row[lp] = value.StringV(strings.Join(n.Src.vocab.LemmasIn(row[c].S, class), ", "))
				}
			}
		}
	}
	if filter == nil {
		return true, nil
	}
	v, err := filter.Eval(ec, row)
	if err != nil {
		return false, err
	}
	return value.Truth(v), nil
}
