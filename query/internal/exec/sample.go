package exec

import (
	"container/heap"
	"fmt"
	"sort"

	"github.com/laiondb/laiondb/query/internal/stats"
	"github.com/laiondb/laiondb/query/internal/value"
)

// SampleNode keeps a seeded random sample of its input rows (SAMPLE).
// Every row gets the number stats.Unit(stats.Hash(seed, id)), the value of
// random(seed) on it:
//
//   - SAMPLE p PERCENT keeps the rows whose number is below p/100, a
//     Bernoulli sample of expected size p% (TABLESAMPLE BERNOULLI).
//   - SAMPLE k [PER e] keeps, in each group of e (or among all rows), the
//     k rows with the smallest numbers, ties by id: a uniform sample of k
//     rows without replacement, or the whole group when it has at most k.
//
// Either way the rows kept depend only on the seed and the ids, never on
// the order rows arrive in or on how the ids are spread over shards: the
// sample of a union is the k smallest among the samples of its parts.
// Rows leave in the order they arrived.
type SampleNode struct {
	In      PlanNode
	IDCol   int     // the row id, in the input
	Percent float64 // > 0: SAMPLE p PERCENT
	Count   int64   // SAMPLE k
	Key     Expr    // PER e; nil for one group
	KeyText string
	Seed    uint64
}

func (n *SampleNode) Schema() value.Schema { return n.In.Schema() }
func (n *SampleNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *SampleNode) Input() PlanNode      { return n.In }
func (n *SampleNode) SetInput(in PlanNode) { n.In = in }

func (n *SampleNode) explain() string {
	switch {
	case n.Percent > 0:
		return fmt.Sprintf("sample %g percent (seed %d)", n.Percent, n.Seed)
	case n.Key != nil:
		return fmt.Sprintf("sample %d per %s (seed %d)", n.Count, n.KeyText, n.Seed)
	}
	return fmt.Sprintf("sample %d (seed %d)", n.Count, n.Seed)
}

func (n *SampleNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	if n.Percent > 0 {
		return &filterIter{in: in, cond: &sampleCond{n: n}, ec: ec}, nil
	}
	defer in.Close()
	groups := map[value.ValueKey]*sampleHeap{}
	seq := 0
	for in.Next() {
		row := in.Row()
		seq++
		if seq%4096 == 0 {
			if err := ec.ctx.Err(); err != nil {
				return nil, err
			}
		}
		var k value.ValueKey
		if n.Key != nil {
			v, err := n.Key.Eval(ec, row)
			if err != nil {
				return nil, err
			}
			k = value.KeyOf(v)
		}
		id := row[n.IDCol]
		if id.T != value.TInt {
			return nil, fmt.Errorf("SAMPLE: a row without an integer id (%s)", value.DisplayValue(id))
		}
		h := groups[k]
		if h == nil {
			h = &sampleHeap{}
			groups[k] = h
		}
		c := sampled{hash: stats.Hash(n.Seed, uint64(id.I)), id: uint64(id.I), seq: seq}
		if int64(len(*h)) < n.Count {
			c.row = append(value.Row(nil), row...)
			heap.Push(h, c)
		} else if len(*h) > 0 && c.before((*h)[0]) {
			c.row = append((*h)[0].row[:0], row...)
			(*h)[0] = c
			heap.Fix(h, 0)
		}
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	var kept []sampled
	for _, h := range groups {
		kept = append(kept, *h...)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].seq < kept[j].seq })
	rows := make([]value.Row, len(kept))
	for i, c := range kept {
		rows[i] = c.row
	}
	return value.NewSliceRows(rows), nil
}

// sampleCond is SAMPLE p PERCENT as a row condition.
type sampleCond struct{ n *SampleNode }

func (c *sampleCond) Eval(_ *EvalCtx, row value.Row) (value.Value, error) {
	id := row[c.n.IDCol]
	if id.T != value.TInt {
		return value.Value{}, fmt.Errorf("SAMPLE: a row without an integer id (%s)", value.DisplayValue(id))
	}
	return value.BoolV(stats.Unit(stats.Hash(c.n.Seed, uint64(id.I))) < c.n.Percent/100), nil
}
func (c *sampleCond) Typ() value.Type { return value.TBool }
func (c *sampleCond) String() string {
	return fmt.Sprintf("random(%d) < %g", c.n.Seed, c.n.Percent/100)
}

// sampled is a row in the running sample of its group.
type sampled struct {
	hash, id uint64
	seq      int
	row      value.Row
}

// before reports whether a ranks before b: smaller hash, then smaller id.
func (a sampled) before(b sampled) bool {
	if a.hash != b.hash {
		return a.hash < b.hash
	}
	return a.id < b.id
}

// sampleHeap keeps a group's k best rows with the worst on top.
type sampleHeap []sampled

func (h sampleHeap) Len() int           { return len(h) }
func (h sampleHeap) Less(i, j int) bool { return h[j].before(h[i]) }
func (h sampleHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *sampleHeap) Push(x any)        { *h = append(*h, x.(sampled)) }
func (h *sampleHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
