package ast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPrintRandomTrees builds random trees of every shape the parser can
// produce, prints them and parses the text back: the trees must be equal
// and printing a fixed point. Byte-level fuzzing rarely reaches deep,
// well-formed trees; this reaches every precedence corner.
func TestPrintRandomTrees(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	for i := 0; i < n; i++ {
		st := g.stmt()
		text := st.String()
		back, err := ParseStatement("", text)
		if err != nil {
			t.Fatalf("tree %d prints as\n%s\nwhich does not parse:\n%v", i, text, err)
		}
		if ok, why := sameTree(st, back); !ok {
			t.Fatalf("tree %d prints as\n%s\nwhich parses to a different tree (%s); that prints as\n%s", i, text, why, back.String())
		}
		if again := back.String(); again != text {
			t.Fatalf("tree %d: printing is not a fixed point:\n%s\n%s", i, text, again)
		}
	}
}

type gen struct {
	r     *rand.Rand
	depth int
}

func (g *gen) n(k int) int { return g.r.IntN(k) }

var genNames = []string{"a", "caption", "synset", "min", "first", "Tables", "select", "odd name", "größe", "a\"b", "x1"}

func (g *gen) ident() Ident { return Ident{Name: genNames[g.n(len(genNames))]} }

func (g *gen) optIdent() Ident {
	if g.n(2) == 0 {
		return Ident{}
	}
	return g.ident()
}

func (g *gen) leaf() Expr {
	switch g.n(9) {
	case 0:
		return &IntLit{Value: int64(g.n(2000)) - 1000}
	case 1:
		vals := []int64{0, math.MaxInt64, math.MinInt64, 7}
		return &IntLit{Value: vals[g.n(len(vals))]}
	case 2:
		vals := []float64{0.5, -0.25, 1e21, 5e-324, -1e-7, 3, math.Copysign(0, -1), 123456.789}
		return &FloatLit{Value: vals[g.n(len(vals))]}
	case 3:
		vals := []string{"", "it's", "--", "/*", "a\nb", "''"}
		return &StringLit{Value: vals[g.n(len(vals))]}
	case 4:
		return &BoolLit{Value: g.n(2) == 0}
	case 5:
		return &NullLit{}
	case 6:
		return &Var{Name: []string{"k", "dir", "1x"}[g.n(3)]}
	case 7:
		return &ColumnRef{Table: g.ident(), Column: g.ident()}
	}
	return &ColumnRef{Column: g.ident()}
}

var binaryOps = []Op{OpOr, OpAnd, OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpConcat, OpAdd, OpSub, OpMul, OpDiv, OpMod}

func (g *gen) expr() Expr {
	if g.depth > 4 || g.n(3) == 0 {
		return g.leaf()
	}
	g.depth++
	defer func() { g.depth-- }()
	rule := []MatchRule{RuleDefault, RulePaper, RuleNormalized}[g.n(3)]
	switch g.n(17) {
	case 0, 1, 2, 3:
		return &Binary{X: g.expr(), Op: binaryOps[g.n(len(binaryOps))], Y: g.expr()}
	case 4:
		return &Unary{Op: OpNot, X: g.expr()}
	case 5:
		return &Unary{Op: OpNeg, X: g.expr()}
	case 6:
		if g.n(3) == 0 {
			return &In{X: g.expr(), Not: g.n(2) == 0, Query: g.query()}
		}
		return &In{X: g.expr(), Not: g.n(2) == 0, List: g.exprs(1)}
	case 7:
		return &Between{X: g.expr(), Not: g.n(2) == 0, Low: g.expr(), High: g.expr()}
	case 8:
		return &IsNull{X: g.expr(), Not: g.n(2) == 0}
	case 9:
		return &Like{X: g.expr(), Not: g.n(2) == 0, Pattern: g.expr()}
	case 10:
		m := &Matches{X: g.expr(), Not: g.n(2) == 0, Rule: rule}
		if g.n(2) == 0 {
			m.Synset = g.expr()
			m.Hyponyms = g.n(2) == 0
		}
		return m
	case 11:
		return &Contains{X: g.expr(), Not: g.n(2) == 0, Phrase: g.expr(), Rule: rule}
	case 12:
		switch g.n(3) {
		case 0:
			return &Call{Name: g.ident(), Star: true}
		case 1:
			c := &Call{Name: g.ident(), Distinct: true, Args: g.exprs(1)}
			if g.n(3) == 0 {
				c.Rule = RuleNormalized
			}
			return c
		}
		c := &Call{Name: g.ident(), Args: g.exprs(0)}
		if len(c.Args) > 0 && g.n(3) == 0 {
			c.Rule = []MatchRule{RulePaper, RuleNormalized}[g.n(2)]
		}
		return c
	case 13:
		if g.n(2) == 0 {
			return &Exists{Query: g.query()}
		}
		return &Subquery{Query: g.query()}
	case 14:
		c := &Case{}
		if g.n(2) == 0 {
			c.Operand = g.expr()
		}
		for i := 0; i < 1+g.n(2); i++ {
			c.Whens = append(c.Whens, &When{Cond: g.expr(), Result: g.expr()})
		}
		if g.n(2) == 0 {
			c.Else = g.expr()
		}
		return c
	case 15:
		return &VectorLit{Elems: g.exprs(1)}
	}
	return g.leaf()
}

