package query

import (
	"context"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// Host is what planning needs from the session that runs a statement:
// $variables, the synset catalog, the statement's snapshot, the tables and
// sets there are, and what evaluating constants needs.
type Host interface {
	EvalHost
	// Var returns the value of $name.
	Var(name string) (Value, bool)
	// VarNames lists the variables that are set.
	VarNames() []string
	// Catalog is the built-in ImageNet-1k synset catalog.
	Catalog() *synset.Catalog
	// Snapshot is the statement's view of the database.
	Snapshot() *engine.Snapshot
	// SourceNames lists the tables and sets, for did-you-mean hints.
	SourceNames() []string
	// EmbedModel is the model embed() answers with over rows of sch.
	EmbedModel(sch schema) string
}

// planQuery plans a SELECT.
func planQuery(h Host, ctx context.Context, q *ast.Select) (planNode, error) {
	n, _, err := planWithRules(h, ctx, q)
	return n, err
}

// planWithRules plans a SELECT and returns the rules that rewrote it.
func planWithRules(h Host, ctx context.Context, q *ast.Select) (planNode, []string, error) {
	p := &planner{sess: h, ctx: ctx, q: q}
	n, err := p.plan()
	return n, p.fired, err
}

type planner struct {
	sess  Host
	ctx   context.Context
	q     *ast.Select
	src   *source  // nil for subquery sources and SELECT without FROM
	fired []string // the rules that rewrote the plan
}

// plan builds the naive plan of the query — source → filter → aggregate →
// filter (HAVING) → project → distinct → sort → limit → strip — and lets
// the rewrite rules (rules.go) turn it into a cheaper equivalent.
func (p *planner) plan() (planNode, error) {
	root, err := p.naive()
	if err != nil {
		return nil, err
	}
	if root, p.fired, err = optimize(p, root); err != nil {
		return nil, err
	}
	if scan := sourceScan(root); scan != nil {
		scan.need = p.neededColumns(scan.src.sch, root)
	}
	return root, nil
}

// naive builds the plan that does what the query says, operator by
// operator, with no index or shortcut.
func (p *planner) naive() (planNode, error) {
	q := p.q
	var in planNode
	switch from := q.From.(type) {
	case nil:
		in = oneRowNode{}
	case *ast.TableSource:
		src, err := openSource(p.sess, from.Name.Name, from.Alias.Name)
		if err != nil {
			return nil, errAt(from.Pos(), "%v", err)
		}
		p.src = src
		// caption MATCHES IMAGENET as a conjunct of WHERE binds the synset
		// of each row it keeps, whichever way the rows are found.
		for _, c := range conjuncts(q.Where) {
			if m, ok := c.(*ast.Matches); ok && m.Synset == nil && !m.Not && p.isCaption(m.X) && !src.hasColumn("synset") {
				rule, err := (&compiler{sess: p.sess, ctx: p.ctx}).ruleOf(m.Rule)
				if err != nil {
					return nil, errAt(m.Pos(), "%v", err)
				}
				src.bindSynset(rule)
			}
		}
		in = &scanNode{src: src}
	case *ast.SubquerySource:
		sub, err := planQuery(p.sess, p.ctx, from.Query)
		if err != nil {
			return nil, err
		}
		sch := append(schema(nil), sub.schema()...)
		for i := range sch {
			sch[i].qual = from.Alias.Name
		}
		in = &renameNode{in: sub, sch: sch}
	}
	inSch := in.schema()
	base := &compiler{sess: p.sess, ctx: p.ctx, sch: inSch, noAgg: "aggregates belong in SELECT or HAVING, not WHERE", hint: p.columnHint}

	// WHERE, one condition per conjunct.
	if q.Where != nil {
		f := &filterNode{in: in}
		for _, c := range conjuncts(q.Where) {
			e, err := base.compile(c)
			if err != nil {
				return nil, err
			}
			if err := base.wantBool(e, c); err != nil {
				return nil, err
			}
			f.conds = append(f.conds, cond{src: c, e: e})
		}
		in = f
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
		ap := &aggPlan{pre: inSch}
		for _, g := range q.GroupBy {
			ge, err := p.resolveOutputRef(g, items)
			if err != nil {
				return nil, err
			}
			if hasAggregate(ge) {
				return nil, errAt(g.Pos(), "GROUP BY cannot use an aggregate")
			}
			e, err := base.compile(ge)
			if err != nil {
				return nil, err
			}
			if e.typ() == tVector {
				return nil, errAt(g.Pos(), "cannot GROUP BY a vector")
			}
			ap.keys = append(ap.keys, e)
			ap.keyTxt = append(ap.keyTxt, ge.String())
		}
		post = &compiler{sess: p.sess, ctx: p.ctx, sch: nil, agg: ap, hint: p.columnHint}
	}

	// Select items.
	var exprs []expr
	var outSch schema
	for _, it := range items {
		e, err := post.compile(it.Expr)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
		name := it.Alias.Name
		if name == "" {
			name = outputName(it.Expr)
		}
		ci := colInfo{name: name, typ: e.typ()}
		if ce, ok := e.(*colExpr); ok && !isAgg && ce.idx < len(inSch) {
			ci.qual, ci.dim, ci.model = inSch[ce.idx].qual, inSch[ce.idx].dim, inSch[ce.idx].model
		}
		outSch = append(outSch, ci)
	}
	nOut := len(exprs)

	// HAVING.
	var having expr
	if q.Having != nil {
		post.aliases = map[string]ast.Expr{}
		for _, it := range items {
			if !it.Alias.IsZero() && (p.src == nil || !p.src.hasColumn(it.Alias.Name)) {
				post.aliases[strings.ToLower(it.Alias.Name)] = it.Expr
			}
		}
		e, err := post.compile(q.Having)
		post.aliases = nil
		if err != nil {
			return nil, err
		}
		if err := post.wantBool(e, q.Having); err != nil {
			return nil, err
		}
		having = e
	}

	// ORDER BY and LIMIT PER keys: output columns where they name one,
	// else extra hidden columns computed with the select list. resolved is
	// the expression a key stands for, for the rules.
	var keys []sortKey
	var keyText []string
	var keySrc []ast.Expr
	extra := func(e ast.Expr) (int, ast.Expr, error) {
		if ord, ok := e.(*ast.IntLit); ok {
			if ord.Value < 1 || int(ord.Value) > nOut {
				return 0, nil, errAt(e.Pos(), "ORDER BY %d: the select list has %d columns", ord.Value, nOut)
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
			return 0, nil, errAt(e.Pos(), "with SELECT DISTINCT, ORDER BY expressions must appear in the select list")
		}
		ce, err := post.compile(e)
		if err != nil {
			return 0, nil, err
		}
		exprs = append(exprs, ce)
		outSch = append(outSch, colInfo{name: txt, typ: ce.typ(), hidden: true})
		return len(exprs) - 1, e, nil
	}
	for _, o := range q.OrderBy {
		col, resolved, err := extra(o.Expr)
		if err != nil {
			return nil, err
		}
		if outSch[col].typ == tVector {
			return nil, errAt(o.Expr.Pos(), "cannot ORDER BY a vector; order by cos(%s, ...) instead", o.Expr.String())
		}
		k := sortKey{col: col, desc: o.Desc}
		switch o.Nulls {
		case ast.NullsFirst:
			k.nulls = -1
		case ast.NullsLast:
			k.nulls = 1
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
		sch := schema{}
		for i, k := range ap.keys {
			sch = append(sch, colInfo{name: ap.keyTxt[i], typ: k.typ()})
		}
		for _, c := range ap.calls {
			sch = append(sch, colInfo{name: c.text, typ: c.t})
		}
		node = &aggNode{in: node, agg: ap, sch: sch}
		if having != nil {
			node = &filterNode{in: node, conds: []cond{{src: q.Having, e: having}}}
		}
	}
	node = &projectNode{in: node, exprs: exprs, sch: outSch}
	if q.Distinct {
		node = &distinctNode{in: node, cols: nOut}
	}
	if len(keys) > 0 {
		node = &sortNode{in: node, keys: keys, text: keyText, src: keySrc}
	}
	if perCol >= 0 {
		node = &limitPerNode{in: node, key: perCol, keyText: q.Limit.Per.String(), count: count, offset: offset}
	} else if count >= 0 || offset > 0 {
		node = &limitNode{in: node, count: count, offset: offset}
	}
	if len(exprs) > nOut {
		node = &stripNode{in: node, keep: nOut}
	}
	return node, nil
}

// isCaption reports whether x is the caption column of the query's table
// or set.
func (p *planner) isCaption(x ast.Expr) bool {
	ref, ok := x.(*ast.ColumnRef)
	return ok && p.src != nil && strings.EqualFold(ref.Column.Name, "caption") &&
		(ref.Table.IsZero() || strings.EqualFold(ref.Table.Name, p.src.name)) && p.src.info.Table.Column("caption") >= 0
}

// isID reports whether x is the id column of the query's table or set.
func (p *planner) isID(x ast.Expr) bool {
	ref, ok := x.(*ast.ColumnRef)
	return ok && p.src != nil && strings.EqualFold(ref.Column.Name, "id") && (ref.Table.IsZero() || strings.EqualFold(ref.Table.Name, p.src.name))
}

// columnHint explains where a column that is not found could come from.
func (p *planner) columnHint(name string) string {
	if strings.EqualFold(name, "synset") && p.src != nil && !p.src.hasColumn("synset") {
		return "; synset is bound by WHERE caption MATCHES IMAGENET, or stored in a set made from such a query"
	}
	return ""
}

func (p *planner) constInt(e ast.Expr, what string) (int64, error) {
	c := &compiler{sess: p.sess, ctx: p.ctx}
	v, err := c.constant(e, what)
	if err != nil {
		return 0, err
	}
	if v.T != tInt || v.I < 0 {
		return 0, errAt(e.Pos(), "%s must be a non-negative integer, not %s", what, displayValue(v))
	}
	return v.I, nil
}

// expandStar turns * and t.* into column references.
func (p *planner) expandStar(sch schema) ([]*ast.SelectItem, error) {
	var out []*ast.SelectItem
	for _, it := range p.q.Items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		if p.q.From == nil {
			return nil, errAt(it.Pos(), "SELECT * needs a FROM")
		}
		n := 0
		for _, c := range sch {
			if c.hidden || (!it.Table.IsZero() && !strings.EqualFold(c.qual, it.Table.Name)) {
				continue
			}
			ref := &ast.ColumnRef{Column: ast.Ident{NamePos: it.Pos(), Name: c.name}}
			if c.qual != "" {
				ref.Table = ast.Ident{NamePos: it.Pos(), Name: c.qual}
			}
			out = append(out, &ast.SelectItem{ItemPos: it.Pos(), Expr: ref, Alias: ast.Ident{Name: c.name}})
			n++
		}
		if n == 0 {
			return nil, errAt(it.Pos(), "%s.* matches no columns", it.Table.Name)
		}
	}
	return out, nil
}

// resolveOutputRef maps a GROUP BY ordinal or output alias to the select
// item's expression.
func (p *planner) resolveOutputRef(e ast.Expr, items []*ast.SelectItem) (ast.Expr, error) {
	if ord, ok := e.(*ast.IntLit); ok {
		if ord.Value < 1 || int(ord.Value) > len(items) {
			return nil, errAt(e.Pos(), "GROUP BY %d: the select list has %d columns", ord.Value, len(items))
		}
		return items[ord.Value-1].Expr, nil
	}
	if ref, ok := e.(*ast.ColumnRef); ok && ref.Table.IsZero() && p.src != nil && !p.src.hasColumn(ref.Column.Name) {
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
					if c, ok := n.(*ast.Call); ok && aggregates[strings.ToLower(c.Name.Name)] != nil {
						found = true
					}
					return !found
				})
				return false
			}
		case *ast.Call:
			if aggregates[strings.ToLower(x.Name.Name)] != nil {
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
func (p *planner) indexPredicate(e ast.Expr) (*indexPred, error) {
	c := &compiler{sess: p.sess, ctx: p.ctx}
	switch x := e.(type) {
	case *ast.Matches:
		if x.Not || !p.isCaption(x.X) {
			return nil, nil
		}
		rule, err := c.ruleOf(x.Rule)
		if err != nil {
			return nil, errAt(x.Pos(), "%v", err)
		}
		if x.Synset == nil {
			return &indexPred{kind: "match", rule: rule, text: x.String()}, nil
		}
		q, err := c.constant(x.Synset, "the synset of MATCHES SYNSET")
		if err != nil {
			return nil, err
		}
		syn, err := p.sess.Catalog().Resolve(q.S)
		if err != nil {
			return nil, errAt(x.Synset.Pos(), "%v", err)
		}
		if syn.Class < 0 {
			return nil, errAt(x.Synset.Pos(), "%s (%s) is not an ImageNet-1k class; MATCHES SYNSET takes one of the 1000 classes", syn.WNID, syn.Name)
		}
		return &indexPred{kind: "synset", rule: rule, class: syn.Class, text: x.String()}, nil
	case *ast.Contains:
		if x.Not || !p.isCaption(x.X) {
			return nil, nil
		}
		rule, err := c.ruleOf(x.Rule)
		if err != nil {
			return nil, errAt(x.Pos(), "%v", err)
		}
		ph, err := c.constant(x.Phrase, "the phrase of CONTAINS")
		if err != nil {
			return nil, err
		}
		if ph.T != tString || strings.TrimSpace(ph.S) == "" {
			return nil, errAt(x.Phrase.Pos(), "CONTAINS needs a phrase with at least one word")
		}
		return &indexPred{kind: "contains", rule: rule, phrase: ph.S, text: x.String()}, nil
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
		v, err := c.constant(other, "an id")
		if err != nil || v.T != tInt {
			return nil, nil // not a constant: leave it to the filter
		}
		return &indexPred{kind: "id", ids: []uint64{uint64(v.I)}, text: x.String()}, nil
	case *ast.In:
		if x.Not || x.Query != nil || !p.isID(x.X) {
			return nil, nil
		}
		var ids []uint64
		for _, el := range x.List {
			v, err := c.constant(el, "an id")
			if err != nil || v.T != tInt {
				return nil, nil
			}
			ids = append(ids, uint64(v.I))
		}
		return &indexPred{kind: "id", ids: ids, text: x.String()}, nil
	}
	return nil, nil
}

// vrangePredicate recognises cos(col, target) > t (or t < cos(...)) over
// an indexed vector column.
func (p *planner) vrangePredicate(x *ast.Binary) (*indexPred, error) {
	call, num, op := x.X, x.Y, x.Op
	if _, ok := x.X.(*ast.Call); !ok {
		call, num = x.Y, x.X
		op = map[ast.Op]ast.Op{ast.OpLt: ast.OpGt, ast.OpLe: ast.OpGe, ast.OpGt: ast.OpLt, ast.OpGe: ast.OpLe}[op]
	}
	if op != ast.OpGt && op != ast.OpGe {
		return nil, nil
	}
	vt := p.vectorTarget(call)
	if vt == nil || !p.useIndex(vt.col) {
		return nil, nil
	}
	c := &compiler{sess: p.sess, ctx: p.ctx}
	v, err := c.constant(num, "the threshold")
	if err != nil {
		return nil, nil
	}
	t, ok := v.AsFloat()
	if !ok {
		return nil, nil
	}
	return &indexPred{kind: "vrange", vt: vt, threshold: t, text: x.String()}, nil
}

// neededColumns marks the source columns the plan reads.
func (p *planner) neededColumns(sch schema, root planNode) []bool {
	need := make([]bool, len(sch))
	need[0] = true // id
	var mark func(e expr)
	mark = func(e expr) {
		if c, ok := e.(*colExpr); ok && c.idx < len(need) {
			need[c.idx] = true
		}
		for _, sub := range subExprs(e) {
			mark(sub)
		}
	}
	// Only expressions evaluated over the source rows count: the scan's
	// filter, and the first operator above the scan.
	isSource := func(n planNode) bool {
		switch n.(type) {
		case *scanNode, *knnNode:
			return true
		}
		return false
	}
	var walk func(n planNode)
	walk = func(n planNode) {
		switch x := n.(type) {
		case *scanNode:
			for _, c := range x.filter {
				mark(c.e)
			}
			return
		case *knnNode:
			for _, c := range x.scan.filter {
				mark(c.e)
			}
			return
		case *countNode:
			return
		case *filterNode:
			if isSource(x.in) {
				for _, c := range x.conds {
					mark(c.e)
				}
			}
		case *projectNode:
			if isSource(x.in) {
				for _, e := range x.exprs {
					mark(e)
				}
			}
		case *aggNode:
			for _, k := range x.agg.keys {
				mark(k)
			}
			for _, c := range x.agg.calls {
				if c.arg != nil {
					mark(c.arg)
				}
			}
		}
		for _, c := range n.children() {
			walk(c)
		}
	}
	walk(root)
	return need
}
