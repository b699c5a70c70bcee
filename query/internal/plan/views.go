package plan

import (
	"github.com/laiondb/laiondb/query/internal/exec"

	"github.com/laiondb/laiondb/query/ast"
)

// view is a subquery or WITH query read in FROM, with what it takes to
// plan it again with more conditions (the rule filter into subquery).
type view struct {
	q     *ast.Select
	items []*ast.SelectItem // its select list, * expanded
	scope *scope
	outer *Compiler
	corr  *exec.Correlation // a FROM subquery's: the level's own
	with  *withDef          // a WITH query's definition
	pos   ast.Pos           // of the use, for errors
}

// filterIntoSubquery: a condition on the rows of a subquery or WITH query
// that selects plain columns (no aggregate, GROUP BY, LIMIT or UNION)
// becomes a condition of its WHERE, written in its own columns, so that
// its scan and indexes see it: WITH m AS (SELECT id AS x FROM laion)
// SELECT ... FROM m WHERE x = 3 reads one row by id.
func filterIntoSubquery(p *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		f, ok := n.(*exec.FilterNode)
		if !ok {
			return n, false, nil
		}
		r, ok := f.In.(*exec.RenameNode)
		if !ok {
			return n, false, nil
		}
		v := p.views[r]
		if v == nil || !v.simple() {
			return n, false, nil
		}
		var moved []ast.Expr
		var stay []exec.Cond
		for _, c := range f.Conds {
			if e, ok := v.translate(c.Src, r); ok {
				moved = append(moved, e)
			} else {
				stay = append(stay, c)
			}
		}
		if len(moved) == 0 {
			return n, false, nil
		}
		q := *v.q
		for _, e := range moved {
			if q.Where == nil {
				q.Where = e
			} else {
				q.Where = &ast.Binary{X: q.Where, Op: ast.OpAnd, Y: e}
			}
		}
		in, ok := p.replan(v, &q)
		if !ok || len(in.Schema()) != len(r.Sch) {
			return n, false, nil
		}
		r.In = in
		if len(stay) == 0 {
			return r, true, nil
		}
		f.Conds = stay
		return f, true, nil
	})
}

// simple reports whether conditions on the view's rows can be its own.
func (v *view) simple() bool {
	q := v.q
	if q.From == nil || len(q.Unions) > 0 || len(q.GroupBy) > 0 || q.Having != nil || q.Limit != nil || len(v.items) == 0 {
		return false
	}
	for _, it := range v.items {
		if _, ok := it.Expr.(*ast.ColumnRef); !ok || hasAggregate(it.Expr) {
			return false
		}
	}
	return true
}

// translate writes a condition on the view's rows (r's layout) in the
// view's own columns, on a copy; false when it reads anything but plain
// columns of the view, or holds a subquery.
func (v *view) translate(cond ast.Expr, r *exec.RenameNode) (ast.Expr, bool) {
	sub := false
	ast.Inspect(cond, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Subquery, *ast.Exists:
			sub = true
		case *ast.In:
			sub = sub || x.Query != nil
		}
		return !sub
	})
	if sub {
		return nil, false
	}
	// A copy to rename in: printing and parsing gives a fresh tree.
	e, err := ast.ParseExpr(cond.String())
	if err != nil {
		return nil, false
	}
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		ref, isRef := n.(*ast.ColumnRef)
		if !isRef || !ok {
			return ok
		}
		i, err := r.Sch.Resolve(ref)
		if err != nil || i >= len(v.items) {
			ok = false
			return false
		}
		inner := v.items[i].Expr.(*ast.ColumnRef)
		ref.Table, ref.Column = inner.Table, inner.Column
		return true
	})
	return e, ok
}

// replan plans the view's query q (its own with more conditions) again.
func (p *Planner) replan(v *view, q *ast.Select) (exec.PlanNode, bool) {
	corr := v.corr
	if v.with != nil {
		corr = &exec.Correlation{}
	}
	sub := &Planner{Sess: p.Sess, Ctx: p.Ctx, Q: q, scope: v.scope, outer: v.outer, corr: corr}
	n, err := sub.Plan()
	if err != nil {
		return nil, false
	}
	if v.with != nil && p.readsOuter(corr, v.with, v.pos) != nil {
		return nil, false
	}
	return n, true
}