func (g *gen) exprs(least int) []Expr {
	var list []Expr
	for i := 0; i < least+g.n(3); i++ {
		list = append(list, g.expr())
	}
	return list
}

func (g *gen) optExpr() Expr {
	if g.n(2) == 0 {
		return nil
	}
	return g.expr()
}

func (g *gen) source() Source {
	if g.depth < 4 && g.n(4) == 0 {
		g.depth++
		defer func() { g.depth-- }()
		if g.n(3) == 0 {
			return &StmtSource{Stmt: g.rowStmt(), Alias: g.ident()}
		}
		return &SubquerySource{Query: g.query(), Alias: g.ident()}
	}
	return &TableSource{Name: g.ident(), Alias: g.optIdent()}
}

// from is a FROM clause: a source, or a left-deep chain of joins.
func (g *gen) from() Source {
	src := g.source()
	for i := 0; g.depth < 4 && i < g.n(4)-1; i++ {
		j := &Join{Left: src, Kind: JoinKind(1 + g.n(3)), Right: g.source()}
		switch {
		case j.Kind == JoinCross:
		case g.n(3) == 0:
			for k := 0; k < 1+g.n(2); k++ {
				j.Using = append(j.Using, g.ident())
			}
		default:
			j.On = g.expr()
		}
		src = j
	}
	return src
}

// rowStmt is a statement other than SELECT, as a source or WITH query
// holds one.
func (g *gen) rowStmt() Stmt {
	for {
		if st := g.stmt(); !isSelectStmt(st) {
			return st
		}
	}
}

func isSelectStmt(st Stmt) bool {
	_, ok := st.(*SelectStmt)
	return ok
}

func (g *gen) query() *Select {
	g.depth++
	defer func() { g.depth-- }()
	q := g.core()
	if g.depth < 4 && g.n(5) == 0 {
		for i := 0; i < 1+g.n(2); i++ {
			w := &WithQuery{Name: g.ident()}
			if g.n(4) == 0 {
				w.Stmt = g.rowStmt()
			} else {
				w.Query = g.query()
			}
			q.With = append(q.With, w)
		}
	}
	if g.depth < 4 && g.n(5) == 0 {
		for i := 0; i < 1+g.n(2); i++ {
			q.Unions = append(q.Unions, &Union{All: g.n(2) == 0, Query: g.core()})
		}
	}
	for i := 0; i < g.n(3); i++ {
		q.OrderBy = append(q.OrderBy, &OrderItem{Expr: g.expr(), Desc: g.n(2) == 0, Nulls: Nulls(g.n(3))})
	}
	if g.n(2) == 0 {
		q.Limit = &Limit{Count: g.expr(), Per: g.optExpr(), Offset: g.optExpr()}
	}
	return q
}

// core is a SELECT without WITH, UNION, ORDER BY and LIMIT: an arm of a
// union.
func (g *gen) core() *Select {
	q := &Select{Distinct: g.n(4) == 0}
	for i := 0; i < 1+g.n(3); i++ {
		switch g.n(6) {
		case 0:
			q.Items = append(q.Items, &SelectItem{Star: true})
		case 1:
			q.Items = append(q.Items, &SelectItem{Star: true, Table: g.ident()})
		default:
			q.Items = append(q.Items, &SelectItem{Expr: g.expr(), Alias: g.optIdent()})
		}
	}
	if g.n(3) > 0 {
		q.From = g.from()
	}
	q.Where = g.optExpr()
	if g.n(4) == 0 {
		q.Sample = g.sample()
	}
	if g.n(3) == 0 {
		q.GroupBy = g.exprs(1)
		q.Having = g.optExpr()
	}
	return q
}

func (g *gen) sample() *Sample {
	s := &Sample{Size: g.expr(), Seed: g.optExpr()}
	switch g.n(3) {
	case 0:
		s.Percent = true
	case 1:
		s.Per = g.expr()
	}
	return s
}

