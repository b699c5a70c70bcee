package plan

import (
	"context"
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// Host is what planning needs from the session that runs a statement:
// $variables, the synset catalog, the statement's snapshot, the tables and
// sets there are, what evaluating constants needs, and the statements
// that can be read as sources.
type Host interface {
	exec.EvalHost
	// Var returns the value of $name.
	Var(name string) (value.Value, bool)
	// VarNames lists the variables that are set.
	VarNames() []string
	// Catalog is the built-in ImageNet-1k synset catalog.
	Catalog() *synset.Catalog
	// Snapshot is the statement's view of the database.
	Snapshot() *engine.Snapshot
	// SourceNames lists the tables and sets, for did-you-mean hints.
	SourceNames() []string
	// EmbedModel is the model embed() answers with over rows of sch.
	EmbedModel(sch value.Schema) string
	// StatementRows plans a statement other than SELECT and NEAREST as a
	// source of rows — (COMPARE INTRACLASS ...) AS c, a WITH query, an
	// EXPORT — or says why it cannot be one (it returns no rows). See
	// package query for the statements that can.
	StatementRows(ctx context.Context, st ast.Stmt) (exec.PlanNode, error)
}

// PlanQuery plans a SELECT.
func PlanQuery(h Host, ctx context.Context, q *ast.Select) (exec.PlanNode, error) {
	n, _, err := PlanWithRules(h, ctx, q)
	return n, err
}

// PlanWithRules plans a SELECT and returns the rules that rewrote it.
func PlanWithRules(h Host, ctx context.Context, q *ast.Select) (exec.PlanNode, []string, error) {
	p := &Planner{Sess: h, Ctx: ctx, Q: q}
	n, err := p.Plan()
	return n, p.fired, err
}

// Planner plans one query. A subquery gets a Planner of its own, which
// knows the WITH names in scope and, for a subquery in an expression, the
// query around it (outer), whose columns it may read.
type Planner struct {
	Sess Host
	Ctx  context.Context
	Q    *ast.Select
	// Src is the table or set the query reads when FROM names one and
	// nothing else (the rows CREATE SET stores); nil otherwise.
	Src   *exec.Source
	fired []string // the rules that rewrote the plan

	scope *scope            // WITH names visible here
	outer *Compiler         // the query around a subquery in an expression
	corr  *exec.Correlation // what this query reads of the queries around it
	// sources are the tables and sets this query's FROM opened, and quals
	// the names its sources go by (each once).
	sources []*exec.Source
	quals   map[string]bool
	// items is the select list with * expanded; views are the subqueries
	// and WITH queries read in FROM at this level (and in union arms), for
	// the rule that moves conditions into them.
	items []*ast.SelectItem
	views map[*exec.RenameNode]*view
}

// sub returns a planner for q, a subquery at the same level as p: a FROM
// subquery, a WITH query, an arm of a union. It reads the same outer rows.
func (p *Planner) sub(q *ast.Select) *Planner {
	return &Planner{Sess: p.Sess, Ctx: p.Ctx, Q: q, scope: p.scope, outer: p.outer, corr: p.corr}
}

// viewMap is the level's record of its views, made on first use.
func (p *Planner) viewMap() map[*exec.RenameNode]*view {
	if p.views == nil {
		p.views = map[*exec.RenameNode]*view{}
	}
	return p.views
}

// compiler returns a compiler of expressions over rows of sch in this
// query.
func (p *Planner) compiler(sch value.Schema) *Compiler {
	return &Compiler{Sess: p.Sess, Ctx: p.Ctx, sch: sch, hint: p.columnHint, outer: p.outer, corr: p.corr, scope: p.scope}
}

// Plan builds the naive plan of the query — source → filter → aggregate →
// filter (HAVING) → project → distinct → sort → limit → strip — and lets
// the rewrite rules (rules.go) turn it into a cheaper equivalent; then it
// marks the columns each scan must read.
func (p *Planner) Plan() (exec.PlanNode, error) {
	root, err := p.naive()
	if err != nil {
		return nil, err
	}
	if ch, ok := p.Sess.(CutHost); ok && ch.CutsBlock(p.Q) {
		return p.planCut(ch, root)
	}
	if root, p.fired, err = optimize(p, root); err != nil {
		return nil, err
	}
	prune(root, nil)
	return root, nil
}

// naive builds the plan that does what the query says, operator by
// operator, with no index or shortcut.
func (p *Planner) naive() (exec.PlanNode, error) {
	q := p.Q
	if len(q.With) > 0 {
		s, err := p.scope.with(p, q.With)
		if err != nil {
			return nil, err
		}
		p.scope = s
	}
	if len(q.Unions) > 0 {
		return p.naiveUnion()
	}
	in, err := p.from(q.From)
	if err != nil {
		return nil, err
	}
	inSch := in.Schema()
	base := p.compiler(inSch)
	base.NoAgg = "aggregates belong in SELECT or HAVING, not WHERE"

	// WHERE, one condition per conjunct.
	if q.Where != nil {
		f := &exec.FilterNode{In: in}
		for _, c := range conjuncts(q.Where) {
			e, err := base.Compile(c)
			if err != nil {
				return nil, err
			}
			if err := base.WantBool(e, c); err != nil {
				return nil, err
			}
			f.Conds = append(f.Conds, exec.Cond{Src: c, E: e})
		}
		in = f
	}
	if q.Sample != nil {
		s, err := p.sampleNode(in, inSch, base)
		if err != nil {
			return nil, err
		}
		in = s
	}

	// Expand * into column references.
	items, err := p.expandStar(inSch)
	if err != nil {
		return nil, err
	}
	p.items = items

	// Aggregation?
	isAgg := len(q.GroupBy) > 0 || q.Having != nil
	for _, it := range items {
		if hasAggregate(it.Expr) {
			isAgg = true
		}
	}
	for _, o := range q.OrderBy {
		if hasAggregate(o.Expr) {
			isAgg = true
		}
	}
	post := base
	if isAgg {
		ap := &exec.AggPlan{Pre: inSch}
		for _, g := range q.GroupBy {
			ge, err := resolveOutputRef(g, items, inSch)
			if err != nil {
				return nil, err
			}
			if hasAggregate(ge) {
				return nil, value.ErrAt(g.Pos(), "GROUP BY cannot use an aggregate")
			}
			e, err := base.Compile(ge)
			if err != nil {
				return nil, err
			}
			if e.Typ() == value.TVector {
				return nil, value.ErrAt(g.Pos(), "cannot GROUP BY a vector")
			}
			ap.Keys = append(ap.Keys, e)
			ap.KeyTxt = append(ap.KeyTxt, ge.String())
		}
		post = p.compiler(nil)
		post.agg = ap
	}

	// Select items.
	var exprs []exec.Expr
	var outSch value.Schema
	for _, it := range items {
		e, err := post.Compile(it.Expr)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
		name := it.Alias.Name
		if name == "" {
			name = outputName(it.Expr)
		}
		ci := value.ColInfo{Name: name, Typ: e.Typ()}
		if ce, ok := e.(*exec.ColExpr); ok && !isAgg && ce.Idx < len(inSch) {
			ci.Qual, ci.Dim, ci.Model = inSch[ce.Idx].Qual, inSch[ce.Idx].Dim, inSch[ce.Idx].Model
		}
		outSch = append(outSch, ci)
	}
	nOut := len(exprs)

	// HAVING.
	var having exec.Expr
	if q.Having != nil {
		post.aliases = map[string]ast.Expr{}
		for _, it := range items {
			if !it.Alias.IsZero() && !hasColumn(inSch, it.Alias.Name) {
				post.aliases[strings.ToLower(it.Alias.Name)] = it.Expr
			}
		}
		e, err := post.Compile(q.Having)
		post.aliases = nil
		if err != nil {
			return nil, err
		}
		if err := post.WantBool(e, q.Having); err != nil {
			return nil, err
		}
		having = e
	}

	// ORDER BY and LIMIT PER keys: output columns where they name one,
	// else extra hidden columns computed with the select list. resolved is
	// the expression a key stands for, for the rules.
	ord := &ordering{distinct: q.Distinct, nOut: nOut, exprs: exprs, sch: outSch, items: items, compile: post.Compile}
	keys, keyText, keySrc, err := ord.keys(q.OrderBy)
	if err != nil {
		return nil, err
	}
	perCol, count, offset, err := p.limit(q.Limit, ord)
	if err != nil {
		return nil, err
	}
	exprs, outSch = ord.exprs, ord.sch

	// Assemble.
	node := in
	if isAgg {
		ap := post.agg
		sch := value.Schema{}
		for i, k := range ap.Keys {
			sch = append(sch, value.ColInfo{Name: ap.KeyTxt[i], Typ: k.Typ()})
		}
		for _, c := range ap.Calls {
			sch = append(sch, value.ColInfo{Name: c.Text, Typ: c.T})
		}
		node = &exec.AggNode{In: node, Agg: ap, Sch: sch}
		if having != nil {
			node = &exec.FilterNode{In: node, Conds: []exec.Cond{{Src: q.Having, E: having}}}
		}
	}
	node = &exec.ProjectNode{In: node, Exprs: exprs, Sch: outSch}
	if q.Distinct {
		node = &exec.DistinctNode{In: node, Cols: nOut}
	}
	return finish(node, keys, keyText, keySrc, q.Limit, perCol, count, offset, len(exprs) > nOut, nOut), nil
}

// finish puts the sort, the limit and the removal of helper columns on a
// plan.
func finish(node exec.PlanNode, keys []exec.SortKey, keyText []string, keySrc []ast.Expr, lim *ast.Limit, perCol int, count, offset int64, strip bool, nOut int) exec.PlanNode {
	if len(keys) > 0 {
		node = &exec.SortNode{In: node, Keys: keys, Text: keyText, Src: keySrc}
	}
	if perCol >= 0 {
		node = &exec.LimitPerNode{In: node, Key: perCol, KeyText: lim.Per.String(), Count: count, Offset: offset}
	} else if count >= 0 || offset > 0 {
		node = &exec.LimitNode{In: node, Count: count, Offset: offset}
	}
	if strip {
		node = &exec.StripNode{In: node, Keep: nOut}
	}
	return node
}

// ordering resolves ORDER BY and LIMIT PER keys against a select list:
// an ordinal, an output name or an expression of the list picks its
// column; any other expression becomes an extra hidden column, computed
// by compile.
type ordering struct {
	distinct bool
	nOut     int
	exprs    []exec.Expr
	sch      value.Schema
	items    []*ast.SelectItem // nil over a union: keys are its output names
	compile  func(ast.Expr) (exec.Expr, error)
}

// column returns the output column a key names and the expression it
// stands for.
func (o *ordering) column(e ast.Expr) (int, ast.Expr, error) {
	item := func(i int) ast.Expr {
		if o.items == nil {
			return &ast.ColumnRef{Column: ast.Ident{NamePos: e.Pos(), Name: o.sch[i].Name}}
		}
		return o.items[i].Expr
	}
	if ord, ok := e.(*ast.IntLit); ok {
		if ord.Value < 1 || int(ord.Value) > o.nOut {
			return 0, nil, value.ErrAt(e.Pos(), "ORDER BY %d: the select list has %d columns", ord.Value, o.nOut)
		}
		return int(ord.Value) - 1, item(int(ord.Value) - 1), nil
	}
	if ref, ok := e.(*ast.ColumnRef); ok && ref.Table.IsZero() {
		for i := 0; i < o.nOut; i++ {
			name := o.sch[i].Name
			if o.items != nil {
				name = o.items[i].Alias.Name
			}
			if strings.EqualFold(name, ref.Column.Name) {
				return i, item(i), nil
			}
		}
	}
	txt := e.String()
	if o.items != nil {
		for i, it := range o.items {
			if it.Expr.String() == txt {
				return i, it.Expr, nil
			}
		}
	}
	if o.distinct {
		return 0, nil, value.ErrAt(e.Pos(), "with SELECT DISTINCT, ORDER BY expressions must appear in the select list")
	}
	ce, err := o.compile(e)
	if err != nil {
		return 0, nil, err
	}
	o.exprs = append(o.exprs, ce)
	o.sch = append(o.sch, value.ColInfo{Name: txt, Typ: ce.Typ(), Hidden: true})
	return len(o.exprs) - 1, e, nil
}

// keys resolves the ORDER BY keys.
func (o *ordering) keys(order []*ast.OrderItem) ([]exec.SortKey, []string, []ast.Expr, error) {
	var keys []exec.SortKey
	var keyText []string
	var keySrc []ast.Expr
	for _, it := range order {
		col, resolved, err := o.column(it.Expr)
		if err != nil {
			return nil, nil, nil, err
		}
		if o.sch[col].Typ == value.TVector {
			return nil, nil, nil, value.ErrAt(it.Expr.Pos(), "cannot ORDER BY a vector; order by cos(%s, ...) instead", it.Expr.String())
		}
		k := exec.SortKey{Col: col, Desc: it.Desc}
		switch it.Nulls {
		case ast.NullsFirst:
			k.Nulls = -1
		case ast.NullsLast:
			k.Nulls = 1
		}
		keys = append(keys, k)
		keyText = append(keyText, it.String())
		keySrc = append(keySrc, resolved)
	}
	return keys, keyText, keySrc, nil
}

// limit evaluates LIMIT count [PER key] [OFFSET n]: the PER column (-1
// without), the count (-1 without LIMIT) and the offset.
func (p *Planner) limit(lim *ast.Limit, o *ordering) (int, int64, int64, error) {
	if lim == nil {
		return -1, -1, 0, nil
	}
	count, err := p.constInt(lim.Count, "LIMIT")
	if err != nil {
		return 0, 0, 0, err
	}
	var offset int64
	if lim.Offset != nil {
		if offset, err = p.constInt(lim.Offset, "OFFSET"); err != nil {
			return 0, 0, 0, err
		}
	}
	perCol := -1
	if lim.Per != nil {
		if perCol, _, err = o.column(lim.Per); err != nil {
			return 0, 0, 0, err
		}
	}
	return perCol, count, offset, nil
}

// columnHint explains where a column that is not found could come from.
func (p *Planner) columnHint(name string) string {
	if strings.EqualFold(name, "lemma") && len(p.sources) > 0 {
		for _, src := range p.sources {
			if src.HasColumn("lemma") {
				return ""
			}
		}
		return "; lemma is bound by WHERE caption MATCHES IMAGENET (synsets_in(caption) lists every class and lemma a caption names)"
	}
	if !strings.EqualFold(name, "synset") || len(p.sources) == 0 {
		return ""
	}
	for _, src := range p.sources {
		if src.HasColumn("synset") {
			return ""
		}
	}
	return "; synset is bound by WHERE caption MATCHES IMAGENET, or stored in a set made from such a query"
}

func (p *Planner) constInt(e ast.Expr, what string) (int64, error) {
	c := &Compiler{Sess: p.Sess, Ctx: p.Ctx}
	v, err := c.Constant(e, what)
	if err != nil {
		return 0, err
	}
	if v.T != value.TInt || v.I < 0 {
		return 0, value.ErrAt(e.Pos(), "%s must be a non-negative integer, not %s", what, value.DisplayValue(v))
	}
	return v.I, nil
}

// expandStar turns * and t.* into column references. * leaves out the
// second column of each USING pair (it is the first's twin); t.* keeps
// every column of t.
func (p *Planner) expandStar(sch value.Schema) ([]*ast.SelectItem, error) {
	var out []*ast.SelectItem
	for _, it := range p.Q.Items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		if p.Q.From == nil {
			return nil, value.ErrAt(it.Pos(), "SELECT * needs a FROM")
		}
		n := 0
		for _, c := range sch {
			if c.Hidden || (it.Table.IsZero() && c.OnlyQualified) || (!it.Table.IsZero() && !strings.EqualFold(c.Qual, it.Table.Name)) {
				continue
			}
			ref := &ast.ColumnRef{Column: ast.Ident{NamePos: it.Pos(), Name: c.Name}}
			if c.Qual != "" {
				ref.Table = ast.Ident{NamePos: it.Pos(), Name: c.Qual}
			}
			out = append(out, &ast.SelectItem{ItemPos: it.Pos(), Expr: ref, Alias: ast.Ident{Name: c.Name}})
			n++
		}
		if n == 0 {
			return nil, value.ErrAt(it.Pos(), "%s.* matches no columns%s", it.Table.Name, value.DidYouMean(it.Table.Name, quals(sch)))
		}
	}
	return out, nil
}

