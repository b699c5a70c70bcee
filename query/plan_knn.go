package query

import (
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
)

// vectorTarget recognises cos/dot of a source vector column and a
// row-independent vector.
func (p *planner) vectorTarget(e ast.Expr) *vecTarget {
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
		if !ok || p.src == nil {
			continue
		}
		pos, err := p.src.sch.resolve(ref)
		if err != nil || pos >= len(p.src.info.Columns) || p.src.info.Columns[pos].Kind != engine.KindVector {
			continue
		}
		// The other argument must not read the row: compile it with no
		// columns in scope.
		other := &compiler{sess: p.sess, ctx: p.ctx, noAgg: "no aggregates here", sch: nil}
		te, err := other.compile(call.Args[1-i])
		if err != nil || (te.typ() != tVector && te.typ() != tAny) {
			continue
		}
		if em, ok := te.(*embedExpr); ok && em.model == "" {
			continue
		}
		return &vecTarget{fn: fn, col: p.src.sch[pos].name, colPos: pos, target: te, text: call.String()}
	}
	return nil
}

// useIndex reports whether an index over the column exists and the
// session allows approximate search.
func (p *planner) useIndex(col string) bool {
	if strings.EqualFold(p.sess.Setting("vector_search").S, "exact") {
		return false
	}
	v, err := p.sess.Snapshot().IndexOn(p.src.info.Table.Name, col)
	return err == nil && v != nil
}
