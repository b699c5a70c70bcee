package query

import (
	"strings"
)

type callExpr struct {
	fn   *function
	args []expr
	t    Type
	vals []Value
}

func (e *callExpr) eval(ec *evalCtx, row Row) (Value, error) {
	vals := make([]Value, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil {
			return Value{}, err
		}
		vals[i] = v
	}
	return e.fn.eval(ec.host, vals)
}

func (e *callExpr) typ() Type { return e.t }

func (e *callExpr) String() string {
	var parts []string
	for _, a := range e.args {
		parts = append(parts, a.String())
	}
	return e.fn.name + "(" + strings.Join(parts, ", ") + ")"
}
