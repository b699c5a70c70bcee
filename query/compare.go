package query

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/index/vec"
	"github.com/laiondb/laiondb/query/ast"
)

// classStats are the pairwise statistics of one class in one source.
type classStats struct {
	funcs.PairwiseStats
	ci float64 // half-width of the 95% interval of the mean
}

// CompareVerdict says how a's mean compares with b's for one class.
const (
	verdictLower   = "lower"
	verdictHigher  = "higher"
	verdictNeither = "neither"
)

// execCompare runs COMPARE INTRACLASS a, b [ON col] BY key [MIN PAIRS n]
// [METHOD m [RESAMPLES r] [SEED s]]: per class present in both sources,
// the mean and standard deviation of the pairwise cosines of each, the
// 95% interval of each mean (ci, its half-width), and whether a's mean is
// significantly lower or higher than b's: the interval of the difference,
// d ± sqrt(ci_a² + ci_b²), excludes 0. The interval is the METHOD's (see
// compareMethod).
func (s *Session) execCompare(ctx context.Context, st *ast.CompareIntraclass) (*Result, error) {
	on := "img"
	if !st.On.IsZero() {
		on = st.On.Name
	}
	minPairs := int64(7)
	if st.MinPairs != nil {
		v, err := (&plan.Compiler{Sess: s.host(), Ctx: ctx}).Constant(st.MinPairs, "MIN PAIRS")
		if err != nil {
			return nil, err
		}
		if v.T != value.TInt || v.I < 1 {
			return nil, value.ErrAt(st.MinPairs.Pos(), "MIN PAIRS takes a positive integer")
		}
		minPairs = v.I
	}
	method, err := s.compareMethod(ctx, st)
	if err != nil {
		return nil, err
	}
	if method.name == ast.MethodJackknife {
		minPairs = max(minPairs, 3) // the jackknife needs 3 images
	}
	names := [2]string{sourceName(st.A), sourceName(st.B)}
	var groups [2]map[string][][]float32
	for i, src := range []ast.Source{st.A, st.B} {
		g, err := s.classVectors(ctx, src, on, st.By, st.On.NamePos)
		if err != nil {
			return nil, err
		}
		groups[i] = g
	}
	// Statistics only for the classes both sources have with enough pairs.
	var classes []string
	skipped := 0
	pairs := func(n int) int64 { return int64(n) * int64(n-1) / 2 }
	for k, va := range groups[0] {
		if vb, ok := groups[1][k]; ok {
			if pairs(len(va)) < minPairs || pairs(len(vb)) < minPairs {
				skipped++
				continue
			}
			classes = append(classes, k)
		}
	}
	sort.Strings(classes)
	stats, err := method.classStats(ctx, groups, classes)
	if err != nil {
		return nil, err
	}
	cols := compareColumns(st)
	var rows []value.Row
	counts := map[string]int{}
	for _, k := range classes {
		a, b := stats[0][k], stats[1][k]
		d := a.Mean - b.Mean
		h := math.Sqrt(a.ci*a.ci + b.ci*b.ci)
		verdict := verdictNeither
		switch {
		case d+h < 0:
			verdict = verdictLower
		case d-h > 0:
			verdict = verdictHigher
		}
		counts[verdict]++
		name := value.Value{}
		if syn, err := s.cat.Resolve(k); err == nil {
			name = value.StringV(syn.Head)
		}
		rows = append(rows, value.Row{value.StringV(k), name,
			value.IntV(int64(a.N)), value.FloatV(a.Mean), value.FloatV(a.Std), value.FloatV(a.ci),
			value.IntV(int64(b.N)), value.FloatV(b.Mean), value.FloatV(b.Std), value.FloatV(b.ci),
			value.FloatV(d), value.StringV(verdict)})
	}
	n := len(classes)
	pct := func(c int) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(c) / float64(n)
	}
	msg := fmt.Sprintf("%s is significantly lower than %s in %.1f%% of %d classes (%d), higher in %.1f%% (%d), neither in %.1f%% (%d); %d classes skipped (fewer than %d pairs in one set)",
		names[0], names[1], pct(counts[verdictLower]), n, counts[verdictLower], pct(counts[verdictHigher]), counts[verdictHigher],
		pct(counts[verdictNeither]), counts[verdictNeither], skipped, minPairs)
	if st.Method != ast.MethodDefault {
		msg += "; intervals: " + method.describe()
	}
	return &Result{Columns: cols, Rows: value.NewSliceRows(rows), Message: msg}, nil
}

