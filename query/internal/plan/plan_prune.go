package plan

import (
	"github.com/laiondb/laiondb/query/internal/exec"
)

// prune marks the columns every scan of a plan must read: those an
// operator above reads, down to the scan. need says which columns of n's
// rows are read above it (nil: all of them). A subquery in FROM was
// pruned when it was planned; subqueries in expressions, likewise.
func prune(n exec.PlanNode, need []bool) {
	width := len(n.Schema())
	mark := func(need []bool, e exec.Expr) {
		rowCols(e, func(i int) {
			if i < len(need) {
				need[i] = true
			}
		})
	}
	all := func(w int) []bool {
		b := make([]bool, w)
		for i := range b {
			b[i] = true
		}
		return b
	}
	if need == nil {
		need = all(width)
	}
	switch x := n.(type) {
	case *exec.ScanNode:
		x.Need = scanNeed(x, need)
	case *exec.KnnNode:
		x.Scan.Need = scanNeed(x.Scan, need)
	case *exec.CountNode:
		x.Scan.Need = scanNeed(x.Scan, nil) // counts ids, reads no column
	case *exec.RenameNode, *exec.StmtNode, exec.OneRowNode:
	case *exec.FilterNode:
		in := append([]bool(nil), need...)
		for _, c := range x.Conds {
			mark(in, c.E)
		}
		prune(x.In, in)
	case *exec.ProjectNode:
		in := make([]bool, len(x.In.Schema()))
		for _, e := range x.Exprs {
			mark(in, e)
		}
		prune(x.In, in)
	case *exec.AggNode:
		in := make([]bool, len(x.In.Schema()))
		for _, k := range x.Agg.Keys {
			mark(in, k)
		}
		for _, c := range x.Agg.Calls {
			if c.Arg != nil {
				mark(in, c.Arg)
			}
		}
		prune(x.In, in)
	case *exec.LookupNode:
		in := append(make([]bool, 0, width), need...)
		for _, k := range x.Keys {
			mark(in, k)
		}
		prune(x.In, in)
	case *exec.JoinNode:
		nl := x.Width()
		joined := make([]bool, nl+len(x.Right.Schema()))
		copy(joined, need) // semi and anti joins return the left columns only
		left, right := joined[:nl], joined[nl:]
		for _, c := range x.Residual {
			if !x.ResidualOuter {
				mark(joined, c.E)
				continue
			}
			mark(right, c.E)
			outerCols(c.E, 1, func(i int) {
				if i < nl {
					left[i] = true
				}
			})
		}
		for _, k := range x.LeftKeys {
			mark(left, k)
		}
		for _, k := range x.RightKeys {
			mark(right, k)
		}
		prune(x.Left, left)
		prune(x.Right, right)
	case exec.Unary:
		// Sort, limit, distinct, strip and the like sit on a projection,
		// which computes every column it has.
		prune(x.Input(), nil)
	default:
		for _, c := range n.Children() {
			prune(c, nil)
		}
	}
}

// scanNeed is what a scan reads: the row id, what is needed above, and
// what its filter reads.
func scanNeed(s *exec.ScanNode, need []bool) []bool {
	out := make([]bool, len(s.Src.Sch))
	copy(out, need)
	out[0] = true // id
	for _, c := range s.Filter {
		rowCols(c.E, func(i int) {
			if i < len(out) {
				out[i] = true
			}
		})
	}
	if lp := s.Src.LemmaPos; lp > 0 && lp < len(out) && out[lp] && s.Src.CaptionCol() >= 0 {
		out[s.Src.CaptionCol()] = true // the lemma is found in the caption
	}
	return out
}

// outerCols calls f with every column of the row depth levels out that e
// reads (a subquery in e counts with what it reads, one level further).
func outerCols(e exec.Expr, depth int, f func(int)) {
	var corr *exec.Correlation
	switch x := e.(type) {
	case *exec.OuterRef:
		if x.Depth == depth {
			f(x.Idx)
		}
	case *exec.SubqueryExpr:
		corr = &x.Corr
	case *exec.ExistsExpr:
		corr = &x.Corr
	case *exec.InQueryExpr:
		corr = &x.Corr
	}
	if corr != nil {
		for _, r := range corr.Params {
			if r.Depth == depth+1 {
				f(r.Idx)
			}
		}
	}
	for _, s := range exec.SubExprs(e) {
		outerCols(s, depth, f)
	}
}
