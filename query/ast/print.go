package ast

import (
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/query/internal/grammar"
)

// The printer writes canonical text: keywords upper-case, single spaces,
// names quoted only when they must be, parentheses only where precedence
// needs them, "<>" as "!=", ASC and implicit aliases dropped (aliases
// always with AS). Parsing the text gives back an equal tree.

// Precedence levels, loosest first; an operand printed where a tighter
// level is required gets parentheses.
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precCmp
	precConcat // also every value a statement takes
	precSum
	precProduct
	precUnary
	precPrimary
)

func precOf(e Expr) int {
	switch x := e.(type) {
	case *Binary:
		switch {
		case x.Op == OpOr:
			return precOr
		case x.Op == OpAnd:
			return precAnd
		case x.Op.IsComparison():
			return precCmp
		case x.Op == OpConcat:
			return precConcat
		case x.Op == OpAdd || x.Op == OpSub:
			return precSum
		}
		return precProduct
	case *Unary:
		if x.Op == OpNot {
			return precNot
		}
		return precUnary
	case *In, *Between, *IsNull, *Like, *Matches, *Contains:
		return precCmp
	case *IntLit:
		if x.Value < 0 {
			return precUnary
		}
	case *FloatLit:
		if x.Value < 0 || x.Value == 0 && strconv.FormatFloat(x.Value, 'g', -1, 64)[0] == '-' {
			return precUnary
		}
	}
	return precPrimary
}

type printer struct {
	strings.Builder
}

func (p *printer) ident(id Ident) {
	if grammar.IsPlainName(id.Name) {
		p.WriteString(id.Name)
	} else {
		p.WriteString(grammar.Quote(id.Name, '"'))
	}
}

// expr prints e, in parentheses if it binds looser than min.
func (p *printer) expr(e Expr, min int) {
	if e == nil {
		p.WriteString("<nil>")
		return
	}
	if precOf(e) < min {
		p.WriteByte('(')
		p.expr(e, precLowest)
		p.WriteByte(')')
		return
	}
	switch x := e.(type) {
	case *ColumnRef:
		if !x.Table.IsZero() {
			p.ident(x.Table)
			p.WriteByte('.')
		}
		p.ident(x.Column)
	case *IntLit:
		p.WriteString(strconv.FormatInt(x.Value, 10))
	case *FloatLit:
		s := strconv.FormatFloat(x.Value, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") { // keep it a float: 1 -> 1.0
			s += ".0"
		}
		p.WriteString(s)
	case *StringLit:
		p.WriteString(grammar.Quote(x.Value, '\''))
	case *BoolLit:
		if x.Value {
			p.WriteString("TRUE")
		} else {
			p.WriteString("FALSE")
		}
	case *NullLit:
		p.WriteString("NULL")
	case *Var:
		p.WriteString("$" + x.Name)
	case *VectorLit:
		p.WriteByte('[')
		p.exprs(x.Elems)
		p.WriteByte(']')
	case *Unary:
		if x.Op == OpNot {
			p.WriteString("NOT ")
			p.expr(x.X, precNot)
			return
		}
		p.WriteString(x.Op.String())
		switch y := x.X.(type) {
		case *IntLit, *FloatLit:
			// -(3) stays a negation of 3; -3 would read back as the literal -3.
			if precOf(y) == precPrimary {
				p.WriteByte('(')
				p.expr(y, precLowest)
				p.WriteByte(')')
				return
			}
		}
		var sub printer
		sub.expr(x.X, precUnary)
		if strings.HasPrefix(sub.String(), "-") {
			p.WriteByte(' ') // "--" would start a comment
		}
		p.WriteString(sub.String())
	case *Binary:
		l, r := precOf(x), precOf(x)+1
		if x.Op.IsComparison() {
			l, r = precConcat, precConcat
		}
		p.expr(x.X, l)
		p.WriteString(" " + x.Op.String() + " ")
		p.expr(x.Y, r)
	case *In:
		p.expr(x.X, precConcat)
		p.not(x.Not)
		p.WriteString("IN (")
		if x.Query != nil {
			p.query(x.Query)
		} else {
			p.exprs(x.List)
		}
		p.WriteByte(')')
	case *Between:
		p.expr(x.X, precConcat)
		p.not(x.Not)
		p.WriteString("BETWEEN ")
		p.expr(x.Low, precConcat)
		p.WriteString(" AND ")
		p.expr(x.High, precConcat)
	case *IsNull:
		p.expr(x.X, precConcat)
		p.WriteString(" IS ")
		if x.Not {
			p.WriteString("NOT ")
		}
		p.WriteString("NULL")
	case *Like:
		p.expr(x.X, precConcat)
		p.not(x.Not)
		p.WriteString("LIKE ")
		p.expr(x.Pattern, precConcat)
	case *Matches:
		p.expr(x.X, precConcat)
		p.not(x.Not)
		if x.Synset == nil {
			p.WriteString("MATCHES IMAGENET")
		} else {
			p.WriteString("MATCHES SYNSET ")
			p.expr(x.Synset, precConcat)
			if x.Hyponyms {
				p.WriteString(" WITH HYPONYMS")
			}
		}
		p.rule(x.Rule)
	case *Contains:
		p.expr(x.X, precConcat)
		p.not(x.Not)
		p.WriteString("CONTAINS ")
		p.expr(x.Phrase, precConcat)
		p.rule(x.Rule)
	case *Call:
		p.ident(x.Name)
		p.WriteByte('(')
		if x.Distinct {
			p.WriteString("DISTINCT ")
		}
		switch {
		case x.Star:
			p.WriteByte('*')
		case x.Rule != RuleDefault:
			// A comparison last would take the USING as its own
			// (x CONTAINS y USING PAPER): parenthesise it.
			for i, a := range x.Args {
				if i > 0 {
					p.WriteString(", ")
				}
				if i == len(x.Args)-1 {
					p.expr(a, precConcat)
				} else {
					p.expr(a, precLowest)
				}
			}
		default:
			p.exprs(x.Args)
		}
		p.rule(x.Rule)
		p.WriteByte(')')
	case *Subquery:
		p.WriteByte('(')
		p.query(x.Query)
		p.WriteByte(')')
	case *Exists:
		p.WriteString("EXISTS (")
		p.query(x.Query)
		p.WriteByte(')')
	case *Case:
		p.WriteString("CASE")
		if x.Operand != nil {
			p.WriteByte(' ')
			p.expr(x.Operand, precLowest)
		}
		for _, w := range x.Whens {
			p.WriteByte(' ')
			p.when(w)
		}
		if x.Else != nil {
			p.WriteString(" ELSE ")
			p.expr(x.Else, precLowest)
		}
		p.WriteString(" END")
	default:
		p.WriteString("<unknown expression>")
	}
}

