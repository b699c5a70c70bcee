package exec

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// OuterRef reads a column of a query around the subquery it is in: Depth
// 1 is the row the innermost subquery expression around it is evaluated
// on, 2 the row around that one, and so on. The subquery expression puts
// the row there while its plan runs (Correlation.run).
type OuterRef struct {
	Depth, Idx int
	Name       string
	T          value.Type
}

func (e *OuterRef) Eval(ec *EvalCtx, _ value.Row) (value.Value, error) {
	i := len(ec.outer) - e.Depth
	if i < 0 || e.Idx >= len(ec.outer[i]) {
		return value.Value{}, fmt.Errorf("%s is read outside the query it belongs to", e.Name)
	}
	return ec.outer[i][e.Idx], nil
}
func (e *OuterRef) Typ() value.Type { return e.T }
func (e *OuterRef) String() string  { return e.Name }

// Correlation is what a subquery reads of the queries around it (Params,
// each at a depth counted from the subquery expression, as OuterRef
// counts). A subquery without params runs once; one with params runs
// for each new combination of their values, which is cached: a
// correlated subquery costs one run per distinct outer key, not per row.
type Correlation struct {
	Params []OuterRef
	once   bool
	result any
	cache  map[string]any
}

// maxCached bounds the results a correlated subquery keeps; past it the
// cache starts again (results are recomputed, never wrong).
const maxCached = 4096

// explain says how often the subquery runs.
func (c *Correlation) explain() string {
	if len(c.Params) == 0 {
		return "runs once"
	}
	var names []string
	for _, p := range c.Params {
		names = append(names, p.Name)
	}
	return "runs for each distinct " + strings.Join(names, ", ") + " of the rows around it"
}

// Correlated reports whether the subquery reads an outer row.
func (c *Correlation) Correlated() bool { return len(c.Params) > 0 }

// run returns f's result for the outer values of row, running f with row
// visible to the plan's OuterRefs when it is not cached.
func (c *Correlation) run(ec *EvalCtx, row value.Row, limit int, f func() (any, error)) (any, error) {
	if len(c.Params) == 0 {
		if !c.once {
			r, err := f()
			if err != nil {
				return nil, err
			}
			c.result, c.once = r, true
		}
		return c.result, nil
	}
	vals := make([]value.Value, len(c.Params))
	for i, p := range c.Params {
		if p.Depth == 1 {
			vals[i] = row[p.Idx]
			continue
		}
		r := ec.outer[len(ec.outer)-(p.Depth-1)]
		vals[i] = r[p.Idx]
	}
	k := rowKey(vals)
	if r, ok := c.cache[k]; ok {
		return r, nil
	}
	ec.outer = append(ec.outer, row)
	r, err := f()
	ec.outer = ec.outer[:len(ec.outer)-1]
	if err != nil {
		return nil, err
	}
	if c.cache == nil || len(c.cache) >= limit {
		c.cache = map[string]any{}
	}
	c.cache[k] = r
	return r, nil
}

// SubqueryExpr is a scalar subquery: the one value of its one row, NULL
// when it returns no row.
type SubqueryExpr struct {
	Plan PlanNode
	T    value.Type
	Text string
	Pos  ast.Pos
	Corr Correlation
}

func (e *SubqueryExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	r, err := e.Corr.run(ec, row, maxCached, func() (any, error) {
		it, err := e.Plan.Open(ec)
		if err != nil {
			return nil, err
		}
		defer it.Close()
		var v value.Value
		n := 0
		for it.Next() {
			n++
			if n > 1 {
				return nil, value.ErrAt(e.Pos, "scalar subquery %s returned more than one row; add LIMIT 1 or an aggregate", e.Text)
			}
			v = it.Row()[0]
			if v.T == value.TVector {
				v.V = append([]float32(nil), v.V...)
			}
		}
		return v, it.Err()
	})
	if err != nil {
		return value.Value{}, err
	}
	return r.(value.Value), nil
}
func (e *SubqueryExpr) Typ() value.Type { return e.T }
func (e *SubqueryExpr) String() string  { return e.Text }

// ExistsExpr is EXISTS (subquery).
type ExistsExpr struct {
	Plan PlanNode
	Text string
	Corr Correlation
}

func (e *ExistsExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	r, err := e.Corr.run(ec, row, maxCached, func() (any, error) {
		it, err := e.Plan.Open(ec)
		if err != nil {
			return nil, err
		}
		defer it.Close()
		found := it.Next()
		return found, it.Err()
	})
	if err != nil {
		return value.Value{}, err
	}
	return value.BoolV(r.(bool)), nil
}
func (e *ExistsExpr) Typ() value.Type { return value.TBool }
func (e *ExistsExpr) String() string  { return e.Text }

// InQueryExpr is x [NOT] IN (subquery), with SQL's NULLs: NULL when x is
// NULL or the subquery returns a NULL and no match, except that nothing is
// IN no rows at all (x NOT IN (empty) is true even for a NULL x).
type InQueryExpr struct {
	X    Expr
	Plan PlanNode
	Not  bool
	Text string // the subquery
	Corr Correlation
}

// inSet is the subquery's answer: its values, whether one is NULL, and
// whether it returned any row.
type inSet struct {
	vals   map[value.ValueKey]bool
	hasNil bool
	any    bool
}

func (e *InQueryExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	r, err := e.Corr.run(ec, row, 64, func() (any, error) {
		it, err := e.Plan.Open(ec)
		if err != nil {
			return nil, err
		}
		defer it.Close()
		s := &inSet{vals: map[value.ValueKey]bool{}}
		for it.Next() {
			s.any = true
			v := it.Row()[0]
			if v.T == value.TNull {
				s.hasNil = true
				continue
			}
			s.vals[value.KeyOf(v)] = true
		}
		return s, it.Err()
	})
	if err != nil {
		return value.Value{}, err
	}
	s := r.(*inSet)
	if !s.any {
		return value.BoolV(e.Not), nil
	}
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	if s.vals[value.KeyOf(v)] {
		return value.BoolV(!e.Not), nil
	}
	if s.hasNil {
		return value.Value{}, nil
	}
	return value.BoolV(e.Not), nil
}
func (e *InQueryExpr) Typ() value.Type { return value.TBool }
func (e *InQueryExpr) String() string {
	if e.Not {
		return e.X.String() + " NOT IN " + e.Text
	}
	return e.X.String() + " IN " + e.Text
}
