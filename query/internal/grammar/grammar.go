package grammar

import "github.com/alecthomas/participle/v2/lexer"

// The grammar, one struct per production. Type names are what error
// messages call a production (see labels in expect.go). Literals match
// keywords and contextual keywords case-insensitively. Expressions have
// one type per precedence level, each a head plus a repeated
// (operator, operand) tail, from loosest to tightest:
//
//	Expression  OR
//	Conjunction AND
//	Negation    NOT (prefix)
//	Comparison  = != <> < <= > >=, IS [NOT] NULL, [NOT] IN / BETWEEN / LIKE /
//	            MATCHES / CONTAINS (at most one, no chains: a < b < c is an error)
//	Concat      ||
//	Sum         + -
//	Product     * / %
//	Unary       - (prefix)
//	Primary     literal, name, call, (expr), (SELECT), EXISTS, CASE, [vector], $var
//
// Wherever a statement takes a value (a count, a path, a title) it takes a
// Concat: an expression without comparisons or boolean operators, so that
// the keyword after it (IN, TO, PER, TITLE) cannot be mistaken for an
// operator.

// Statement is one statement without its terminating semicolon. Tokens
// are the statement's own, so that a statement in parentheses (a FROM
// source, a WITH query) knows its text.
type Statement struct {
	Pos      lexer.Position
	Tokens   []lexer.Token
	Select   *Select   `parser:"  @@"`
	Create   *Create   `parser:"| @@"`
	Drop     *Drop     `parser:"| @@"`
	Show     *Show     `parser:"| @@"`
	Describe *Describe `parser:"| @@"`
	Ingest   *Ingest   `parser:"| @@"`
	Explain  *Explain  `parser:"| @@"`
	Assert   *Assert   `parser:"| @@"`
	Set      *Set      `parser:"| @@"`
	Nearest  *Nearest  `parser:"| @@"`
	Import   *Import   `parser:"| @@"`
	Compare  *Compare  `parser:"| @@"`
	Export   *Export   `parser:"| @@"`
	Plot     *Plot     `parser:"| @@"`
	Refresh  *Refresh  `parser:"| @@"`
	Vacuum   *Vacuum   `parser:"| @@"`
	Reindex  *Reindex  `parser:"| @@"`

	// Issue 13 (grammar_paper.go).
	ImportClassifier  *ImportClassifier  `parser:"| @@"`
	ImportPredictions *ImportPredictions `parser:"| @@"`
	CreateClassifier  *CreateClassifier  `parser:"| @@"`
	DropClassifier    *DropClassifier    `parser:"| @@"`
	ShowClassifiers   *ShowClassifiers   `parser:"| @@"`
	Evaluate          *Evaluate          `parser:"| @@"`
}

// Select is a query: its WITH queries, its first SELECT, the UNION arms
// after it, and the ORDER BY and LIMIT of the whole.
type Select struct {
	Pos      lexer.Position
	With     []*WithQuery  `parser:"( 'WITH' @@ ( ',' @@ )* )?"`
	Distinct bool          `parser:"'SELECT' @'DISTINCT'?"`
	Items    []*SelectItem `parser:"@@ ( ',' @@ )*"`
	From     *From         `parser:"( 'FROM' @@ )?"`
	Where    *Expression   `parser:"( 'WHERE' @@ )?"`
	Sample   *Sample       `parser:"@@?"`
	GroupBy  []*Expression `parser:"( 'GROUP' 'BY' @@ ( ',' @@ )* )?"`
	Having   *Expression   `parser:"( 'HAVING' @@ )?"`
	Unions   []*Union      `parser:"@@*"`
	OrderBy  []*OrderItem  `parser:"( 'ORDER' 'BY' @@ ( ',' @@ )* )?"`
	Limit    *Limit        `parser:"@@?"`
}

// SelectItem is * or an expression with an optional alias. A
// qualified star (t.*) arrives as an expression and is sorted out when
// lowering.
type SelectItem struct {
	Pos   lexer.Position
	Star  bool        `parser:"  @'*'"`
	Expr  *Expression `parser:"| @@"`
	Alias *Alias      `parser:"  ( 'AS'? @@ )?"`
}

