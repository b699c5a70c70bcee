package plan

import (
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// from plans a FROM clause: one row without it, else its sources and
// joins. Every source of one FROM goes by its own name (table, alias or
// WITH name), which qualifies its columns.
func (p *Planner) from(s ast.Source) (exec.PlanNode, error) {
	if s == nil {
		return exec.OneRowNode{}, nil
	}
	p.quals = map[string]bool{}
	n, err := p.source(s)
	if err != nil {
		return nil, err
	}
	if scan, ok := n.(*exec.ScanNode); ok {
		p.Src = scan.Src
	}
	return n, nil
}

// source plans one source of a FROM clause.
func (p *Planner) source(s ast.Source) (exec.PlanNode, error) {
	switch x := s.(type) {
	case *ast.TableSource:
		return p.tableSource(x)
	case *ast.SubquerySource:
		if err := p.claim(x.Alias); err != nil {
			return nil, err
		}
		sub := p.sub(x.Query)
		n, err := sub.Plan()
		if err != nil {
			return nil, err
		}
		r := rename(n, x.Alias.Name, "subquery as "+x.Alias.Name)
		p.viewMap()[r] = &view{q: x.Query, items: sub.items, scope: p.scope, outer: p.outer, corr: p.corr}
		return r, nil
	case *ast.StmtSource:
		if err := p.claim(x.Alias); err != nil {
			return nil, err
		}
		n, err := p.statement(x.Stmt)
		if err != nil {
			return nil, err
		}
		return rename(n, x.Alias.Name, "statement as "+x.Alias.Name), nil // its rows are what they are
	case *ast.Join:
		return p.join(x)
	}
	return nil, value.ErrAt(s.Pos(), "%s cannot be read as a source", s)
}

// claim records the name a source goes by, refusing a second source of
// the same name: its columns could not be told apart.
func (p *Planner) claim(name ast.Ident) error {
	k := strings.ToLower(name.Name)
	if p.quals[k] {
		return value.ErrAt(name.Pos(), "two sources of this FROM are named %s; give one another name with AS, e.g. FROM laion AS a JOIN laion AS b ON ...", name.Name)
	}
	p.quals[k] = true
	return nil
}

// rename qualifies the columns of a subquery, WITH query or statement by
// the name it goes by.
func rename(n exec.PlanNode, qual, what string) *exec.RenameNode {
	sch := append(value.Schema(nil), n.Schema()...)
	for i := range sch {
		sch[i].Qual = qual
		sch[i].OnlyQualified = false
	}
	return &exec.RenameNode{In: n, Sch: sch, What: what}
}

// tableSource plans a table, a set or a WITH query by name; a WITH name
// hides a table or set of the same name.
func (p *Planner) tableSource(x *ast.TableSource) (exec.PlanNode, error) {
	name := x.Alias
	if name.IsZero() {
		name = x.Name
	}
	if def := p.scope.lookup(x.Name.Name); def != nil {
		if err := p.claim(name); err != nil {
			return nil, err
		}
		return p.withSource(def, x, name.Name)
	}
	src, err := OpenSource(p.Sess, x.Name.Name, x.Alias.Name)
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "%v", err)
	}
	if err := p.claim(name); err != nil {
		return nil, err
	}
	// caption MATCHES IMAGENET as a conjunct of WHERE binds the synset
	// of each row it keeps, whichever way the rows are found.
	for _, c := range conjuncts(p.Q.Where) {
		if m, ok := c.(*ast.Matches); ok && m.Synset == nil && !m.Not && isCaption(src, m.X) && !src.HasColumn("synset") {
			rule, err := (&Compiler{Sess: p.Sess, Ctx: p.Ctx}).ruleOf(m.Rule)
			if err != nil {
				return nil, value.ErrAt(m.Pos(), "%v", err)
			}
			vocab, err := p.Sess.Catalog().Vocabulary(rule)
			if err != nil {
				return nil, err
			}
			src.BindSynset(rule, vocab)
		}
	}
	p.sources = append(p.sources, src)
	return &exec.ScanNode{Src: src}, nil
}

