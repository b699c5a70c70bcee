package exec

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// EvalHost is what evaluating expressions needs from the session that
// runs them.
type EvalHost interface {
	// Setting returns the current value of a SET name.
	Setting(name string) value.Value
	// Warn tells the user something without stopping the statement.
	Warn(msg string)
	// ClassWNID returns the WNID of an ImageNet-1k class index.
	ClassWNID(class int) string
	// EmbedText returns the embedding of text under model.
	EmbedText(ctx context.Context, model, text string) ([]float32, error)
	// EmbedBatch embeds texts under model, together, for EmbedText to
	// find later.
	EmbedBatch(ctx context.Context, model string, texts []string) error
	// CachedEmbedding returns the embedding of text under model when the
	// session has it already.
	CachedEmbedding(model, text string) ([]float32, bool)
	// ResolveSynset finds a synset by WNID, sense name or lemma.
	ResolveSynset(q string) (*synset.Synset, error)
	// WordNet returns the full WordNet noun hierarchy, or why it is missing.
	WordNet() (*synset.WordNet, error)
}

// evalCtx is what expressions need at run time: the statement's context,
// the session's services and the statement's snapshot.
type EvalCtx struct {
	ctx     context.Context
	host    EvalHost
	snap    *engine.Snapshot
	collect *embedCollector // set while embed() collects texts in a dry run
	// outer holds the rows of the queries around a correlated subquery
	// being run, innermost last (see OuterRef).
	outer []value.Row
}

func NewEvalCtx(ctx context.Context, h EvalHost, snap *engine.Snapshot) *EvalCtx {
	return &EvalCtx{ctx: ctx, host: h, snap: snap}
}

// Context is the statement's context.
func (ec *EvalCtx) Context() context.Context { return ec.ctx }

// subExprs returns the operands of an expression evaluated over the same
// row (not subqueries, which read their own rows). Every expression type
// is listed here: what reads a column is found through it.
func SubExprs(e Expr) []Expr {
	switch x := e.(type) {
	case *NotExpr:
		return []Expr{x.X}
	case *NegExpr:
		return []Expr{x.X}
	case *LogicExpr:
		return []Expr{x.X, x.Y}
	case *CmpExpr:
		return []Expr{x.X, x.Y}
	case *ArithExpr:
		return []Expr{x.X, x.Y}
	case *InListExpr:
		return append([]Expr{x.X}, x.List...)
	case *InQueryExpr:
		return []Expr{x.X}
	case *IsNullExpr:
		return []Expr{x.X}
	case *LikeExpr:
		return []Expr{x.X, x.Pat}
	case *CaseExpr:
		out := append(append([]Expr{}, x.Whens...), x.Thens...)
		if x.Els != nil {
			out = append(out, x.Els)
		}
		return out
	case *MatchExpr:
		return []Expr{x.X}
	case *CallExpr:
		return x.Args
	case *EmbedExpr:
		return []Expr{x.Arg}
	case *PredictExpr:
		return []Expr{x.X}
	case *ClassScoreExpr:
		return []Expr{x.X, x.Class}
	case *SynsetsInExpr:
		return []Expr{x.X}
	}
	return nil // ConstExpr, ColExpr, OuterRef, SubqueryExpr, ExistsExpr
}

// expr is a compiled, type-checked expression.
type Expr interface {
	Eval(ec *EvalCtx, row value.Row) (value.Value, error)
	Typ() value.Type
	String() string
}

type ConstExpr struct{ V value.Value }

func (e *ConstExpr) Eval(*EvalCtx, value.Row) (value.Value, error) { return e.V, nil }
func (e *ConstExpr) Typ() value.Type {
	if e.V.T == value.TNull {
		return value.TAny
	}
	return e.V.T
}
func (e *ConstExpr) String() string {
	if e.V.T == value.TVector {
		return e.V.String()
	}
	return value.DisplayValue(e.V)
}

type ColExpr struct {
	Idx  int
	Name string
	T    value.Type
}