func (p *printer) when(w *When) {
	p.WriteString("WHEN ")
	p.expr(w.Cond, precLowest)
	p.WriteString(" THEN ")
	p.expr(w.Result, precLowest)
}

func (p *printer) not(not bool) {
	if not {
		p.WriteString(" NOT ")
	} else {
		p.WriteByte(' ')
	}
}

func (p *printer) rule(r MatchRule) {
	if r != RuleDefault {
		p.WriteString(" USING " + strings.ToUpper(string(r)))
	}
}

func (p *printer) exprs(list []Expr) {
	for i, e := range list {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(e, precLowest)
	}
}

func (p *printer) query(q *Select) {
	if q == nil {
		p.WriteString("<nil>")
		return
	}
	for i, w := range q.With {
		if i == 0 {
			p.WriteString("WITH ")
		} else {
			p.WriteString(", ")
		}
		p.withQuery(w)
	}
	if len(q.With) > 0 {
		p.WriteByte(' ')
	}
	p.core(q)
	for _, u := range q.Unions {
		p.WriteByte(' ')
		p.union(u)
	}
	for i, o := range q.OrderBy {
		if i == 0 {
			p.WriteString(" ORDER BY ")
		} else {
			p.WriteString(", ")
		}
		p.orderItem(o)
	}
	if q.Limit != nil {
		p.WriteByte(' ')
		p.limit(q.Limit)
	}
}

// core prints the clauses a SELECT shares with the arms of a union.
func (p *printer) core(q *Select) {
	p.WriteString("SELECT ")
	if q.Distinct {
		p.WriteString("DISTINCT ")
	}
	for i, it := range q.Items {
		if i > 0 {
			p.WriteString(", ")
		}
		p.item(it)
	}
	if q.From != nil {
		p.WriteString(" FROM ")
		p.source(q.From)
	}
	if q.Where != nil {
		p.WriteString(" WHERE ")
		p.expr(q.Where, precLowest)
	}
	if q.Sample != nil {
		p.WriteByte(' ')
		p.sample(q.Sample)
	}
	if len(q.GroupBy) > 0 {
		p.WriteString(" GROUP BY ")
		p.exprs(q.GroupBy)
	}
	if q.Having != nil {
		p.WriteString(" HAVING ")
		p.expr(q.Having, precLowest)
	}
}

