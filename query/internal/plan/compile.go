package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// compiler turns AST expressions into exprs over one row layout.
type Compiler struct {
	Sess Host
	Ctx  context.Context
	sch  value.Schema

	// Aggregation: when agg is set, expressions are compiled over the
	// output of the aggregate operator: GROUP BY keys then aggregates.
	agg *exec.AggPlan
	// noAgg is the reason aggregates are not allowed here ("" = allowed
	// when agg is set).
	NoAgg string
	// hint is added to unknown-column errors (e.g. where synset comes from).
	hint func(name string) string
	// aliases are output names usable as columns (HAVING n > 5).
	aliases map[string]ast.Expr
	// nonConst are compiled expressions known not to be constant.
	nonConst map[exec.Expr]struct{}

	// outer compiles the query around this one when this one is a
	// subquery in an expression: a name that is no column here may be one
	// of its (a correlated subquery). corr records the outer columns read,
	// and scope is the WITH names visible.
	outer *Compiler
	corr  *exec.Correlation
	scope *scope
}

func (c *Compiler) Compile(e ast.Expr) (exec.Expr, error) {
	if c.agg != nil {
		txt := e.String()
		for i, k := range c.agg.KeyTxt {
			if k == txt {
				return &exec.ColExpr{Idx: i, Name: txt, T: c.agg.Keys[i].Typ()}, nil
			}
		}
	}
	switch x := e.(type) {
	case *ast.IntLit:
		return &exec.ConstExpr{V: value.IntV(x.Value)}, nil
	case *ast.FloatLit:
		return &exec.ConstExpr{V: value.FloatV(x.Value)}, nil
	case *ast.StringLit:
		return &exec.ConstExpr{V: value.StringV(x.Value)}, nil
	case *ast.BoolLit:
		return &exec.ConstExpr{V: value.BoolV(x.Value)}, nil
	case *ast.NullLit:
		return &exec.ConstExpr{V: value.Value{}}, nil
	case *ast.Var:
		v, ok := c.Sess.Var(x.Name)
		if !ok {
			return nil, value.ErrAt(x.Pos(), "variable $%s is not set; pass --var %s=VALUE to laiondb run%s", x.Name, x.Name, value.DidYouMean(x.Name, c.Sess.VarNames()))
		}
		return &exec.ConstExpr{V: v}, nil
	case *ast.VectorLit:
		v := make([]float32, len(x.Elems))
		for i, el := range x.Elems {
			ce, err := c.Constant(el, "a vector element")
			if err != nil {
				return nil, err
			}
			f, ok := ce.AsFloat()
			if !ok {
				return nil, value.ErrAt(el.Pos(), "vector elements must be numbers, not %s", ce.T)
			}
			v[i] = float32(f)
		}
		return &exec.ConstExpr{V: value.VectorV(v)}, nil
	case *ast.ColumnRef:
		if a, ok := c.aliases[strings.ToLower(x.Column.Name)]; ok && x.Table.IsZero() {
			saved := c.aliases
			c.aliases = nil // an alias does not refer to itself
			e, err := c.Compile(a)
			c.aliases = saved
			return e, err
		}
		return c.column(x)
	case *ast.Unary:
		inner, err := c.Compile(x.X)
		if err != nil {
			return nil, err
		}
		if x.Op == ast.OpNot {
			if err := c.WantBool(inner, x.X); err != nil {
				return nil, err
			}
			return fold(c, &exec.NotExpr{X: inner}), nil
		}
		if !value.IsNumeric(inner.Typ()) {
			return nil, value.ErrAt(x.X.Pos(), "cannot negate %s; a number is expected", value.TypeName(inner.Typ()))
		}
		return fold(c, &exec.NegExpr{X: inner, Pos: x.Pos()}), nil
	case *ast.Binary:
		return c.binary(x)
	case *ast.In:
		return c.in(x)
	case *ast.Between:
		v, err := c.Compile(x.X)
		if err != nil {
			return nil, err
		}
		lo, err := c.Compile(x.Low)
		if err != nil {
			return nil, err
		}
		hi, err := c.Compile(x.High)
		if err != nil {
			return nil, err
		}
		for _, p := range []struct {
			e exec.Expr
			n ast.Expr
		}{{v, x.X}, {lo, x.Low}, {hi, x.High}} {
			if p.e.Typ() == value.TVector {
				return nil, value.ErrAt(p.n.Pos(), "BETWEEN needs numbers or text, not a vector")
			}
		}
		var out exec.Expr = &exec.LogicExpr{And: true, X: &exec.CmpExpr{Op: ast.OpGe, X: v, Y: lo}, Y: &exec.CmpExpr{Op: ast.OpLe, X: v, Y: hi}}
		if x.Not {
			out = &exec.NotExpr{X: out}
		}
		return out, nil
	case *ast.IsNull:
		v, err := c.Compile(x.X)
		if err != nil {
			return nil, err
		}
		return &exec.IsNullExpr{X: v, Not: x.Not}, nil
	case *ast.Like:
		v, err := c.Compile(x.X)
		if err != nil {
			return nil, err
		}
		p, err := c.Compile(x.Pattern)
		if err != nil {
			return nil, err
		}
		if v.Typ() == value.TVector || p.Typ() == value.TVector {
			return nil, value.ErrAt(x.Pos(), "LIKE needs text, not a vector")
		}
		return &exec.LikeExpr{X: v, Pat: p, Not: x.Not}, nil
	case *ast.Matches:
		return c.matches(x)
	case *ast.Contains:
		return c.contains(x)
	case *ast.Call:
		return c.call(x)
	case *ast.Case:
		return c.caseExpr(x)
	case *ast.Subquery:
		return c.subquery(x)
	case *ast.Exists:
		p, corr, err := c.planSubquery(x.Query)
		if err != nil {
			return nil, err
		}
		return &exec.ExistsExpr{Plan: p, Text: x.String(), Corr: corr}, nil
	}
	return nil, value.ErrAt(e.Pos(), "%s is not supported here", e.String())
}

