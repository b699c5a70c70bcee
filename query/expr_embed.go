package query

// embedExpr is embed(text) bound to the model it answers with.
type embedExpr struct {
	arg   expr
	model string
}

func (e *embedExpr) eval(ec *evalCtx, row Row) (Value, error) {
	v, err := e.arg.eval(ec, row)
	if err != nil || v.T == tNull {
		return Value{}, err
	}
	vec, err := ec.host.EmbedText(ec.ctx, e.model, asText(v))
	if err != nil {
		return Value{}, err
	}
	return vectorV(vec), nil
}

func (e *embedExpr) typ() Type { return tVector }

func (e *embedExpr) String() string { return "embed(" + e.arg.String() + ")" }
