package grammar

import "github.com/alecthomas/participle/v2/lexer"

// The productions of the paper's second and third findings (issue 13):
// classifiers and their evaluation, sampling, and the options of COMPARE
// and PLOT that the statistics need. The statements hang off Statement,
// the clauses off Select, Compare, PlotOption, Matches and Call.

func init() {
	// SAMPLE follows a table or set name, where a bare word would read
	// as the source's alias.
	reserved["SAMPLE"] = true
}

// Sample is SAMPLE n [PER e] or SAMPLE p PERCENT, then [SEED s].
type Sample struct {
	Pos     lexer.Position
	Size    *Concat `parser:"'SAMPLE' @@"`
	Percent bool    `parser:"( @'PERCENT'"`
	Per     *Concat `parser:"| 'PER' @@ )?"`
	Seed    *Concat `parser:"( 'SEED' @@ )?"`
}

// ClassifierName names a classifier or a set of imported predictions.
type ClassifierName Name

// ImportClassifier is IMPORT CLASSIFIER name FROM weights [CLASSES file]
// [MODEL m].
type ImportClassifier struct {
	Pos     lexer.Position
	Name    *ClassifierName `parser:"'IMPORT' 'CLASSIFIER' @@"`
	Weights *Concat         `parser:"'FROM' @@"`
	Classes *Concat         `parser:"( 'CLASSES' @@ )?"`
	Model   *Concat         `parser:"( 'MODEL' @@ )?"`
}

// ImportPredictions is IMPORT PREDICTIONS FROM file AS name.
type ImportPredictions struct {
	Pos  lexer.Position
	File *Concat         `parser:"'IMPORT' 'PREDICTIONS' 'FROM' @@"`
	Name *ClassifierName `parser:"'AS' @@"`
}

// CreateClassifier is CREATE CLASSIFIER name AS query, the query giving
// (class, vector) rows.
type CreateClassifier struct {
	Pos   lexer.Position
	Name  *ClassifierName `parser:"'CREATE' 'CLASSIFIER' @@"`
	Query *Select         `parser:"'AS' @@"`
}

// DropClassifier is DROP CLASSIFIER [IF EXISTS] name.
type DropClassifier struct {
	Pos      lexer.Position
	IfExists bool            `parser:"'DROP' 'CLASSIFIER' @( 'IF' 'EXISTS' )?"`
	Name     *ClassifierName `parser:"@@"`
}

// ShowClassifiers is SHOW CLASSIFIERS.
type ShowClassifiers struct {
	Pos  lexer.Position
	Show bool `parser:"'SHOW' @'CLASSIFIERS'"`
}

// Evaluate is EVALUATE name ON source [LABEL e] [PER CLASS].
type Evaluate struct {
	Pos      lexer.Position
	Name     *ClassifierName `parser:"'EVALUATE' @@"`
	Source   *EvalSource     `parser:"'ON' @@"`
	Label    *Expression     `parser:"( 'LABEL' @@ )?"`
	PerClass bool            `parser:"@( 'PER' 'CLASS' )?"`
}

// EvalSource is the source of EVALUATE: a table or set, or a subquery,
// whose alias needs AS (so that a LABEL or PER after it is not taken for
// one).
type EvalSource struct {
	Pos        lexer.Position
	Table      *SourceName `parser:"  @@"`
	TableAlias *Alias      `parser:"  ( 'AS' @@ )?"`
	Query      *Statement  `parser:"| '(' @@ ')'"`
	QueryAlias *Alias      `parser:"  'AS' @@"`
}

// CompareMethod is COMPARE's METHOD paper | jackknife | bootstrap
// [RESAMPLES n] [SEED s].
type CompareMethod struct {
	Pos       lexer.Position
	Method    string  `parser:"'METHOD' @( 'PAPER' | 'JACKKNIFE' | 'BOOTSTRAP' )"`
	Resamples *Concat `parser:"( 'RESAMPLES' @@ )?"`
	Seed      *Concat `parser:"( 'SEED' @@ )?"`
}

// Line is PLOT LINE (q), ... TO file [TITLE t] [XLABEL x] [YLABEL y]: each
// query's (x, y) rows as one line.
type Line struct {
	Pos     lexer.Position
	Queries []*Select     `parser:"'LINE' '(' @@ ')' ( ',' '(' @@ ')' )*"`
	To      *Concat       `parser:"'TO' @@"`
	Options []*LineOption `parser:"@@*"`
}

type LineOption struct {
	Pos    lexer.Position
	Title  *Concat `parser:"  'TITLE' @@"`
	XLabel *Concat `parser:"| 'XLABEL' @@"`
	YLabel *Concat `parser:"| 'YLABEL' @@"`
}
