package ast

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/query/internal/grammar"
)

// Lowering turns participle's grammar structs, one per precedence level
// and full of optional fields, into the AST. It lives here rather than in
// the grammar package so the grammar need not import the AST (the AST's
// Parse functions import the grammar). It checks what the grammar cannot:
// number ranges, t.* outside a select list, a PLOT option given twice.

type lowerer struct {
	err *grammar.Error // the first problem found
	src string         // the whole script, for the text of statements in parentheses
}

func (l *lowerer) fail(p grammar.Position, format string, args ...any) {
	if l.err == nil {
		l.err = &grammar.Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
	}
}

func pos(p grammar.Position) Pos { return Pos{Line: p.Line, Column: p.Column, Offset: p.Offset} }

type anyName interface {
	*grammar.Name | *grammar.SourceName | *grammar.TableName | *grammar.SetName |
		*grammar.ColumnName | *grammar.IndexName | *grammar.Alias | *grammar.SettingName |
		*grammar.OptionName | *grammar.WithName | *grammar.ClassifierName
}

func ident[P anyName](n P) Ident {
	g := (*grammar.Name)(n)
	if g == nil {
		return Ident{}
	}
	if g.Quoted != "" {
		return Ident{NamePos: pos(g.Pos), Name: grammar.Unquote(g.Quoted)}
	}
	return Ident{NamePos: pos(g.Pos), Name: g.Plain}
}

// ---- statements ----

func (l *lowerer) statement(s *grammar.Statement) Stmt {
	switch {
	case s.Select != nil:
		return &SelectStmt{Query: l.query(s.Select)}
	case s.Create != nil && s.Create.Set != nil:
		return l.createSet(s.Create.Set)
	case s.Create != nil && s.Create.Index != nil:
		c := s.Create.Index
		st := &CreateIndex{Name: ident(c.Name), Table: ident(c.Table), Column: ident(c.Column)}
		for _, o := range c.Options {
			st.Options = append(st.Options, &IndexOption{Name: ident(o.Name), Value: l.concat(o.Value)})
		}
		return st
	case s.Drop != nil && s.Drop.Set != nil:
		return &DropSet{IfExists: s.Drop.Set.IfExists, Name: ident(s.Drop.Set.Name)}
	case s.Drop != nil && s.Drop.Index != nil:
		d := s.Drop.Index
		return &DropIndex{IfExists: d.IfExists, Name: ident(d.Name), Table: ident(d.Table), Column: ident(d.Column)}
	case s.Show != nil:
		sh := s.Show
		switch {
		case sh.Tables:
			return &Show{What: ShowTables}
		case sh.Sets:
			return &Show{What: ShowSets}
		case sh.Setting:
			return &Show{What: ShowSettings}
		case sh.Indexes:
			return &Show{What: ShowIndexes}
		case sh.Synsets:
			return &Show{What: ShowSynsets, Like: l.optConcat(sh.Like)}
		}
		return &ShowSynset{Synset: l.concat(sh.Synset)}
	case s.Describe != nil:
		return &Describe{Name: ident(s.Describe.Name)}
	case s.Refresh != nil:
		return &RefreshSet{Name: ident(s.Refresh.Name)}
	case s.Vacuum != nil:
		return &Vacuum{}
	case s.Reindex != nil:
		return &Reindex{Table: ident(s.Reindex.Table)}
	case s.Ingest != nil:
		in := &Ingest{Table: ident(s.Ingest.Table), Shard: l.optConcat(s.Ingest.Shard)}
		for _, p := range s.Ingest.Paths {
			in.Paths = append(in.Paths, l.concat(p))
		}
		return in
	case s.Explain != nil:
		e := s.Explain
		switch {
		case e.Select != nil:
			return &Explain{Stmt: &SelectStmt{Query: l.query(e.Select)}}
		case e.Create != nil:
			return &Explain{Stmt: l.createSet(e.Create)}
		default:
			return &Explain{Stmt: l.nearest(e.Nearest)}
		}
	case s.Assert != nil:
		return &Assert{Cond: l.expr(s.Assert.Cond), Message: l.optConcat(s.Assert.Message)}
	case s.Set != nil:
		return &Set{Name: ident(s.Set.Name), Value: l.expr(s.Set.Value)}
	case s.Nearest != nil:
		return l.nearest(s.Nearest)
	case s.Import != nil:
		return &ImportEmbeddings{Texts: l.concat(s.Import.Texts), Vectors: l.concat(s.Import.Vectors), Model: l.optConcat(s.Import.Model)}
	case s.Compare != nil:
		c := s.Compare
		st := &CompareIntraclass{A: l.source(c.A), B: l.source(c.B), On: ident(c.On), By: l.expr(c.By), MinPairs: l.optConcat(c.MinPairs)}
		if m := c.Method; m != nil {
			st.Method, st.Resamples, st.Seed = strings.ToLower(m.Method), l.optConcat(m.Resamples), l.optConcat(m.Seed)
		}
		return st
	case s.Export != nil:
		e := s.Export
		x := &Export{Name: ident(e.Name), To: l.concat(e.To), LaionetNames: e.Laionet}
		if e.Query != nil {
			x.Query, x.Stmt = l.queryOrStmt(e.Query)
		}
		return x
	case s.Plot != nil && s.Plot.Histogram != nil:
		h := s.Plot.Histogram
		p := &Plot{Kind: PlotHistogram, To: l.concat(h.To)}
		for _, q := range h.Queries {
			p.Queries = append(p.Queries, l.query(q))
		}
		for _, o := range h.Options {
			switch {
			case o.Title != nil && p.Title != nil:
				l.fail(o.Pos, "TITLE given twice")
			case o.Title != nil:
				p.Title = l.concat(o.Title)
			case o.Bins == nil:
				l.plotOption(p, o)
			case p.Bins != nil:
				l.fail(o.Pos, "BINS given twice")
			default:
				p.Bins = l.concat(o.Bins)
			}
		}
		return p
	case s.Plot != nil && s.Plot.Scatter != nil:
		sc := s.Plot.Scatter
		p := &Plot{Kind: PlotScatter, To: l.concat(sc.To), Title: l.optConcat(sc.Title)}
		for _, q := range sc.Queries {
			p.Queries = append(p.Queries, l.query(q))
		}
		return p
	}
	if st := l.paperStatement(s); st != nil {
		return st
	}
	l.fail(s.Pos, "unknown statement")
	return nil
}

