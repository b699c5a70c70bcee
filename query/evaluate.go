package query

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/stats"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
)

// evalTopK is the k of top-k accuracy EVALUATE reports besides top-1.
const evalTopK = 5

// classCounts are one class's rows and hits.
type classCounts struct {
	n, top1, topk int64
}

// execEvaluate runs EVALUATE name ON source [LABEL e] [PER CLASS]: how
// often the classifier's best class (top-1), or one of its five best
// (top-5), is the row's label. Per class it gives the accuracies with
// their Wilson 95% intervals; overall, the accuracies over rows and the
// means over classes ("equal-weighted", the paper's), which do not let
// the largest classes dominate. Rows with a NULL label, and for imported
// predictions rows without a prediction, are left out and counted in the
// message. The result is plain rows, like a query's.
func (s *Session) execEvaluate(ctx context.Context, st *ast.Evaluate) (*Result, error) {
	clf, err := funcs.LoadClassifier(s.snapshot(), st.Name.Name)
	if errors.Is(err, engine.ErrNoClassifier) {
		return nil, value.ErrAt(st.Name.Pos(), "no classifier %s%s; IMPORT CLASSIFIER, CREATE CLASSIFIER or IMPORT PREDICTIONS makes one", st.Name.Name, value.DidYouMean(st.Name.Name, s.classifierNames()))
	}
	if err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "%v", err)
	}
	label := st.Label
	if label == nil {
		label = &ast.ColumnRef{Column: ast.Ident{NamePos: st.Source.Pos(), Name: "synset"}}
	}
	what := "img"
	if clf.Preds != nil {
		what = "id"
	}
	q := &ast.Select{SelectPos: st.Pos(), From: st.Source, Items: []*ast.SelectItem{
		{ItemPos: label.Pos(), Expr: label},
		{ItemPos: st.Source.Pos(), Expr: &ast.ColumnRef{Column: ast.Ident{NamePos: st.Source.Pos(), Name: what}}},
	}}
	p, err := plan.PlanQuery(s.host(), ctx, q)
	if err != nil {
		return nil, err
	}
	sch := p.Schema()
	if !funcs.TypeFits(sch[0].Typ, value.TString) {
		return nil, value.ErrAt(label.Pos(), "EVALUATE ... LABEL takes the class label (a WNID such as synset), not %s", value.TypeName(sch[0].Typ))
	}
	if clf.Preds == nil && (sch[1].Typ != value.TVector || sch[1].Dim > 0 && sch[1].Dim != clf.Dim) {
		return nil, value.ErrAt(st.Source.Pos(), "classifier %s scores %d-d vectors of column img, which %s does not have", clf.Name, clf.Dim, sourceName(st.Source))
	}
	rows, err := s.run(ctx, p)
	if err != nil {
		return nil, atStatement(err, st.Pos())
	}
	defer rows.Close()
	var labels []string
	var vecs [][]float32
	var preds [][]int
	noLabel, noPrediction := 0, 0
	for rows.Next() {
		r := rows.Row()
		if r[0].T == value.TNull {
			noLabel++
			continue
		}
		if r[1].T == value.TNull {
			noPrediction++
			continue
		}
		if clf.Preds != nil {
			pr := clf.Predicted(uint64(r[1].I))
			if pr == nil {
				noPrediction++
				continue
			}
			preds = append(preds, pr)
		} else {
			if err := clf.CheckVector(r[1].V); err != nil {
				return nil, value.ErrAt(st.Pos(), "%v", err)
			}
			vecs = append(vecs, r[1].V) // scan slabs are not reused
		}
		labels = append(labels, value.AsText(r[0]))
	}
	if err := rows.Err(); err != nil {
		return nil, atStatement(err, st.Pos())
	}
	k := min(evalTopK, len(clf.Classes))
	if clf.Preds != nil {
		k = min(evalTopK, clf.K)
	} else if preds, err = clf.TopKAll(ctx, vecs, k); err != nil {
		return nil, err
	}
	hasTopK := k == evalTopK
	per := map[string]*classCounts{}
	unknown := 0
	for i, l := range labels {
		cc := per[l]
		if cc == nil {
			cc = &classCounts{}
			per[l] = cc
			if clf.ClassOf(l) < 0 {
				unknown++
			}
		}
		cc.n++
		want := clf.ClassOf(l)
		for j, c := range preds[i][:min(k, len(preds[i]))] {
			if c == want {
				if j == 0 {
					cc.top1++
				}
				cc.topk++
				break
			}
		}
	}
	classes := make([]string, 0, len(per))
	for l := range per {
		classes = append(classes, l)
	}
	sort.Strings(classes)
	acc := func(hits, n int64) value.Value { return value.FloatV(float64(hits) / float64(n)) }
	topk := func(v value.Value) value.Value {
		if hasTopK {
			return v
		}
		return value.Value{}
	}
	msg := fmt.Sprintf("EVALUATE %s on %s: %d rows over %d classes", clf.Name, sourceName(st.Source), len(labels), len(classes))
	if noLabel > 0 {
		msg += fmt.Sprintf("; %d rows without a label left out", noLabel)
	}
	if noPrediction > 0 {
		msg += fmt.Sprintf("; %d rows without a prediction left out", noPrediction)
	}
	if unknown > 0 {
		msg += fmt.Sprintf("; %d classes are not among the classifier's %d (never predicted)", unknown, len(clf.Classes))
	}
	if !hasTopK {
		msg += fmt.Sprintf("; no top-%d accuracy: the classifier gives %d classes per row", evalTopK, k)
	}
	if st.PerClass {
		cols := []Column{{Name: "class", Type: value.TString}, {Name: "n", Type: value.TInt},
			{Name: "top1", Type: value.TFloat}, {Name: "top1_lo", Type: value.TFloat}, {Name: "top1_hi", Type: value.TFloat},
			{Name: "top5", Type: value.TFloat}, {Name: "top5_lo", Type: value.TFloat}, {Name: "top5_hi", Type: value.TFloat}}
		var out []value.Row
		for _, l := range classes {
			cc := per[l]
			lo1, hi1 := stats.Wilson(cc.top1, cc.n, stats.Z95)
			lo5, hi5 := stats.Wilson(cc.topk, cc.n, stats.Z95)
			out = append(out, value.Row{value.StringV(l), value.IntV(cc.n),
				acc(cc.top1, cc.n), value.FloatV(lo1), value.FloatV(hi1),
				topk(acc(cc.topk, cc.n)), topk(value.FloatV(lo5)), topk(value.FloatV(hi5))})
		}
		return &Result{Columns: cols, Rows: value.NewSliceRows(out), Message: msg}, nil
	}
	var n, top1, topK int64
	var eq1, eqK float64
	for _, l := range classes {
		cc := per[l]
		n, top1, topK = n+cc.n, top1+cc.top1, topK+cc.topk
		eq1 += float64(cc.top1) / float64(cc.n)
		eqK += float64(cc.topk) / float64(cc.n)
	}
	row := value.Row{value.IntV(n), value.IntV(int64(len(classes))), value.Value{}, value.Value{}, value.Value{}, value.Value{}}
	if n > 0 {
		nc := float64(len(classes))
		row[2], row[3] = acc(top1, n), topk(acc(topK, n))
		row[4], row[5] = value.FloatV(eq1/nc), topk(value.FloatV(eqK/nc))
	}
	cols := []Column{{Name: "n", Type: value.TInt}, {Name: "classes", Type: value.TInt},
		{Name: "top1", Type: value.TFloat}, {Name: "top5", Type: value.TFloat},
		{Name: "top1_equal", Type: value.TFloat}, {Name: "top5_equal", Type: value.TFloat}}
	return &Result{Columns: cols, Rows: value.NewSliceRows([]value.Row{row}), Message: msg}, nil
}
