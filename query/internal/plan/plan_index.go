package plan

import (
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// isCaption reports whether x is the caption column of src.
func isCaption(src *exec.Source, x ast.Expr) bool {
	ref, ok := x.(*ast.ColumnRef)
	return ok && src != nil && strings.EqualFold(ref.Column.Name, "caption") &&
		(ref.Table.IsZero() || strings.EqualFold(ref.Table.Name, src.Name)) && src.Info.Table.Column("caption") >= 0
}

// isID reports whether x is the id column of src.
func isID(src *exec.Source, x ast.Expr) bool {
	ref, ok := x.(*ast.ColumnRef)
	return ok && src != nil && strings.EqualFold(ref.Column.Name, "id") && (ref.Table.IsZero() || strings.EqualFold(ref.Table.Name, src.Name))
}

// indexPredicate recognises a conjunct an index answers exactly.
func (p *Planner) indexPredicate(src *exec.Source, e ast.Expr) (*exec.IndexPred, error) {
	c := &Compiler{Sess: p.Sess, Ctx: p.Ctx}
	switch x := e.(type) {
	case *ast.Matches:
		if x.Not || !isCaption(src, x.X) {
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
		if x.Not || !isCaption(src, x.X) {
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
			return p.vrangePredicate(src, x)
		}
		if x.Op != ast.OpEq {
			return nil, nil
		}
		var other ast.Expr
		switch {
		case isID(src, x.X):
			other = x.Y
		case isID(src, x.Y):
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
		if x.Not || x.Query != nil || !isID(src, x.X) {
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
func (p *Planner) vrangePredicate(src *exec.Source, x *ast.Binary) (*exec.IndexPred, error) {
	call, num, op := x.X, x.Y, x.Op
	if _, ok := x.X.(*ast.Call); !ok {
		call, num = x.Y, x.X
		op = map[ast.Op]ast.Op{ast.OpLt: ast.OpGt, ast.OpLe: ast.OpGe, ast.OpGt: ast.OpLt, ast.OpGe: ast.OpLe}[op]
	}
	if op != ast.OpGt && op != ast.OpGe {
		return nil, nil
	}
	vt := p.vectorTarget(src, call)
	if vt == nil || !p.useIndex(src, vt.Col) {
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