// Source is what a query reads: a table or set, or a statement in
// parentheses (a subquery, or any statement that returns rows), which
// must be named.
type Source struct {
	Pos        lexer.Position
	Table      *SourceName `parser:"  @@"`
	TableAlias *Alias      `parser:"  ( 'AS'? @@ )?"`
	Query      *Statement  `parser:"| '(' @@ ')'"`
	QueryAlias *Alias      `parser:"  'AS'? @@"`
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Pos   lexer.Position
	Expr  *Expression `parser:"@@"`
	Dir   string      `parser:"@( 'ASC' | 'DESC' )?"`
	Nulls string      `parser:"( 'NULLS' @( 'FIRST' | 'LAST' ) )?"`
}

// Limit is LIMIT n [PER e] [OFFSET m].
type Limit struct {
	Pos    lexer.Position
	Count  *Concat `parser:"'LIMIT' @@"`
	Per    *Concat `parser:"( 'PER' @@ )?"`
	Offset *Concat `parser:"( 'OFFSET' @@ )?"`
}

// Name is an identifier, plain or double-quoted. The named variants below
// parse the same way and exist so that errors can say which name is
// missing.
type Name struct {
	Pos    lexer.Position
	Plain  string `parser:"  @Ident"`
	Quoted string `parser:"| @QuotedIdent"`
}

type (
	SourceName  Name // a table or a set
	TableName   Name
	SetName     Name
	ColumnName  Name
	IndexName   Name
	Alias       Name
	SettingName Name
	OptionName  Name
)

// Expression is the loosest level: a chain of ORs.
type Expression struct {
	Pos  lexer.Position
	Head *Conjunction `parser:"@@"`
	Tail []*OrTail    `parser:"@@*"`
}

type OrTail struct {
	Pos     lexer.Position
	Operand *Conjunction `parser:"'OR' @@"`
}

type Conjunction struct {
	Pos  lexer.Position
	Head *Negation  `parser:"@@"`
	Tail []*AndTail `parser:"@@*"`
}

type AndTail struct {
	Pos     lexer.Position
	Operand *Negation `parser:"'AND' @@"`
}

type Negation struct {
	Pos        lexer.Position
	Not        *Negation   `parser:"  'NOT' @@"`
	Comparison *Comparison `parser:"| @@"`
}

// Comparison is an operand with at most one comparison or predicate.
type Comparison struct {
	Pos       lexer.Position
	Left      *Concat    `parser:"@@"`
	Predicate *Predicate `parser:"@@?"`
}

// Predicate is the part of a comparison after its left operand.
type Predicate struct {
	Pos      lexer.Position
	Op       string    `parser:"  @( '=' | '!=' | '<>' | '<=' | '>=' | '<' | '>' )"`
	Right    *Concat   `parser:"  @@"`
	Is       bool      `parser:"| @'IS'"`
	IsNot    bool      `parser:"  @'NOT'? 'NULL'"`
	Not      bool      `parser:"| @'NOT'?"`
	In       *InList   `parser:"  ( @@"`
	Between  *Between  `parser:"  | @@"`
	Like     *Like     `parser:"  | @@"`
	Matches  *Matches  `parser:"  | @@"`
	Contains *Contains `parser:"  | @@ )"`
}

type InList struct {
	Pos    lexer.Position
	Query  *Select       `parser:"'IN' '(' ( @@"`
	Values []*Expression `parser:"        | @@ ( ',' @@ )* ) ')'"`
}

type Between struct {
	Pos  lexer.Position
	Low  *Concat `parser:"'BETWEEN' @@"`
	High *Concat `parser:"'AND' @@"`
}

type Like struct {
	Pos     lexer.Position
	Pattern *Concat `parser:"'LIKE' @@"`
}

type Matches struct {
	Pos      lexer.Position
	ImageNet bool    `parser:"'MATCHES' ( @'IMAGENET'"`
	Synset   *Concat `parser:"          | 'SYNSET' @@"`
	Hyponyms bool    `parser:"            @( 'WITH' 'HYPONYMS' )? )"`
	Rule     string  `parser:"( 'USING' @( 'PAPER' | 'NORMALIZED' ) )?"`
}