func (l *lowerer) createSet(c *grammar.CreateSet) *CreateSet {
	return &CreateSet{Name: ident(c.Name), Query: l.query(c.Query)}
}

func (l *lowerer) nearest(n *grammar.Nearest) *Nearest {
	return &Nearest{
		K:      l.concat(n.K),
		Target: l.concat(n.Target),
		Source: ident(n.Source),
		Column: ident(n.Column),
		Where:  l.optExpr(n.Where),
	}
}

// ---- queries ----

func (l *lowerer) query(s *grammar.Select) *Select {
	q := &Select{SelectPos: pos(s.Pos)}
	for _, w := range s.With {
		wq := &WithQuery{Name: ident(w.Name)}
		wq.Query, wq.Stmt = l.queryOrStmt(w.Query)
		q.With = append(q.With, wq)
	}
	l.core(q, s.Distinct, s.Items, s.From, s.Where, s.GroupBy, s.Having)
	for _, u := range s.Unions {
		c := u.Query
		arm := &Select{SelectPos: pos(c.Pos)}
		l.core(arm, c.Distinct, c.Items, c.From, c.Where, c.GroupBy, c.Having)
		arm.Sample = l.sample(c.Sample)
		q.Unions = append(q.Unions, &Union{UnionPos: pos(u.Pos), All: u.All, Query: arm})
	}
	q.Sample = l.sample(s.Sample)
	for _, o := range s.OrderBy {
		oi := &OrderItem{Expr: l.expr(o.Expr), Desc: strings.EqualFold(o.Dir, "DESC")}
		switch {
		case strings.EqualFold(o.Nulls, "FIRST"):
			oi.Nulls = NullsFirst
		case strings.EqualFold(o.Nulls, "LAST"):
			oi.Nulls = NullsLast
		}
		q.OrderBy = append(q.OrderBy, oi)
	}
	if s.Limit != nil {
		q.Limit = &Limit{
			LimitPos: pos(s.Limit.Pos),
			Count:    l.concat(s.Limit.Count),
			Per:      l.optConcat(s.Limit.Per),
			Offset:   l.optConcat(s.Limit.Offset),
		}
	}
	return q
}

