package query

import (
	"fmt"

	"github.com/laiondb/laiondb/query/ast"
)

// subqueryExpr is a scalar subquery. Subqueries cannot refer to the outer
// query, so each runs once and its value is reused.
type subqueryExpr struct {
	plan planNode
	t    Type
	text string
	pos  ast.Pos
	done bool
	v    Value
}

func (e *subqueryExpr) eval(ec *evalCtx, _ Row) (Value, error) {
	if e.done {
		return e.v, nil
	}
	it, err := e.plan.open(ec)
	if err != nil {
		return Value{}, err
	}
	defer it.Close()
	n := 0
	for it.Next() {
		n++
		if n > 1 {
			return Value{}, fmt.Errorf("scalar subquery %s returned more than one row; add LIMIT 1 or an aggregate", e.text)
		}
		e.v = it.Row()[0]
		if e.v.T == tVector {
			e.v.V = append([]float32(nil), e.v.V...)
		}
	}
	if err := it.Err(); err != nil {
		return Value{}, err
	}
	e.done = true
	return e.v, nil
}
func (e *subqueryExpr) typ() Type      { return e.t }
func (e *subqueryExpr) String() string { return e.text }

type existsExpr struct {
	plan planNode
	done bool
	v    bool
}

func (e *existsExpr) eval(ec *evalCtx, _ Row) (Value, error) {
	if !e.done {
		it, err := e.plan.open(ec)
		if err != nil {
			return Value{}, err
		}
		e.v = it.Next()
		err = it.Err()
		it.Close()
		if err != nil {
			return Value{}, err
		}
		e.done = true
	}
	return boolV(e.v), nil
}
func (e *existsExpr) typ() Type      { return tBool }
func (e *existsExpr) String() string { return "EXISTS (...)" }

type inQueryExpr struct {
	x      expr
	plan   planNode
	not    bool
	done   bool
	set    map[valueKey]bool
	hasNil bool
}

func (e *inQueryExpr) eval(ec *evalCtx, row Row) (Value, error) {
	if !e.done {
		it, err := e.plan.open(ec)
		if err != nil {
			return Value{}, err
		}
		e.set = map[valueKey]bool{}
		for it.Next() {
			v := it.Row()[0]
			if v.T == tNull {
				e.hasNil = true
				continue
			}
			e.set[keyOf(v)] = true
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return Value{}, err
		}
		e.done = true
	}
	v, err := e.x.eval(ec, row)
	if err != nil || v.T == tNull {
		return Value{}, err
	}
	if e.set[keyOf(v)] {
		return boolV(!e.not), nil
	}
	if e.hasNil {
		return Value{}, nil
	}
	return boolV(e.not), nil
}
func (e *inQueryExpr) typ() Type { return tBool }
func (e *inQueryExpr) String() string {
	if e.not {
		return e.x.String() + " NOT IN (SELECT ...)"
	}
	return e.x.String() + " IN (SELECT ...)"
}
