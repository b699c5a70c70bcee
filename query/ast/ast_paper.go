package ast

// The syntax of issue 13: classifiers and their evaluation, sampling, and
// the options COMPARE and PLOT gained. Fields added to existing nodes are
// Select.Sample, Matches.Hyponyms, Call.Rule, CompareIntraclass.Method
// (with Resamples and Seed) and Plot.Density, RangeLo, RangeHi and XLabel.

// Sample is SAMPLE size [PER per] [SEED seed] (size rows, in each group of
// per when given) or SAMPLE size PERCENT [SEED seed]. It draws from the
// rows that pass WHERE, before GROUP BY.
type Sample struct {
	SamplePos Pos
	Size      Expr
	Percent   bool
	Per       Expr // nil when absent
	Seed      Expr // nil when absent
}

func (x *Sample) Pos() Pos { return x.SamplePos }

// ImportClassifier is IMPORT CLASSIFIER name FROM weights [CLASSES file]
// [MODEL m]: a (classes × dim) or (dim × classes) matrix of class weight
// vectors.
type ImportClassifier struct {
	stmtBase
	Name    Ident
	Weights Expr
	Classes Expr // nil when absent
	Model   Expr // nil when absent
}

// ImportPredictions is IMPORT PREDICTIONS FROM file AS name: a model's
// predictions per row id, made elsewhere.
type ImportPredictions struct {
	stmtBase
	File Expr
	Name Ident
}

// CreateClassifier is CREATE CLASSIFIER name AS query: a classifier whose
// class weight vectors are the query's (class, vector) rows, e.g. class
// centroids.
type CreateClassifier struct {
	stmtBase
	Name  Ident
	Query *Select
}

// DropClassifier is DROP CLASSIFIER [IF EXISTS] name.
type DropClassifier struct {
	stmtBase
	IfExists bool
	Name     Ident
}

// ShowClassifiers is SHOW CLASSIFIERS.
type ShowClassifiers struct {
	stmtBase
}

// Evaluate is EVALUATE name ON source [LABEL label] [PER CLASS]: the top-1
// and top-5 accuracy of a classifier or of imported predictions against a
// label (default synset).
type Evaluate struct {
	stmtBase
	Name     Ident
	Source   Source
	Label    Expr // nil when absent
	PerClass bool
}

// The methods of COMPARE INTRACLASS's interval.
const (
	MethodDefault   = ""
	MethodPaper     = "paper"
	MethodJackknife = "jackknife"
	MethodBootstrap = "bootstrap"
)