// withSource plans a use of a WITH query. It is planned where it is used,
// like a view, so each use gets the rules for its own query; it sees the
// WITH queries before it and the queries around the one that names it.
func (p *Planner) withSource(def *withDef, x *ast.TableSource, qual string) (exec.PlanNode, error) {
	sub := &Planner{Sess: p.Sess, Ctx: p.Ctx, scope: def.sees, outer: def.outer, corr: &exec.Correlation{}}
	var n exec.PlanNode
	var err error
	if def.w.Query != nil {
		sub.Q = def.w.Query
		n, err = sub.Plan()
	} else {
		n, err = sub.statement(def.w.Stmt)
	}
	if err != nil {
		return nil, err
	}
	if err := p.readsOuter(sub.corr, def, x.Pos()); err != nil {
		return nil, err
	}
	what := "with " + def.w.Name.Name
	if !strings.EqualFold(qual, def.w.Name.Name) {
		what += " as " + qual
	}
	r := rename(n, qual, what)
	if def.w.Query != nil {
		p.viewMap()[r] = &view{q: def.w.Query, items: sub.items, scope: def.sees, outer: def.outer, with: def, pos: x.Pos()}
	}
	return r, nil
}

// readsOuter takes over what a WITH query reads of the rows of the queries
// around its WITH: only a use at the same level sees those rows where its
// plan expects them.
func (p *Planner) readsOuter(corr *exec.Correlation, def *withDef, at ast.Pos) error {
	if len(corr.Params) == 0 {
		return nil
	}
	if p.outer != def.outer || p.corr == nil {
		return value.ErrAt(at, "WITH query %s reads a column of the query around it, so it can only be used at the level of its WITH, not in a subquery", def.w.Name.Name)
	}
	for _, r := range corr.Params {
		addParam(p.corr, r)
	}
	return nil
}

// statement plans a statement read as a source.
func (p *Planner) statement(st ast.Stmt) (exec.PlanNode, error) {
	switch x := st.(type) {
	case *ast.SelectStmt:
		return p.sub(x.Query).Plan()
	case *ast.Nearest:
		return p.sub(NearestQuery(x)).Plan()
	}
	return p.Sess.StatementRows(p.Ctx, st)
}

// NearestQuery is NEAREST k TO target IN source(column) [WHERE cond] as
// the SELECT it stands for:
//
//	SELECT *, cos(column, target) AS score FROM source WHERE cond
//	ORDER BY score DESC LIMIT k
func NearestQuery(x *ast.Nearest) *ast.Select {
	p := x.Pos()
	score := &ast.Call{Name: ast.Ident{NamePos: p, Name: "cos"}, Args: []ast.Expr{&ast.ColumnRef{Column: x.Column}, x.Target}}
	return &ast.Select{
		SelectPos: p,
		Items:     []*ast.SelectItem{{ItemPos: p, Star: true}, {ItemPos: p, Expr: score, Alias: ast.Ident{NamePos: p, Name: "score"}}},
		From:      &ast.TableSource{Name: x.Source},
		Where:     x.Where,
		OrderBy:   []*ast.OrderItem{{Expr: &ast.ColumnRef{Column: ast.Ident{NamePos: p, Name: "score"}}, Desc: true}},
		Limit:     &ast.Limit{LimitPos: p, Count: x.K},
	}
}

