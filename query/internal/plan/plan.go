package plan

import (
	"context"
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
// sets there are, and what evaluating constants needs.
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
}

// planQuery plans a SELECT.
func PlanQuery(h Host, ctx context.Context, q *ast.Select) (exec.PlanNode, error) {
	n, _, err := PlanWithRules(h, ctx, q)
	return n, err
}

// planWithRules plans a SELECT and returns the rules that rewrote it.
func PlanWithRules(h Host, ctx context.Context, q *ast.Select) (exec.PlanNode, []string, error) {
	p := &Planner{Sess: h, Ctx: ctx, Q: q}
	n, err := p.Plan()
	return n, p.fired, err
}

type Planner struct {
	Sess  Host
	Ctx   context.Context
	Q     *ast.Select
	Src   *exec.Source // nil for subquery sources and SELECT without FROM
	fired []string     // the rules that rewrote the plan
}

// plan builds the naive plan of the query — source → filter → aggregate →
// filter (HAVING) → project → distinct → sort → limit → strip — and lets
// the rewrite rules (rules.go) turn it into a cheaper equivalent.
func (p *Planner) Plan() (exec.PlanNode, error) {
	root, err := p.naive()
	if err != nil {
		return nil, err
	}
	if root, p.fired, err = optimize(p, root); err != nil {
		return nil, err
	}
	if scan := sourceScan(root); scan != nil {
		scan.Need = p.neededColumns(scan.Src.Sch, root)
		if lp := scan.Src.LemmaPos; lp > 0 && scan.Need[lp] && scan.Src.CaptionCol() >= 0 {
			scan.Need[scan.Src.CaptionCol()] = true // the lemma is found in the caption
		}
	}
	return root, nil
}

