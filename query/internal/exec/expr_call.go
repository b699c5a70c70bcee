package exec

import (
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// CallExpr is a call of a scalar function.
type CallExpr struct {
	Fn   *funcs.Function
	Args []Expr
	T    value.Type
	Pos  ast.Pos // of the call, for the error of an INT overflow
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
	v, err := e.Fn.Eval(ec.host, vals)
	if errors.Is(err, value.ErrOverflow) {
		return value.Value{}, value.OverflowAt(e.Pos, e.String())
	}
	return v, err
}

func (e *CallExpr) Typ() value.Type { return e.T }

func (e *CallExpr) String() string {
	var parts []string
	for _, a := range e.Args {
		parts = append(parts, a.String())
	}
	return e.Fn.Name + "(" + strings.Join(parts, ", ") + ")"
}