func (p *printer) withQuery(w *WithQuery) {
	p.ident(w.Name)
	p.WriteString(" AS (")
	p.queryOrStmt(w.Query, w.Stmt)
	p.WriteByte(')')
}

func (p *printer) union(u *Union) {
	p.WriteString("UNION ")
	if u.All {
		p.WriteString("ALL ")
	}
	p.query(u.Query)
}

// queryOrStmt prints the query, or else the statement.
func (p *printer) queryOrStmt(q *Select, st Stmt) {
	if q != nil {
		p.query(q)
	} else {
		p.stmt(st)
	}
}

func (p *printer) item(it *SelectItem) {
	if it.Star {
		if !it.Table.IsZero() {
			p.ident(it.Table)
			p.WriteByte('.')
		}
		p.WriteByte('*')
		return
	}
	p.expr(it.Expr, precLowest)
	if !it.Alias.IsZero() {
		p.WriteString(" AS ")
		p.ident(it.Alias)
	}
}

func (p *printer) source(s Source) {
	switch x := s.(type) {
	case *TableSource:
		p.ident(x.Name)
		if !x.Alias.IsZero() {
			p.WriteString(" AS ")
			p.ident(x.Alias)
		}
	case *SubquerySource:
		p.WriteByte('(')
		p.query(x.Query)
		p.WriteString(") AS ")
		p.ident(x.Alias)
	case *StmtSource:
		p.WriteByte('(')
		p.stmt(x.Stmt)
		p.WriteString(") AS ")
		p.ident(x.Alias)
	case *Join:
		p.source(x.Left)
		switch x.Kind {
		case JoinLeft:
			p.WriteString(" LEFT JOIN ")
		case JoinCross:
			p.WriteString(" CROSS JOIN ")
		default:
			p.WriteString(" JOIN ")
		}
		p.source(x.Right)
		if x.On != nil {
			p.WriteString(" ON ")
			p.expr(x.On, precLowest)
		}
		for i, c := range x.Using {
			if i == 0 {
				p.WriteString(" USING (")
			} else {
				p.WriteString(", ")
			}
			p.ident(c)
		}
		if len(x.Using) > 0 {
			p.WriteByte(')')
		}
	default:
		p.WriteString("<nil>")
	}
}

func (p *printer) orderItem(o *OrderItem) {
	p.expr(o.Expr, precLowest)
	if o.Desc {
		p.WriteString(" DESC")
	}
	switch o.Nulls {
	case NullsFirst:
		p.WriteString(" NULLS FIRST")
	case NullsLast:
		p.WriteString(" NULLS LAST")
	}
}

func (p *printer) limit(l *Limit) {
	p.WriteString("LIMIT ")
	p.expr(l.Count, precConcat)
	if l.Per != nil {
		p.WriteString(" PER ")
		p.expr(l.Per, precConcat)
	}
	if l.Offset != nil {
		p.WriteString(" OFFSET ")
		p.expr(l.Offset, precConcat)
	}
}

// value prints a value a statement takes.
func (p *printer) value(e Expr) { p.expr(e, precConcat) }

