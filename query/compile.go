package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// compiler turns AST expressions into exprs over one row layout.
type compiler struct {
	sess *Session
	ctx  context.Context
	sch  schema

	// Aggregation: when agg is set, expressions are compiled over the
	// output of the aggregate operator: GROUP BY keys then aggregates.
	agg *aggPlan
	// noAgg is the reason aggregates are not allowed here ("" = allowed
	// when agg is set).
	noAgg string
	// hint is added to unknown-column errors (e.g. where synset comes from).
	hint func(name string) string
	// aliases are output names usable as columns (HAVING n > 5).
	aliases map[string]ast.Expr
}

// aggPlan collects what an aggregate query computes.
type aggPlan struct {
	pre    schema     // input rows
	keys   []expr     // GROUP BY, over pre
	keyTxt []string   // canonical text of each key
	calls  []*aggCall // aggregates, args over pre
}

type aggCall struct {
	fn       *aggregate
	arg      expr // nil for count(*)
	distinct bool
	text     string
	t        Type
}

func (c *compiler) compile(e ast.Expr) (expr, error) {
	if c.agg != nil {
		txt := e.String()
		for i, k := range c.agg.keyTxt {
			if k == txt {
				return &colExpr{idx: i, name: txt, t: c.agg.keys[i].typ()}, nil
			}
		}
	}
	switch x := e.(type) {
	case *ast.IntLit:
		return &constExpr{intV(x.Value)}, nil
	case *ast.FloatLit:
		return &constExpr{floatV(x.Value)}, nil
	case *ast.StringLit:
		return &constExpr{stringV(x.Value)}, nil
	case *ast.BoolLit:
		return &constExpr{boolV(x.Value)}, nil
	case *ast.NullLit:
		return &constExpr{Value{}}, nil
	case *ast.Var:
		v, ok := c.sess.vars[strings.ToLower(x.Name)]
		if !ok {
			var names []string
			for k := range c.sess.vars {
				names = append(names, k)
			}
			return nil, errAt(x.Pos(), "variable $%s is not set; pass --var %s=VALUE to laiondb run%s", x.Name, x.Name, didYouMean(x.Name, names))
		}
		return &constExpr{v}, nil
	case *ast.VectorLit:
		v := make([]float32, len(x.Elems))
		for i, el := range x.Elems {
			ce, err := c.constant(el, "a vector element")
			if err != nil {
				return nil, err
			}
			f, ok := ce.AsFloat()
			if !ok {
				return nil, errAt(el.Pos(), "vector elements must be numbers, not %s", ce.T)
			}
			v[i] = float32(f)
		}
		return &constExpr{vectorV(v)}, nil
	case *ast.ColumnRef:
		if a, ok := c.aliases[strings.ToLower(x.Column.Name)]; ok && x.Table.IsZero() {
			saved := c.aliases
			c.aliases = nil // an alias does not refer to itself
			e, err := c.compile(a)
			c.aliases = saved
			return e, err
		}
		if c.agg != nil {
			if _, err := c.agg.pre.resolve(x); err == nil {
				return nil, errAt(x.Pos(), "column %s must appear in GROUP BY or be used in an aggregate such as count(%s) or min(%s)", x.String(), x.String(), x.String())
			}
		}
		i, err := c.sch.resolve(x)
		if err != nil {
			if c.hint != nil {
				if qe, ok := err.(*Error); ok {
					qe.Msg += c.hint(x.Column.Name)
				}
			}
			return nil, err
		}
		return &colExpr{idx: i, name: c.sch[i].name, t: c.sch[i].typ}, nil
	case *ast.Unary:
		inner, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		if x.Op == ast.OpNot {
			if err := c.wantBool(inner, x.X); err != nil {
				return nil, err
			}
			return fold(c, &notExpr{inner}), nil
		}
		if !isNumeric(inner.typ()) {
			return nil, errAt(x.X.Pos(), "cannot negate %s; a number is expected", typeName(inner.typ()))
		}
		return fold(c, &negExpr{inner}), nil
	case *ast.Binary:
		return c.binary(x)
	case *ast.In:
		return c.in(x)
	case *ast.Between:
		v, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		lo, err := c.compile(x.Low)
		if err != nil {
			return nil, err
		}
		hi, err := c.compile(x.High)
		if err != nil {
			return nil, err
		}
		for _, p := range []struct {
			e expr
			n ast.Expr
		}{{v, x.X}, {lo, x.Low}, {hi, x.High}} {
			if p.e.typ() == tVector {
				return nil, errAt(p.n.Pos(), "BETWEEN needs numbers or text, not a vector")
			}
		}
		var out expr = &logicExpr{and: true, x: &cmpExpr{op: ast.OpGe, x: v, y: lo}, y: &cmpExpr{op: ast.OpLe, x: v, y: hi}}
		if x.Not {
			out = &notExpr{out}
		}
		return out, nil
	case *ast.IsNull:
		v, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		return &isNullExpr{x: v, not: x.Not}, nil
	case *ast.Like:
		v, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		p, err := c.compile(x.Pattern)
		if err != nil {
			return nil, err
		}
		if v.typ() == tVector || p.typ() == tVector {
			return nil, errAt(x.Pos(), "LIKE needs text, not a vector")
		}
		return &likeExpr{x: v, pat: p, not: x.Not}, nil
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
		p, err := c.sess.planQuery(c.ctx, x.Query)
		if err != nil {
			return nil, err
		}
		return &existsExpr{plan: p}, nil
	}
	return nil, errAt(e.Pos(), "%s is not supported here", e.String())
}