func (g *gen) nearest() *Nearest {
	return &Nearest{K: g.expr(), Target: g.expr(), Source: g.ident(), Column: g.ident(), Where: g.optExpr()}
}

func (g *gen) stmt() Stmt {
	switch g.n(29) {
	case 0:
		return &CreateSet{Name: g.ident(), Query: g.query()}
	case 1:
		return &DropSet{IfExists: g.n(2) == 0, Name: g.ident()}
	case 2:
		c := &CreateIndex{Name: g.optIdent(), Table: g.ident(), Column: g.ident()}
		for i := 0; i < g.n(3); i++ {
			c.Options = append(c.Options, &IndexOption{Name: g.ident(), Value: g.expr()})
		}
		return c
	case 3:
		if g.n(2) == 0 {
			return &DropIndex{IfExists: g.n(2) == 0, Name: g.ident()}
		}
		return &DropIndex{IfExists: g.n(2) == 0, Table: g.ident(), Column: g.ident()}
	case 4:
		s := &Show{What: ShowWhat(1 + g.n(5))}
		if s.What == ShowSynsets {
			s.Like = g.optExpr()
		}
		return s
	case 5:
		return &ShowSynset{Synset: g.expr()}
	case 6:
		return &Describe{Name: g.ident()}
	case 7:
		return &Ingest{Paths: g.exprs(1), Table: g.ident(), Shard: g.optExpr()}
	case 8:
		switch g.n(3) {
		case 0:
			return &Explain{Stmt: &CreateSet{Name: g.ident(), Query: g.query()}}
		case 1:
			return &Explain{Stmt: g.nearest()}
		}
		return &Explain{Stmt: &SelectStmt{Query: g.query()}}
	case 9:
		return &Assert{Cond: g.expr(), Message: g.optExpr()}
	case 10:
		return &Set{Name: g.ident(), Value: g.expr()}
	case 11:
		return g.nearest()
	case 12:
		return &ImportEmbeddings{Texts: g.expr(), Vectors: g.expr(), Model: g.optExpr()}
	case 13:
		c := &CompareIntraclass{A: g.source(), B: g.source(), On: g.optIdent(), By: g.expr(), MinPairs: g.optExpr()}
		if g.n(2) == 0 {
			c.Method = []string{MethodPaper, MethodJackknife, MethodBootstrap}[g.n(3)]
			c.Resamples, c.Seed = g.optExpr(), g.optExpr()
		}
		return c
	case 14:
		switch g.n(3) {
		case 0:
			return &Export{Query: g.query(), To: g.expr(), LaionetNames: g.n(2) == 0}
		case 1:
			if g.depth < 4 {
				g.depth++
				defer func() { g.depth-- }()
				return &Export{Stmt: g.rowStmt(), To: g.expr(), LaionetNames: g.n(2) == 0}
			}
		}
		return &Export{Name: g.ident(), To: g.expr(), LaionetNames: g.n(2) == 0}
	case 15:
		p := &Plot{Kind: PlotHistogram, To: g.expr(), Title: g.optExpr(), Bins: g.optExpr(), Density: g.n(2) == 0, XLabel: g.optExpr()}
		if g.n(2) == 0 {
			p.RangeLo, p.RangeHi = g.expr(), g.expr()
		}
		for i := 0; i < 1+g.n(2); i++ {
			p.Queries = append(p.Queries, g.query())
		}
		return p
	case 16:
		return &Plot{Kind: PlotScatter, Queries: []*Select{g.query()}, To: g.expr(), Title: g.optExpr()}
	case 17:
		return &RefreshSet{Name: g.ident()}
	case 18:
		return &Vacuum{}
	case 19:
		if g.n(2) == 0 {
			return &Reindex{}
		}
		return &Reindex{Table: g.ident()}
	case 20:
		return &ImportClassifier{Name: g.ident(), Weights: g.expr(), Classes: g.optExpr(), Model: g.optExpr()}
	case 21:
		return &ImportPredictions{File: g.expr(), Name: g.ident()}
	case 22:
		return &CreateClassifier{Name: g.ident(), Query: g.query()}
	case 23:
		return &DropClassifier{IfExists: g.n(2) == 0, Name: g.ident()}
	case 24:
		return &ShowClassifiers{}
	case 25:
		return &Evaluate{Name: g.ident(), Source: g.source(), Label: g.optExpr(), PerClass: g.n(2) == 0}
	case 26:
		p := &Plot{Kind: PlotLine, To: g.expr(), Title: g.optExpr(), XLabel: g.optExpr(), YLabel: g.optExpr()}
		for i := 0; i < 1+g.n(3); i++ {
			p.Queries = append(p.Queries, g.query())
		}
		return p
	}
	return &SelectStmt{Query: g.query()}
}