type Contains struct {
	Pos    lexer.Position
	Phrase *Concat `parser:"'CONTAINS' @@"`
	Rule   string  `parser:"( 'USING' @( 'PAPER' | 'NORMALIZED' ) )?"`
}

type Concat struct {
	Pos  lexer.Position
	Head *Sum          `parser:"@@"`
	Tail []*ConcatTail `parser:"@@*"`
}

type ConcatTail struct {
	Pos     lexer.Position
	Op      string `parser:"@'||'"`
	Operand *Sum   `parser:"@@"`
}

type Sum struct {
	Pos  lexer.Position
	Head *Product   `parser:"@@"`
	Tail []*SumTail `parser:"@@*"`
}

type SumTail struct {
	Pos     lexer.Position
	Op      string   `parser:"@( '+' | '-' )"`
	Operand *Product `parser:"@@"`
}

type Product struct {
	Pos  lexer.Position
	Head *Unary         `parser:"@@"`
	Tail []*ProductTail `parser:"@@*"`
}

type ProductTail struct {
	Pos     lexer.Position
	Op      string `parser:"@( '*' | '/' | '%' )"`
	Operand *Unary `parser:"@@"`
}

type Unary struct {
	Pos     lexer.Position
	Neg     *Unary   `parser:"  '-' @@"`
	Primary *Primary `parser:"| @@"`
}

// Primary is the tightest level. Literal fields hold the token's source
// text (quotes included); they are never empty when matched.
type Primary struct {
	Pos    lexer.Position
	Ref    *Ref        `parser:"  @@"`
	Int    string      `parser:"| @Int"`
	String string      `parser:"| @String"`
	Float  string      `parser:"| @Float"`
	Query  *Select     `parser:"| '(' ( @@"`
	Paren  *Expression `parser:"      | @@ ) ')'"`
	Bool   string      `parser:"| @( 'TRUE' | 'FALSE' )"`
	Null   bool        `parser:"| @'NULL'"`
	Var    string      `parser:"| @Var"`
	Vector *Vector     `parser:"| @@"`
	Case   *Case       `parser:"| @@"`
	Exists *Select     `parser:"| 'EXISTS' '(' @@ ')'"`
}

type Case struct {
	Pos     lexer.Position
	Operand *Expression `parser:"'CASE' @@?"`
	Whens   []*When     `parser:"@@+"`
	Else    *Expression `parser:"( 'ELSE' @@ )? 'END'"`
}

type When struct {
	Pos    lexer.Position
	Cond   *Expression `parser:"'WHEN' @@"`
	Result *Expression `parser:"'THEN' @@"`
}

type Vector struct {
	Pos   lexer.Position
	Elems []*Expression `parser:"'[' @@ ( ',' @@ )* ']'"`
}

// Ref is a name, a call f(...), or a qualified name t.c or t.*.
type Ref struct {
	Pos    lexer.Position
	Name   *Name `parser:"@@"`
	Call   *Call `parser:"( @@"`
	Member *Name `parser:"| '.' ( @@"`
	Star   bool  `parser:"      | @'*' ) )?"`
}

// Call is the argument list of a function call.
type Call struct {
	Pos      lexer.Position
	Star     bool          `parser:"'(' ( @'*'"`
	Distinct bool          `parser:"    | @'DISTINCT'?"`
	Args     []*Expression `parser:"      @@ ( ',' @@ )*"`
	Rule     string        `parser:"      ( 'USING' @( 'PAPER' | 'NORMALIZED' ) )? )? ')'"`
}

type Create struct {
	Pos   lexer.Position
	Set   *CreateSet   `parser:"'CREATE' ( @@"`
	Index *CreateIndex `parser:"         | @@ )"`
}

type CreateSet struct {
	Pos   lexer.Position
	Name  *SetName `parser:"'SET' @@"`
	Query *Select  `parser:"'AS' @@"`
}

type CreateIndex struct {
	Pos     lexer.Position
	Name    *IndexName     `parser:"'INDEX' @@?"`
	Table   *TableName     `parser:"'ON' @@"`
	Column  *ColumnName    `parser:"'(' @@ ')'"`
	Options []*IndexOption `parser:"( 'WITH' '(' @@ ( ',' @@ )* ')' )?"`
}