// constant compiles e and requires a value known before the query runs.
func (c *Compiler) Constant(e ast.Expr, what string) (value.Value, error) {
	sub := &Compiler{Sess: c.Sess, Ctx: c.Ctx, NoAgg: what + " must be a constant"}
	ce, err := sub.Compile(e)
	if err != nil {
		return value.Value{}, err
	}
	if k, ok := ce.(*exec.ConstExpr); ok {
		return k.V, nil
	}
	if !sub.allConst(ce) {
		return value.Value{}, value.ErrAt(e.Pos(), "%s must be a constant (a literal, a $variable, or arithmetic on them)", what)
	}
	v, err := ce.Eval(exec.NewEvalCtx(c.Ctx, c.Sess, c.Sess.Snapshot()), nil)
	if err != nil {
		return value.Value{}, value.ErrAt(e.Pos(), "%s: %v", what, err)
	}
	return v, nil
}

// fold evaluates an expression whose operands are all constants.
func fold(c *Compiler, e exec.Expr) exec.Expr {
	if !c.allConst(e) {
		return e
	}
	v, err := e.Eval(exec.NewEvalCtx(c.Ctx, c.Sess, c.Sess.Snapshot()), nil)
	if err != nil {
		return e // the error shows when the row is evaluated
	}
	return &exec.ConstExpr{V: v}
}

// allConst reports whether e's operands are all constants. The answer
// "no" is remembered: each node's children were asked when they were
// compiled, so a chain of n operators costs n steps, not n²/2.
func (c *Compiler) allConst(e exec.Expr) bool {
	if _, ok := c.nonConst[e]; ok {
		return false
	}
	if c.constOperands(e) {
		return true
	}
	if c.nonConst == nil {
		c.nonConst = map[exec.Expr]struct{}{}
	}
	c.nonConst[e] = struct{}{}
	return false
}

func (c *Compiler) constOperands(e exec.Expr) bool {
	switch x := e.(type) {
	case *exec.ConstExpr:
		return true
	case *exec.NotExpr:
		return c.allConst(x.X)
	case *exec.NegExpr:
		return c.allConst(x.X)
	case *exec.ArithExpr:
		return c.allConst(x.X) && c.allConst(x.Y)
	case *exec.CmpExpr:
		return c.allConst(x.X) && c.allConst(x.Y)
	case *exec.CallExpr:
		if !x.Fn.Pure {
			return false
		}
		for _, a := range x.Args {
			if !c.allConst(a) {
				return false
			}
		}
		return true
	}
	return false
}

func (c *Compiler) WantBool(e exec.Expr, n ast.Expr) error {
	switch e.Typ() {
	case value.TBool, value.TAny, value.TNull:
		return nil
	}
	return value.ErrAt(n.Pos(), "%s is %s; a condition (true/false) is expected here", n.String(), value.TypeName(e.Typ()))
}