// join plans a JOIN: its two sides, then the hash join on the equality
// conjuncts of ON between one side and the other (and USING's columns);
// the other conjuncts of ON decide among the pairs the keys match.
func (p *Planner) join(j *ast.Join) (exec.PlanNode, error) {
	left, err := p.source(j.Left)
	if err != nil {
		return nil, err
	}
	right, err := p.source(j.Right)
	if err != nil {
		return nil, err
	}
	ls, rs := left.Schema(), right.Schema()
	sch := append(append(value.Schema(nil), ls...), rs...)
	n := &exec.JoinNode{Kind: exec.JoinInner, Left: left, Right: right, Sch: sch}
	if j.Kind == ast.JoinLeft {
		n.Kind = exec.JoinLeft
	}
	nl := len(ls)
	seen := map[string]bool{}
	for _, u := range j.Using {
		if seen[strings.ToLower(u.Name)] {
			return nil, value.ErrAt(u.Pos(), "USING names %s twice", u.Name)
		}
		seen[strings.ToLower(u.Name)] = true
		ref := &ast.ColumnRef{Column: u}
		li, err := ls.Resolve(ref)
		if errors.Is(err, value.ErrNoColumn) {
			return nil, value.ErrAt(u.Pos(), "USING (%s): %s has no column %s", u.Name, sideName(j.Left, "the sources before JOIN"), u.Name)
		}
		if err != nil {
			return nil, err
		}
		ri, err := rs.Resolve(ref)
		if errors.Is(err, value.ErrNoColumn) {
			return nil, value.ErrAt(u.Pos(), "USING (%s): %s has no column %s", u.Name, sideName(j.Right, "the source after JOIN"), u.Name)
		}
		if err != nil {
			return nil, err
		}
		if err := comparable(u.Pos(), ls[li].Typ, rs[ri].Typ, qualName(ls[li]), qualName(rs[ri])); err != nil {
			return nil, err
		}
		n.LeftKeys = append(n.LeftKeys, &exec.ColExpr{Idx: li, Name: qualName(ls[li]), T: ls[li].Typ})
		n.RightKeys = append(n.RightKeys, &exec.ColExpr{Idx: ri, Name: qualName(rs[ri]), T: rs[ri].Typ})
		n.KeyText = append(n.KeyText, qualName(ls[li])+" = "+qualName(rs[ri]))
		sch[nl+ri].OnlyQualified = true
	}
	if j.On != nil {
		c := p.compiler(sch)
		c.NoAgg = "aggregates are not allowed in ON"
		for _, cj := range conjuncts(j.On) {
			e, err := c.Compile(cj)
			if err != nil {
				return nil, err
			}
			if err := c.WantBool(e, cj); err != nil {
				return nil, err
			}
			lk, rk, err := p.equiKey(cj, c, ls, rs)
			if err != nil {
				return nil, err
			}
			if lk == nil {
				n.Residual = append(n.Residual, exec.Cond{Src: cj, E: e})
				continue
			}
			n.LeftKeys = append(n.LeftKeys, lk)
			n.RightKeys = append(n.RightKeys, rk)
			n.KeyText = append(n.KeyText, cj.String())
		}
	}
	return n, nil
}

// equiKey recognises a conjunct a = b where a reads only one side's
// columns and b only the other's, and returns a compiled over the left
// rows and b over the right rows (nil when it is not such a conjunct).
// c compiles over the joined rows.
func (p *Planner) equiKey(e ast.Expr, c *Compiler, ls, rs value.Schema) (exec.Expr, exec.Expr, error) {
	b, ok := e.(*ast.Binary)
	if !ok || b.Op != ast.OpEq {
		return nil, nil, nil
	}
	x, err := c.Compile(b.X)
	if err != nil {
		return nil, nil, err
	}
	y, err := c.Compile(b.Y)
	if err != nil {
		return nil, nil, err
	}
	nl := len(ls)
	sx, sy := sideOf(x, nl), sideOf(y, nl)
	lx, rx := b.X, b.Y
	switch {
	case sx == sideLeft && sy == sideRight:
	case sx == sideRight && sy == sideLeft:
		lx, rx = b.Y, b.X
	default:
		return nil, nil, nil
	}
	lk, err := p.compiler(ls).Compile(lx)
	if err != nil {
		return nil, nil, err
	}
	rk, err := p.compiler(rs).Compile(rx)
	if err != nil {
		return nil, nil, err
	}
	return lk, rk, nil
}