// constant compiles e and requires a value known before the query runs.
func (c *compiler) constant(e ast.Expr, what string) (Value, error) {
	sub := &compiler{sess: c.sess, ctx: c.ctx, noAgg: what + " must be a constant"}
	ce, err := sub.compile(e)
	if err != nil {
		return Value{}, err
	}
	if k, ok := ce.(*constExpr); ok {
		return k.v, nil
	}
	if !allConst(ce) {
		return Value{}, errAt(e.Pos(), "%s must be a constant (a literal, a $variable, or arithmetic on them)", what)
	}
	v, err := ce.eval(&evalCtx{ctx: c.ctx, sess: c.sess}, nil)
	if err != nil {
		return Value{}, errAt(e.Pos(), "%s: %v", what, err)
	}
	return v, nil
}

// fold evaluates an expression whose operands are all constants.
func fold(c *compiler, e expr) expr {
	if !allConst(e) {
		return e
	}
	v, err := e.eval(&evalCtx{ctx: c.ctx, sess: c.sess}, nil)
	if err != nil {
		return e // the error shows when the row is evaluated
	}
	return &constExpr{v}
}

func allConst(e expr) bool {
	switch x := e.(type) {
	case *constExpr:
		return true
	case *notExpr:
		return allConst(x.x)
	case *negExpr:
		return allConst(x.x)
	case *arithExpr:
		return allConst(x.x) && allConst(x.y)
	case *cmpExpr:
		return allConst(x.x) && allConst(x.y)
	case *callExpr:
		if !x.fn.pure {
			return false
		}
		for _, a := range x.args {
			if !allConst(a) {
				return false
			}
		}
		return true
	}
	return false
}

func (c *compiler) wantBool(e expr, n ast.Expr) error {
	switch e.typ() {
	case tBool, tAny, tNull:
		return nil
	}
	return errAt(n.Pos(), "%s is %s; a condition (true/false) is expected here", n.String(), typeName(e.typ()))
}

func (c *compiler) binary(x *ast.Binary) (expr, error) {
	l, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(x.Y)
	if err != nil {
		return nil, err
	}
	switch {
	case x.Op == ast.OpAnd || x.Op == ast.OpOr:
		if err := c.wantBool(l, x.X); err != nil {
			return nil, err
		}
		if err := c.wantBool(r, x.Y); err != nil {
			return nil, err
		}
		return &logicExpr{and: x.Op == ast.OpAnd, x: l, y: r}, nil
	case x.Op.IsComparison():
		lt, rt := l.typ(), r.typ()
		if lt == tVector || rt == tVector {
			return nil, errAt(x.OpPos, "a vector cannot be compared with %s; compare cos(a, b) or dot(a, b) instead", x.Op)
		}
		if lt != tAny && rt != tAny && !(isNumeric(lt) && isNumeric(rt)) && lt != rt {
			return nil, errAt(x.OpPos, "cannot compare %s (%s) with %s (%s)", x.X.String(), typeName(lt), x.Y.String(), typeName(rt))
		}
		return fold(c, &cmpExpr{op: x.Op, x: l, y: r}), nil
	case x.Op == ast.OpConcat:
		return fold(c, &arithExpr{op: x.Op, x: l, y: r, t: tString}), nil
	default:
		for _, p := range []struct {
			e expr
			n ast.Expr
		}{{l, x.X}, {r, x.Y}} {
			if !isNumeric(p.e.typ()) {
				return nil, errAt(p.n.Pos(), "%s is %s; a number is expected for %s", p.n.String(), typeName(p.e.typ()), x.Op)
			}
		}
		t := tFloat
		if (l.typ() == tInt || l.typ() == tBool) && (r.typ() == tInt || r.typ() == tBool) {
			t = tInt
		}
		return fold(c, &arithExpr{op: x.Op, x: l, y: r, t: t}), nil
	}
}

