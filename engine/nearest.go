package engine

import (
	"container/heap"
	"context"
	"fmt"
	"math"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/index"
	"github.com/laiondb/laiondb/index/vec"
)

// Metric is how Nearest and Above score a row's vector against the target.
type Metric uint8

// The metrics.
const (
	// Cosine is the cosine similarity (vec.Cosine).
	Cosine Metric = iota
	// Dot is the dot product.
	Dot
)

// NearestOptions tune Nearest and Above.
type NearestOptions struct {
	Metric Metric
	// Ef is the search breadth of an HNSW index (0: 64); Nearest raises it
	// to k.
	Ef int
	// IDs restricts the search to these rows (nil: every row of the source).
	IDs *roaring64.Bitmap
	// Exact compares the target with every vector instead of using an
	// index.
	Exact bool
	// Warn receives a message when a stored index is behind its table and
	// is brought up to date in memory for this search (and, every few
	// seconds, how far that update is).
	Warn func(string)
	// Progress, when set, receives the rows done and to do of such an
	// update.
	Progress func(done, total int64)
}

// Neighbor is one row found by Nearest: its id and its score.
type Neighbor struct {
	ID    uint64
	Score float64
}

// prefilterMax is the number of allowed rows under which scoring each of
// them beats a filtered graph search.
const prefilterMax = 4096

// Nearest returns up to k rows of src whose vectors in column score
// highest against q, best first; equal scores come in id order. It uses
// the column's HNSW index when there is one (approximate: recall as the
// index gives at breadth Ef) unless opt.Exact is set, and otherwise
// scores every row exactly as vec.Cosine (or vec.Dot) would.
func (s *Snapshot) Nearest(ctx context.Context, src *Source, column string, q []float32, k int, opt NearestOptions) ([]Neighbor, error) {
	vc, err := s.targetColumn(src, column, q)
	if err != nil || k <= 0 {
		return nil, err
	}
	ids, err := src.Restrict(opt.IDs)
	if err != nil {
		return nil, err
	}
	if !opt.Exact {
		h, err := s.db.searchIndex(ctx, s, src.Table, vc.Name, opt.Warn, opt.Progress)
		if err != nil {
			return nil, err
		}
		if h != nil {
			return s.nearestIndexed(h, src, q, k, ids, opt)
		}
	}
	return s.nearestExact(ctx, src, vc, q, k, ids, opt.Metric)
}

// targetColumn checks that column is a vector column of src of q's
// dimension.
func (s *Snapshot) targetColumn(src *Source, column string, q []float32) (VectorColumn, error) {
	i := src.Table.Vector(column)
	if i < 0 || src.Column(column) < 0 || src.Columns[src.Column(column)].Kind != KindVector {
		return VectorColumn{}, fmt.Errorf("%w: %s.%s is not a vector column (vector columns: %s)", ErrNoColumn, src.Name, column, vectorNames(src.Table))
	}
	vc := src.Table.Vectors[i]
	if len(q) != vc.Dim {
		return VectorColumn{}, fmt.Errorf("the target has %d dimensions, %s.%s has %d", len(q), src.Name, vc.Name, vc.Dim)
	}
	return vc, nil
}

func (s *Snapshot) nearestIndexed(h *index.HNSW, src *Source, q []float32, k int, ids *roaring64.Bitmap, opt NearestOptions) ([]Neighbor, error) {
	var res []index.Result
	var err error
	switch {
	case ids != nil && ids.GetCardinality() <= prefilterMax:
		res, err = h.SearchIDs(q, k, ids.ToArray())
	case ids != nil:
		res, err = h.Search(q, k, max(opt.Ef, k), ids.Contains)
	default:
		res, err = h.Search(q, k, max(opt.Ef, k), nil)
	}
	if err != nil {
		return nil, err
	}
	scale := 1.0
	if opt.Metric == Dot {
		scale = float64(vec.Norm(q)) // the index scores against the unit target
	}
	out := make([]Neighbor, len(res))
	for i, r := range res {
		out[i] = Neighbor{ID: r.ID, Score: float64(r.Score) * scale}
	}
	return out, nil
}