type IndexOption struct {
	Pos   lexer.Position
	Name  *OptionName `parser:"@@ '='"`
	Value *Concat     `parser:"@@"`
}

type Drop struct {
	Pos   lexer.Position
	Set   *DropSet   `parser:"'DROP' ( @@"`
	Index *DropIndex `parser:"       | @@ )"`
}

type DropSet struct {
	Pos      lexer.Position
	IfExists bool     `parser:"'SET' @( 'IF' 'EXISTS' )?"`
	Name     *SetName `parser:"@@"`
}

type DropIndex struct {
	Pos      lexer.Position
	IfExists bool        `parser:"'INDEX' @( 'IF' 'EXISTS' )?"`
	Table    *TableName  `parser:"( 'ON' @@"`
	Column   *ColumnName `parser:"  '(' @@ ')'"`
	Name     *IndexName  `parser:"| @@ )"`
}

type Show struct {
	Pos     lexer.Position
	Tables  bool    `parser:"'SHOW' ( @'TABLES'"`
	Sets    bool    `parser:"       | @'SETS'"`
	Setting bool    `parser:"       | @'SETTINGS'"`
	Indexes bool    `parser:"       | @'INDEXES'"`
	Synsets bool    `parser:"       | @'SYNSETS'"`
	Like    *Concat `parser:"         ( 'LIKE' @@ )?"`
	Synset  *Concat `parser:"       | 'SYNSET' @@ )"`
}

// Refresh is REFRESH SET name.
type Refresh struct {
	Pos  lexer.Position
	Name *SetName `parser:"'REFRESH' 'SET' @@"`
}

// Vacuum is VACUUM.
type Vacuum struct {
	Pos    lexer.Position
	Vacuum bool `parser:"@'VACUUM'"`
}

// Reindex is REINDEX [table].
type Reindex struct {
	Pos   lexer.Position
	Table *TableName `parser:"'REINDEX' @@?"`
}

type Describe struct {
	Pos  lexer.Position
	Name *SourceName `parser:"'DESCRIBE' @@"`
}

type Ingest struct {
	Pos   lexer.Position
	Paths []*Concat  `parser:"'INGEST' @@ ( ',' @@ )*"`
	Table *TableName `parser:"'INTO' @@"`
	Shard *Concat    `parser:"( 'SHARD' @@ )?"`
}

type Explain struct {
	Pos     lexer.Position
	Select  *Select    `parser:"'EXPLAIN' ( @@"`
	Create  *CreateSet `parser:"          | 'CREATE' @@"`
	Nearest *Nearest   `parser:"          | @@ )"`
}

type Assert struct {
	Pos     lexer.Position
	Cond    *Expression `parser:"'ASSERT' @@"`
	Message *Concat     `parser:"( ',' @@ )?"`
}

type Set struct {
	Pos   lexer.Position
	Name  *SettingName `parser:"'SET' @@ '='"`
	Value *Expression  `parser:"@@"`
}

type Nearest struct {
	Pos    lexer.Position
	K      *Concat     `parser:"'NEAREST' @@"`
	Target *Concat     `parser:"'TO' @@"`
	Source *SourceName `parser:"'IN' @@"`
	Column *ColumnName `parser:"'(' @@ ')'"`
	Where  *Expression `parser:"( 'WHERE' @@ )?"`
}

type Import struct {
	Pos     lexer.Position
	Texts   *Concat `parser:"'IMPORT' 'EMBEDDINGS' 'FROM' @@"`
	Vectors *Concat `parser:"',' @@"`
	Model   *Concat `parser:"( 'MODEL' @@ )?"`
}

type Compare struct {
	Pos      lexer.Position
	A        *Source        `parser:"'COMPARE' 'INTRACLASS' @@"`
	B        *Source        `parser:"',' @@"`
	On       *ColumnName    `parser:"( 'ON' @@ )?"`
	By       *Expression    `parser:"'BY' @@"`
	MinPairs *Concat        `parser:"( 'MIN' 'PAIRS' @@ )?"`
	Method   *CompareMethod `parser:"@@?"`
}

