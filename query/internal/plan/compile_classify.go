package plan

import (
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
)

// classifierFunctions are compiled here: they bind a stored classifier
// when the statement is planned.
var classifierFunctions = map[string]string{
	"predict":      "predict(img, 'classifier'): the best class's label (for imported predictions: predict(id, 'name'))",
	"predict_topk": "predict_topk(img, 'classifier', k): the k best classes' labels, best first, comma-separated",
	"class_score":  "class_score(img, 'classifier', class): the classifier's score of one class, w_class·img (NULL for a class it does not have)",
}

func init() {
	for name := range classifierFunctions {
		funcs.CompiledFunctions = append(funcs.CompiledFunctions, name)
	}
}

// compileClassifier compiles predict, predict_topk and class_score.
func (c *Compiler) compileClassifier(x *ast.Call, name string) (exec.Expr, error) {
	want := 2
	if name != "predict" {
		want = 3
	}
	if x.Star || x.Distinct || x.Rule != ast.RuleDefault || len(x.Args) != want {
		return nil, value.ErrAt(x.Pos(), "%s takes %d arguments: %s", name, want, classifierFunctions[name])
	}
	arg, err := c.Compile(x.Args[0])
	if err != nil {
		return nil, err
	}
	nv, err := c.Constant(x.Args[1], "the classifier's name")
	if err != nil {
		return nil, err
	}
	if nv.T != value.TString {
		return nil, value.ErrAt(x.Args[1].Pos(), "%s names its classifier as text, e.g. 'clip'", name)
	}
	clf, err := funcs.LoadClassifier(c.Sess.Snapshot(), nv.S)
	if errors.Is(err, engine.ErrNoClassifier) {
		return nil, value.ErrAt(x.Args[1].Pos(), "no classifier %s%s; IMPORT CLASSIFIER or CREATE CLASSIFIER makes one, SHOW CLASSIFIERS lists them", nv.S, value.DidYouMean(nv.S, c.classifierNames()))
	}
	if err != nil {
		return nil, value.ErrAt(x.Args[1].Pos(), "%v", err)
	}
	if clf.Preds != nil {
		if name == "class_score" {
			return nil, value.ErrAt(x.Args[1].Pos(), "%s holds predictions made elsewhere, which have no scores; class_score needs a classifier with weights", clf.Name)
		}
		if !funcs.TypeFits(arg.Typ(), value.TInt) {
			return nil, value.ErrAt(x.Args[0].Pos(), "%s holds predictions per row id: %s(id, '%s'), not %s", clf.Name, name, clf.Name, value.TypeName(arg.Typ()))
		}
	} else {
		if arg.Typ() != value.TVector && arg.Typ() != value.TAny {
			return nil, value.ErrAt(x.Args[0].Pos(), "%s scores vectors such as img, not %s", clf.Name, value.TypeName(arg.Typ()))
		}
		if ce, ok := arg.(*exec.ColExpr); ok && ce.Idx < len(c.sch) {
			col := c.sch[ce.Idx]
			if col.Dim > 0 && col.Dim != clf.Dim {
				return nil, value.ErrAt(x.Args[0].Pos(), "%s is %d-d, but classifier %s scores %d-d vectors", x.Args[0], col.Dim, clf.Name, clf.Dim)
			}
		}
		if m := c.modelOf(arg); m != "" && clf.Model != "" && m != clf.Model && !value.Truth(c.Sess.Setting("allow_model_mismatch")) {
			return nil, value.ErrAt(x.Pos(), "%s scores %s embeddings, but %s is %s; use vectors of its model, or SET allow_model_mismatch = true", clf.Name, clf.Model, x.Args[0], m)
		}
	}
	switch name {
	case "predict":
		return &exec.PredictExpr{X: arg, Clf: clf}, nil
	case "predict_topk":
		k, err := c.Constant(x.Args[2], "k")
		if err != nil {
			return nil, err
		}
		if k.T != value.TInt || k.I < 1 || k.I > int64(len(clf.Classes)) {
			return nil, value.ErrAt(x.Args[2].Pos(), "k must be an integer from 1 to %d (the classes of %s), not %s", len(clf.Classes), clf.Name, value.DisplayValue(k))
		}
		return &exec.PredictExpr{X: arg, Clf: clf, K: int(k.I)}, nil
	}
	class, err := c.Compile(x.Args[2])
	if err != nil {
		return nil, err
	}
	if !funcs.TypeFits(class.Typ(), value.TString) {
		return nil, value.ErrAt(x.Args[2].Pos(), "class_score takes the class as its label (a WNID such as synset), not %s", value.TypeName(class.Typ()))
	}
	return &exec.ClassScoreExpr{X: arg, Class: class, Clf: clf}, nil
}

// classifierNames lists the classifiers, for did-you-mean hints.
func (c *Compiler) classifierNames() []string {
	var names []string
	if all, err := c.Sess.Snapshot().Classifiers(); err == nil {
		for _, cl := range all {
			names = append(names, cl.Name)
		}
	}
	return names
}

// isClassifierFunction reports whether name is compiled by
// compileClassifier.
func isClassifierFunction(name string) bool {
	_, ok := classifierFunctions[strings.ToLower(name)]
	return ok
}
