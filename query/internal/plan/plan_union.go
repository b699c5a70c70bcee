package plan

import (
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// naiveUnion plans SELECT ... UNION [ALL] SELECT ...: each arm as a query
// of its own, then the union, then ORDER BY and LIMIT over its rows. The
// arms must select as many columns each, of types that fit together
// (INT and FLOAT make FLOAT; NULL fits anything); the union's columns are
// named by the first arm. UNION keeps each distinct row once; a UNION
// after a UNION ALL applies to all the rows before it, as SQL reads
// a UNION ALL b UNION c as (a UNION ALL b) UNION c.
func (p *Planner) naiveUnion() (exec.PlanNode, error) {
	q := p.Q
	first := *q
	first.With, first.Unions, first.OrderBy, first.Limit = nil, nil, nil, nil
	arms := []*ast.Select{&first}
	for _, u := range q.Unions {
		arms = append(arms, u.Query)
	}
	var nodes []exec.PlanNode
	var sch value.Schema
	for i, a := range arms {
		arm := p.sub(a)
		arm.views = p.viewMap() // the rules run over the whole union, at this level
		n, err := arm.naive()
		if err != nil {
			return nil, err
		}
		as := n.Schema()
		if i == 0 {
			for _, c := range as {
				sch = append(sch, value.ColInfo{Name: c.Name, Typ: c.Typ, Dim: c.Dim, Model: c.Model})
			}
			nodes = append(nodes, n)
			continue
		}
		if len(as) != len(sch) {
			return nil, value.ErrAt(a.Pos(), "each SELECT of a UNION must select as many columns as the first: the first selects %d, this one %d", len(sch), len(as))
		}
		for c := range as {
			t, ok := unionType(sch[c].Typ, as[c].Typ)
			if !ok {
				return nil, value.ErrAt(a.Pos(), "UNION: column %d (%s) is %s in the first SELECT and %s in this one; select values of one type in each column",
					c+1, sch[c].Name, value.TypeName(sch[c].Typ), value.TypeName(as[c].Typ))
			}
			sch[c].Typ = t
			if as[c].Dim != sch[c].Dim || as[c].Model != sch[c].Model {
				sch[c].Dim, sch[c].Model = 0, ""
			}
		}
		nodes = append(nodes, n)
	}
	var node exec.PlanNode = nodes[0]
	for i, u := range q.Unions {
		arm := nodes[i+1]
		if !u.All {
			node = &exec.UnionNode{Ins: append([]exec.PlanNode(nil), nodes[:i+2]...), Distinct: true, Sch: sch}
			continue
		}
		if un, ok := node.(*exec.UnionNode); ok && !un.Distinct {
			un.Ins = append(un.Ins, arm)
		} else {
			node = &exec.UnionNode{Ins: []exec.PlanNode{node, arm}, Sch: sch}
		}
	}

	// ORDER BY and LIMIT name the union's columns by name or ordinal, or
	// compute from them.
	nOut := len(sch)
	exprs := make([]exec.Expr, nOut)
	for i, c := range sch {
		exprs[i] = &exec.ColExpr{Idx: i, Name: c.Name, T: c.Typ}
	}
	c := p.compiler(sch)
	ord := &ordering{nOut: nOut, exprs: exprs, sch: append(value.Schema(nil), sch...), compile: c.Compile}
	keys, keyText, keySrc, err := ord.keys(q.OrderBy)
	if err != nil {
		return nil, err
	}
	perCol, count, offset, err := p.limit(q.Limit, ord)
	if err != nil {
		return nil, err
	}
	if len(ord.exprs) > nOut {
		node = &exec.ProjectNode{In: node, Exprs: ord.exprs, Sch: ord.sch}
	}
	return finish(node, keys, keyText, keySrc, q.Limit, perCol, count, offset, len(ord.exprs) > nOut, nOut), nil
}

// unionType is the type of a union column whose arms give a and b.
func unionType(a, b value.Type) (value.Type, bool) {
	switch {
	case a == b:
		return a, true
	case a == value.TAny || a == value.TNull:
		return b, true
	case b == value.TAny || b == value.TNull:
		return a, true
	case value.IsNumeric(a) && value.IsNumeric(b):
		if a == value.TFloat || b == value.TFloat {
			return value.TFloat, true
		}
		return value.TInt, true
	}
	return 0, false
}