func (p *printer) stmt(s Stmt) {
	switch x := s.(type) {
	case *SelectStmt:
		p.query(x.Query)
	case *CreateSet:
		p.WriteString("CREATE SET ")
		p.ident(x.Name)
		p.WriteString(" AS ")
		p.query(x.Query)
	case *DropSet:
		p.WriteString("DROP SET ")
		if x.IfExists {
			p.WriteString("IF EXISTS ")
		}
		p.ident(x.Name)
	case *CreateIndex:
		p.WriteString("CREATE INDEX ")
		if !x.Name.IsZero() {
			p.ident(x.Name)
			p.WriteByte(' ')
		}
		p.WriteString("ON ")
		p.ident(x.Table)
		p.WriteByte('(')
		p.ident(x.Column)
		p.WriteByte(')')
		for i, o := range x.Options {
			if i == 0 {
				p.WriteString(" WITH (")
			} else {
				p.WriteString(", ")
			}
			p.ident(o.Name)
			p.WriteString(" = ")
			p.value(o.Value)
		}
		if len(x.Options) > 0 {
			p.WriteByte(')')
		}
	case *DropIndex:
		p.WriteString("DROP INDEX ")
		if x.IfExists {
			p.WriteString("IF EXISTS ")
		}
		if x.Name.IsZero() {
			p.WriteString("ON ")
			p.ident(x.Table)
			p.WriteByte('(')
			p.ident(x.Column)
			p.WriteByte(')')
		} else {
			p.ident(x.Name)
		}
	case *Show:
		switch x.What {
		case ShowTables:
			p.WriteString("SHOW TABLES")
		case ShowSets:
			p.WriteString("SHOW SETS")
		case ShowIndexes:
			p.WriteString("SHOW INDEXES")
		case ShowSettings:
			p.WriteString("SHOW SETTINGS")
		case ShowSynsets:
			p.WriteString("SHOW SYNSETS")
			if x.Like != nil {
				p.WriteString(" LIKE ")
				p.value(x.Like)
			}
		default:
			p.WriteString("SHOW <unknown>")
		}
	case *ShowSynset:
		p.WriteString("SHOW SYNSET ")
		p.value(x.Synset)
	case *Describe:
		p.WriteString("DESCRIBE ")
		p.ident(x.Name)
	case *RefreshSet:
		p.WriteString("REFRESH SET ")
		p.ident(x.Name)
	case *Vacuum:
		p.WriteString("VACUUM")
	case *Reindex:
		p.WriteString("REINDEX")
		if !x.Table.IsZero() {
			p.WriteString(" ")
			p.ident(x.Table)
		}
	case *Ingest:
		p.WriteString("INGEST ")
		for i, e := range x.Paths {
			if i > 0 {
				p.WriteString(", ")
			}
			p.value(e)
		}
		p.WriteString(" INTO ")
		p.ident(x.Table)
		if x.Shard != nil {
			p.WriteString(" SHARD ")
			p.value(x.Shard)
		}
	case *Explain:
		p.WriteString("EXPLAIN ")
		p.stmt(x.Stmt)
	case *Assert:
		p.WriteString("ASSERT ")
		p.expr(x.Cond, precLowest)
		if x.Message != nil {
			p.WriteString(", ")
			p.value(x.Message)
		}
	case *Set:
		p.WriteString("SET ")
		p.ident(x.Name)
		p.WriteString(" = ")
		p.expr(x.Value, precLowest)
	case *Nearest:
		p.WriteString("NEAREST ")
		p.value(x.K)
		p.WriteString(" TO ")
		p.value(x.Target)
		p.WriteString(" IN ")
		p.ident(x.Source)
		p.WriteByte('(')
		p.ident(x.Column)
		p.WriteByte(')')
		if x.Where != nil {
			p.WriteString(" WHERE ")
			p.expr(x.Where, precLowest)
		}
	case *ImportEmbeddings:
		p.WriteString("IMPORT EMBEDDINGS FROM ")
		p.value(x.Texts)
		p.WriteString(", ")
		p.value(x.Vectors)
		if x.Model != nil {
			p.WriteString(" MODEL ")
			p.value(x.Model)
		}
	case *CompareIntraclass:
		p.WriteString("COMPARE INTRACLASS ")
		p.source(x.A)
		p.WriteString(", ")
		p.source(x.B)
		if !x.On.IsZero() {
			p.WriteString(" ON ")
			p.ident(x.On)
		}
		p.WriteString(" BY ")
		p.expr(x.By, precLowest)
		if x.MinPairs != nil {
			p.WriteString(" MIN PAIRS ")
			p.value(x.MinPairs)
		}
		p.compareMethod(x)
	case *Export:
		p.WriteString("EXPORT ")
		if x.Query != nil || x.Stmt != nil {
			p.WriteByte('(')
			p.queryOrStmt(x.Query, x.Stmt)
			p.WriteByte(')')
		} else {
			p.ident(x.Name)
		}
		p.WriteString(" TO ")
		p.value(x.To)
		if x.LaionetNames {
			p.WriteString(" WITH LAIONET NAMES")
		}
	case *Plot:
		switch x.Kind {
		case PlotScatter:
			p.WriteString("PLOT SCATTER ")
		case PlotLine:
			p.WriteString("PLOT LINE ")
		default:
			p.WriteString("PLOT HISTOGRAM ")
		}
		for i, q := range x.Queries {
			if i > 0 {
				p.WriteString(", ")
			}
			p.WriteByte('(')
			p.query(q)
			p.WriteByte(')')
		}
		p.WriteString(" TO ")
		p.value(x.To)
		if x.Title != nil {
			p.WriteString(" TITLE ")
			p.value(x.Title)
		}
		if x.Bins != nil {
			p.WriteString(" BINS ")
			p.value(x.Bins)
		}
		p.plotOptions(x)
	default:
		if !p.paperStmt(s) {
			p.WriteString("<unknown statement>")
		}
	}
}