// quals lists the qualifiers of a layout, once each.
func quals(sch value.Schema) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range sch {
		if c.Qual != "" && !seen[strings.ToLower(c.Qual)] {
			seen[strings.ToLower(c.Qual)] = true
			out = append(out, c.Qual)
		}
	}
	return out
}

// hasColumn reports whether a bare name names a column of sch.
func hasColumn(sch value.Schema, name string) bool {
	_, err := sch.Resolve(&ast.ColumnRef{Column: ast.Ident{Name: name}})
	return !errors.Is(err, value.ErrNoColumn)
}

// resolveOutputRef maps a GROUP BY ordinal or output alias to the select
// item's expression. A name that is a column of the input stays one.
func resolveOutputRef(e ast.Expr, items []*ast.SelectItem, in value.Schema) (ast.Expr, error) {
	if ord, ok := e.(*ast.IntLit); ok {
		if ord.Value < 1 || int(ord.Value) > len(items) {
			return nil, value.ErrAt(e.Pos(), "GROUP BY %d: the select list has %d columns", ord.Value, len(items))
		}
		return items[ord.Value-1].Expr, nil
	}
	if ref, ok := e.(*ast.ColumnRef); ok && ref.Table.IsZero() && !hasColumn(in, ref.Column.Name) {
		for _, it := range items {
			if strings.EqualFold(it.Alias.Name, ref.Column.Name) {
				return it.Expr, nil
			}
		}
	}
	return e, nil
}

// outputName is the column name of an unaliased select item.
func outputName(e ast.Expr) string {
	if ref, ok := e.(*ast.ColumnRef); ok {
		return ref.Column.Name
	}
	return e.String()
}

func hasAggregate(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Subquery, *ast.Exists:
			return false
		case *ast.In:
			if x.Query != nil {
				ast.Inspect(x.X, func(n ast.Node) bool {
					if c, ok := n.(*ast.Call); ok && funcs.Aggregates[strings.ToLower(c.Name.Name)] != nil {
						found = true
					}
					return !found
				})
				return false
			}
		case *ast.Call:
			if funcs.Aggregates[strings.ToLower(x.Name.Name)] != nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// conjuncts splits e at top-level ANDs.
func conjuncts(e ast.Expr) []ast.Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*ast.Binary); ok && b.Op == ast.OpAnd {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	return []ast.Expr{e}
}
