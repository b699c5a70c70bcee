package exec

import (
	"github.com/laiondb/laiondb/query/internal/value"
)

// EmbedExpr is embed(text) bound to the model it answers with.
type EmbedExpr struct {
	Arg   Expr
	Model string
}

func (e *EmbedExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.Arg.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	if c := ec.collect; c != nil && c.exprs[e] {
		return c.collect(ec.host, e.Model, value.AsText(v)), nil
	}
	vec, err := ec.host.EmbedText(ec.ctx, e.Model, value.AsText(v))
	if err != nil {
		return value.Value{}, err
	}
	return value.VectorV(vec), nil
}

func (e *EmbedExpr) Typ() value.Type { return value.TVector }

func (e *EmbedExpr) String() string { return "embed(" + e.Arg.String() + ")" }