// core fills in the clauses a SELECT shares with the arms of a union.
func (l *lowerer) core(q *Select, distinct bool, items []*grammar.SelectItem, from *grammar.From, where *grammar.Expression, groupBy []*grammar.Expression, having *grammar.Expression) {
	q.Distinct = distinct
	for _, it := range items {
		q.Items = append(q.Items, l.item(it))
	}
	if from != nil {
		q.From = l.from(from)
	}
	q.Where = l.optExpr(where)
	for _, g := range groupBy {
		q.GroupBy = append(q.GroupBy, l.expr(g))
	}
	q.Having = l.optExpr(having)
}

func (l *lowerer) item(it *grammar.SelectItem) *SelectItem {
	if it.Star {
		return &SelectItem{ItemPos: pos(it.Pos), Star: true}
	}
	if r := bareRef(it.Expr); r != nil && r.Star {
		if it.Alias != nil {
			l.fail(it.Alias.Pos, "%s.* cannot have an alias", ident(r.Name))
		}
		return &SelectItem{ItemPos: pos(it.Pos), Star: true, Table: ident(r.Name)}
	}
	return &SelectItem{ItemPos: pos(it.Pos), Expr: l.expr(it.Expr), Alias: ident(it.Alias)}
}

// bareRef returns the Ref an expression consists of, if that is all it is.
func bareRef(e *grammar.Expression) *grammar.Ref {
	if e == nil || len(e.Tail) > 0 || len(e.Head.Tail) > 0 || e.Head.Head.Comparison == nil {
		return nil
	}
	c := e.Head.Head.Comparison
	if c.Predicate != nil || len(c.Left.Tail) > 0 || len(c.Left.Head.Tail) > 0 || len(c.Left.Head.Head.Tail) > 0 {
		return nil
	}
	u := c.Left.Head.Head.Head
	if u.Primary == nil {
		return nil
	}
	return u.Primary.Ref
}

func (l *lowerer) source(s *grammar.Source) Source {
	if s.Query != nil {
		q, st := l.queryOrStmt(s.Query)
		if q != nil {
			return &SubquerySource{Lparen: pos(s.Pos), Query: q, Alias: ident(s.QueryAlias)}
		}
		return &StmtSource{Lparen: pos(s.Pos), Stmt: st, Alias: ident(s.QueryAlias)}
	}
	return &TableSource{Name: ident(s.Table), Alias: ident(s.TableAlias)}
}

// from lowers a FROM clause: its first source, joined left to right with
// the sources after it.
func (l *lowerer) from(f *grammar.From) Source {
	src := l.source(f.Source)
	for _, j := range f.Joins {
		src = l.join(src, j)
	}
	return src
}

func (l *lowerer) join(left Source, j *grammar.Join) Source {
	x := &Join{Left: left, JoinPos: pos(j.Pos), Kind: JoinInner, Right: l.source(j.Source), On: l.optExpr(j.On)}
	for _, c := range j.Using {
		x.Using = append(x.Using, ident(c))
	}
	switch strings.ToUpper(j.Kind) {
	case "LEFT":
		x.Kind = JoinLeft
	case "CROSS":
		x.Kind = JoinCross
	case "RIGHT":
		l.fail(j.Pos, "RIGHT JOIN is not supported: write the two sources the other way round, with LEFT JOIN")
	case "FULL":
		l.fail(j.Pos, "FULL JOIN is not supported; LEFT JOIN keeps every row of the source before it")
	case "NATURAL":
		l.fail(j.Pos, "NATURAL JOIN is not supported: name the columns, JOIN ... USING (column, ...)")
	}
	switch {
	case j.Comma:
		l.fail(j.Pos, "FROM a, b is not supported: write a JOIN b ON condition (or a CROSS JOIN b for every pair)")
	case j.Outer && x.Kind != JoinLeft:
		l.fail(j.Pos, "OUTER goes with LEFT: LEFT OUTER JOIN")
	case x.Kind == JoinCross && (j.On != nil || len(j.Using) > 0):
		l.fail(j.Pos, "CROSS JOIN pairs every row with every row: it takes no ON or USING")
	case x.Kind != JoinCross && j.On == nil && len(j.Using) == 0:
		l.fail(j.Pos, "JOIN needs ON condition or USING (column, ...); CROSS JOIN pairs every row with every row")
	}
	return x
}

