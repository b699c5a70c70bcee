package exec

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"
)

// scores are scratch buffers for TopK's float32 scores, one per call in
// flight (an expression may be evaluated from more than one goroutine).
var scores = sync.Pool{New: func() any { b := make([]float32, 0, 1024); return &b }}

// PredictExpr is predict(x, 'name') (K = 0: the best class's label) or
// predict_topk(x, 'name', K) (the K best labels, best first, joined by
// commas). x is a vector for a weights classifier and a row id for
// imported predictions; a row those do not cover gives NULL.
type PredictExpr struct {
	X   Expr
	Clf *funcs.Classifier
	K   int
}

func (e *PredictExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	k := max(e.K, 1)
	var classes []int
	if e.Clf.Preds != nil {
		if v.T != value.TInt {
			return value.Value{}, fmt.Errorf("predictions %s are looked up by row id, not %s", e.Clf.Name, value.DisplayValue(v))
		}
		classes = e.Clf.Predicted(uint64(v.I))
		if classes == nil {
			return value.Value{}, nil
		}
		classes = classes[:min(k, len(classes))]
	} else {
		if err := e.Clf.CheckVector(v.V); err != nil {
			return value.Value{}, err
		}
		scratch := scores.Get().(*[]float32)
		classes = e.Clf.TopK(v.V, k, *scratch)
		scores.Put(scratch)
	}
	return value.StringV(e.Clf.Labels(classes)), nil
}

func (e *PredictExpr) Typ() value.Type { return value.TString }

func (e *PredictExpr) String() string {
	name := value.DisplayValue(value.StringV(e.Clf.Name))
	if e.K == 0 {
		return "predict(" + e.X.String() + ", " + name + ")"
	}
	return "predict_topk(" + e.X.String() + ", " + name + ", " + strconv.Itoa(e.K) + ")"
}

// ClassScoreExpr is class_score(v, 'name', class): the weights
// classifier's score w_class·v of one class (NULL for a class it does not
// have).
type ClassScoreExpr struct {
	X, Class Expr
	Clf      *funcs.Classifier
}

func (e *ClassScoreExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	c, err := e.Class.Eval(ec, row)
	if err != nil || c.T == value.TNull {
		return value.Value{}, err
	}
	if err := e.Clf.CheckVector(v.V); err != nil {
		return value.Value{}, err
	}
	k := e.Clf.ClassOf(value.AsText(c))
	if k < 0 {
		return value.Value{}, nil
	}
	return value.FloatV(e.Clf.Score(v.V, k)), nil
}

func (e *ClassScoreExpr) Typ() value.Type { return value.TFloat }

func (e *ClassScoreExpr) String() string {
	return "class_score(" + e.X.String() + ", " + value.DisplayValue(value.StringV(e.Clf.Name)) + ", " + e.Class.String() + ")"
}