// nearestExact scores every allowed row.
func (s *Snapshot) nearestExact(ctx context.Context, src *Source, vc VectorColumn, q []float32, k int, ids *roaring64.Bitmap, m Metric) ([]Neighbor, error) {
	var top neighborHeap
	err := s.eachVector(ctx, src.Table, vc, ids, func(id uint64, v []float32) {
		n := Neighbor{ID: id, Score: score(m, v, q)}
		if len(top) < k {
			heap.Push(&top, n)
		} else if better(n, top[0]) {
			top[0] = n
			heap.Fix(&top, 0)
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]Neighbor, len(top))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&top).(Neighbor)
	}
	return out, nil
}

// Above returns the rows of src whose vectors in column score above t
// against q. With an index (unless opt.Exact) the answer is the index's
// range search, approximate at the boundary; otherwise it is exact.
func (s *Snapshot) Above(ctx context.Context, src *Source, column string, q []float32, t float64, opt NearestOptions) (*roaring64.Bitmap, error) {
	vc, err := s.targetColumn(src, column, q)
	if err != nil {
		return nil, err
	}
	ids, err := src.Restrict(opt.IDs)
	if err != nil {
		return nil, err
	}
	out := roaring64.New()
	if !opt.Exact {
		h, err := s.db.searchIndex(ctx, s, src.Table, vc.Name, opt.Warn, opt.Progress)
		if err != nil {
			return nil, err
		}
		if h != nil {
			if opt.Metric == Dot {
				t /= float64(vec.Norm(q))
			}
			var filter index.Filter
			if ids != nil {
				filter = ids.Contains
			}
			res, err := h.SearchRange(q, float32(t), filter, false)
			if err != nil {
				return nil, err
			}
			for _, r := range res {
				out.Add(r.ID)
			}
			return out, nil
		}
	}
	err = s.eachVector(ctx, src.Table, vc, ids, func(id uint64, v []float32) {
		if score(opt.Metric, v, q) > t {
			out.Add(id)
		}
	})
	return out, err
}

// eachVector calls fn with the id and the decoded vector of every row of
// t (or of ids) that has one, block by block, checking ctx between blocks.
// v is reused between calls.
func (s *Snapshot) eachVector(ctx context.Context, t *Table, vc VectorColumn, ids *roaring64.Bitmap, fn func(id uint64, v []float32)) error {
	col := t.Vector(vc.Name)
	v := make([]float32, vc.Dim)
	for _, sh := range t.Shards {
		if sh.Rows == 0 || !sh.hasVector(col) {
			continue
		}
		for b := uint32(0); b < sh.Blocks(); b++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			first := rowID(sh.Number, b*BlockRows)
			n := min(BlockRows, sh.Rows-b*BlockRows)
			if ids != nil && !intersectsRange(ids, first, first+uint64(n)) {
				continue
			}
			err := s.vectorBlock(t, sh, b, col, func(data []byte) error {
				for i := uint32(0); i < n; i++ {
					id := first + uint64(i)
					if ids != nil && !ids.Contains(id) {
						continue
					}
					decodeVector(v, data, int(i), vc)
					fn(id, v)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// intersectsRange reports whether ids has an id in [lo, hi).
func intersectsRange(ids *roaring64.Bitmap, lo, hi uint64) bool {
	it := ids.Iterator()
	it.AdvanceIfNeeded(lo)
	return it.HasNext() && it.PeekNext() < hi
}

func score(m Metric, v, q []float32) float64 {
	if m == Dot {
		return float64(vec.Dot(v, q))
	}
	return vec.Cosine(v, q)
}

// better orders neighbours: higher score first, then lower id. NaN
// scores (a vector with NaN components) rank last.
func better(a, b Neighbor) bool {
	an, bn := math.IsNaN(a.Score), math.IsNaN(b.Score)
	switch {
	case an != bn:
		return bn
	case a.Score != b.Score && !an:
		return a.Score > b.Score
	}
	return a.ID < b.ID
}

// neighborHeap keeps the k best neighbours with the worst at the root.
type neighborHeap []Neighbor

func (h neighborHeap) Len() int           { return len(h) }
func (h neighborHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h neighborHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *neighborHeap) Push(x any)        { *h = append(*h, x.(Neighbor)) }
func (h *neighborHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