// queryOrStmt lowers a statement in parentheses: a SELECT gives its query,
// any other statement itself, with its span.
func (l *lowerer) queryOrStmt(g *grammar.Statement) (*Select, Stmt) {
	if g.Select != nil {
		return l.query(g.Select), nil
	}
	st := l.statement(g)
	if st == nil {
		return nil, nil
	}
	if sp, ok := l.span(g.Tokens); ok {
		setSpan(st, sp)
		if ex, ok := st.(*Explain); ok {
			if in, ok := l.span(g.Tokens[1:]); ok {
				setSpan(ex.Stmt, in)
			}
		}
	}
	return nil, st
}

// span is the extent of toks in the script.
func (l *lowerer) span(toks []grammar.Token) (Span, bool) {
	if len(toks) == 0 || l.src == "" {
		return Span{}, false
	}
	first, last := toks[0], toks[len(toks)-1]
	end := last.Pos.Offset + len(last.Value)
	if first.Pos.Offset < 0 || end > len(l.src) || first.Pos.Offset > end {
		return Span{}, false
	}
	text := l.src[first.Pos.Offset:end]
	start := pos(first.Pos)
	e := start
	for _, r := range text {
		if r == '\n' {
			e.Line++
			e.Column = 1
		} else {
			e.Column++
		}
	}
	e.Offset = end
	return Span{Start: start, End: e, Text: text}, true
}

// ---- expressions ----

func (l *lowerer) optExpr(e *grammar.Expression) Expr {
	if e == nil {
		return nil
	}
	return l.expr(e)
}

func (l *lowerer) optConcat(e *grammar.Concat) Expr {
	if e == nil {
		return nil
	}
	return l.concat(e)
}

func (l *lowerer) expr(e *grammar.Expression) Expr {
	x := l.conjunction(e.Head)
	for _, t := range e.Tail {
		x = &Binary{X: x, OpPos: pos(t.Pos), Op: OpOr, Y: l.conjunction(t.Operand)}
	}
	return x
}

func (l *lowerer) conjunction(c *grammar.Conjunction) Expr {
	x := l.negation(c.Head)
	for _, t := range c.Tail {
		x = &Binary{X: x, OpPos: pos(t.Pos), Op: OpAnd, Y: l.negation(t.Operand)}
	}
	return x
}

func (l *lowerer) negation(n *grammar.Negation) Expr {
	if n.Not != nil {
		return &Unary{OpPos: pos(n.Pos), Op: OpNot, X: l.negation(n.Not)}
	}
	return l.comparison(n.Comparison)
}

var comparisonOps = map[string]Op{"=": OpEq, "!=": OpNe, "<>": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe}

func (l *lowerer) comparison(c *grammar.Comparison) Expr {
	x := l.concat(c.Left)
	p := c.Predicate
	if p == nil {
		return x
	}
	at := pos(p.Pos)
	switch {
	case p.Op != "":
		return &Binary{X: x, OpPos: at, Op: comparisonOps[p.Op], Y: l.concat(p.Right)}
	case p.Is:
		return &IsNull{X: x, OpPos: at, Not: p.IsNot}
	case p.In != nil:
		in := &In{X: x, OpPos: at, Not: p.Not}
		if p.In.Query != nil {
			in.Query = l.query(p.In.Query)
		}
		for _, v := range p.In.Values {
			in.List = append(in.List, l.expr(v))
		}
		return in
	case p.Between != nil:
		return &Between{X: x, OpPos: at, Not: p.Not, Low: l.concat(p.Between.Low), High: l.concat(p.Between.High)}
	case p.Like != nil:
		return &Like{X: x, OpPos: at, Not: p.Not, Pattern: l.concat(p.Like.Pattern)}
	case p.Matches != nil:
		m := &Matches{X: x, OpPos: at, Not: p.Not, Rule: MatchRule(strings.ToLower(p.Matches.Rule)), Hyponyms: p.Matches.Hyponyms}
		if !p.Matches.ImageNet {
			m.Synset = l.concat(p.Matches.Synset)
		}
		return m
	case p.Contains != nil:
		return &Contains{X: x, OpPos: at, Not: p.Not, Phrase: l.concat(p.Contains.Phrase), Rule: MatchRule(strings.ToLower(p.Contains.Rule))}
	}
	l.fail(p.Pos, "unknown predicate")
	return x
}

