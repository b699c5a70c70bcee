package query

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// EvalHost is what evaluating expressions needs from the session that
// runs them.
type EvalHost interface {
	// Setting returns the current value of a SET name.
	Setting(name string) Value
	// Warn tells the user something without stopping the statement.
	Warn(msg string)
	// ClassWNID returns the WNID of an ImageNet-1k class index.
	ClassWNID(class int) string
	// EmbedText returns the embedding of text under model.
	EmbedText(ctx context.Context, model, text string) ([]float32, error)
	// ResolveSynset finds a synset by WNID, sense name or lemma.
	ResolveSynset(q string) (*synset.Synset, error)
	// WordNet returns the full WordNet noun hierarchy, or why it is missing.
	WordNet() (*synset.WordNet, error)
}

// evalCtx is what expressions need at run time: the statement's context,
// the session's services and the statement's snapshot.
type evalCtx struct {
	ctx  context.Context
	host EvalHost
	snap *engine.Snapshot
}

func newEvalCtx(ctx context.Context, h EvalHost, snap *engine.Snapshot) *evalCtx {
	return &evalCtx{ctx: ctx, host: h, snap: snap}
}

// subExprs returns the operands of an expression evaluated over the same
// row (not subqueries, which read their own rows). Every expression type
// is listed here: what reads a column is found through it.
func subExprs(e expr) []expr {
	switch x := e.(type) {
	case *notExpr:
		return []expr{x.x}
	case *negExpr:
		return []expr{x.x}
	case *logicExpr:
		return []expr{x.x, x.y}
	case *cmpExpr:
		return []expr{x.x, x.y}
	case *arithExpr:
		return []expr{x.x, x.y}
	case *inListExpr:
		return append([]expr{x.x}, x.list...)
	case *inQueryExpr:
		return []expr{x.x}
	case *isNullExpr:
		return []expr{x.x}
	case *likeExpr:
		return []expr{x.x, x.pat}
	case *caseExpr:
		out := append(append([]expr{}, x.whens...), x.thens...)
		if x.els != nil {
			out = append(out, x.els)
		}
		return out
	case *matchExpr:
		return []expr{x.x}
	case *callExpr:
		return x.args
	case *embedExpr:
		return []expr{x.arg}
	}
	return nil // constExpr, colExpr, subqueryExpr, existsExpr
}

// expr is a compiled, type-checked expression.
type expr interface {
	eval(ec *evalCtx, row Row) (Value, error)
	typ() Type
	String() string
}

type constExpr struct{ v Value }

func (e *constExpr) eval(*evalCtx, Row) (Value, error) { return e.v, nil }
func (e *constExpr) typ() Type {
	if e.v.T == tNull {
		return tAny
	}
	return e.v.T
}
func (e *constExpr) String() string {
	if e.v.T == tVector {
		return e.v.String()
	}
	return displayValue(e.v)
}

type colExpr struct {
	idx  int
	name string
	t    Type
}

func (e *colExpr) eval(_ *evalCtx, row Row) (Value, error) { return row[e.idx], nil }
func (e *colExpr) typ() Type                               { return e.t }
func (e *colExpr) String() string                          { return e.name }

type notExpr struct{ x expr }

func (e *notExpr) eval(ec *evalCtx, row Row) (Value, error) {
	v, err := e.x.eval(ec, row)
	if err != nil || v.T == tNull {
		return Value{}, err
	}
	return boolV(!truth(v)), nil
}
func (e *notExpr) typ() Type      { return tBool }
func (e *notExpr) String() string { return "NOT " + e.x.String() }

type negExpr struct{ x expr }

func (e *negExpr) eval(ec *evalCtx, row Row) (Value, error) {
	v, err := e.x.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	switch v.T {
	case tInt:
		return intV(-v.I), nil
	case tFloat:
		return floatV(-v.F), nil
	case tNull:
		return v, nil
	}
	return Value{}, fmt.Errorf("cannot negate %s", v.T)
}
func (e *negExpr) typ() Type      { return e.x.typ() }
func (e *negExpr) String() string { return "-" + e.x.String() }

// logicExpr is AND / OR with SQL's three-valued logic.
type logicExpr struct {
	and  bool
	x, y expr
}