func (c *compiler) in(x *ast.In) (expr, error) {
	v, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	if v.typ() == tVector {
		return nil, errAt(x.X.Pos(), "IN needs numbers or text, not a vector")
	}
	if x.Query != nil {
		p, err := c.sess.planQuery(c.ctx, x.Query)
		if err != nil {
			return nil, err
		}
		if len(p.schema()) != 1 {
			return nil, errAt(x.Query.Pos(), "the subquery of IN must select one column, not %d", len(p.schema()))
		}
		return &inQueryExpr{x: v, plan: p, not: x.Not}, nil
	}
	var list []expr
	for _, el := range x.List {
		e, err := c.compile(el)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return &inListExpr{x: v, list: list, not: x.Not}, nil
}

// ruleOf maps the USING option (or the session's default) to a rule.
func (c *compiler) ruleOf(r ast.MatchRule) (synset.Rule, error) {
	name := string(r)
	if name == "" {
		name = c.sess.Setting("rule").S
	}
	return synset.ParseRule(strings.ToLower(name))
}

func (c *compiler) matches(x *ast.Matches) (expr, error) {
	v, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	if v.typ() != tString && v.typ() != tAny {
		return nil, errAt(x.X.Pos(), "MATCHES needs a text column such as caption, not %s", typeName(v.typ()))
	}
	rule, err := c.ruleOf(x.Rule)
	if err != nil {
		return nil, errAt(x.Pos(), "%v", err)
	}
	vocab, err := c.sess.cat.Vocabulary(rule)
	if err != nil {
		return nil, err
	}
	m := &matchExpr{x: v, rule: rule, vocab: vocab, class: -1, text: x.String()}
	if x.Synset != nil {
		q, err := c.constant(x.Synset, "the synset of MATCHES SYNSET")
		if err != nil {
			return nil, err
		}
		syn, err := c.sess.cat.Resolve(q.S)
		if err != nil {
			return nil, errAt(x.Synset.Pos(), "%v", err)
		}
		if syn.Class < 0 {
			return nil, errAt(x.Synset.Pos(), "%s (%s) is not an ImageNet-1k class; MATCHES SYNSET takes one of the 1000 classes", syn.WNID, syn.Name)
		}
		m.class = syn.Class
	}
	var out expr = m
	if x.Not {
		out = &notExpr{m}
	}
	return out, nil
}

func (c *compiler) contains(x *ast.Contains) (expr, error) {
	v, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	if v.typ() != tString && v.typ() != tAny {
		return nil, errAt(x.X.Pos(), "CONTAINS needs a text column such as caption, not %s", typeName(v.typ()))
	}
	rule, err := c.ruleOf(x.Rule)
	if err != nil {
		return nil, errAt(x.Pos(), "%v", err)
	}
	p, err := c.constant(x.Phrase, "the phrase of CONTAINS")
	if err != nil {
		return nil, err
	}
	words := synset.Words(rule, p.S)
	if len(words) == 0 || p.S == "" {
		return nil, errAt(x.Phrase.Pos(), "CONTAINS needs a phrase with at least one word")
	}
	m := &matchExpr{x: v, rule: rule, phrase: p.S, words: words, text: x.String()}
	var out expr = m
	if x.Not {
		out = &notExpr{m}
	}
	return out, nil
}

func (c *compiler) caseExpr(x *ast.Case) (expr, error) {
	out := &caseExpr{t: tAny}
	var operand expr
	if x.Operand != nil {
		var err error
		if operand, err = c.compile(x.Operand); err != nil {
			return nil, err
		}
	}
	for _, w := range x.Whens {
		cond, err := c.compile(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			cond = &cmpExpr{op: ast.OpEq, x: operand, y: cond}
		}
		then, err := c.compile(w.Result)
		if err != nil {
			return nil, err
		}
		out.whens = append(out.whens, cond)
		out.thens = append(out.thens, then)
		if out.t == tAny {
			out.t = then.typ()
		}
	}
	if x.Else != nil {
		e, err := c.compile(x.Else)
		if err != nil {
			return nil, err
		}
		out.els = e
		if out.t == tAny {
			out.t = e.typ()
		}
	}
	return out, nil
}

func (c *compiler) subquery(x *ast.Subquery) (expr, error) {
	p, err := c.sess.planQuery(c.ctx, x.Query)
	if err != nil {
		return nil, err
	}
	if len(p.schema()) != 1 {
		return nil, errAt(x.Pos(), "a scalar subquery must select one column, not %d", len(p.schema()))
	}
	return &subqueryExpr{plan: p, t: p.schema()[0].typ, text: x.String(), pos: x.Pos()}, nil
}

func (c *compiler) call(x *ast.Call) (expr, error) {
	name := strings.ToLower(x.Name.Name)
	if ag, ok := aggregates[name]; ok {
		return c.aggregate(x, ag)
	}
	if name == "embed" {
		return c.compileEmbed(x)
	}
	fn, ok := functions[name]
	if !ok {
		return nil, errAt(x.Pos(), "unknown function %s%s", x.Name.Name, didYouMean(name, functionNames()))
	}
	if x.Star || x.Distinct {
		return nil, errAt(x.Pos(), "%s(%s...) is only for aggregates such as count", name, map[bool]string{true: "*", false: "DISTINCT "}[x.Star])
	}
	if len(x.Args) < fn.min || (fn.max >= 0 && len(x.Args) > fn.max) {
		return nil, errAt(x.Pos(), "%s takes %s, not %d: %s", name, argCount(fn.min, fn.max), len(x.Args), fn.help)
	}
	args := make([]expr, len(x.Args))
	types := make([]Type, len(x.Args))
	for i, a := range x.Args {
		e, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		args[i], types[i] = e, e.typ()
	}
	t, err := fn.result(types)
	if err != nil {
		return nil, errAt(x.Pos(), "%s: %v; %s", name, err, fn.help)
	}
	if name == "cos" || name == "dot" {
		if err := c.checkModels(x, args); err != nil {
			return nil, err
		}
	}
	call := &callExpr{fn: fn, args: args, t: t}
	if allConst(call) {
		// Evaluate now, so a bad constant argument is reported where it is.
		v, err := call.eval(&evalCtx{ctx: c.ctx, sess: c.sess}, nil)
		if err != nil {
			return nil, errAt(x.Pos(), "%s: %v", name, err)
		}
		return &constExpr{v}, nil
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

func (c *compiler) aggregate(x *ast.Call, ag *aggregate) (expr, error) {
	if c.agg == nil {
		why := c.noAgg
		if why == "" {
			why = "aggregates are not allowed here"
		}
		return nil, errAt(x.Pos(), "%s(...) is an aggregate: %s", ag.name, why)
	}
	call := &aggCall{fn: ag, distinct: x.Distinct, text: x.String()}
	switch {
	case x.Star:
		if !ag.star {
			return nil, errAt(x.Pos(), "%s(*) is not allowed; only count(*) counts rows", ag.name)
		}
	case len(x.Args) != 1:
		return nil, errAt(x.Pos(), "%s takes one argument: %s", ag.name, ag.help)
	default:
		inner := &compiler{sess: c.sess, ctx: c.ctx, sch: c.agg.pre, noAgg: "aggregates cannot be nested", hint: c.hint}
		arg, err := inner.compile(x.Args[0])
		if err != nil {
			return nil, err
		}
		call.arg = arg
	}
	argT := tAny
	if call.arg != nil {
		argT = call.arg.typ()
	}
	t, err := ag.result(argT)
	if err != nil {
		return nil, errAt(x.Pos(), "%s: %v", ag.name, err)
	}
	call.t = t
	for i, prev := range c.agg.calls {
		if prev.text == call.text {
			return &colExpr{idx: len(c.agg.keys) + i, name: call.text, t: t}, nil
		}
	}
	c.agg.calls = append(c.agg.calls, call)
	return &colExpr{idx: len(c.agg.keys) + len(c.agg.calls) - 1, name: call.text, t: t}, nil
}

// checkModels refuses cos/dot between vectors of different models unless
// allow_model_mismatch is set.
func (c *compiler) checkModels(x *ast.Call, args []expr) error {
	if truth(c.sess.Setting("allow_model_mismatch")) {
		return nil
	}
	var models []string
	for _, a := range args {
		models = append(models, c.modelOf(a))
	}
	if models[0] != "" && models[1] != "" && models[0] != models[1] {
		return errAt(x.Pos(), "%s compares %s embeddings (%s) with %s embeddings (%s); use vectors of one model, or SET allow_model_mismatch = true",
			x.Name.Name, models[0], x.Args[0].String(), models[1], x.Args[1].String())
	}
	return nil
}

// modelOf returns the model of a vector expression when known.
func (c *compiler) modelOf(e expr) string {
	switch x := e.(type) {
	case *colExpr:
		if x.idx < len(c.sch) {
			return c.sch[x.idx].model
		}
	case *embedExpr:
		return x.model
	}
	return ""
}

type callExpr struct {
	fn   *function
	args []expr
	t    Type
}

func (e *callExpr) eval(ec *evalCtx, row Row) (Value, error) {
	vals := make([]Value, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil {
			return Value{}, err
		}
		vals[i] = v
	}
	return e.fn.eval(ec, vals)
}
func (e *callExpr) typ() Type { return e.t }
func (e *callExpr) String() string {
	var parts []string
	for _, a := range e.args {
		parts = append(parts, a.String())
	}
	return e.fn.name + "(" + strings.Join(parts, ", ") + ")"
}