// sideName names a side of a join for messages.
func sideName(s ast.Source, join string) string {
	switch x := s.(type) {
	case *ast.TableSource:
		if !x.Alias.IsZero() {
			return x.Alias.Name
		}
		return x.Name.Name
	case *ast.SubquerySource:
		return x.Alias.Name
	case *ast.StmtSource:
		return x.Alias.Name
	}
	return join
}

// qualName is a column as qual.name.
func qualName(c value.ColInfo) string {
	if c.Qual == "" {
		return c.Name
	}
	return c.Qual + "." + c.Name
}

// comparable refuses an equality between values of types that never
// compare: text with a number, vectors with anything.
func comparable(at ast.Pos, a, b value.Type, an, bn string) error {
	if a == value.TVector || b == value.TVector {
		return value.ErrAt(at, "a vector cannot be compared with =; join on a key such as id or url")
	}
	if a != value.TAny && b != value.TAny && !(value.IsNumeric(a) && value.IsNumeric(b)) && a != b {
		return value.ErrAt(at, "cannot compare %s (%s) with %s (%s)", an, value.TypeName(a), bn, value.TypeName(b))
	}
	return nil
}

// side says which input of a join an expression reads.
type side int

const (
	sideNone  side = iota // no column: a constant
	sideLeft              // left columns only
	sideRight             // right columns only
	sideBoth
)

// sideOf says which side of a join of nl left columns e reads (a
// subquery in e counts with the columns of this row it reads).
func sideOf(e exec.Expr, nl int) side {
	s := sideNone
	rowCols(e, func(i int) {
		w := sideLeft
		if i >= nl {
			w = sideRight
		}
		if s == sideNone {
			s = w
		} else if s != w {
			s = sideBoth
		}
	})
	return s
}

// rowCols calls f with every column of the row e is evaluated on that e
// reads, those its correlated subqueries read included.
func rowCols(e exec.Expr, f func(int)) {
	switch x := e.(type) {
	case *exec.ColExpr:
		f(x.Idx)
	case *exec.SubqueryExpr:
		params(&x.Corr, f)
	case *exec.ExistsExpr:
		params(&x.Corr, f)
	case *exec.InQueryExpr:
		params(&x.Corr, f)
	}
	for _, s := range exec.SubExprs(e) {
		rowCols(s, f)
	}
}

func params(c *exec.Correlation, f func(int)) {
	for _, r := range c.Params {
		if r.Depth == 1 {
			f(r.Idx)
		}
	}
}

// scope is the WITH queries visible to a query, innermost first.
type scope struct {
	parent *scope
	name   string
	def    *withDef
}

// withDef is a WITH query and what it sees: the WITH queries before it
// and the queries around its own.
type withDef struct {
	w     *ast.WithQuery
	sees  *scope
	outer *Compiler
}

func (s *scope) lookup(name string) *withDef {
	for ; s != nil; s = s.parent {
		if strings.EqualFold(s.name, name) {
			return s.def
		}
	}
	return nil
}

// with returns s with a WITH clause's queries added, each seeing those
// before it (and not itself: a name inside a WITH query that is its own
// means the table or set of that name).
func (s *scope) with(p *Planner, ws []*ast.WithQuery) (*scope, error) {
	cur := s
	seen := map[string]bool{}
	for _, w := range ws {
		k := strings.ToLower(w.Name.Name)
		if seen[k] {
			return nil, value.ErrAt(w.Pos(), "WITH names %s twice", w.Name.Name)
		}
		seen[k] = true
		cur = &scope{parent: cur, name: w.Name.Name, def: &withDef{w: w, sees: cur, outer: p.outer}}
	}
	return cur, nil
}
