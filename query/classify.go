package query

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
	"github.com/laiondb/laiondb/query/ast"
)

// Classifiers: IMPORT CLASSIFIER (weights from an npy file), CREATE
// CLASSIFIER (weights from a query, such as class centroids), IMPORT
// PREDICTIONS (a model's predictions made elsewhere), SHOW and DROP.
// predict(), predict_topk(), class_score() and EVALUATE use them.

func (s *Session) execImportClassifier(ctx context.Context, st *ast.ImportClassifier) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	path, err := constText(c, st.Weights, "the weights file")
	if err != nil {
		return nil, err
	}
	classes := s.wnids
	classesFrom := "the 1000 ImageNet-1k classes in standard order"
	if st.Classes != nil {
		cp, err := constText(c, st.Classes, "the CLASSES file")
		if err != nil {
			return nil, err
		}
		if classes, err = readClassList(cp); err != nil {
			return nil, value.ErrAt(st.Classes.Pos(), "IMPORT CLASSIFIER: %v", err)
		}
		classesFrom = filepath.Base(cp)
	}
	w, dim, transposed, err := readClassMatrix(path, len(classes))
	if err != nil {
		return nil, value.ErrAt(st.Weights.Pos(), "IMPORT CLASSIFIER: %v (classes: %s)", err, classesFrom)
	}
	model := ""
	if st.Model != nil {
		if model, err = constText(c, st.Model, "the MODEL"); err != nil {
			return nil, err
		}
	}
	if model == "" {
		model = s.modelOfDim(dim)
	}
	if model == "" {
		model = engine.ModelForDim(dim)
	}
	clf := &engine.Classifier{Name: st.Name.Name, Classes: classes, Dim: dim, Model: model, Source: filepath.Base(path)}
	if err := s.db.PutClassifierWeights(clf, w, false); err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "IMPORT CLASSIFIER: %v", err)
	}
	msg := fmt.Sprintf("imported classifier %s: %d classes × %d-d", clf.Name, len(classes), dim)
	if model != "" {
		msg += " (" + model + ")"
	}
	if transposed {
		msg += fmt.Sprintf(", read from a %d × %d matrix (one column per class)", dim, len(classes))
	}
	return &Result{Message: msg}, nil
}

// constText evaluates a constant that must be text.
func constText(c *plan.Compiler, e ast.Expr, what string) (string, error) {
	v, err := c.Constant(e, what)
	if err != nil {
		return "", err
	}
	if v.T != value.TString {
		return "", value.ErrAt(e.Pos(), "%s is text, not %s", what, value.DisplayValue(v))
	}
	return v.S, nil
}

// readClassList reads class labels, one a line (blank lines are errors:
// they would shift every later class).
func readClassList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	seen := map[string]int{}
	for i, l := range lines {
		l = strings.TrimSpace(strings.TrimSuffix(l, "\r"))
		if l == "" {
			return nil, fmt.Errorf("%s:%d: empty line; one class label a line, line i being class i", path, i+1)
		}
		if j, dup := seen[l]; dup {
			return nil, fmt.Errorf("%s:%d: class %s is also on line %d", path, i+1, l, j+1)
		}
		seen[l] = i
		lines[i] = l
	}
	return lines, nil
}