func (e *ColExpr) Eval(_ *EvalCtx, row value.Row) (value.Value, error) { return row[e.Idx], nil }
func (e *ColExpr) Typ() value.Type                                     { return e.T }
func (e *ColExpr) String() string                                      { return e.Name }

type NotExpr struct{ X Expr }

func (e *NotExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	return value.BoolV(!value.Truth(v)), nil
}
func (e *NotExpr) Typ() value.Type { return value.TBool }
func (e *NotExpr) String() string  { return "NOT " + e.X.String() }

type NegExpr struct {
	X   Expr
	Pos ast.Pos // for the error of an INT overflow
}

func (e *NegExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	switch v.T {
	case value.TInt:
		n, ok := value.NegInt(v.I)
		if !ok {
			return value.Value{}, value.OverflowAt(e.Pos, e.String())
		}
		return value.IntV(n), nil
	case value.TFloat:
		return value.FloatV(-v.F), nil
	case value.TNull:
		return v, nil
	}
	return value.Value{}, fmt.Errorf("cannot negate %s", v.T)
}
func (e *NegExpr) Typ() value.Type { return e.X.Typ() }
func (e *NegExpr) String() string {
	x := e.X.String()
	if strings.HasPrefix(x, "-") {
		return "-(" + x + ")" // not --, which starts a comment
	}
	return "-" + x
}

// logicExpr is AND / OR with SQL's three-valued logic.
type LogicExpr struct {
	And  bool
	X, Y Expr
}

func (e *LogicExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	a, err := e.X.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	if a.T != value.TNull && value.Truth(a) != e.And { // short-circuit: false AND, true OR
		return value.BoolV(!e.And), nil
	}
	b, err := e.Y.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	if b.T != value.TNull && value.Truth(b) != e.And {
		return value.BoolV(!e.And), nil
	}
	if a.T == value.TNull || b.T == value.TNull {
		return value.Value{}, nil
	}
	return value.BoolV(e.And), nil
}
func (e *LogicExpr) Typ() value.Type { return value.TBool }
func (e *LogicExpr) String() string {
	op := " OR "
	if e.And {
		op = " AND "
	}
	return "(" + e.X.String() + op + e.Y.String() + ")"
}

type CmpExpr struct {
	Op   ast.Op
	X, Y Expr
}

func (e *CmpExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	a, err := e.X.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	b, err := e.Y.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	if a.T == value.TNull || b.T == value.TNull {
		return value.Value{}, nil
	}
	c, err := value.CompareValues(a, b)
	if err != nil {
		return value.Value{}, err
	}
	switch e.Op {
	case ast.OpEq:
		return value.BoolV(c == 0), nil
	case ast.OpNe:
		return value.BoolV(c != 0), nil
	case ast.OpLt:
		return value.BoolV(c < 0), nil
	case ast.OpLe:
		return value.BoolV(c <= 0), nil
	case ast.OpGt:
		return value.BoolV(c > 0), nil
	case ast.OpGe:
		return value.BoolV(c >= 0), nil
	}
	return value.Value{}, fmt.Errorf("bad comparison %s", e.Op)
}
func (e *CmpExpr) Typ() value.Type { return value.TBool }
func (e *CmpExpr) String() string {
	return e.X.String() + " " + e.Op.String() + " " + e.Y.String()
}

type ArithExpr struct {
	Op   ast.Op
	X, Y Expr
	T    value.Type
	Pos  ast.Pos // of the operator, for the error of an INT overflow
}

