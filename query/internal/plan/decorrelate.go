package plan

import (
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// decorrelate: a conjunct of WHERE that is [NOT] EXISTS (subquery) or
// x [NOT] IN (subquery), where the subquery reads the outer row, becomes
// a semi join (EXISTS, IN) or an anti join (NOT EXISTS; NOT IN, which
// minds NULLs as SQL does) of the outer rows with the subquery's rows. Its
// conjuncts that equate a column of its own with one of the outer row are
// the join's keys, those that read only its own rows filter them, and any
// other conjunct that reads the outer row decides among the pairs the
// keys match. The subquery then runs once, into a hash table, instead of
// once for each distinct outer row.
//
// A subquery that aggregates, groups, limits or unions, whose FROM reads
// the outer row, or (for NOT IN) that reads it other than by equalities,
// keeps its expression, which runs the subquery per distinct outer key
// (see exec.Correlation); so does one outside WHERE, under an OR, or
// uncorrelated (it runs once anyway).
func decorrelate(p *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		f, ok := n.(*exec.FilterNode)
		if !ok {
			return n, false, nil
		}
		if _, having := f.In.(*exec.AggNode); having {
			return n, false, nil
		}
		in := f.In
		var keep []exec.Cond
		for _, c := range f.Conds {
			j, err := p.semiJoin(in, c)
			if err != nil {
				return nil, false, err
			}
			if j == nil {
				keep = append(keep, c)
				continue
			}
			in = j
		}
		if in == f.In {
			return n, false, nil
		}
		if len(keep) == 0 {
			return in, true, nil
		}
		return &exec.FilterNode{In: in, Conds: keep}, true, nil
	})
}

// semiJoin returns the join that does what conjunct c does to the rows of
// in, or nil when c is not a subquery that can be joined.
func (p *Planner) semiJoin(in exec.PlanNode, c exec.Cond) (*exec.JoinNode, error) {
	src, compiled := c.Src, c.E
	not := false
	if u, ok := src.(*ast.Unary); ok && u.Op == ast.OpNot {
		not, src = true, u.X
		if ne, ok := compiled.(*exec.NotExpr); ok {
			compiled = ne.X
		}
	}
	var q *ast.Select
	var x ast.Expr
	var why string
	switch e := src.(type) {
	case *ast.Exists:
		ee, ok := compiled.(*exec.ExistsExpr)
		if !ok || !ee.Corr.Correlated() {
			return nil, nil
		}
		q, why = e.Query, "EXISTS"
	case *ast.In:
		ie, ok := compiled.(*exec.InQueryExpr)
		if !ok || !ie.Corr.Correlated() {
			return nil, nil
		}
		q, x, why = e.Query, e.X, "IN"
		not = not != e.Not
		if len(q.Items) != 1 || q.Items[0].Star {
			return nil, nil
		}
	default:
		return nil, nil
	}
	if not {
		why = "NOT " + why
	}
	if q.From == nil || len(q.With) > 0 || len(q.Unions) > 0 || len(q.GroupBy) > 0 || q.Having != nil || q.Limit != nil {
		return nil, nil
	}
	for _, it := range q.Items {
		if it.Expr != nil && hasAggregate(it.Expr) {
			return nil, nil
		}
	}

	// What the subquery's FROM and conjuncts read: plan them as the
	// subquery would be, with the outer rows around it.
	oc := p.compiler(in.Schema())
	probe := &Planner{Sess: p.Sess, Ctx: p.Ctx, Q: q, scope: p.scope, outer: oc, corr: &exec.Correlation{}}
	if _, err := probe.from(q.From); err != nil {
		return nil, err
	}
	if len(probe.corr.Params) > 0 {
		return nil, nil // its FROM reads the outer row
	}
	// The rows the hash table holds are planned at the outer query's
	// level: they do not see the outer row, and read the queries around it
	// as it does.
	bp := &Planner{Sess: p.Sess, Ctx: p.Ctx, Q: q, scope: p.scope, outer: p.outer, corr: p.corr}
	build, err := bp.from(q.From)
	if err != nil {
		return nil, err
	}
	is := build.Schema()
	ic := probe.compiler(is) // the subquery's own view: outer row at depth 1
	bc := bp.compiler(is)    // the hash table's
	j := &exec.JoinNode{Left: in, Why: why}
	var local []exec.Cond
	for _, w := range conjuncts(q.Where) {
		e, err := ic.Compile(w)
		if err != nil {
			return nil, err
		}
		if !readsOuter(e, 1) {
			be, err := bc.Compile(w)
			if err != nil {
				return nil, err
			}
			local = append(local, exec.Cond{Src: w, E: be})
			continue
		}
		lk, rk, err := p.correlatedKey(w, ic, oc, bc)
		if err != nil {
			return nil, err
		}
		if lk != nil {
			j.LeftKeys = append(j.LeftKeys, lk)
			j.RightKeys = append(j.RightKeys, rk)
			j.KeyText = append(j.KeyText, w.String())
			continue
		}
		j.Residual = append(j.Residual, exec.Cond{Src: w, E: e})
	}
	switch {
	case why == "EXISTS":
		j.Kind = exec.JoinSemi
	case why == "NOT EXISTS":
		j.Kind = exec.JoinAnti
	default:
		// x IN (SELECT y ...): one more key pair, last (NOT IN's null
		// handling looks at it).
		y := q.Items[0].Expr
		ye, err := ic.Compile(y)
		if err != nil {
			return nil, err
		}
		if readsOuter(ye, 1) {
			return nil, nil
		}
		if ye, err = bc.Compile(y); err != nil {
			return nil, err
		}
		xe, err := oc.Compile(x)
		if err != nil {
			return nil, err
		}
		j.LeftKeys = append(j.LeftKeys, xe)
		j.RightKeys = append(j.RightKeys, ye)
		j.KeyText = append(j.KeyText, x.String()+" = "+y.String())
		j.Kind = exec.JoinSemi
		if why == "NOT IN" {
			if len(j.Residual) > 0 {
				return nil, nil
			}
			j.Kind = exec.JoinAntiNulls
		}
	}
	j.ResidualOuter = true
	if len(local) > 0 {
		build = &exec.FilterNode{In: build, Conds: local}
	}
	// The subquery may hold subqueries of its own that can be joined.
	if build, _, err = decorrelate(p, build); err != nil {
		return nil, err
	}
	j.Right = build
	return j, nil
}