func (c *Compiler) binary(x *ast.Binary) (exec.Expr, error) {
	if x.Op == ast.OpOr {
		return c.orChain(x)
	}
	l, err := c.Compile(x.X)
	if err != nil {
		return nil, err
	}
	r, err := c.Compile(x.Y)
	if err != nil {
		return nil, err
	}
	switch {
	case x.Op == ast.OpAnd || x.Op == ast.OpOr:
		if err := c.WantBool(l, x.X); err != nil {
			return nil, err
		}
		if err := c.WantBool(r, x.Y); err != nil {
			return nil, err
		}
		return &exec.LogicExpr{And: x.Op == ast.OpAnd, X: l, Y: r}, nil
	case x.Op.IsComparison():
		lt, rt := l.Typ(), r.Typ()
		if lt == value.TVector || rt == value.TVector {
			return nil, value.ErrAt(x.OpPos, "a vector cannot be compared with %s; compare cos(a, b) or dot(a, b) instead", x.Op)
		}
		if lt != value.TAny && rt != value.TAny && !(value.IsNumeric(lt) && value.IsNumeric(rt)) && lt != rt {
			return nil, value.ErrAt(x.OpPos, "cannot compare %s (%s) with %s (%s)", x.X.String(), value.TypeName(lt), x.Y.String(), value.TypeName(rt))
		}
		return fold(c, &exec.CmpExpr{Op: x.Op, X: l, Y: r}), nil
	case x.Op == ast.OpConcat:
		return fold(c, &exec.ArithExpr{Op: x.Op, X: l, Y: r, T: value.TString}), nil
	default:
		for _, p := range []struct {
			e exec.Expr
			n ast.Expr
		}{{l, x.X}, {r, x.Y}} {
			if !value.IsNumeric(p.e.Typ()) {
				return nil, value.ErrAt(p.n.Pos(), "%s is %s; a number is expected for %s", p.n.String(), value.TypeName(p.e.Typ()), x.Op)
			}
		}
		t := value.TFloat
		if (l.Typ() == value.TInt || l.Typ() == value.TBool) && (r.Typ() == value.TInt || r.Typ() == value.TBool) {
			t = value.TInt
		}
		return fold(c, &exec.ArithExpr{Op: x.Op, X: l, Y: r, T: t, Pos: x.OpPos}), nil
	}
}