type Export struct {
	Pos     lexer.Position
	Name    *SourceName `parser:"'EXPORT' ( @@"`
	Query   *Statement  `parser:"         | '(' @@ ')' )"`
	To      *Concat     `parser:"'TO' @@"`
	Laionet bool        `parser:"( 'WITH' @( 'LAIONET' 'NAMES' ) )?"`
}

type Plot struct {
	Pos       lexer.Position
	Histogram *Histogram `parser:"'PLOT' ( @@"`
	Scatter   *Scatter   `parser:"       | @@"`
	Line      *Line      `parser:"       | @@ )"`
}

type Histogram struct {
	Pos     lexer.Position
	Queries []*Select     `parser:"'HISTOGRAM' '(' @@ ')' ( ',' '(' @@ ')' )*"`
	To      *Concat       `parser:"'TO' @@"`
	Options []*PlotOption `parser:"@@*"`
}

type PlotOption struct {
	Pos   lexer.Position
	Title *Concat `parser:"  'TITLE' @@"`
	Bins  *Concat `parser:"| 'BINS' @@"`

	Density bool    `parser:"| @'DENSITY'"`
	RangeLo *Concat `parser:"| 'RANGE' @@"`
	RangeHi *Concat `parser:"  ',' @@"`
	XLabel  *Concat `parser:"| 'XLABEL' @@"`
}

// Scatter plots the (x, y) rows of one query, or pairs two queries'
// (key, value) rows by key: x from the first, y from the second.
type Scatter struct {
	Pos     lexer.Position
	Queries []*Select `parser:"'SCATTER' '(' @@ ')' ( ',' '(' @@ ')' )?"`
	To      *Concat   `parser:"'TO' @@"`
	Title   *Concat   `parser:"( 'TITLE' @@ )?"`
}

// ---- Joins and composition: FROM with joins, WITH, UNION ----

// From is FROM's first source and the joins after it, left to right.
type From struct {
	Pos    lexer.Position
	Source *Source `parser:"@@"`
	Joins  []*Join `parser:"@@*"`
}

// Join is one JOIN of a FROM: [INNER] JOIN, LEFT [OUTER] JOIN or CROSS
// JOIN, with ON or USING. RIGHT, FULL and NATURAL joins and FROM a, b are
// parsed so that lowering can say what to write instead (the words are
// reserved, so they can never be read as an alias).
type Join struct {
	Pos    lexer.Position
	Comma  bool          `parser:"( @','"`
	Kind   string        `parser:"| @( 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | 'NATURAL' | 'INNER' )?"`
	Outer  bool          `parser:"  @'OUTER'? 'JOIN' )"`
	Source *Source       `parser:"@@"`
	On     *Expression   `parser:"( 'ON' @@"`
	Using  []*ColumnName `parser:"| 'USING' '(' @@ ( ',' @@ )* ')' )?"`
}

// WithName names a query of WITH.
type WithName Name

// WithQuery is name AS (statement): a SELECT, or any statement that
// returns rows.
type WithQuery struct {
	Pos   lexer.Position
	Name  *WithName  `parser:"@@ 'AS'"`
	Query *Statement `parser:"'(' @@ ')'"`
}

// Union is UNION [ALL] and the next SELECT of a union.
type Union struct {
	Pos   lexer.Position
	All   bool        `parser:"'UNION' @'ALL'?"`
	Query *SelectCore `parser:"@@"`
}

// SelectCore is a SELECT after UNION: no WITH, ORDER BY or LIMIT, which
// belong to the union as a whole.
type SelectCore struct {
	Pos      lexer.Position
	Distinct bool          `parser:"'SELECT' @'DISTINCT'?"`
	Items    []*SelectItem `parser:"@@ ( ',' @@ )*"`
	From     *From         `parser:"( 'FROM' @@ )?"`
	Where    *Expression   `parser:"( 'WHERE' @@ )?"`
	Sample   *Sample       `parser:"@@?"`
	GroupBy  []*Expression `parser:"( 'GROUP' 'BY' @@ ( ',' @@ )* )?"`
	Having   *Expression   `parser:"( 'HAVING' @@ )?"`
}
