package exec

import (
	"fmt"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// subqueryExpr is a scalar subquery. Subqueries cannot refer to the outer
// query, so each runs once and its value is reused.
type SubqueryExpr struct {
	Plan PlanNode
	T    value.Type
	Text string
	Pos  ast.Pos
	done bool
	v    value.Value
}

func (e *SubqueryExpr) Eval(ec *EvalCtx, _ value.Row) (value.Value, error) {
	if e.done {
		return e.v, nil
	}
	it, err := e.Plan.Open(ec)
	if err != nil {
		return value.Value{}, err
	}
	defer it.Close()
	n := 0
	for it.Next() {
		n++
		if n > 1 {
			return value.Value{}, fmt.Errorf("scalar subquery %s returned more than one row; add LIMIT 1 or an aggregate", e.Text)
		}
		e.v = it.Row()[0]
		if e.v.T == value.TVector {
			e.v.V = append([]float32(nil), e.v.V...)
		}
	}
	if err := it.Err(); err != nil {
		return value.Value{}, err
	}
	e.done = true
	return e.v, nil
}
func (e *SubqueryExpr) Typ() value.Type { return e.T }
func (e *SubqueryExpr) String() string  { return e.Text }

type ExistsExpr struct {
	Plan PlanNode
	done bool
	v    bool
}

func (e *ExistsExpr) Eval(ec *EvalCtx, _ value.Row) (value.Value, error) {
	if !e.done {
		it, err := e.Plan.Open(ec)
		if err != nil {
			return value.Value{}, err
		}
		e.v = it.Next()
		err = it.Err()
		it.Close()
		if err != nil {
			return value.Value{}, err
		}
		e.done = true
	}
	return value.BoolV(e.v), nil
}
func (e *ExistsExpr) Typ() value.Type { return value.TBool }
func (e *ExistsExpr) String() string  { return "EXISTS (...)" }

type InQueryExpr struct {
	X      Expr
	Plan   PlanNode
	Not    bool
	done   bool
	set    map[value.ValueKey]bool
	hasNil bool
}

func (e *InQueryExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	if !e.done {
		it, err := e.Plan.Open(ec)
		if err != nil {
			return value.Value{}, err
		}
		e.set = map[value.ValueKey]bool{}
		for it.Next() {
			v := it.Row()[0]
			if v.T == value.TNull {
				e.hasNil = true
				continue
			}
			e.set[value.KeyOf(v)] = true
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return value.Value{}, err
		}
		e.done = true
	}
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	if e.set[value.KeyOf(v)] {
		return value.BoolV(!e.Not), nil
	}
	if e.hasNil {
		return value.Value{}, nil
	}
	return value.BoolV(e.Not), nil
}
func (e *InQueryExpr) Typ() value.Type { return value.TBool }
func (e *InQueryExpr) String() string {
	if e.Not {
		return e.X.String() + " NOT IN (SELECT ...)"
	}
	return e.X.String() + " IN (SELECT ...)"
}