func (c *Compiler) in(x *ast.In) (exec.Expr, error) {
	v, err := c.Compile(x.X)
	if err != nil {
		return nil, err
	}
	if v.Typ() == value.TVector {
		return nil, value.ErrAt(x.X.Pos(), "IN needs numbers or text, not a vector")
	}
	if x.Query != nil {
		p, corr, err := c.planSubquery(x.Query)
		if err != nil {
			return nil, err
		}
		if len(p.Schema()) != 1 {
			return nil, value.ErrAt(x.Query.Pos(), "the subquery of IN must select one column, not %d", len(p.Schema()))
		}
		if err := comparable(x.OpPos, v.Typ(), p.Schema()[0].Typ, x.X.String(), "the subquery's "+p.Schema()[0].Name); err != nil {
			return nil, err
		}
		return &exec.InQueryExpr{X: v, Plan: p, Not: x.Not, Text: "(" + x.Query.String() + ")", Corr: corr}, nil
	}
	var list []exec.Expr
	for _, el := range x.List {
		e, err := c.Compile(el)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return exec.NewInList(v, list, x.Not), nil
}

// orChain compiles a chain of ORs in one loop (not one recursion per
// OR), in the order the recursive form checks it. When every term is
// the same column = a constant, the chain is that column IN (the
// constants), which looks a value up in one step: the same answer, NULLs
// included, in time independent of the number of terms.
func (c *Compiler) orChain(x *ast.Binary) (exec.Expr, error) {
	var terms []ast.Expr
	var e ast.Expr = x
	for {
		b, ok := e.(*ast.Binary)
		if !ok || b.Op != ast.OpOr {
			break
		}
		terms = append(terms, b.Y)
		e = b.X
	}
	terms = append(terms, e)
	slices.Reverse(terms)
	compiled := make([]exec.Expr, len(terms))
	for i, t := range terms {
		ce, err := c.Compile(t)
		if err != nil {
			return nil, err
		}
		compiled[i] = ce
		if i == 0 {
			continue
		}
		if i == 1 {
			if err := c.WantBool(compiled[0], terms[0]); err != nil {
				return nil, err
			}
		}
		if err := c.WantBool(ce, t); err != nil {
			return nil, err
		}
	}
	if in := equalities(compiled); in != nil {
		return in, nil
	}
	out := compiled[0]
	for _, r := range compiled[1:] {
		out = &exec.LogicExpr{X: out, Y: r}
	}
	return out, nil
}

// equalities returns col IN (constants) for terms that are all col =
// constant (either way round) on one column, or nil.
func equalities(terms []exec.Expr) *exec.InListExpr {
	var col *exec.ColExpr
	consts := make([]exec.Expr, 0, len(terms))
	for _, t := range terms {
		cmp, ok := t.(*exec.CmpExpr)
		if !ok || cmp.Op != ast.OpEq {
			return nil
		}
		x, y := cmp.X, cmp.Y
		if _, ok := x.(*exec.ConstExpr); ok {
			x, y = y, x
		}
		cx, ok := x.(*exec.ColExpr)
		k, kok := y.(*exec.ConstExpr)
		if !ok || !kok || (col != nil && *cx != *col) {
			return nil
		}
		col = cx
		consts = append(consts, k)
	}
	in := exec.NewInList(col, consts, false)
	if !in.Hashed() {
		return nil // nothing gained
	}
	in.OrTerms = terms
	return in
}

// ruleOf maps the USING option (or the session's default) to a rule.
func (c *Compiler) ruleOf(r ast.MatchRule) (synset.Rule, error) {
	name := string(r)
	if name == "" {
		name = c.Sess.Setting("rule").S
	}
	return synset.ParseRule(strings.ToLower(name))
}

func (c *Compiler) matches(x *ast.Matches) (exec.Expr, error) {
	v, err := c.Compile(x.X)
	if err != nil {
		return nil, err
	}
	if v.Typ() != value.TString && v.Typ() != value.TAny {
		return nil, value.ErrAt(x.X.Pos(), "MATCHES needs a text column such as caption, not %s", value.TypeName(v.Typ()))
	}
	rule, err := c.ruleOf(x.Rule)
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "%v", err)
	}
	vocab, err := c.Sess.Catalog().Vocabulary(rule)
	if err != nil {
		return nil, err
	}
	m := &exec.MatchExpr{X: v, Rule: rule, Vocab: vocab, Class: -1, Text: x.String()}
	if x.Synset != nil {
		if m.Vocab, m.Class, _, err = c.synsetMatcher(x, rule); err != nil {
			return nil, err
		}
	}
	var out exec.Expr = m
	if x.Not {
		out = &exec.NotExpr{X: m}
	}
	return out, nil
}

func (c *Compiler) contains(x *ast.Contains) (exec.Expr, error) {
	v, err := c.Compile(x.X)
	if err != nil {
		return nil, err
	}
	if v.Typ() != value.TString && v.Typ() != value.TAny {
		return nil, value.ErrAt(x.X.Pos(), "CONTAINS needs a text column such as caption, not %s", value.TypeName(v.Typ()))
	}
	rule, err := c.ruleOf(x.Rule)
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "%v", err)
	}
	p, err := c.Constant(x.Phrase, "the phrase of CONTAINS")
	if err != nil {
		return nil, err
	}
	words := synset.Words(rule, p.S)
	if len(words) == 0 || p.S == "" {
		return nil, value.ErrAt(x.Phrase.Pos(), "CONTAINS needs a phrase with at least one word")
	}
	if synset.NeverMatches(rule, p.S) {
		c.Sess.Warn(fmt.Sprintf("CONTAINS %s can never match under the paper rule, which replaces a caption's punctuation by spaces (as for lemmas such as T-shirt); write it with spaces, or add USING NORMALIZED", value.DisplayValue(p)))
	}
	m := &exec.MatchExpr{X: v, Rule: rule, Phrase: p.S, Words: words, Text: x.String()}
	var out exec.Expr = m
	if x.Not {
		out = &exec.NotExpr{X: m}
	}
	return out, nil
}

