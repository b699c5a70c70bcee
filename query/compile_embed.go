package query

import (
	"github.com/laiondb/laiondb/query/ast"
)

// compileEmbed binds embed(text) to its model.
func (c *compiler) compileEmbed(x *ast.Call) (expr, error) {
	if len(x.Args) != 1 || x.Star || x.Distinct {
		return nil, errAt(x.Pos(), "embed takes one text argument: embed('a photo of a dog')")
	}
	arg, err := c.compile(x.Args[0])
	if err != nil {
		return nil, err
	}
	if !typeFits(arg.typ(), tString) {
		return nil, errAt(x.Args[0].Pos(), "embed takes text, not %s", typeName(arg.typ()))
	}
	model := c.sess.EmbedModel(c.sch)
	if model == "" {
		return nil, errAt(x.Pos(), "embed: which model? SET embed_model = 'clip-vit-b32' (the model of the vectors you compare with)")
	}
	return &embedExpr{arg: arg, model: model}, nil
}
