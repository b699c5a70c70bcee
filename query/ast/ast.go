package ast

import "fmt"

// Pos is a place in the source: 1-based line, 1-based column counted in
// characters (runes), and 0-based byte offset. The zero Pos means
// "unknown" (a node built by hand rather than parsed).
type Pos struct {
	Line, Column, Offset int
}

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Column)
}

// Node is any piece of the tree. String prints canonical source text,
// which parses back to an equal tree (positions aside).
type Node interface {
	Pos() Pos
	String() string
}

// Expr is an expression.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement. Span is where it was in the source (zero for a
// statement built by hand).
type Stmt interface {
	Node
	Span() Span
	stmtNode()
}

// Source is what a query reads from: *TableSource, *SubquerySource,
// *StmtSource or *Join.
type Source interface {
	Node
	sourceNode()
}

// Span is the extent of a parsed statement: from its first token to just
// after its last, not counting the terminating ";". Text is exactly that
// stretch of the source.
type Span struct {
	Start, End Pos
	Text       string
}

// stmtBase gives every statement its Span.
type stmtBase struct{ span Span }

func (s *stmtBase) Span() Span { return s.span }
func (s *stmtBase) Pos() Pos   { return s.span.Start }

func (s *stmtBase) setSpanTo(sp Span) { s.span = sp }
func (*stmtBase) stmtNode()           {}

// Ident is a name: of a table, set, column, alias, function, index or
// setting. Name keeps the spelling of the source; double quotes only let
// reserved words and odd characters through and carry no meaning of
// their own, so resolving names (case-insensitively, as the engine's
// column names are lower-case) is up to the planner. The zero Ident means
// "no name given".
type Ident struct {
	NamePos Pos
	Name    string
}

func (id Ident) Pos() Pos { return id.NamePos }

// IsZero reports whether no name was given.
func (id Ident) IsZero() bool { return id.Name == "" }

// ---- Expressions ----

// Op is an operator of Unary or Binary.
type Op int

const (
	OpOr     Op = iota + 1 // OR
	OpAnd                  // AND
	OpNot                  // NOT (unary)
	OpEq                   // =
	OpNe                   // != (also written <>)
	OpLt                   // <
	OpLe                   // <=
	OpGt                   // >
	OpGe                   // >=
	OpConcat               // ||
	OpAdd                  // +
	OpSub                  // - (binary)
	OpMul                  // *
	OpDiv                  // /
	OpMod                  // %
	OpNeg                  // - (unary)
)

var opText = [...]string{
	OpOr: "OR", OpAnd: "AND", OpNot: "NOT", OpEq: "=", OpNe: "!=", OpLt: "<",
	OpLe: "<=", OpGt: ">", OpGe: ">=", OpConcat: "||", OpAdd: "+", OpSub: "-",
	OpMul: "*", OpDiv: "/", OpMod: "%", OpNeg: "-",
}

