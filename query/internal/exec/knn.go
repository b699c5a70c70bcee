package exec

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine"
)

// vecTarget is cos(col, target) (or dot) where col is a vector column of
// the source and target does not depend on the row.
type VecTarget struct {
	Fn     string // cos or dot
	Col    string // the vector column
	ColPos int    // its position in the source schema
	Target Expr
	Text   string
}

// eval computes the target vector.
func (vt *VecTarget) Eval(ec *EvalCtx) ([]float32, error) {
	tv, err := vt.Target.Eval(ec, nil)
	if err != nil {
		return nil, err
	}
	if tv.T != value.TVector {
		return nil, fmt.Errorf("%s: the target is %s, not a vector", vt.Text, tv.T)
	}
	return tv.V, nil
}

// options are the engine's search options for this target.
func (vt *VecTarget) options(ec *EvalCtx, exact bool) engine.NearestOptions {
	o := engine.NearestOptions{Ef: int(ec.host.Setting("ef_search").I), Exact: exact, Warn: ec.host.Warn}
	if vt.Fn == "dot" {
		o.Metric = engine.Dot
	}
	return o
}

// knnNode yields the k rows nearest a target vector, best first, from the
// engine's search of the column's HNSW index. The scan's index predicates
// restrict the rows searched; a residual filter is applied first, by a
// scan that collects the rows that pass it, so that k rows come back
// whenever k exist.
type KnnNode struct {
	Scan *ScanNode
	Vt   *VecTarget
	K    int64
	Ef   int64
}

func (n *KnnNode) Schema() value.Schema { return n.Scan.Schema() }
func (n *KnnNode) Children() []PlanNode { return nil }
func (n *KnnNode) explain() string {
	s := n.Scan.explain()
	s = strings.Replace(s, " via full scan", "", 1)
	s = strings.Replace(s, " via ", " restricted to ", 1)
	return fmt.Sprintf("nearest %d by %s via hnsw index on %s.%s (ef_search %d) over %s",
		n.K, n.Vt.Text, n.Scan.Src.Info.Table.Name, n.Vt.Col, max(n.Ef, n.K), strings.TrimPrefix(s, "scan "))
}

func (n *KnnNode) Open(ec *EvalCtx) (value.Rows, error) {
	src := n.Scan.Src
	q, err := n.Vt.Eval(ec)
	if err != nil {
		return nil, err
	}
	ids, labels, err := n.Scan.rowSet(ec)
	if err != nil {
		return nil, err
	}
	if len(n.Scan.Filter) > 0 {
		if ids, err = n.passing(ec, ids, labels); err != nil {
			return nil, err
		}
	}
	opt := n.Vt.options(ec, false)
	opt.IDs = ids
	hits, err := ec.snap.Nearest(ec.ctx, src.Info, n.Vt.Col, q, int(n.K), opt)
	if err != nil {
		return nil, err
	}
	found := make([]uint64, len(hits))
	for i, h := range hits {
		found[i] = h.ID
	}
	cur, err := ec.snap.Fetch(ec.ctx, src.Info, n.Scan.Columns(), found)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	var rows []value.Row
	for cur.Next() {
		row := make(value.Row, len(src.Sch))
		if _, err := n.Scan.fill(ec, row, cur, labels, nil); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	return value.NewSliceRows(rows), nil
}

// passing returns the rows of ids (nil: all) that pass the scan's
// residual filter.
func (n *KnnNode) passing(ec *EvalCtx, ids *roaring64.Bitmap, labels *engine.Labelling) (*roaring64.Bitmap, error) {
	cur, err := ec.snap.Scan(ec.ctx, n.Scan.Src.Info, n.Scan.Columns(), ids)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	out := roaring64.New()
	row := make(value.Row, len(n.Scan.Src.Sch))
	filter := conjunction(n.Scan.Filter)
	for cur.Next() {
		ok, err := n.Scan.fill(ec, row, cur, labels, filter)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Add(cur.ID())
		}
	}
	return out, cur.Err()
}