// naive builds the plan that does what the query says, operator by
// operator, with no index or shortcut.
func (p *Planner) naive() (exec.PlanNode, error) {
	q := p.Q
	var in exec.PlanNode
	switch from := q.From.(type) {
	case nil:
		in = exec.OneRowNode{}
	case *ast.TableSource:
		src, err := OpenSource(p.Sess, from.Name.Name, from.Alias.Name)
		if err != nil {
			return nil, value.ErrAt(from.Pos(), "%v", err)
		}
		p.Src = src
		// caption MATCHES IMAGENET as a conjunct of WHERE binds the synset
		// of each row it keeps, whichever way the rows are found.
		for _, c := range conjuncts(q.Where) {
			if m, ok := c.(*ast.Matches); ok && m.Synset == nil && !m.Not && p.isCaption(m.X) && !src.HasColumn("synset") {
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
		in = &exec.ScanNode{Src: src}
	case *ast.SubquerySource:
		sub, err := PlanQuery(p.Sess, p.Ctx, from.Query)
		if err != nil {
			return nil, err
		}
		sch := append(value.Schema(nil), sub.Schema()...)
		for i := range sch {
			sch[i].Qual = from.Alias.Name
		}
		in = &exec.RenameNode{In: sub, Sch: sch}
	}
	inSch := in.Schema()
	base := &Compiler{Sess: p.Sess, Ctx: p.Ctx, sch: inSch, NoAgg: "aggregates belong in SELECT or HAVING, not WHERE", hint: p.columnHint}

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
			ge, err := p.resolveOutputRef(g, items)
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
		post = &Compiler{Sess: p.Sess, Ctx: p.Ctx, sch: nil, agg: ap, hint: p.columnHint}
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
			if !it.Alias.IsZero() && (p.Src == nil || !p.Src.HasColumn(it.Alias.Name)) {
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
	var keys []exec.SortKey
	var keyText []string
	var keySrc []ast.Expr
	extra := func(e ast.Expr) (int, ast.Expr, error) {
		if ord, ok := e.(*ast.IntLit); ok {
			if ord.Value < 1 || int(ord.Value) > nOut {
				return 0, nil, value.ErrAt(e.Pos(), "ORDER BY %d: the select list has %d columns", ord.Value, nOut)
			}
			return int(ord.Value) - 1, items[ord.Value-1].Expr, nil
		}
		if ref, ok := e.(*ast.ColumnRef); ok && ref.Table.IsZero() {
			for i, it := range items {
				if strings.EqualFold(it.Alias.Name, ref.Column.Name) {
					return i, it.Expr, nil
				}
			}
		}
		txt := e.String()
		for i, it := range items {
			if it.Expr.String() == txt {
				return i, it.Expr, nil
			}
		}
		if q.Distinct {
			return 0, nil, value.ErrAt(e.Pos(), "with SELECT DISTINCT, ORDER BY expressions must appear in the select list")
		}
		ce, err := post.Compile(e)
		if err != nil {
			return 0, nil, err
		}
		exprs = append(exprs, ce)
		outSch = append(outSch, value.ColInfo{Name: txt, Typ: ce.Typ(), Hidden: true})
		return len(exprs) - 1, e, nil
	}
	for _, o := range q.OrderBy {
		col, resolved, err := extra(o.Expr)
		if err != nil {
			return nil, err
		}
		if outSch[col].Typ == value.TVector {
			return nil, value.ErrAt(o.Expr.Pos(), "cannot ORDER BY a vector; order by cos(%s, ...) instead", o.Expr.String())
		}
		k := exec.SortKey{Col: col, Desc: o.Desc}
		switch o.Nulls {
		case ast.NullsFirst:
			k.Nulls = -1
		case ast.NullsLast:
			k.Nulls = 1
		}
		keys = append(keys, k)
		keyText = append(keyText, o.String())
		keySrc = append(keySrc, resolved)
	}
	perCol := -1
	var count, offset int64 = -1, 0
	if q.Limit != nil {
		c, err := p.constInt(q.Limit.Count, "LIMIT")
		if err != nil {
			return nil, err
		}
		count = c
		if q.Limit.Offset != nil {
			if offset, err = p.constInt(q.Limit.Offset, "OFFSET"); err != nil {
				return nil, err
			}
		}
		if q.Limit.Per != nil {
			if perCol, _, err = extra(q.Limit.Per); err != nil {
				return nil, err
			}
		}
	}

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
	if len(keys) > 0 {
		node = &exec.SortNode{In: node, Keys: keys, Text: keyText, Src: keySrc}
	}
	if perCol >= 0 {
		node = &exec.LimitPerNode{In: node, Key: perCol, KeyText: q.Limit.Per.String(), Count: count, Offset: offset}
	} else if count >= 0 || offset > 0 {
		node = &exec.LimitNode{In: node, Count: count, Offset: offset}
	}
	if len(exprs) > nOut {
		node = &exec.StripNode{In: node, Keep: nOut}
	}
	return node, nil
}

// isCaption reports whether x is the caption column of the query's table
// or set.
func (p *Planner) isCaption(x ast.Expr) bool {
	ref, ok := x.(*ast.ColumnRef)
	return ok && p.Src != nil && strings.EqualFold(ref.Column.Name, "caption") &&
		(ref.Table.IsZero() || strings.EqualFold(ref.Table.Name, p.Src.Name)) && p.Src.Info.Table.Column("caption") >= 0
}

// isID reports whether x is the id column of the query's table or set.
func (p *Planner) isID(x ast.Expr) bool {
	ref, ok := x.(*ast.ColumnRef)
	return ok && p.Src != nil && strings.EqualFold(ref.Column.Name, "id") && (ref.Table.IsZero() || strings.EqualFold(ref.Table.Name, p.Src.Name))
}

// columnHint explains where a column that is not found could come from.
func (p *Planner) columnHint(name string) string {
	if strings.EqualFold(name, "synset") && p.Src != nil && !p.Src.HasColumn("synset") {
		return "; synset is bound by WHERE caption MATCHES IMAGENET, or stored in a set made from such a query"
	}
	if strings.EqualFold(name, "lemma") && p.Src != nil && !p.Src.HasColumn("lemma") {
		return "; lemma is bound by WHERE caption MATCHES IMAGENET (synsets_in(caption) lists every class and lemma a caption names)"
	}
	return ""
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

// expandStar turns * and t.* into column references.
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
			if c.Hidden || (!it.Table.IsZero() && !strings.EqualFold(c.Qual, it.Table.Name)) {
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
			return nil, value.ErrAt(it.Pos(), "%s.* matches no columns", it.Table.Name)
		}
	}
	return out, nil
}

// resolveOutputRef maps a GROUP BY ordinal or output alias to the select
// item's expression.
func (p *Planner) resolveOutputRef(e ast.Expr, items []*ast.SelectItem) (ast.Expr, error) {
	if ord, ok := e.(*ast.IntLit); ok {
		if ord.Value < 1 || int(ord.Value) > len(items) {
			return nil, value.ErrAt(e.Pos(), "GROUP BY %d: the select list has %d columns", ord.Value, len(items))
		}
		return items[ord.Value-1].Expr, nil
	}
	if ref, ok := e.(*ast.ColumnRef); ok && ref.Table.IsZero() && p.Src != nil && !p.Src.HasColumn(ref.Column.Name) {
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

// indexPredicate recognises a conjunct an index answers exactly.
func (p *Planner) indexPredicate(e ast.Expr) (*exec.IndexPred, error) {
	c := &Compiler{Sess: p.Sess, Ctx: p.Ctx}
	switch x := e.(type) {
	case *ast.Matches:
		if x.Not || !p.isCaption(x.X) {
			return nil, nil
		}
		rule, err := c.ruleOf(x.Rule)
		if err != nil {
			return nil, value.ErrAt(x.Pos(), "%v", err)
		}
		if x.Synset == nil {
			return &exec.IndexPred{Kind: "match", Rule: rule, Text: x.String()}, nil
		}
		vocab, class, _, err := c.synsetMatcher(x, rule)
		if err != nil {
			return nil, err
		}
		return &exec.IndexPred{Kind: "synset", Rule: rule, Class: class, Vocab: vocab, Text: x.String()}, nil
	case *ast.Contains:
		if x.Not || !p.isCaption(x.X) {
			return nil, nil
		}
		rule, err := c.ruleOf(x.Rule)
		if err != nil {
			return nil, value.ErrAt(x.Pos(), "%v", err)
		}
		ph, err := c.Constant(x.Phrase, "the phrase of CONTAINS")
		if err != nil {
			return nil, err
		}
		if ph.T != value.TString || strings.TrimSpace(ph.S) == "" {
			return nil, value.ErrAt(x.Phrase.Pos(), "CONTAINS needs a phrase with at least one word")
		}
		return &exec.IndexPred{Kind: "contains", Rule: rule, Phrase: ph.S, Text: x.String()}, nil
	case *ast.Binary:
		if x.Op == ast.OpGt || x.Op == ast.OpGe || x.Op == ast.OpLt || x.Op == ast.OpLe {
			return p.vrangePredicate(x)
		}
		if x.Op != ast.OpEq {
			return nil, nil
		}
		var other ast.Expr
		switch {
		case p.isID(x.X):
			other = x.Y
		case p.isID(x.Y):
			other = x.X
		default:
			return nil, nil
		}
		v, err := c.Constant(other, "an id")
		if err != nil || v.T != value.TInt {
			return nil, nil // not a constant: leave it to the filter
		}
		return &exec.IndexPred{Kind: "id", Ids: []uint64{uint64(v.I)}, Text: x.String()}, nil
	case *ast.In:
		if x.Not || x.Query != nil || !p.isID(x.X) {
			return nil, nil
		}
		var ids []uint64
		for _, el := range x.List {
			v, err := c.Constant(el, "an id")
			if err != nil || v.T != value.TInt {
				return nil, nil
			}
			ids = append(ids, uint64(v.I))
		}
		return &exec.IndexPred{Kind: "id", Ids: ids, Text: x.String()}, nil
	}
	return nil, nil
}

// vrangePredicate recognises cos(col, target) > t (or t < cos(...)) over
// an indexed vector column.
func (p *Planner) vrangePredicate(x *ast.Binary) (*exec.IndexPred, error) {
	call, num, op := x.X, x.Y, x.Op
	if _, ok := x.X.(*ast.Call); !ok {
		call, num = x.Y, x.X
		op = map[ast.Op]ast.Op{ast.OpLt: ast.OpGt, ast.OpLe: ast.OpGe, ast.OpGt: ast.OpLt, ast.OpGe: ast.OpLe}[op]
	}
	if op != ast.OpGt && op != ast.OpGe {
		return nil, nil
	}
	vt := p.vectorTarget(call)
	if vt == nil || !p.useIndex(vt.Col) {
		return nil, nil
	}
	c := &Compiler{Sess: p.Sess, Ctx: p.Ctx}
	v, err := c.Constant(num, "the threshold")
	if err != nil {
		return nil, nil
	}
	t, ok := v.AsFloat()
	if !ok {
		return nil, nil
	}
	return &exec.IndexPred{Kind: "vrange", Vt: vt, Threshold: t, Text: x.String()}, nil
}

// neededColumns marks the source columns the plan reads.
func (p *Planner) neededColumns(sch value.Schema, root exec.PlanNode) []bool {
	need := make([]bool, len(sch))
	need[0] = true // id
	var mark func(e exec.Expr)
	mark = func(e exec.Expr) {
		if c, ok := e.(*exec.ColExpr); ok && c.Idx < len(need) {
			need[c.Idx] = true
		}
		for _, sub := range exec.SubExprs(e) {
			mark(sub)
		}
	}
	// Only expressions evaluated over the source rows count: the scan's
	// filter, and the first operator above the scan.
	isSource := func(n exec.PlanNode) bool {
		if s, ok := n.(*exec.SampleNode); ok {
			n = s.In // a sample hands on source rows
		}
		switch n.(type) {
		case *exec.ScanNode, *exec.KnnNode:
			return true
		}
		return false
	}
	var walk func(n exec.PlanNode)
	walk = func(n exec.PlanNode) {
		switch x := n.(type) {
		case *exec.ScanNode:
			for _, c := range x.Filter {
				mark(c.E)
			}
			return
		case *exec.KnnNode:
			for _, c := range x.Scan.Filter {
				mark(c.E)
			}
			return
		case *exec.CountNode:
			return
		case *exec.FilterNode:
			if isSource(x.In) {
				for _, c := range x.Conds {
					mark(c.E)
				}
			}
		case *exec.SampleNode:
			if x.Key != nil && isSource(x.In) {
				mark(x.Key)
			}
		case *exec.ProjectNode:
			if isSource(x.In) {
				for _, e := range x.Exprs {
					mark(e)
				}
			}
		case *exec.AggNode:
			for _, k := range x.Agg.Keys {
				mark(k)
			}
			for _, c := range x.Agg.Calls {
				if c.Arg != nil {
					mark(c.Arg)
				}
			}
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(root)
	return need
}