func (op Op) String() string {
	if op > 0 && int(op) < len(opText) {
		return opText[op]
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// IsComparison reports whether op is one of = != < <= > >=.
func (op Op) IsComparison() bool { return op >= OpEq && op <= OpGe }

// ColumnRef is a column, bare (caption) or qualified (l.caption).
type ColumnRef struct {
	Table  Ident // zero when unqualified
	Column Ident
}

// IntLit is an integer literal; a minus sign written directly before it
// is folded in (so -3 is IntLit{-3}, but -(3) is Unary{OpNeg, IntLit{3}}).
type IntLit struct {
	ValuePos Pos
	Value    int64
}

// FloatLit is a decimal or exponent literal (1.5, .5, 1e-3), with a
// directly preceding minus folded in like IntLit's.
type FloatLit struct {
	ValuePos Pos
	Value    float64
}

// StringLit is a single-quoted string, its quotes removed and each
// doubled quote undone.
type StringLit struct {
	ValuePos Pos
	Value    string
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	ValuePos Pos
	Value    bool
}

// NullLit is NULL.
type NullLit struct {
	ValuePos Pos
}

// Var is a $name variable, substituted at execution from --var or SET.
// Name is without the $.
type Var struct {
	VarPos Pos
	Name   string
}

// VectorLit is [e, e, ...] (at least one element).
type VectorLit struct {
	Lbrack Pos
	Elems  []Expr
}

// Unary is NOT x or -x.
type Unary struct {
	OpPos Pos
	Op    Op // OpNot or OpNeg
	X     Expr
}

// Binary is x op y for OR, AND, comparisons, ||, + - * / %. Chains are
// left-associative except comparisons, which do not chain.
type Binary struct {
	X     Expr
	OpPos Pos
	Op    Op
	Y     Expr
}

// In is x [NOT] IN (list) or x [NOT] IN (SELECT ...): exactly one of
// List and Query is set.
type In struct {
	X     Expr
	OpPos Pos // of NOT, or of IN
	Not   bool
	List  []Expr
	Query *Select
}

// Between is x [NOT] BETWEEN low AND high.
type Between struct {
	X         Expr
	OpPos     Pos
	Not       bool
	Low, High Expr
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	X     Expr
	OpPos Pos // of IS
	Not   bool
}

// Like is x [NOT] LIKE pattern.
type Like struct {
	X       Expr
	OpPos   Pos
	Not     bool
	Pattern Expr
}

// MatchRule is the lemma-matching rule of MATCHES and CONTAINS.
type MatchRule string

const (
	RuleDefault    MatchRule = ""           // no USING clause: the planner's default (paper)
	RulePaper      MatchRule = "paper"      // USING PAPER
	RuleNormalized MatchRule = "normalized" // USING NORMALIZED
)

// Matches is x [NOT] MATCHES IMAGENET (Synset nil; keeps rows whose text
// names exactly one ImageNet class and binds the column synset) or x [NOT]
// MATCHES SYNSET s (one class, by WNID or name).
type Matches struct {
	X      Expr
	OpPos  Pos
	Not    bool
	Synset Expr // nil for MATCHES IMAGENET
	Rule   MatchRule
	// Hyponyms: MATCHES SYNSET s WITH HYPONYMS, any lemma of s or of a
	// synset below it in WordNet.
	Hyponyms bool
}

// Contains is x [NOT] CONTAINS phrase: a whole-word phrase match.
type Contains struct {
	X      Expr
	OpPos  Pos
	Not    bool
	Phrase Expr
	Rule   MatchRule
}

// Call is a function call f(args), f(*) or f(DISTINCT args). Functions,
// aggregates included, are not checked here: Name is whatever was written.
type Call struct {
	Name     Ident
	Star     bool // f(*); Args is empty
	Distinct bool
	Args     []Expr
	Rule     MatchRule // f(args USING rule), e.g. synsets_in(caption USING NORMALIZED)
}

// Subquery is a scalar subquery (SELECT ...) used as a value.
type Subquery struct {
	Lparen Pos
	Query  *Select
}

// Exists is EXISTS (SELECT ...).
type Exists struct {
	ExistsPos Pos
	Query     *Select
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	CasePos Pos
	Operand Expr // nil for the searched form
	Whens   []*When
	Else    Expr // nil when absent
}

// When is one WHEN cond THEN result arm of a Case.
type When struct {
	WhenPos Pos
	Cond    Expr
	Result  Expr
}

func (x *ColumnRef) Pos() Pos {
	if !x.Table.IsZero() {
		return x.Table.NamePos
	}
	return x.Column.NamePos
}
func (x *IntLit) Pos() Pos    { return x.ValuePos }
func (x *FloatLit) Pos() Pos  { return x.ValuePos }
func (x *StringLit) Pos() Pos { return x.ValuePos }
func (x *BoolLit) Pos() Pos   { return x.ValuePos }
func (x *NullLit) Pos() Pos   { return x.ValuePos }
func (x *Var) Pos() Pos       { return x.VarPos }
func (x *VectorLit) Pos() Pos { return x.Lbrack }
func (x *Unary) Pos() Pos     { return x.OpPos }
func (x *Binary) Pos() Pos    { return x.X.Pos() }
func (x *In) Pos() Pos        { return x.X.Pos() }
func (x *Between) Pos() Pos   { return x.X.Pos() }
func (x *IsNull) Pos() Pos    { return x.X.Pos() }
func (x *Like) Pos() Pos      { return x.X.Pos() }
func (x *Matches) Pos() Pos   { return x.X.Pos() }
func (x *Contains) Pos() Pos  { return x.X.Pos() }
func (x *Call) Pos() Pos      { return x.Name.NamePos }
func (x *Subquery) Pos() Pos  { return x.Lparen }
func (x *Exists) Pos() Pos    { return x.ExistsPos }
func (x *Case) Pos() Pos      { return x.CasePos }
func (x *When) Pos() Pos      { return x.WhenPos }

func (*ColumnRef) exprNode() {}
func (*IntLit) exprNode()    {}
func (*FloatLit) exprNode()  {}
func (*StringLit) exprNode() {}
func (*BoolLit) exprNode()   {}
func (*NullLit) exprNode()   {}
func (*Var) exprNode()       {}
func (*VectorLit) exprNode() {}
func (*Unary) exprNode()     {}
func (*Binary) exprNode()    {}
func (*In) exprNode()        {}
func (*Between) exprNode()   {}
func (*IsNull) exprNode()    {}
func (*Like) exprNode()      {}
func (*Matches) exprNode()   {}
func (*Contains) exprNode()  {}
func (*Call) exprNode()      {}
func (*Subquery) exprNode()  {}
func (*Exists) exprNode()    {}
func (*Case) exprNode()      {}

// ---- Queries ----

// Select is a query: [WITH ...] SELECT [DISTINCT] items [FROM source]
// [WHERE] [GROUP BY] [HAVING] [UNION ...] [ORDER BY] [LIMIT]. An integer
// literal in GroupBy or OrderBy is an output ordinal (ORDER BY 4), a bare
// name may be an output alias; both are for the planner to resolve. With
// Unions, the SELECT itself is the union's first arm, and OrderBy and
// Limit apply to the whole union.
type Select struct {
	SelectPos Pos // of WITH, or of SELECT
	With      []*WithQuery
	Distinct  bool
	Items     []*SelectItem
	From      Source // nil without FROM (SELECT 1 + 1)
	Where     Expr
	Sample    *Sample // nil without SAMPLE
	GroupBy   []Expr
	Having    Expr
	Unions    []*Union
	OrderBy   []*OrderItem
	Limit     *Limit // nil without LIMIT
}

// SelectItem is *, t.* (Star with Table) or an expression with an
// optional alias.
type SelectItem struct {
	ItemPos Pos
	Star    bool
	Table   Ident // t in t.*
	Expr    Expr  // nil when Star
	Alias   Ident
}

// TableSource reads a table or a named set.
type TableSource struct {
	Name  Ident
	Alias Ident
}

// SubquerySource reads (SELECT ...) AS alias; the alias is required.
type SubquerySource struct {
	Lparen Pos
	Query  *Select
	Alias  Ident
}

// Nulls is the NULLS FIRST/LAST choice of an ORDER BY key.
type Nulls int

const (
	NullsDefault Nulls = iota
	NullsFirst
	NullsLast
)

// OrderItem is one ORDER BY key. ASC, being the default, is not recorded.
type OrderItem struct {
	Expr  Expr
	Desc  bool
	Nulls Nulls
}

// Limit is LIMIT count [PER per] [OFFSET offset]. With Per, at most Count
// rows are kept for each value of Per (ORDER BY applies within each
// group), and Offset skips rows within each group.
type Limit struct {
	LimitPos Pos
	Count    Expr
	Per      Expr // nil when absent
	Offset   Expr // nil when absent
}

func (x *Select) Pos() Pos     { return x.SelectPos }
func (x *SelectItem) Pos() Pos { return x.ItemPos }
func (x *TableSource) Pos() Pos {
	return x.Name.NamePos
}
func (x *SubquerySource) Pos() Pos { return x.Lparen }
func (x *OrderItem) Pos() Pos      { return x.Expr.Pos() }
func (x *Limit) Pos() Pos          { return x.LimitPos }

func (*TableSource) sourceNode()    {}
func (*SubquerySource) sourceNode() {}

// ---- Joins and composition ----

// JoinKind is the kind of a Join.
type JoinKind int

const (
	JoinInner JoinKind = iota + 1 // [INNER] JOIN
	JoinLeft                      // LEFT [OUTER] JOIN
	JoinCross                     // CROSS JOIN: every pair, no ON
)

// Join is left JOIN right ON cond, or USING (columns), or a CROSS JOIN
// (neither). Chains are left-deep: a JOIN b JOIN c is
// Join{Left: Join{a, b}, Right: c}; Right is never a *Join.
type Join struct {
	Left    Source
	JoinPos Pos // of the first word: JOIN, INNER, LEFT or CROSS
	Kind    JoinKind
	Right   Source
	On      Expr // nil with USING, and for CROSS
	Using   []Ident
}

// StmtSource reads the rows of a statement other than SELECT that returns
// rows — (COMPARE INTRACLASS ...) AS c — as a table; the alias is
// required. Whether the statement returns rows is for the planner to say.
type StmtSource struct {
	Lparen Pos
	Stmt   Stmt
	Alias  Ident
}

// WithQuery is name AS (query) of a WITH clause: a SELECT (Query) or
// another statement that returns rows (Stmt); exactly one is set.
type WithQuery struct {
	Name  Ident
	Query *Select
	Stmt  Stmt
}

// Union is one arm after the first of a union: UNION [ALL] SELECT ....
// Query has no With, Unions, OrderBy or Limit; those belong to the
// Select that holds the union.
type Union struct {
	UnionPos Pos
	All      bool
	Query    *Select
}

func (x *Join) Pos() Pos       { return x.Left.Pos() }
func (x *StmtSource) Pos() Pos { return x.Lparen }
func (x *WithQuery) Pos() Pos  { return x.Name.NamePos }
func (x *Union) Pos() Pos      { return x.UnionPos }

func (*Join) sourceNode()       {}
func (*StmtSource) sourceNode() {}

// ---- Statements ----
//
// A value a statement takes (a path, a count, a title, a model name) is an
// Expr: a literal, a $variable, or arithmetic or || over them; the planner
// requires it to be constant.

// SelectStmt is a query run as a statement.
type SelectStmt struct {
	stmtBase
	Query *Select
}

// CreateSet is CREATE SET name AS query.
type CreateSet struct {
	stmtBase
	Name  Ident
	Query *Select
}

// DropSet is DROP SET [IF EXISTS] name.
type DropSet struct {
	stmtBase
	IfExists bool
	Name     Ident
}

// CreateIndex is CREATE INDEX [name] ON table(column) [WITH (k = v, ...)].
type CreateIndex struct {
	stmtBase
	Name    Ident // zero when not named
	Table   Ident
	Column  Ident
	Options []*IndexOption
}

// IndexOption is one k = v of CREATE INDEX ... WITH (...).
type IndexOption struct {
	Name  Ident
	Value Expr
}

func (x *IndexOption) Pos() Pos { return x.Name.NamePos }

// DropIndex is DROP INDEX [IF EXISTS] name, or DROP INDEX [IF EXISTS] ON
// table(column): either Name or Table and Column are set.
type DropIndex struct {
	stmtBase
	IfExists bool
	Name     Ident
	Table    Ident
	Column   Ident
}

// ShowWhat says what SHOW lists.
type ShowWhat int

const (
	ShowTables ShowWhat = iota + 1
	ShowSets
	ShowIndexes
	ShowSynsets
	ShowSettings
)

// Show is SHOW TABLES, SHOW SETS, SHOW INDEXES, SHOW SYNSETS [LIKE p] or
// SHOW SETTINGS.
type Show struct {
	stmtBase
	What ShowWhat
	Like Expr // SHOW SYNSETS only; nil when absent
}

// ShowSynset is SHOW SYNSET s (a WNID or a name).
type ShowSynset struct {
	stmtBase
	Synset Expr
}

// RefreshSet is REFRESH SET name: run the set's recorded definition
// again and replace its rows.
type RefreshSet struct {
	stmtBase
	Name Ident
}

// Vacuum is VACUUM: give back the space of dropped and replaced data.
type Vacuum struct {
	stmtBase
}

// Reindex is REINDEX [table]: build missing caption indexes and store
// vector indexes brought up to date.
type Reindex struct {
	stmtBase
	Table Ident
}

// Describe is DESCRIBE name (a table or a set).
type Describe struct {
	stmtBase
	Name Ident
}

// Ingest is INGEST path, ... INTO table [SHARD n].
type Ingest struct {
	stmtBase
	Paths []Expr
	Table Ident
	Shard Expr // nil when absent
}

// Explain is EXPLAIN of a *SelectStmt, *CreateSet or *Nearest, which has
// its own Span.
type Explain struct {
	stmtBase
	Stmt Stmt
}

// Assert is ASSERT cond [, message].
type Assert struct {
	stmtBase
	Cond    Expr
	Message Expr // nil when absent
}

// Set is SET name = value, a session setting (ef_search, embedder, ...).
type Set struct {
	stmtBase
	Name  Ident
	Value Expr
}

// Nearest is NEAREST k TO target IN source(column) [WHERE cond], kept as
// its own statement (so EXPLAIN and errors can name it). It means
//
//	SELECT *, cos(column, target) AS score FROM source WHERE cond
//	ORDER BY score DESC LIMIT k
type Nearest struct {
	stmtBase
	K      Expr
	Target Expr
	Source Ident
	Column Ident
	Where  Expr // nil when absent
}

// ImportEmbeddings is IMPORT EMBEDDINGS FROM texts, vectors [MODEL m].
type ImportEmbeddings struct {
	stmtBase
	Texts   Expr
	Vectors Expr
	Model   Expr // nil when absent
}

// CompareIntraclass is COMPARE INTRACLASS a, b [ON column] BY key
// [MIN PAIRS n].
type CompareIntraclass struct {
	stmtBase
	A, B     Source
	On       Ident // zero when absent
	By       Expr
	MinPairs Expr // nil when absent
	// Method is METHOD's choice (MethodPaper, ...; MethodDefault when
	// absent), Resamples and Seed its options (nil when absent).
	Method    string
	Resamples Expr
	Seed      Expr
}

// Export is EXPORT name TO file, EXPORT (query) TO file or EXPORT
// (statement) TO file for another statement that returns rows (COMPARE,
// SHOW, ...), optionally WITH LAIONET NAMES: exactly one of Name, Query
// and Stmt is set.
type Export struct {
	stmtBase
	Name         Ident
	Query        *Select
	Stmt         Stmt
	To           Expr
	LaionetNames bool
}

// PlotKind is the kind of a PLOT.
type PlotKind int

const (
	PlotHistogram PlotKind = iota + 1
	PlotScatter
	PlotLine
)

// Plot is PLOT HISTOGRAM (q), ... TO file [TITLE t] [BINS n] or
// PLOT SCATTER (q) [, (q2)] TO file [TITLE t] (no BINS): one query of
// (x, y) rows, or two of (key, value) rows paired by key.
type Plot struct {
	stmtBase
	Kind    PlotKind
	Queries []*Select
	To      Expr
	Title   Expr // nil when absent
	Bins    Expr // nil when absent
	// Histogram options: DENSITY (each series scaled to area 1), RANGE
	// lo, hi (the binned range) and XLABEL (nil when absent).
	Density          bool
	RangeLo, RangeHi Expr
	XLabel           Expr
	YLabel           Expr // PLOT LINE only
}
