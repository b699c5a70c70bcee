package exec

import (
	"strings"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"
)

// CallExpr is a call of a scalar function.
type CallExpr struct {
	Fn   *funcs.Function
	Args []Expr
	T    value.Type
}

func (e *CallExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	vals := make([]value.Value, len(e.Args))
	for i, a := range e.Args {
		v, err := a.Eval(ec, row)
		if err != nil {
			return value.Value{}, err
		}
		vals[i] = v
	}
	return e.Fn.Eval(ec.host, vals)
}

func (e *CallExpr) Typ() value.Type { return e.T }

func (e *CallExpr) String() string {
	var parts []string
	for _, a := range e.Args {
		parts = append(parts, a.String())
	}
	return e.Fn.Name + "(" + strings.Join(parts, ", ") + ")"
}