func (e *ArithExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	a, err := e.X.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	b, err := e.Y.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	if a.T == value.TNull || b.T == value.TNull {
		return value.Value{}, nil
	}
	if e.Op == ast.OpConcat {
		return value.StringV(value.AsText(a) + value.AsText(b)), nil
	}
	if (a.T == value.TInt || a.T == value.TBool) && (b.T == value.TInt || b.T == value.TBool) {
		x, y := a.I, b.I
		var r int64
		ok := true
		switch e.Op {
		case ast.OpAdd:
			r, ok = value.AddInt(x, y)
		case ast.OpSub:
			r, ok = value.SubInt(x, y)
		case ast.OpMul:
			r, ok = value.MulInt(x, y)
		case ast.OpDiv:
			if y == 0 {
				return value.Value{}, nil // SQL: division by zero gives NULL
			}
			r, ok = value.DivInt(x, y)
		case ast.OpMod:
			if y == 0 {
				return value.Value{}, nil
			}
			r = x % y // MinInt64 % -1 is 0, exactly
		default:
			return value.Value{}, fmt.Errorf("bad operator %s", e.Op)
		}
		if !ok {
			return value.Value{}, value.OverflowAt(e.Pos, e.String())
		}
		return value.IntV(r), nil
	}
	x, aok := a.AsFloat()
	y, bok := b.AsFloat()
	if !aok || !bok {
		return value.Value{}, fmt.Errorf("%s %s %s: arithmetic needs numbers", a.T, e.Op, b.T)
	}
	switch e.Op {
	case ast.OpAdd:
		return value.FloatV(x + y), nil
	case ast.OpSub:
		return value.FloatV(x - y), nil
	case ast.OpMul:
		return value.FloatV(x * y), nil
	case ast.OpDiv:
		if y == 0 {
			return value.Value{}, nil
		}
		return value.FloatV(x / y), nil
	case ast.OpMod:
		if y == 0 {
			return value.Value{}, nil
		}
		return value.FloatV(math.Mod(x, y)), nil
	}
	return value.Value{}, fmt.Errorf("bad operator %s", e.Op)
}
func (e *ArithExpr) Typ() value.Type { return e.T }
func (e *ArithExpr) String() string {
	return "(" + e.X.String() + " " + e.Op.String() + " " + e.Y.String() + ")"
}

type InListExpr struct {
	X    Expr
	List []Expr
	Not  bool

	// set holds the list's values when they are all constants of one
	// kind (numbers or texts) that hash exactly as they compare; a value
	// of that kind is then looked up in one step instead of compared
	// with each. hasNull: the list holds NULL.
	set     map[value.ValueKey]struct{}
	setKind int
	hasNull bool
	// OrTerms are the terms of the chain of ORs it was compiled from,
	// which String writes.
	OrTerms []Expr
}

// Hashed reports whether values are looked up in a set.
func (e *InListExpr) Hashed() bool { return e.set != nil }

// NewInList returns x IN (list), with the lookup set when the list
// allows one.
func NewInList(x Expr, list []Expr, not bool) *InListExpr {
	e := &InListExpr{X: x, List: list, Not: not}
	set := make(map[value.ValueKey]struct{}, len(list))
	kind := 0
	for _, item := range list {
		c, ok := item.(*ConstExpr)
		if !ok {
			return e
		}
		if c.V.T == value.TNull {
			e.hasNull = true
			continue
		}
		k := hashKind(c.V)
		if k == 0 || (kind != 0 && k != kind) {
			return e
		}
		kind = k
		set[value.KeyOf(c.V)] = struct{}{}
	}
	if kind != 0 {
		e.set, e.setKind = set, kind
	}
	return e
}

// hashKind is 1 for a number whose value.KeyOf is equal exactly when
// value.CompareValues says equal (integers, booleans, finite floats below
// 2⁵³ in magnitude), 2 for text, 0 for anything else.
func hashKind(v value.Value) int {
	switch v.T {
	case value.TInt, value.TBool:
		return 1
	case value.TFloat:
		if !math.IsNaN(v.F) && math.Abs(v.F) < 1<<53 {
			return 1
		}
	case value.TString:
		return 2
	}
	return 0
}