func (c *Compiler) caseExpr(x *ast.Case) (exec.Expr, error) {
	out := &exec.CaseExpr{T: value.TAny}
	var operand exec.Expr
	if x.Operand != nil {
		var err error
		if operand, err = c.Compile(x.Operand); err != nil {
			return nil, err
		}
	}
	for _, w := range x.Whens {
		cond, err := c.Compile(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			cond = &exec.CmpExpr{Op: ast.OpEq, X: operand, Y: cond}
		}
		then, err := c.Compile(w.Result)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, cond)
		out.Thens = append(out.Thens, then)
		if out.T == value.TAny {
			out.T = then.Typ()
		}
	}
	if x.Else != nil {
		e, err := c.Compile(x.Else)
		if err != nil {
			return nil, err
		}
		out.Els = e
		if out.T == value.TAny {
			out.T = e.Typ()
		}
	}
	return out, nil
}

func (c *Compiler) subquery(x *ast.Subquery) (exec.Expr, error) {
	p, corr, err := c.planSubquery(x.Query)
	if err != nil {
		return nil, err
	}
	if len(p.Schema()) != 1 {
		return nil, value.ErrAt(x.Pos(), "a scalar subquery must select one column, not %d", len(p.Schema()))
	}
	return &exec.SubqueryExpr{Plan: p, T: p.Schema()[0].Typ, Text: x.String(), Pos: x.Pos(), Corr: corr}, nil
}

// planSubquery plans a subquery of an expression compiled by c: it may
// read the columns c compiles over (and those of the queries around), and
// the correlation says which it reads.
func (c *Compiler) planSubquery(q *ast.Select) (exec.PlanNode, exec.Correlation, error) {
	sub := &Planner{Sess: c.Sess, Ctx: c.Ctx, Q: q, scope: c.scope, outer: c, corr: &exec.Correlation{}}
	p, err := sub.Plan()
	if err != nil {
		return nil, exec.Correlation{}, err
	}
	return p, exec.Correlation{Params: sub.corr.Params}, nil
}

// column compiles a column reference: a column of the rows compiled
// over, else (in a subquery) one of a query around it, the nearest first.
func (c *Compiler) column(x *ast.ColumnRef) (exec.Expr, error) {
	e, err := c.local(x)
	if err == nil || !errors.Is(err, value.ErrNoColumn) {
		return e, err
	}
	for depth, o := 1, c.outer; o != nil; depth, o = depth+1, o.outer {
		oe, oerr := o.local(x)
		if errors.Is(oerr, value.ErrNoColumn) {
			continue
		}
		if oerr != nil {
			return nil, oerr
		}
		col := oe.(*exec.ColExpr)
		ref := exec.OuterRef{Depth: depth, Idx: col.Idx, Name: x.String(), T: col.T}
		// Every subquery from here out to that query reads the column:
		// each records it, at its own depth.
		lvl := c
		for d := depth; d >= 1 && lvl != nil; d-- {
			if lvl.corr != nil {
				r := ref
				r.Depth = d
				addParam(lvl.corr, r)
			}
			lvl = lvl.outer
		}
		return &ref, nil
	}
	if c.hint != nil {
		if qe, ok := err.(*value.Error); ok {
			qe.Msg += c.hint(x.Column.Name)
		}
	}
	return nil, err
}

// local compiles a column reference over c's own rows. Over an
// aggregate's rows, a column is a GROUP BY key or nothing.
func (c *Compiler) local(x *ast.ColumnRef) (exec.Expr, error) {
	if c.agg != nil {
		txt := x.String()
		for i, k := range c.agg.KeyTxt {
			if k == txt {
				return &exec.ColExpr{Idx: i, Name: txt, T: c.agg.Keys[i].Typ()}, nil
			}
		}
		if pi, err := c.agg.Pre.Resolve(x); err == nil {
			for i, k := range c.agg.Keys {
				if ce, ok := k.(*exec.ColExpr); ok && ce.Idx == pi {
					return &exec.ColExpr{Idx: i, Name: c.agg.KeyTxt[i], T: ce.T}, nil
				}
			}
			return nil, value.ErrAt(x.Pos(), "column %s must appear in GROUP BY or be used in an aggregate such as count(%s) or min(%s)", x.String(), x.String(), x.String())
		}
	}
	i, err := c.sch.Resolve(x)
	if err != nil {
		return nil, err
	}
	name := c.sch[i].Name
	for j, o := range c.sch {
		if j != i && strings.EqualFold(o.Name, name) && !x.Table.IsZero() {
			name = x.String() // l.id and g.id stay apart in EXPLAIN
			break
		}
	}
	return &exec.ColExpr{Idx: i, Name: name, T: c.sch[i].Typ}, nil
}

