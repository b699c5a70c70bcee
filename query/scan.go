package query

import (
	"fmt"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
)

// source is a table or a set read by a scan: the engine's source and its
// row layout here, which is the engine's columns (id first) plus the
// synset a MATCHES IMAGENET binds.
type source struct {
	name      string // the qualifier: alias or name
	info      *engine.Source
	sch       schema
	synsetPos int         // bound synset, -1 when none
	bindRule  synset.Rule // the rule of the MATCHES IMAGENET that binds it
}

func (src *source) hasColumn(name string) bool {
	for _, c := range src.sch {
		if strings.EqualFold(c.name, name) {
			return true
		}
	}
	return false
}

// isStored reports whether name is a column stored with a set.
func (src *source) isStored(name string) bool {
	i := src.info.Column(name)
	return i >= 0 && src.info.Columns[i].Kind == engine.KindStored
}

// bindSynset adds the synset column a MATCHES IMAGENET conjunct binds.
func (src *source) bindSynset(rule synset.Rule) {
	src.bindRule = rule
	src.synsetPos = len(src.sch)
	src.sch = append(src.sch, colInfo{name: "synset", qual: src.name, typ: tString})
}

// indexPred is a WHERE conjunct answered from an index: it yields the ids
// of the rows that satisfy it.
type indexPred struct {
	kind      string // "match", "synset", "contains", "id", "vrange"
	rule      synset.Rule
	class     int
	phrase    string
	ids       []uint64
	vt        *vecTarget // vrange
	threshold float64    // vrange
	text      string
}

func (p *indexPred) String() string { return p.text }

// scanNode reads rows of a source: all of them, or those the index
// predicates select, filling only the columns the query needs and
// applying the residual filter before a row leaves the scan.
type scanNode struct {
	src    *source
	preds  []*indexPred
	need   []bool // per schema position
	filter []cond // conjuncts applied to each row
}

func (n *scanNode) schema() schema       { return n.src.sch }
func (n *scanNode) children() []planNode { return nil }

func (n *scanNode) explain() string {
	var b strings.Builder
	kind := "table"
	if n.src.info.Set != nil {
		kind = "set"
	}
	fmt.Fprintf(&b, "scan %s %s", kind, n.src.name)
	if n.src.info.Set != nil {
		fmt.Fprintf(&b, " (rows of %s)", n.src.info.Table.Name)
	}
	switch {
	case len(n.preds) == 0 && n.src.info.Set != nil:
		b.WriteString(" via set ids")
	case len(n.preds) == 0:
		b.WriteString(" via full scan")
	default:
		var parts []string
		for _, p := range n.preds {
			switch p.kind {
			case "id":
				parts = append(parts, "id lookup ["+p.text+"]")
			case "vrange":
				parts = append(parts, "hnsw range search ["+p.text+"]")
			default:
				parts = append(parts, "caption index ["+p.text+"]")
			}
		}
		b.WriteString(" via " + strings.Join(parts, " ∩ "))
	}
	if n.src.synsetPos >= 0 {
		b.WriteString(", binds synset")
	}
	if len(n.filter) > 0 {
		b.WriteString(", filter " + conjunction(n.filter).String())
	}
	return b.String()
}

// rowSet computes the ids the index predicates select (nil: every row of
// the source) and, when the plan reads the bound synset, the labelling
// that gives it.
func (n *scanNode) rowSet(ec *evalCtx) (*roaring64.Bitmap, *engine.Labelling, error) {
	snap, t := ec.snap, n.src.info.Table
	var ids *roaring64.Bitmap
	var labels *engine.Labelling
	and := func(b *roaring64.Bitmap) {
		if ids == nil {
			ids = b.Clone()
		} else {
			ids.And(b)
		}
	}
	for _, p := range n.preds {
		if err := ec.ctx.Err(); err != nil {
			return nil, nil, err
		}
		switch p.kind {
		case "match":
			l, err := snap.Labels(ec.ctx, t, p.rule)
			if err != nil {
				return nil, nil, err
			}
			if p.rule == n.src.bindRule {
				labels = l
			}
			and(l.IDs())
		case "synset":
			b, err := snap.MatchSynset(ec.ctx, t, p.rule, p.class)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "contains":
			b, err := snap.Contains(ec.ctx, t, p.rule, p.phrase)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "vrange":
			tv, err := p.vt.eval(ec)
			if err != nil {
				return nil, nil, err
			}
			b, err := snap.Above(ec.ctx, n.src.info, p.vt.col, tv, p.threshold, p.vt.options(ec, false))
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "id":
			b := roaring64.New()
			b.AddMany(p.ids)
			and(b)
		}
	}
	if pos := n.src.synsetPos; pos >= 0 && labels == nil && (n.need == nil || n.need[pos]) {
		l, err := snap.Labels(ec.ctx, t, n.src.bindRule)
		if err != nil {
			return nil, nil, err
		}
		labels = l
	}
	return ids, labels, nil
}

// columns returns the source columns the plan reads.
func (n *scanNode) columns() []int {
	var cols []int
	for i := range n.src.info.Columns {
		if n.need == nil || n.need[i] {
			cols = append(cols, i)
		}
	}
	return cols
}

func (n *scanNode) open(ec *evalCtx) (Rows, error) {
	ids, labels, err := n.rowSet(ec)
	if err != nil {
		return nil, err
	}
	cur, err := ec.snap.Scan(ec.ctx, n.src.info, n.columns(), ids)
	if err != nil {
		return nil, err
	}
	return &scanIter{n: n, ec: ec, cur: cur, labels: labels, filter: conjunction(n.filter), row: make(Row, len(n.src.sch))}, nil
}

// scanIter turns the engine's rows into the plan's, binding the synset
// and applying the residual filter.
type scanIter struct {
	n      *scanNode
	ec     *evalCtx
	cur    *engine.Cursor
	labels *engine.Labelling
	filter expr
	row    Row
	err    error
}

func (it *scanIter) Row() Row { return it.row }
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
			return true
		}
	}
	return false
}

// fill builds the plan's row from the cursor's and applies filter (nil:
// none).
func (n *scanNode) fill(ec *evalCtx, row Row, cur *engine.Cursor, labels *engine.Labelling, filter expr) (bool, error) {
	copy(row, cur.Row())
	if p := n.src.synsetPos; p >= 0 {
		row[p] = Value{}
		if labels != nil {
			if class, ok := labels.Class(cur.ID()); ok {
				row[p] = stringV(ec.host.ClassWNID(class))
			}
		}
	}
	if filter == nil {
		return true, nil
	}
	v, err := filter.eval(ec, row)
	if err != nil {
		return false, err
	}
	return truth(v), nil
}