func (e *InListExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	a, err := e.X.Eval(ec, row)
	if err != nil || a.T == value.TNull {
		return value.Value{}, err
	}
	if e.set != nil && hashKind(a) == e.setKind {
		if _, ok := e.set[value.KeyOf(a)]; ok {
			return value.BoolV(!e.Not), nil
		}
		if e.hasNull {
			return value.Value{}, nil
		}
		return value.BoolV(e.Not), nil
	}
	sawNull := false
	for _, item := range e.List {
		b, err := item.Eval(ec, row)
		if err != nil {
			return value.Value{}, err
		}
		if b.T == value.TNull {
			sawNull = true
			continue
		}
		c, err := value.CompareValues(a, b)
		if err != nil {
			return value.Value{}, err
		}
		if c == 0 {
			return value.BoolV(!e.Not), nil
		}
	}
	if sawNull {
		return value.Value{}, nil
	}
	return value.BoolV(e.Not), nil
}
func (e *InListExpr) Typ() value.Type { return value.TBool }
func (e *InListExpr) String() string {
	if e.OrTerms != nil {
		// As the LogicExprs of the chain would write it.
		var b strings.Builder
		b.WriteString(strings.Repeat("(", len(e.OrTerms)-1))
		for i, t := range e.OrTerms {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(t.String())
			if i > 0 {
				b.WriteString(")")
			}
		}
		return b.String()
	}
	var parts []string
	for _, x := range e.List {
		parts = append(parts, x.String())
	}
	not := ""
	if e.Not {
		not = "NOT "
	}
	return e.X.String() + " " + not + "IN (" + strings.Join(parts, ", ") + ")"
}

type IsNullExpr struct {
	X   Expr
	Not bool
}

func (e *IsNullExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil {
		return value.Value{}, err
	}
	return value.BoolV((v.T == value.TNull) != e.Not), nil
}
func (e *IsNullExpr) Typ() value.Type { return value.TBool }
func (e *IsNullExpr) String() string {
	if e.Not {
		return e.X.String() + " IS NOT NULL"
	}
	return e.X.String() + " IS NULL"
}

type LikeExpr struct {
	X, Pat Expr
	Not    bool
}

func (e *LikeExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	a, err := e.X.Eval(ec, row)
	if err != nil || a.T == value.TNull {
		return value.Value{}, err
	}
	p, err := e.Pat.Eval(ec, row)
	if err != nil || p.T == value.TNull {
		return value.Value{}, err
	}
	return value.BoolV(value.LikeMatch(value.AsText(a), value.AsText(p)) != e.Not), nil
}
func (e *LikeExpr) Typ() value.Type { return value.TBool }
func (e *LikeExpr) String() string {
	if e.Not {
		return e.X.String() + " NOT LIKE " + e.Pat.String()
	}
	return e.X.String() + " LIKE " + e.Pat.String()
}

type CaseExpr struct {
	Whens []Expr
	Thens []Expr
	Els   Expr
	T     value.Type
}

func (e *CaseExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	for i, w := range e.Whens {
		c, err := w.Eval(ec, row)
		if err != nil {
			return value.Value{}, err
		}
		if value.Truth(c) {
			return e.Thens[i].Eval(ec, row)
		}
	}
	if e.Els != nil {
		return e.Els.Eval(ec, row)
	}
	return value.Value{}, nil
}
func (e *CaseExpr) Typ() value.Type { return e.T }
func (e *CaseExpr) String() string {
	s := "CASE"
	for i := range e.Whens {
		s += " WHEN " + e.Whens[i].String() + " THEN " + e.Thens[i].String()
	}
	if e.Els != nil {
		s += " ELSE " + e.Els.String()
	}
	return s + " END"
}

// matchExpr evaluates a caption predicate row by row with the rule's plain
// scan; the planner answers it from the caption index instead wherever it
// can (a conjunct of WHERE).
type MatchExpr struct {
	X      Expr
	Rule   synset.Rule
	Vocab  *synset.Vocabulary
	Class  int    // MATCHES SYNSET: the class; -1 for MATCHES IMAGENET
	Phrase string // CONTAINS
	Words  []string
	Text   string
}

func (e *MatchExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.BoolV(false), err
	}
	if e.Words != nil {
		return value.BoolV(containsWords(e.Rule, v.S, e.Words)), nil
	}
	m := e.Vocab.MatchCaption(v.S)
	if e.Class < 0 {
		return value.BoolV(len(m) == 1), nil
	}
	for _, c := range m {
		if c == e.Class {
			return value.BoolV(true), nil
		}
	}
	return value.BoolV(false), nil
}
func (e *MatchExpr) Typ() value.Type { return value.TBool }
func (e *MatchExpr) String() string  { return e.Text }

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