func (e *logicExpr) eval(ec *evalCtx, row Row) (Value, error) {
	a, err := e.x.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	if a.T != tNull && truth(a) != e.and { // short-circuit: false AND, true OR
		return boolV(!e.and), nil
	}
	b, err := e.y.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	if b.T != tNull && truth(b) != e.and {
		return boolV(!e.and), nil
	}
	if a.T == tNull || b.T == tNull {
		return Value{}, nil
	}
	return boolV(e.and), nil
}
func (e *logicExpr) typ() Type { return tBool }
func (e *logicExpr) String() string {
	op := " OR "
	if e.and {
		op = " AND "
	}
	return "(" + e.x.String() + op + e.y.String() + ")"
}

type cmpExpr struct {
	op   ast.Op
	x, y expr
}

func (e *cmpExpr) eval(ec *evalCtx, row Row) (Value, error) {
	a, err := e.x.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	b, err := e.y.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	if a.T == tNull || b.T == tNull {
		return Value{}, nil
	}
	c, err := compareValues(a, b)
	if err != nil {
		return Value{}, err
	}
	switch e.op {
	case ast.OpEq:
		return boolV(c == 0), nil
	case ast.OpNe:
		return boolV(c != 0), nil
	case ast.OpLt:
		return boolV(c < 0), nil
	case ast.OpLe:
		return boolV(c <= 0), nil
	case ast.OpGt:
		return boolV(c > 0), nil
	case ast.OpGe:
		return boolV(c >= 0), nil
	}
	return Value{}, fmt.Errorf("bad comparison %s", e.op)
}
func (e *cmpExpr) typ() Type { return tBool }
func (e *cmpExpr) String() string {
	return e.x.String() + " " + e.op.String() + " " + e.y.String()
}

type arithExpr struct {
	op   ast.Op
	x, y expr
	t    Type
}

func (e *arithExpr) eval(ec *evalCtx, row Row) (Value, error) {
	a, err := e.x.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	b, err := e.y.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	if a.T == tNull || b.T == tNull {
		return Value{}, nil
	}
	if e.op == ast.OpConcat {
		return stringV(asText(a) + asText(b)), nil
	}
	if (a.T == tInt || a.T == tBool) && (b.T == tInt || b.T == tBool) {
		x, y := a.I, b.I
		switch e.op {
		case ast.OpAdd:
			return intV(x + y), nil
		case ast.OpSub:
			return intV(x - y), nil
		case ast.OpMul:
			return intV(x * y), nil
		case ast.OpDiv:
			if y == 0 {
				return Value{}, nil // SQL: division by zero gives NULL
			}
			return intV(x / y), nil
		case ast.OpMod:
			if y == 0 {
				return Value{}, nil
			}
			return intV(x % y), nil
		}
	}
	x, aok := a.AsFloat()
	y, bok := b.AsFloat()
	if !aok || !bok {
		return Value{}, fmt.Errorf("%s %s %s: arithmetic needs numbers", a.T, e.op, b.T)
	}
	switch e.op {
	case ast.OpAdd:
		return floatV(x + y), nil
	case ast.OpSub:
		return floatV(x - y), nil
	case ast.OpMul:
		return floatV(x * y), nil
	case ast.OpDiv:
		if y == 0 {
			return Value{}, nil
		}
		return floatV(x / y), nil
	case ast.OpMod:
		if y == 0 {
			return Value{}, nil
		}
		return floatV(math.Mod(x, y)), nil
	}
	return Value{}, fmt.Errorf("bad operator %s", e.op)
}
func (e *arithExpr) typ() Type { return e.t }
func (e *arithExpr) String() string {
	return "(" + e.x.String() + " " + e.op.String() + " " + e.y.String() + ")"
}

type inListExpr struct {
	x    expr
	list []expr
	not  bool
}

func (e *inListExpr) eval(ec *evalCtx, row Row) (Value, error) {
	a, err := e.x.eval(ec, row)
	if err != nil || a.T == tNull {
		return Value{}, err
	}
	sawNull := false
	for _, item := range e.list {
		b, err := item.eval(ec, row)
		if err != nil {
			return Value{}, err
		}
		if b.T == tNull {
			sawNull = true
			continue
		}
		c, err := compareValues(a, b)
		if err != nil {
			return Value{}, err
		}
		if c == 0 {
			return boolV(!e.not), nil
		}
	}
	if sawNull {
		return Value{}, nil
	}
	return boolV(e.not), nil
}
func (e *inListExpr) typ() Type { return tBool }
func (e *inListExpr) String() string {
	var parts []string
	for _, x := range e.list {
		parts = append(parts, x.String())
	}
	not := ""
	if e.not {
		not = "NOT "
	}
	return e.x.String() + " " + not + "IN (" + strings.Join(parts, ", ") + ")"
}