func (l *lowerer) concat(c *grammar.Concat) Expr {
	x := l.sum(c.Head)
	for _, t := range c.Tail {
		x = &Binary{X: x, OpPos: pos(t.Pos), Op: OpConcat, Y: l.sum(t.Operand)}
	}
	return x
}

func (l *lowerer) sum(s *grammar.Sum) Expr {
	x := l.product(s.Head)
	for _, t := range s.Tail {
		op := OpAdd
		if t.Op == "-" {
			op = OpSub
		}
		x = &Binary{X: x, OpPos: pos(t.Pos), Op: op, Y: l.product(t.Operand)}
	}
	return x
}

func (l *lowerer) product(p *grammar.Product) Expr {
	x := l.unary(p.Head)
	for _, t := range p.Tail {
		op := OpMul
		switch t.Op {
		case "/":
			op = OpDiv
		case "%":
			op = OpMod
		}
		x = &Binary{X: x, OpPos: pos(t.Pos), Op: op, Y: l.unary(t.Operand)}
	}
	return x
}

func (l *lowerer) unary(u *grammar.Unary) Expr {
	if u.Neg == nil {
		return l.primary(u.Primary, false)
	}
	// A minus written directly before a number is part of the literal,
	// so -9223372036854775808 fits and [0.1, -0.2] is all literals.
	if p := u.Neg.Primary; p != nil && (p.Int != "" || p.Float != "") {
		x := l.primary(p, true)
		switch v := x.(type) {
		case *IntLit:
			v.ValuePos = pos(u.Pos)
		case *FloatLit:
			v.ValuePos = pos(u.Pos)
		}
		return x
	}
	return &Unary{OpPos: pos(u.Pos), Op: OpNeg, X: l.unary(u.Neg)}
}

func (l *lowerer) primary(p *grammar.Primary, negate bool) Expr {
	at := pos(p.Pos)
	switch {
	case p.Int != "":
		text := p.Int
		if negate {
			text = "-" + text
		}
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			l.fail(p.Pos, "integer %s is out of range", text)
		}
		return &IntLit{ValuePos: at, Value: v}
	case p.Float != "":
		text := p.Float
		if negate {
			text = "-" + text
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			l.fail(p.Pos, "number %s is out of range", text)
		}
		return &FloatLit{ValuePos: at, Value: v}
	case p.String != "":
		return &StringLit{ValuePos: at, Value: grammar.Unquote(p.String)}
	case p.Bool != "":
		return &BoolLit{ValuePos: at, Value: strings.EqualFold(p.Bool, "TRUE")}
	case p.Null:
		return &NullLit{ValuePos: at}
	case p.Var != "":
		return &Var{VarPos: at, Name: p.Var[1:]}
	case p.Case != nil:
		c := &Case{CasePos: at, Operand: l.optExpr(p.Case.Operand), Else: l.optExpr(p.Case.Else)}
		for _, w := range p.Case.Whens {
			c.Whens = append(c.Whens, &When{WhenPos: pos(w.Pos), Cond: l.expr(w.Cond), Result: l.expr(w.Result)})
		}
		return c
	case p.Exists != nil:
		return &Exists{ExistsPos: at, Query: l.query(p.Exists)}
	case p.Query != nil:
		return &Subquery{Lparen: at, Query: l.query(p.Query)}
	case p.Paren != nil:
		return l.expr(p.Paren)
	case p.Vector != nil:
		v := &VectorLit{Lbrack: at}
		for _, e := range p.Vector.Elems {
			v.Elems = append(v.Elems, l.expr(e))
		}
		return v
	case p.Ref != nil:
		return l.ref(p.Ref)
	}
	l.fail(p.Pos, "unknown expression")
	return &NullLit{ValuePos: at}
}

func (l *lowerer) ref(r *grammar.Ref) Expr {
	name := ident(r.Name)
	switch {
	case r.Call != nil:
		c := &Call{Name: name, Star: r.Call.Star, Distinct: r.Call.Distinct, Rule: MatchRule(strings.ToLower(r.Call.Rule))}
		for _, a := range r.Call.Args {
			c.Args = append(c.Args, l.expr(a))
		}
		return c
	case r.Star:
		l.fail(r.Pos, "%s.* is only allowed as an item of the select list", name)
		return &ColumnRef{Column: name}
	case r.Member != nil:
		return &ColumnRef{Table: name, Column: ident(r.Member)}
	}
	return &ColumnRef{Column: name}
}
