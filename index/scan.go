package index

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// scanBlock is how many vectors an exact scan scores per kernel call.
const scanBlock = 256

// scanChunk is the unit of work a scanning goroutine takes at a time.
const scanChunk = 16 * scanBlock

// scan scores vectors [0, n) of a against q in blocks, skipping nodes keep
// rejects, on threads goroutines. Each goroutine asks newSink for a visit
// function, calls it for every kept node, then calls the flush function.
func scan(a *arena, n int, q []float32, keep func(node uint32) bool, threads int, newSink func() (visit func(node uint32, score float32), flush func())) {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = max(1, min(threads, (n+scanChunk-1)/scanChunk))
	var next atomic.Int64
	work := func() {
		sink, flush := newSink()
		ids := make([]uint32, 0, scanBlock)
		scores := make([]float32, scanBlock)
		for {
			start := int(next.Add(scanChunk) - scanChunk)
			if start >= n {
				break
			}
			end := min(start+scanChunk, n)
			for b := start; b < end; b += scanBlock {
				ids = ids[:0]
				for node := uint32(b); node < uint32(min(b+scanBlock, end)); node++ {
					if keep(node) {
						ids = append(ids, node)
					}
				}
				a.dots(q, ids, scores)
				for i, node := range ids {
					sink(node, scores[i])
				}
			}
		}
		flush()
	}
	if threads == 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range threads {
		wg.Go(work)
	}
	wg.Wait()
}

// topK runs scan keeping the k best, merged and sorted best first.
func topK(a *arena, n int, q []float32, k int, keep func(uint32) bool, threads int) []cand {
	var mu sync.Mutex
	var all minHeap
	var heaps []*minHeap
	scan(a, n, q, keep, threads, func() (func(uint32, float32), func()) {
		h := new(minHeap)
		return func(node uint32, s float32) { h.offer(cand{s, node}, k) }, func() {
			mu.Lock()
			heaps = append(heaps, h)
			mu.Unlock()
		}
	})
	for _, h := range heaps {
		for _, c := range *h {
			all.offer(c, k)
		}
	}
	sortDesc(all)
	return all
}

// above runs scan keeping every score > t, sorted best first.
func above(a *arena, n int, q []float32, t float32, keep func(uint32) bool, threads int) []cand {
	var mu sync.Mutex
	var all []cand
	scan(a, n, q, keep, threads, func() (func(uint32, float32), func()) {
		var mine []cand
		return func(node uint32, s float32) {
				if s > t {
					mine = append(mine, cand{s, node})
				}
			}, func() {
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}
	})
	sortDesc(all)
	return all
}

func (h *HNSW) liveFilter(filter Filter) func(uint32) bool {
	return func(node uint32) bool {
		m := atomic.LoadUint32(&h.meta[node])
		if m&metaReady == 0 || m&metaDeleted != 0 {
			return false
		}
		return filter == nil || filter(h.ids[node])
	}
}

// exactTopK is the exact k-NN over live nodes; the read lock is held.
func (h *HNSW) exactTopK(q []float32, k int, filter Filter, threads int) []Result {
	c := topK(&h.arena, int(h.nodes.Load()), q, k, h.liveFilter(filter), threads)
	return h.results(c, k)
}

func (h *HNSW) exactRange(q []float32, t float32, filter Filter, threads int) []Result {
	c := above(&h.arena, int(h.nodes.Load()), q, t, h.liveFilter(filter), threads)
	return h.results(c, len(c))
}

// ExactSearch is Search answered by scanning every live vector on threads
// goroutines (<= 0: one per CPU): the reference for recall and the plan
// for small indexes.
func (h *HNSW) ExactSearch(q []float32, k int, filter Filter, threads int) ([]Result, error) {
	if k <= 0 {
		return nil, nil
	}
	s := h.getSearcher()
	defer h.putSearcher(s)
	if err := h.prepareQuery(s, q); err != nil {
		return nil, err
	}
	h.grow.RLock()
	defer h.grow.RUnlock()
	return h.exactTopK(s.q, k, filter, threads), nil
}