type isNullExpr struct {
	x   expr
	not bool
}

func (e *isNullExpr) eval(ec *evalCtx, row Row) (Value, error) {
	v, err := e.x.eval(ec, row)
	if err != nil {
		return Value{}, err
	}
	return boolV((v.T == tNull) != e.not), nil
}
func (e *isNullExpr) typ() Type { return tBool }
func (e *isNullExpr) String() string {
	if e.not {
		return e.x.String() + " IS NOT NULL"
	}
	return e.x.String() + " IS NULL"
}

type likeExpr struct {
	x, pat expr
	not    bool
}

func (e *likeExpr) eval(ec *evalCtx, row Row) (Value, error) {
	a, err := e.x.eval(ec, row)
	if err != nil || a.T == tNull {
		return Value{}, err
	}
	p, err := e.pat.eval(ec, row)
	if err != nil || p.T == tNull {
		return Value{}, err
	}
	return boolV(likeMatch(asText(a), asText(p)) != e.not), nil
}
func (e *likeExpr) typ() Type { return tBool }
func (e *likeExpr) String() string {
	if e.not {
		return e.x.String() + " NOT LIKE " + e.pat.String()
	}
	return e.x.String() + " LIKE " + e.pat.String()
}

type caseExpr struct {
	whens []expr
	thens []expr
	els   expr
	t     Type
}

func (e *caseExpr) eval(ec *evalCtx, row Row) (Value, error) {
	for i, w := range e.whens {
		c, err := w.eval(ec, row)
		if err != nil {
			return Value{}, err
		}
		if truth(c) {
			return e.thens[i].eval(ec, row)
		}
	}
	if e.els != nil {
		return e.els.eval(ec, row)
	}
	return Value{}, nil
}
func (e *caseExpr) typ() Type { return e.t }
func (e *caseExpr) String() string {
	s := "CASE"
	for i := range e.whens {
		s += " WHEN " + e.whens[i].String() + " THEN " + e.thens[i].String()
	}
	if e.els != nil {
		s += " ELSE " + e.els.String()
	}
	return s + " END"
}

// matchExpr evaluates a caption predicate row by row with the rule's plain
// scan; the planner answers it from the caption index instead wherever it
// can (a conjunct of WHERE).
type matchExpr struct {
	x      expr
	rule   synset.Rule
	vocab  *synset.Vocabulary
	class  int    // MATCHES SYNSET: the class; -1 for MATCHES IMAGENET
	phrase string // CONTAINS
	words  []string
	text   string
}

func (e *matchExpr) eval(ec *evalCtx, row Row) (Value, error) {
	v, err := e.x.eval(ec, row)
	if err != nil || v.T == tNull {
		return boolV(false), err
	}
	if e.words != nil {
		return boolV(containsWords(e.rule, v.S, e.words)), nil
	}
	m := e.vocab.MatchCaption(v.S)
	if e.class < 0 {
		return boolV(len(m) == 1), nil
	}
	for _, c := range m {
		if c == e.class {
			return boolV(true), nil
		}
	}
	return boolV(false), nil
}
func (e *matchExpr) typ() Type      { return tBool }
func (e *matchExpr) String() string { return e.text }

// containsWords reports whether the words occur as consecutive tokens of
// caption under rule (the paper rule keeps empty tokens, so double spaces
// break a phrase, as they break a lemma).
func containsWords(rule synset.Rule, caption string, words []string) bool {
	var toks []string
	if rule == synset.Paper {
		synset.SplitPaper([]byte(caption), func(t []byte) { toks = append(toks, string(t)) })
	} else {
		synset.NewTokenizer(rule).TokensString(caption, func(t []byte) { toks = append(toks, string(t)) })
	}
	for i := 0; i+len(words) <= len(toks); i++ {
		ok := true
		for j, w := range words {
			if toks[i+j] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