// correlatedKey recognises a conjunct inner = outer (either way round):
// one side reads the subquery's rows and not the outer row, the other the
// outer row only. It returns the outer side compiled over the outer rows
// (by oc) and the inner side over the subquery's (by bc); nil when the
// conjunct is not such an equality. ic compiles as the subquery does.
func (p *Planner) correlatedKey(w ast.Expr, ic, oc, bc *Compiler) (exec.Expr, exec.Expr, error) {
	b, ok := w.(*ast.Binary)
	if !ok || b.Op != ast.OpEq {
		return nil, nil, nil
	}
	x, err := ic.Compile(b.X)
	if err != nil {
		return nil, nil, err
	}
	y, err := ic.Compile(b.Y)
	if err != nil {
		return nil, nil, err
	}
	outerSide, innerSide := b.X, b.Y
	switch {
	case onlyOuter(x) && !readsOuter(y, 1):
	case onlyOuter(y) && !readsOuter(x, 1):
		outerSide, innerSide = b.Y, b.X
	default:
		return nil, nil, nil
	}
	lk, err := oc.Compile(outerSide)
	if err != nil {
		return nil, nil, err
	}
	rk, err := bc.Compile(innerSide)
	if err != nil {
		return nil, nil, err
	}
	return lk, rk, nil
}

// readsOuter reports whether e reads the row depth levels out (a
// subquery in e counts with what it reads, one level further).
func readsOuter(e exec.Expr, depth int) bool {
	found := false
	outerCols(e, depth, func(int) { found = true })
	return found
}

// onlyOuter reports whether e reads the outer row and nothing of the
// subquery's own rows, and holds no subquery.
func onlyOuter(e exec.Expr) bool {
	ok, outer := true, false
	var walk func(e exec.Expr)
	walk = func(e exec.Expr) {
		switch x := e.(type) {
		case *exec.ColExpr, *exec.SubqueryExpr, *exec.ExistsExpr, *exec.InQueryExpr:
			ok = false
		case *exec.OuterRef:
			outer = outer || x.Depth == 1
		}
		for _, s := range exec.SubExprs(e) {
			walk(s)
		}
	}
	walk(e)
	return ok && outer && e.Typ() != value.TVector
}