func exprString(e Expr) string {
	var p printer
	p.expr(e, precLowest)
	return p.String()
}

func stmtString(s Stmt) string {
	var p printer
	p.stmt(s)
	return p.String()
}

// String returns the name as it would be written: bare, or double-quoted
// when it is a reserved word or not a plain identifier.
func (id Ident) String() string {
	var p printer
	p.ident(id)
	return p.String()
}

func (x *ColumnRef) String() string { return exprString(x) }
func (x *IntLit) String() string    { return exprString(x) }
func (x *FloatLit) String() string  { return exprString(x) }
func (x *StringLit) String() string { return exprString(x) }
func (x *BoolLit) String() string   { return exprString(x) }
func (x *NullLit) String() string   { return exprString(x) }
func (x *Var) String() string       { return exprString(x) }
func (x *VectorLit) String() string { return exprString(x) }
func (x *Unary) String() string     { return exprString(x) }
func (x *Binary) String() string    { return exprString(x) }
func (x *In) String() string        { return exprString(x) }
func (x *Between) String() string   { return exprString(x) }
func (x *IsNull) String() string    { return exprString(x) }
func (x *Like) String() string      { return exprString(x) }
func (x *Matches) String() string   { return exprString(x) }
func (x *Contains) String() string  { return exprString(x) }
func (x *Call) String() string      { return exprString(x) }
func (x *Subquery) String() string  { return exprString(x) }
func (x *Exists) String() string    { return exprString(x) }
func (x *Case) String() string      { return exprString(x) }

func (x *When) String() string {
	var p printer
	p.when(x)
	return p.String()
}

func (x *Select) String() string {
	var p printer
	p.query(x)
	return p.String()
}

func (x *SelectItem) String() string {
	var p printer
	p.item(x)
	return p.String()
}

func (x *TableSource) String() string {
	var p printer
	p.source(x)
	return p.String()
}

func (x *SubquerySource) String() string {
	var p printer
	p.source(x)
	return p.String()
}

func (x *StmtSource) String() string {
	var p printer
	p.source(x)
	return p.String()
}

func (x *Join) String() string {
	var p printer
	p.source(x)
	return p.String()
}

func (x *WithQuery) String() string {
	var p printer
	p.withQuery(x)
	return p.String()
}

func (x *Union) String() string {
	var p printer
	p.union(x)
	return p.String()
}

func (x *OrderItem) String() string {
	var p printer
	p.orderItem(x)
	return p.String()
}

func (x *Limit) String() string {
	var p printer
	p.limit(x)
	return p.String()
}

func (x *IndexOption) String() string {
	var p printer
	p.ident(x.Name)
	p.WriteString(" = ")
	p.value(x.Value)
	return p.String()
}

func (x *SelectStmt) String() string        { return stmtString(x) }
func (x *CreateSet) String() string         { return stmtString(x) }
func (x *DropSet) String() string           { return stmtString(x) }
func (x *CreateIndex) String() string       { return stmtString(x) }
func (x *DropIndex) String() string         { return stmtString(x) }
func (x *Show) String() string              { return stmtString(x) }
func (x *ShowSynset) String() string        { return stmtString(x) }
func (x *Describe) String() string          { return stmtString(x) }
func (x *RefreshSet) String() string        { return stmtString(x) }
func (x *Vacuum) String() string            { return stmtString(x) }
func (x *Reindex) String() string           { return stmtString(x) }
func (x *Ingest) String() string            { return stmtString(x) }
func (x *Explain) String() string           { return stmtString(x) }
func (x *Assert) String() string            { return stmtString(x) }
func (x *Set) String() string               { return stmtString(x) }
func (x *Nearest) String() string           { return stmtString(x) }
func (x *ImportEmbeddings) String() string  { return stmtString(x) }
func (x *CompareIntraclass) String() string { return stmtString(x) }
func (x *Export) String() string            { return stmtString(x) }
func (x *Plot) String() string              { return stmtString(x) }

// Format prints statements as a script, one per line, each ending in ";".
func Format(stmts []Stmt) string {
	var p printer
	for _, s := range stmts {
		p.stmt(s)
		p.WriteString(";\n")
	}
	return p.String()
}