// Flat is an exact index: vectors in the same arena layout as HNSW,
// answered by blocked multi-core scans. It is the reference in tests and
// the right choice for small collections. Add and Delete lock it; searches
// run concurrently with each other.
type Flat struct {
	mu      sync.RWMutex
	arena   arena
	ids     []uint64
	deleted []bool
	idmap   map[uint64]uint32
	// Threads is the number of goroutines a search uses (<= 0: one per
	// CPU). Set it before use.
	Threads int
}

// NewFlat returns an empty exact index of dim-dimensional vectors.
func NewFlat(dim int, elem Element) (*Flat, error) {
	o := DefaultOptions(dim).WithElement(elem)
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Flat{arena: arena{dim: dim, elem: elem}, idmap: make(map[uint64]uint32)}, nil
}

// Len returns the number of live ids.
func (f *Flat) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.idmap)
}

// Add stores v under id, replacing the vector of an id already present.
func (f *Flat) Add(id uint64, v []float32) error {
	if len(v) != f.arena.dim {
		return fmt.Errorf("%w: id %d has %d values, index has %d", ErrDim, id, len(v), f.arena.dim)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arena.set(f.slot(id), v)
	return nil
}

// AddF16 is Add for a float16 vector of 2*dim bytes.
func (f *Flat) AddF16(id uint64, v []byte) error {
	if len(v) != 2*f.arena.dim {
		return fmt.Errorf("%w: id %d has %d bytes, index needs %d", ErrDim, id, len(v), 2*f.arena.dim)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arena.setF16(f.slot(id), v)
	return nil
}

// slot returns id's node, allocating one when id is new.
func (f *Flat) slot(id uint64) uint32 {
	if node, ok := f.idmap[id]; ok {
		return node
	}
	node := uint32(len(f.ids))
	if int(node) >= f.arena.capacity() {
		f.arena.grow(max(64, 2*f.arena.capacity()))
	}
	f.ids = append(f.ids, id)
	f.deleted = append(f.deleted, false)
	f.idmap[id] = node
	return node
}

// Delete removes id and reports whether it was present. Its slot stays
// allocated (skipped by scans).
func (f *Flat) Delete(id uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	node, ok := f.idmap[id]
	if ok {
		delete(f.idmap, id)
		f.deleted[node] = true
	}
	return ok
}

func (f *Flat) keep(filter Filter) func(uint32) bool {
	return func(node uint32) bool {
		return !f.deleted[node] && (filter == nil || filter(f.ids[node]))
	}
}

func (f *Flat) query(q []float32) ([]float32, error) {
	if len(q) != f.arena.dim {
		return nil, fmt.Errorf("%w: query has %d values, index has %d", ErrDim, len(q), f.arena.dim)
	}
	return normalised(q), nil
}

// Search returns the k ids with the highest cosine to q that filter (if
// not nil) accepts, best first.
func (f *Flat) Search(q []float32, k int, filter Filter) ([]Result, error) {
	qn, err := f.query(q)
	if err != nil || k <= 0 {
		return nil, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.results(topK(&f.arena, len(f.ids), qn, k, f.keep(filter), f.Threads)), nil
}

// SearchRange returns every id with cosine to q greater than t that
// filter accepts, best first.
func (f *Flat) SearchRange(q []float32, t float32, filter Filter) ([]Result, error) {
	qn, err := f.query(q)
	if err != nil {
		return nil, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.results(above(&f.arena, len(f.ids), qn, t, f.keep(filter), f.Threads)), nil
}

func (f *Flat) results(c []cand) []Result {
	out := make([]Result, len(c))
	for i, x := range c {
		out[i] = Result{ID: f.ids[x.node], Score: x.score}
	}
	return out
}
