package query

import (
	"fmt"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine"
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

// eval computes the target vector.
func (vt *vecTarget) eval(ec *evalCtx) ([]float32, error) {
	tv, err := vt.target.eval(ec, nil)
	if err != nil {
		return nil, err
	}
	if tv.T != tVector {
		return nil, fmt.Errorf("%s: the target is %s, not a vector", vt.text, tv.T)
	}
	return tv.V, nil
}

// options are the engine's search options for this target.
func (vt *vecTarget) options(ec *evalCtx, exact bool) engine.NearestOptions {
	o := engine.NearestOptions{Ef: int(ec.host.Setting("ef_search").I), Exact: exact, Warn: ec.host.Warn}
	if vt.fn == "dot" {
		o.Metric = engine.Dot
	}
	return o
}

// knnNode yields the k rows nearest a target vector, best first, from the
// engine's search of the column's HNSW index. The scan's index predicates
// restrict the rows searched; a residual filter is applied first, by a
// scan that collects the rows that pass it, so that k rows come back
// whenever k exist.
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
		n.k, n.vt.text, n.scan.src.info.Table.Name, n.vt.col, max(n.ef, n.k), strings.TrimPrefix(s, "scan "))
}

func (n *knnNode) open(ec *evalCtx) (Rows, error) {
	src := n.scan.src
	q, err := n.vt.eval(ec)
	if err != nil {
		return nil, err
	}
	ids, labels, err := n.scan.rowSet(ec)
	if err != nil {
		return nil, err
	}
	if len(n.scan.filter) > 0 {
		if ids, err = n.passing(ec, ids, labels); err != nil {
			return nil, err
		}
	}
	opt := n.vt.options(ec, false)
	opt.IDs = ids
	hits, err := ec.snap.Nearest(ec.ctx, src.info, n.vt.col, q, int(n.k), opt)
	if err != nil {
		return nil, err
	}
	found := make([]uint64, len(hits))
	for i, h := range hits {
		found[i] = h.ID
	}
	cur, err := ec.snap.Fetch(ec.ctx, src.info, n.scan.columns(), found)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	var rows []Row
	for cur.Next() {
		row := make(Row, len(src.sch))
		if _, err := n.scan.fill(ec, row, cur, labels, nil); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	return newSliceRows(rows), nil
}

// passing returns the rows of ids (nil: all) that pass the scan's
// residual filter.
func (n *knnNode) passing(ec *evalCtx, ids *roaring64.Bitmap, labels *engine.Labelling) (*roaring64.Bitmap, error) {
	cur, err := ec.snap.Scan(ec.ctx, n.scan.src.info, n.scan.columns(), ids)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	out := roaring64.New()
	row := make(Row, len(n.scan.src.sch))
	filter := conjunction(n.scan.filter)
	for cur.Next() {
		ok, err := n.scan.fill(ec, row, cur, labels, filter)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Add(cur.ID())
		}
	}
	return out, cur.Err()
}