// compareColumns are the columns of COMPARE INTRACLASS's rows, known
// before it runs.
func compareColumns(st *ast.CompareIntraclass) []Column {
	names := [2]string{sourceName(st.A), sourceName(st.B)}
	return []Column{{Name: "class", Type: value.TString}, {Name: "name", Type: value.TString},
		{Name: "n_" + names[0], Type: value.TInt}, {Name: "mean_" + names[0], Type: value.TFloat}, {Name: "std_" + names[0], Type: value.TFloat}, {Name: "ci_" + names[0], Type: value.TFloat},
		{Name: "n_" + names[1], Type: value.TInt}, {Name: "mean_" + names[1], Type: value.TFloat}, {Name: "std_" + names[1], Type: value.TFloat}, {Name: "ci_" + names[1], Type: value.TFloat},
		{Name: "diff", Type: value.TFloat}, {Name: "verdict", Type: value.TString}}
}

func sourceName(src ast.Source) string {
	switch x := src.(type) {
	case *ast.TableSource:
		if !x.Alias.IsZero() {
			return x.Alias.Name
		}
		return x.Name.Name
	case *ast.SubquerySource:
		return x.Alias.Name
	case *ast.StmtSource:
		return x.Alias.Name
	}
	return "?"
}

// classVectors reads (key, vector) from a source and returns each class's
// unit vectors.
func (s *Session) classVectors(ctx context.Context, src ast.Source, on string, by ast.Expr, onPos ast.Pos) (map[string][][]float32, error) {
	q := compareSelect(src, on, by, onPos)
	p, err := plan.PlanQuery(s.host(), ctx, q)
	if err != nil {
		return nil, err
	}
	if t := p.Schema()[1].Typ; t != value.TVector {
		return nil, value.ErrAt(src.Pos(), "COMPARE INTRACLASS ... ON %s: %s is %s in %s, not a vector column", on, on, value.TypeName(t), sourceName(src))
	}
	rows, err := s.run(ctx, p)
	if err != nil {
		return nil, atStatement(err, src.Pos())
	}
	defer rows.Close()
	groups := map[string][][]float32{}
	for rows.Next() {
		r := rows.Row()
		if r[0].T == value.TNull || r[1].T == value.TNull {
			continue
		}
		// The vector lives in the scan's block slab, which is not reused:
		// it can be kept without a copy. PairStats normalises it.
		v := r[1].V
		if vec.DotF64(v, v) == 0 {
			return nil, fmt.Errorf("class %s of %s: a zero vector has no direction; intraclass needs non-zero vectors", value.AsText(r[0]), sourceName(src))
		}
		k := value.AsText(r[0])
		groups[k] = append(groups[k], v)
	}
	if err := rows.Err(); err != nil {
		return nil, atStatement(err, src.Pos())
	}
	return groups, nil
}

// compareSelect is the query a side of COMPARE INTRACLASS is read with:
// SELECT by, on FROM src, at the source's position (where a partial run
// finds its state).
func compareSelect(src ast.Source, on string, by ast.Expr, onPos ast.Pos) *ast.Select {
	q := &ast.Select{
		SelectPos: src.Pos(),
		Items:     []*ast.SelectItem{{Expr: by}, {Expr: &ast.ColumnRef{Column: ast.Ident{NamePos: onPos, Name: on}}}},
		From:      src,
	}
	if !onPos.IsValid() {
		q.Items[1].Expr.(*ast.ColumnRef).Column.NamePos = src.Pos()
	}
	return q
}
