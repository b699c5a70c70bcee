package plan

import (
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
)

// vectorTarget recognises cos/dot of a source vector column and a
// row-independent vector.
func (p *Planner) vectorTarget(src *exec.Source, e ast.Expr) *exec.VecTarget {
	call, ok := e.(*ast.Call)
	if !ok || len(call.Args) != 2 || call.Star || call.Distinct {
		return nil
	}
	fn := strings.ToLower(call.Name.Name)
	if fn != "cos" && fn != "dot" {
		return nil
	}
	for i := 0; i < 2; i++ {
		ref, ok := call.Args[i].(*ast.ColumnRef)
		if !ok || src == nil {
			continue
		}
		pos, err := src.Sch.Resolve(ref)
		if err != nil || pos >= len(src.Info.Columns) || src.Info.Columns[pos].Kind != engine.KindVector {
			continue
		}
		// The other argument must not read the row: compile it with no
		// columns in scope.
		other := &Compiler{Sess: p.Sess, Ctx: p.Ctx, NoAgg: "no aggregates here", sch: nil}
		te, err := other.Compile(call.Args[1-i])
		if err != nil || (te.Typ() != value.TVector && te.Typ() != value.TAny) {
			continue
		}
		if em, ok := te.(*exec.EmbedExpr); ok && em.Model == "" {
			continue
		}
		return &exec.VecTarget{Fn: fn, Col: src.Sch[pos].Name, ColPos: pos, Target: te, Text: call.String()}
	}
	return nil
}

// useIndex reports whether an index over the column exists and the
// session allows approximate search.
func (p *Planner) useIndex(src *exec.Source, col string) bool {
	if strings.EqualFold(p.Sess.Setting("vector_search").S, "exact") {
		return false
	}
	v, err := p.Sess.Snapshot().IndexOn(src.Info.Table.Name, col)
	return err == nil && v != nil
}
