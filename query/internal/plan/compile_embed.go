package plan

import (
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"
)

// compileEmbed binds embed(text) to its model.
func (c *Compiler) compileEmbed(x *ast.Call) (exec.Expr, error) {
	if len(x.Args) != 1 || x.Star || x.Distinct {
		return nil, value.ErrAt(x.Pos(), "embed takes one text argument: embed('a photo of a dog')")
	}
	arg, err := c.Compile(x.Args[0])
	if err != nil {
		return nil, err
	}
	if !funcs.TypeFits(arg.Typ(), value.TString) {
		return nil, value.ErrAt(x.Args[0].Pos(), "embed takes text, not %s", value.TypeName(arg.Typ()))
	}
	model := c.Sess.EmbedModel(c.sch)
	if model == "" {
		return nil, value.ErrAt(x.Pos(), "embed: which model? SET embed_model = 'clip-vit-b32' (the model of the vectors you compare with)")
	}
	return &exec.EmbedExpr{Arg: arg, Model: model}, nil
}