// addParam records that a subquery reads an outer column, once.
func addParam(corr *exec.Correlation, r exec.OuterRef) {
	for _, p := range corr.Params {
		if p.Depth == r.Depth && p.Idx == r.Idx {
			return
		}
	}
	corr.Params = append(corr.Params, r)
}

func (c *Compiler) call(x *ast.Call) (exec.Expr, error) {
	name := strings.ToLower(x.Name.Name)
	if ag, ok := funcs.Aggregates[name]; ok {
		return c.aggregate(x, ag)
	}
	if name == "embed" {
		return c.compileEmbed(x)
	}
	if name == "random" {
		return c.compileRandom(x)
	}
	if isClassifierFunction(name) {
		return c.compileClassifier(x, name)
	}
	if name == "synsets_in" {
		return c.compileSynsetsIn(x)
	}
	if x.Rule != ast.RuleDefault {
		return nil, value.ErrAt(x.Pos(), "%s does not take USING; synsets_in does", name)
	}
	fn, ok := funcs.Functions[name]
	if !ok {
		return nil, value.ErrAt(x.Pos(), "unknown function %s%s", x.Name.Name, value.DidYouMean(name, funcs.FunctionNames()))
	}
	if x.Star || x.Distinct {
		return nil, value.ErrAt(x.Pos(), "%s(%s...) is only for aggregates such as count", name, map[bool]string{true: "*", false: "DISTINCT "}[x.Star])
	}
	if len(x.Args) < fn.Min || (fn.Max >= 0 && len(x.Args) > fn.Max) {
		return nil, value.ErrAt(x.Pos(), "%s takes %s, not %d: %s", name, argCount(fn.Min, fn.Max), len(x.Args), fn.Help)
	}
	args := make([]exec.Expr, len(x.Args))
	types := make([]value.Type, len(x.Args))
	for i, a := range x.Args {
		e, err := c.Compile(a)
		if err != nil {
			return nil, err
		}
		args[i], types[i] = e, e.Typ()
	}
	t, err := fn.Result(types)
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "%s: %v; %s", name, err, fn.Help)
	}
	if name == "cos" || name == "dot" {
		if err := c.checkModels(x, args); err != nil {
			return nil, err
		}
	}
	call := &exec.CallExpr{Fn: fn, Args: args, T: t, Pos: x.Pos()}
	if c.allConst(call) {
		// Evaluate now, so a bad constant argument is reported where it is.
		v, err := call.Eval(exec.NewEvalCtx(c.Ctx, c.Sess, c.Sess.Snapshot()), nil)
		if errors.Is(err, value.ErrOverflow) {
			return nil, err // placed, and names the call
		}
		if err != nil {
			return nil, value.ErrAt(x.Pos(), "%s: %v", name, err)
		}
		return &exec.ConstExpr{V: v}, nil
	}
	return call, nil
}

func argCount(min, max int) string {
	switch {
	case max < 0:
		return fmt.Sprintf("at least %d argument(s)", min)
	case min == max:
		return fmt.Sprintf("%d argument(s)", min)
	}
	return fmt.Sprintf("%d to %d arguments", min, max)
}

