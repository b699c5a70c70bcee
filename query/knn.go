package query

import (
	"fmt"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/index"
	"github.com/laiondb/laiondb/query/ast"
)

// vecTarget is cos(col, target) (or dot) where col is a vector column of
// the source and target does not depend on the row.
type vecTarget struct {
	fn     string // cos or dot
	col    string // the vector column
	colPos int    // its position in the source schema
	target expr
	text   string
}

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
		if err != nil || p.src.sch[pos].typ != tVector || p.src.table.Vector(p.src.sch[pos].name) < 0 {
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
	v, err := p.sess.db.IndexOn(p.src.table.Name, col)
	return err == nil && v != nil
}

// knnNode yields the k rows nearest a target vector, best first, from an
// HNSW index: the scan's index predicates and residual filter are applied
// inside the graph search (so k rows come back whenever k exist), or,
// when the predicates leave few candidates, an exact search over them.
type knnNode struct {
	scan *scanNode
	vt   *vecTarget
	k    int64
	ef   int64
}

func (n *knnNode) schema() schema       { return n.scan.schema() }
func (n *knnNode) children() []planNode { return nil }
func (n *knnNode) explain() string {
	s := n.scan.explain()
	s = strings.Replace(s, " via full scan", "", 1)
	s = strings.Replace(s, " via ", " restricted to ", 1)
	return fmt.Sprintf("nearest %d by %s via hnsw index on %s.%s (ef_search %d) over %s",
		n.k, n.vt.text, n.scan.src.table.Name, n.vt.col, max(n.ef, n.k), strings.TrimPrefix(s, "scan "))
}

// prefilterMax is the candidate count under which an exact search over
// the candidates beats a filtered graph search.
const prefilterMax = 4096

func (n *knnNode) open(ec *evalCtx) (Rows, error) {
	src := n.scan.src
	tv, err := n.vt.target.eval(ec, nil)
	if err != nil {
		return nil, err
	}
	if tv.T != tVector {
		return nil, fmt.Errorf("%s: the target is %s, not a vector", n.vt.text, tv.T)
	}
	vc := src.table.Vectors[src.table.Vector(n.vt.col)]
	if len(tv.V) != vc.Dim {
		return nil, fmt.Errorf("%s: the target has %d dimensions, %s has %d", n.vt.text, len(tv.V), n.vt.col, vc.Dim)
	}
	h, _, err := ec.sess.db.LoadIndex(ec.ctx, src.table.Name, vc.Name, ec.sess.warn)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("the index on %s.%s was dropped", src.table.Name, vc.Name)
	}
	ids, classOf, err := n.scan.rowSet(ec)
	if err != nil {
		return nil, err
	}
	f := &rowFetcher{src: src, ec: ec, need: n.scan.need, classOf: classOf}
	if src.set != nil {
		if f.setIDs, err = ec.snap.SetIDs(src.set); err != nil {
			return nil, err
		}
	}
	var ferr error
	checked := map[uint64]Row{}
	allowed := func(id uint64) bool {
		if ferr != nil {
			return false
		}
		if ids != nil && !ids.Contains(id) {
			return false
		}
		row, ok, err := f.fetch(id)
		if err != nil || !ok {
			ferr = err
			return false
		}
		if n.scan.filter != nil {
			v, err := n.scan.filter.eval(ec, row)
			if err != nil {
				ferr = err
				return false
			}
			if !truth(v) {
				return false
			}
		}
		checked[id] = row
		return true
	}
	var res []index.Result
	k := int(n.k)
	switch {
	case ids != nil && ids.GetCardinality() <= prefilterMax:
		var cand []uint64
		it := ids.Iterator()
		for it.HasNext() {
			id := it.Next()
			if h.Contains(id) && allowed(id) {
				cand = append(cand, id)
			}
		}
		if len(cand) > 0 {
			res, err = h.SearchIDs(tv.V, k, cand)
		}
	default:
		ef := int(n.ef)
		var filter index.Filter
		if ids != nil || n.scan.filter != nil {
			filter = allowed
		}
		res, err = h.Search(tv.V, k, max(ef, k), filter)
	}
	if err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	rows := make([]Row, 0, len(res))
	for _, r := range res {
		row, ok := checked[r.ID]
		if !ok {
			if row, ok, err = f.fetch(r.ID); err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		rows = append(rows, row)
	}
	return newSliceRows(rows), nil
}

// vrangeIDs answers cos(col, target) > t from the index (approximately:
// recall as the index's range search; the exact comparison is still
// applied to the rows it returns).
func vrangeIDs(ec *evalCtx, src *source, vt *vecTarget, t float64) (*roaring64.Bitmap, error) {
	tv, err := vt.target.eval(ec, nil)
	if err != nil {
		return nil, err
	}
	if tv.T != tVector {
		return nil, fmt.Errorf("%s: the target is %s, not a vector", vt.text, tv.T)
	}
	h, _, err := ec.sess.db.LoadIndex(ec.ctx, src.table.Name, vt.col, ec.sess.warn)
	if err != nil || h == nil {
		return nil, err
	}
	res, err := h.SearchRange(tv.V, float32(t), nil, false)
	if err != nil {
		return nil, err
	}
	b := roaring64.New()
	for _, r := range res {
		b.Add(r.ID)
	}
	return b, nil
}