// readClassMatrix reads an npy matrix of one weight vector per class, in
// either orientation: (classes, dim), or (dim, classes) read transposed.
// A square matrix is read as (classes, dim).
func readClassMatrix(path string, classes int) (w []float32, dim int, transposed bool, err error) {
	r, err := npy.Open(path)
	if err != nil {
		return nil, 0, false, err
	}
	defer r.Close()
	switch {
	case r.Rows == classes:
	case r.Dim == classes:
		r.Transpose()
		transposed = true
	default:
		return nil, 0, false, fmt.Errorf("%s is a %d × %d matrix, and neither side is the %d classes", path, r.Rows, r.Dim, classes)
	}
	dim = r.Dim
	es := r.DType.Size()
	raw := make([]byte, r.Rows*dim*es)
	if err := r.ReadRows(raw, 0, r.Rows); err != nil {
		return nil, 0, false, err
	}
	w = make([]float32, r.Rows*dim)
	if r.DType == npy.Float16 {
		vec.F16ToF32(w, raw)
	} else {
		for i := range w {
			w[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	for i, x := range w {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, 0, false, fmt.Errorf("%s: class %d has a NaN or infinite weight", path, i/dim)
		}
	}
	return w, dim, transposed, nil
}

// execCreateClassifier makes a weights classifier from a query's (class,
// vector) rows, each vector scaled to unit length: with centroids, a
// nearest-centroid classifier by cosine.
func (s *Session) execCreateClassifier(ctx context.Context, st *ast.CreateClassifier) (*Result, error) {
	rows, sch, err := s.queryValues(ctx, st.Query)
	if err != nil {
		return nil, err
	}
	if len(sch) != 2 || sch[1].Typ != value.TVector {
		return nil, value.ErrAt(st.Query.Pos(), "CREATE CLASSIFIER ... AS SELECT class, vector: select two columns, a class label and its weight vector (e.g. synset, centroid(img))")
	}
	var classes []string
	var w []float32
	seen := map[string]bool{}
	dim := 0
	for _, r := range rows {
		if r[0].T == value.TNull || r[1].T == value.TNull {
			return nil, value.ErrAt(st.Query.Pos(), "CREATE CLASSIFIER: a row with a NULL class or vector; filter them out")
		}
		label := value.AsText(r[0])
		if seen[label] {
			return nil, value.ErrAt(st.Query.Pos(), "CREATE CLASSIFIER: class %s has two rows; GROUP BY the class", label)
		}
		seen[label] = true
		v := r[1].V
		if dim == 0 {
			dim = len(v)
		} else if len(v) != dim {
			return nil, value.ErrAt(st.Query.Pos(), "CREATE CLASSIFIER: vectors of dimensions %d and %d", dim, len(v))
		}
		n := math.Sqrt(vec.DotF64(v, v))
		if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, value.ErrAt(st.Query.Pos(), "CREATE CLASSIFIER: class %s has a vector without a direction", label)
		}
		for _, x := range v {
			w = append(w, float32(float64(x)/n))
		}
		classes = append(classes, label)
	}
	if len(classes) == 0 {
		return nil, value.ErrAt(st.Query.Pos(), "CREATE CLASSIFIER: the query gave no rows")
	}
	model := sch[1].Model
	if model == "" {
		model = s.modelOfDim(dim)
	}
	clf := &engine.Classifier{Name: st.Name.Name, Classes: classes, Dim: dim, Model: model, Source: st.Query.String()}
	if err := s.db.PutClassifierWeights(clf, w, false); err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "CREATE CLASSIFIER: %v", err)
	}
	msg := fmt.Sprintf("created classifier %s: %d classes × %d-d", clf.Name, len(classes), dim)
	if model != "" {
		msg += " (" + model + ")"
	}
	return &Result{Message: msg}, nil
}

func (s *Session) execImportPredictions(ctx context.Context, st *ast.ImportPredictions) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	path, err := constText(c, st.File, "the predictions file")
	if err != nil {
		return nil, err
	}
	classes, p, err := engine.ReadPredictionsFile(path, s.wnids)
	if err != nil {
		return nil, value.ErrAt(st.File.Pos(), "IMPORT PREDICTIONS: %v", err)
	}
	clf := &engine.Classifier{Name: st.Name.Name, Classes: classes, Source: filepath.Base(path)}
	if err := s.db.PutPredictions(clf, p, false); err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "IMPORT PREDICTIONS: %v", err)
	}
	return &Result{Message: fmt.Sprintf("imported predictions %s: %d rows, top-%d", clf.Name, len(p.IDs), p.K)}, nil
}

func (s *Session) execDropClassifier(ctx context.Context, st *ast.DropClassifier) (*Result, error) {
	ok, err := s.db.DropClassifier(st.Name.Name)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "%v", err)
	}
	if !ok {
		if st.IfExists {
			return &Result{Message: "no classifier " + st.Name.Name}, nil
		}
		return nil, value.ErrAt(st.Name.Pos(), "%v: %s%s", engine.ErrNoClassifier, st.Name.Name, value.DidYouMean(st.Name.Name, s.classifierNames()))
	}
	return &Result{Message: "dropped classifier " + st.Name.Name}, nil
}

func (s *Session) execShowClassifiers(ctx context.Context) (*Result, error) {
	all, err := s.db.Classifiers()
	if err != nil {
		return nil, err
	}
	var rows []value.Row
	for _, c := range all {
		what := fmt.Sprintf("%d classes × %d-d", len(c.Classes), c.Dim)
		if c.Model != "" {
			what += " " + c.Model
		}
		if c.Kind == engine.ClassifierPredictions {
			what = fmt.Sprintf("%d rows, top-%d over %d classes", c.Rows, c.K, len(c.Classes))
		}
		rows = append(rows, value.Row{value.StringV(c.Name), value.StringV(c.Kind), value.StringV(what), value.StringV(c.Source)})
	}
	return &Result{Columns: []Column{{Name: "classifier", Type: value.TString}, {Name: "kind", Type: value.TString},
		{Name: "holds", Type: value.TString}, {Name: "from", Type: value.TString}}, Rows: value.NewSliceRows(rows)}, nil
}

func (s *Session) classifierNames() []string {
	var names []string
	if all, err := s.db.Classifiers(); err == nil {
		for _, c := range all {
			names = append(names, c.Name)
		}
	}
	return names
}