func (c *Compiler) aggregate(x *ast.Call, ag *funcs.Aggregate) (exec.Expr, error) {
	if c.agg == nil {
		why := c.NoAgg
		if why == "" {
			why = "aggregates are not allowed here"
		}
		return nil, value.ErrAt(x.Pos(), "%s(...) is an aggregate: %s", ag.Name, why)
	}
	if x.Rule != ast.RuleDefault {
		return nil, value.ErrAt(x.Pos(), "%s does not take USING", ag.Name)
	}
	call := &exec.AggCall{Fn: ag, Distinct: x.Distinct, Text: x.String()}
	switch {
	case x.Star:
		if !ag.Star {
			return nil, value.ErrAt(x.Pos(), "%s(*) is not allowed; only count(*) counts rows", ag.Name)
		}
	case len(ag.Params) > 0 && len(x.Args) != 1+len(ag.Params):
		return nil, value.ErrAt(x.Pos(), "%s takes %d arguments: %s", ag.Name, 1+len(ag.Params), ag.Help)
	case len(ag.Params) == 0 && len(x.Args) != 1:
		return nil, value.ErrAt(x.Pos(), "%s takes one argument: %s", ag.Name, ag.Help)
	default:
		for i, name := range ag.Params {
			what := fmt.Sprintf("the %s of %s", name, ag.Name)
			if ref := firstColumnRef(x.Args[1+i]); ref != nil {
				return nil, value.ErrAt(ref.Pos(), "%s must be a constant (a literal, a $variable, or arithmetic on them), not the column %s", what, ref)
			}
			v, err := c.Constant(x.Args[1+i], what)
			if err != nil {
				return nil, err
			}
			call.Params = append(call.Params, v)
		}
		if _, err := ag.NewState(call.Params); err != nil {
			return nil, value.ErrAt(x.Args[1].Pos(), "%s: %v", ag.Name, err)
		}
		inner := &Compiler{Sess: c.Sess, Ctx: c.Ctx, sch: c.agg.Pre, NoAgg: "aggregates cannot be nested", hint: c.hint, outer: c.outer, corr: c.corr, scope: c.scope}
		arg, err := inner.Compile(x.Args[0])
		if err != nil {
			return nil, err
		}
		call.Arg = arg
	}
	argT := value.TAny
	if call.Arg != nil {
		argT = call.Arg.Typ()
	}
	t, err := ag.Result(argT)
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "%s: %v", ag.Name, err)
	}
	call.T = t
	for i, prev := range c.agg.Calls {
		if prev.Text == call.Text {
			return &exec.ColExpr{Idx: len(c.agg.Keys) + i, Name: call.Text, T: t}, nil
		}
	}
	c.agg.Calls = append(c.agg.Calls, call)
	return &exec.ColExpr{Idx: len(c.agg.Keys) + len(c.agg.Calls) - 1, Name: call.Text, T: t}, nil
}

// checkModels refuses cos/dot between vectors of different models unless
// allow_model_mismatch is set.
func (c *Compiler) checkModels(x *ast.Call, args []exec.Expr) error {
	if value.Truth(c.Sess.Setting("allow_model_mismatch")) {
		return nil
	}
	var models []string
	for _, a := range args {
		models = append(models, c.modelOf(a))
	}
	if models[0] != "" && models[1] != "" && models[0] != models[1] {
		return value.ErrAt(x.Pos(), "%s compares %s embeddings (%s) with %s embeddings (%s); use vectors of one model, or SET allow_model_mismatch = true",
			x.Name.Name, models[0], x.Args[0].String(), models[1], x.Args[1].String())
	}
	return nil
}

// modelOf returns the model of a vector expression when known.
func (c *Compiler) modelOf(e exec.Expr) string {
	switch x := e.(type) {
	case *exec.ColExpr:
		if x.Idx < len(c.sch) {
			return c.sch[x.Idx].Model
		}
	case *exec.EmbedExpr:
		return x.Model
	}
	return ""
}

// compileRandom compiles random(seed): the hidden second argument is the
// row id, so the number is a function of the row, not of when it is read.
func (c *Compiler) compileRandom(x *ast.Call) (exec.Expr, error) {
	fn := funcs.Random
	if x.Star || x.Distinct || len(x.Args) != 1 {
		return nil, value.ErrAt(x.Pos(), "random takes 1 argument(s): %s", fn.Help)
	}
	seed, err := c.Compile(x.Args[0])
	if err != nil {
		return nil, err
	}
	if _, err := fn.Result([]value.Type{seed.Typ()}); err != nil {
		return nil, value.ErrAt(x.Args[0].Pos(), "random: %v", err)
	}
	id, err := c.Compile(&ast.ColumnRef{Column: ast.Ident{NamePos: x.Pos(), Name: "id"}})
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "random(seed) is a function of the row id, and these rows have no id column; select id in the subquery it reads")
	}
	if id.Typ() != value.TInt {
		return nil, value.ErrAt(x.Pos(), "random(seed) is a function of the row id, but id is %s here", value.TypeName(id.Typ()))
	}
	return &exec.CallExpr{Fn: fn, Args: []exec.Expr{seed, id}, T: value.TFloat}, nil
}

// firstColumnRef returns the first column an expression reads, outside
// subqueries, or nil.
func firstColumnRef(e ast.Expr) *ast.ColumnRef {
	var found *ast.ColumnRef
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Select:
			return false
		case *ast.ColumnRef:
			if found == nil {
				found = x
			}
		}
		return found == nil
	})
	return found
}
