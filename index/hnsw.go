package index

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Node metadata bits, one uint32 a node, read and written atomically.
const (
	metaLevel   = 0x1f   // level of the node (0..maxLevelCap)
	metaReady   = 1 << 8 // vector written, node linked or being linked
	metaDeleted = 1 << 9 // tombstone: never returned
	// metaDetached marks a tombstone that Repair unlinked: it has no
	// neighbours and no node links to it, so no search reaches it, and
	// Compact may drop it.
	metaDetached = 1 << 10
	maxLevelCap  = 31 // levels above this are clamped (never reached in practice)
	noEntry      = ^uint64(0)
	lockStripes  = 4096
)

// HNSW is a hierarchical navigable small-world graph (Malkov & Yashunin)
// over unit vectors with inner-product scores, keyed by uint64 ids.
//
// Layout: vectors live in one arena; the bottom layer's neighbour lists in
// one flat []uint32 of 2*M+1 words a node (count, then neighbours); the
// few upper-layer lists in a second flat []uint32 addressed by a per-node
// offset. Internal node numbers are uint32 and dense.
//
// Concurrency: Add, AddBatch, Delete and the searches may run concurrently;
// Repair and Compact wait for them (searches run on during Repair).
// Neighbour lists are written under one of a fixed set of striped locks
// (never two held at once) and read with atomic loads, so searches take no
// node locks. Growing the arrays takes an index-wide write lock briefly.
//
// Reproducibility: a node's level is a function of Options.Seed and its id
// alone. Inserting the same ids and vectors in the same order one at a
// time (Add, or AddBatch with one thread) builds the identical graph.
// With concurrent inserts levels and node numbers are still reproducible
// but neighbour lists depend on thread timing, so two builds give graphs
// of the same quality, not the same graph.
type HNSW struct {
	opts     Options
	mL       float64
	maxM     int // upper-layer list capacity (M)
	maxM0    int // bottom-layer list capacity (2*M)
	efSearch atomic.Int64

	grow sync.RWMutex // read-held by every operation, write-held to reallocate
	// maint is read-held by inserts and deletes and write-held by Repair
	// and Compact, which must see no node being linked or deleted.
	maint sync.RWMutex

	arena    arena
	links0   []uint32 // node*(maxM0+1): count, neighbours
	upper    []uint32 // upper-layer lists, (maxM+1) words a list
	upperOff []uint32 // node → offset in upper of its layer-1 list
	meta     []uint32 // node → level | flags (atomic)
	ids      []uint64 // node → id
	capNodes int

	idMu       sync.Mutex // guards idmap, nodes, upperLen, tombstones, detached
	idmap      map[uint64]uint32
	nodes      atomic.Uint32 // nodes allocated (live, tombstoned or in flight)
	upperLen   int
	tombstones int         // deleted nodes, detached or not
	detached   int         // tombstones unlinked by Repair (or never linked)
	anyDeleted atomic.Bool // set with the first tombstone: searches check flags only then

	locks [lockStripes]sync.Mutex

	epMu sync.Mutex
	ep   atomic.Uint64 // level<<32 | node, or noEntry

	pool sync.Pool // *searcher
}

// NewHNSW returns an empty index.
func NewHNSW(o Options) (*HNSW, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	h := &HNSW{
		opts:  o,
		mL:    1 / math.Log(float64(o.M)),
		maxM:  o.M,
		maxM0: 2 * o.M,
		idmap: make(map[uint64]uint32),
	}
	h.efSearch.Store(int64(o.EfSearch))
	h.ep.Store(noEntry)
	h.arena = arena{dim: o.Dim, elem: o.Element}
	return h, nil
}

// Options returns the index's options, with EfSearch as last set.
func (h *HNSW) Options() Options {
	o := h.opts
	o.EfSearch = int(h.efSearch.Load())
	return o
}

// SetEfSearch sets the default ef of searches that pass ef <= 0.
func (h *HNSW) SetEfSearch(ef int) {
	if ef > 0 {
		h.efSearch.Store(int64(ef))
	}
}

// Dim returns the vector dimension.
func (h *HNSW) Dim() int { return h.opts.Dim }

// Len returns the number of live (searchable) ids.
func (h *HNSW) Len() int {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	return len(h.idmap)
}

// Tombstones returns the number of deleted nodes still held: deleted ids
// and the old vectors of replaced ids, whether they still route searches
// or Repair has unlinked them. Compact and Rebuild drop them.
func (h *HNSW) Tombstones() int {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	return h.tombstones
}

// Unrepaired returns the number of tombstones still linked into the graph
// (routing searches), which Repair unlinks.
func (h *HNSW) Unrepaired() int {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	return h.tombstones - h.detached
}

// Contains reports whether id is live in the index.
func (h *HNSW) Contains(id uint64) bool {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	_, ok := h.idmap[id]
	return ok
}

// Bytes returns the memory the index's arrays hold (arena, neighbour
// lists, metadata), excluding the id map's hashing overhead estimate,
// which it adds as 16 bytes an id.
func (h *HNSW) Bytes() int64 {
	h.grow.RLock()
	defer h.grow.RUnlock()
	b := int64(len(h.arena.f16)) + 4*int64(len(h.arena.f32))
	b += 4*int64(len(h.links0)+len(h.upper)+len(h.upperOff)+len(h.meta)) + 8*int64(len(h.ids))
	h.idMu.Lock()
	b += 16 * int64(len(h.idmap))
	h.idMu.Unlock()
	return b
}

// levelOf draws the level of id from a hash of (Seed, id): exponentially
// distributed with mean 1/ln(M) as in the paper.
func (h *HNSW) levelOf(id uint64) int {
	x := h.opts.Seed ^ (id * 0x9e3779b97f4a7c15)
	x = splitmix(x)
	u := (float64(x>>11) + 1) / (1 << 53) // (0, 1]
	l := int(-math.Log(u) * h.mL)
	return min(l, maxLevelCap)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (h *HNSW) lockOf(node uint32) *sync.Mutex { return &h.locks[node%lockStripes] }

// growLocked reallocates every per-node array for capNodes nodes and the
// upper-layer array for upperWords words. The write lock must be held.
func (h *HNSW) growLocked(capNodes, upperWords int) {
	if capNodes > h.capNodes {
		h.arena.grow(capNodes)
		h.links0 = growU32(h.links0, capNodes*(h.maxM0+1))
		h.upperOff = growU32(h.upperOff, capNodes)
		h.meta = growU32(h.meta, capNodes)
		ids := make([]uint64, capNodes)
		copy(ids, h.ids)
		h.ids = ids
		h.capNodes = capNodes
	}
	if upperWords > len(h.upper) {
		h.upper = growU32(h.upper, upperWords)
	}
}

func growU32(s []uint32, n int) []uint32 {
	b := make([]uint32, n)
	copy(b, s)
	return b
}

// reserve makes room for n more nodes with the given levels, growing by
// at least a quarter to amortise reallocation.
func (h *HNSW) reserve(n int, upperWords int) {
	h.grow.Lock()
	defer h.grow.Unlock()
	h.idMu.Lock()
	needN := int(h.nodes.Load()) + n
	needU := h.upperLen + upperWords
	h.idMu.Unlock()
	if needN <= h.capNodes && needU <= len(h.upper) {
		return
	}
	capN := h.capNodes
	if needN > capN {
		capN = max(needN, capN+capN/4, 64)
	}
	capU := len(h.upper)
	if needU > capU {
		capU = max(needU, capU+capU/4, 64*(h.maxM+1))
	}
	h.growLocked(capN, capU)
}

// Reserve preallocates room for n more vectors so that adding them does
// not reallocate the arena (AddBatch does this itself).
func (h *HNSW) Reserve(n int) {
	if n > 0 {
		// expected upper-layer words: n/(M-1) lists of M+1 words, plus slack.
		h.reserve(n, (n/(h.maxM-1)+16)*(h.maxM+1))
	}
}

// alloc assigns node numbers to ids in order, tombstoning the nodes of ids
// already present (replacement), and stores their levels and ids. It is
// called with the read lock held and returns false, with nothing done,
// when the arrays must grow first.
func (h *HNSW) alloc(ids []uint64, levels []int) (first uint32, ok bool, err error) {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	n := int(h.nodes.Load())
	if uint64(n)+uint64(len(ids)) >= math.MaxUint32 {
		return 0, false, ErrFull
	}
	words := 0
	for _, l := range levels {
		words += l * (h.maxM + 1)
	}
	if n+len(ids) > h.capNodes || h.upperLen+words > len(h.upper) {
		return 0, false, nil
	}
	for i, id := range ids {
		node := uint32(n + i)
		if old, dup := h.idmap[id]; dup {
			h.setFlag(old, metaDeleted)
			h.tombstones++
		}
		h.idmap[id] = node
		h.ids[node] = id
		h.upperOff[node] = uint32(h.upperLen)
		h.upperLen += levels[i] * (h.maxM + 1)
		atomic.StoreUint32(&h.meta[node], uint32(levels[i]))
	}
	h.nodes.Store(uint32(n + len(ids)))
	return uint32(n), true, nil
}

func (h *HNSW) setFlag(node uint32, f uint32) {
	if f&metaDeleted != 0 {
		h.anyDeleted.Store(true)
	}
	for {
		m := atomic.LoadUint32(&h.meta[node])
		if m&f == f || atomic.CompareAndSwapUint32(&h.meta[node], m, m|f) {
			return
		}
	}
}

// Add inserts v under id, replacing the vector of an id already present:
// the old node becomes a tombstone (it keeps routing searches but is never
// returned) and a new node is inserted. v must have Dim values and should
// have unit length: scores are plain dot products.
func (h *HNSW) Add(id uint64, v []float32) error {
	if len(v) != h.opts.Dim {
		return fmt.Errorf("%w: id %d has %d values, index has %d", ErrDim, id, len(v), h.opts.Dim)
	}
	return h.addBatch(context.Background(), []uint64{id}, v, nil, BatchOptions{Threads: 1}, false)
}

// AddF16 is Add for a float16 vector given as 2*Dim little-endian bytes.
func (h *HNSW) AddF16(id uint64, v []byte) error {
	if len(v) != 2*h.opts.Dim {
		return fmt.Errorf("%w: id %d has %d bytes, index needs %d", ErrDim, id, len(v), 2*h.opts.Dim)
	}
	return h.addBatch(context.Background(), []uint64{id}, nil, v, BatchOptions{Threads: 1}, false)
}

// AddBatch inserts len(ids) vectors given back to back in vectors
// (len(ids)*Dim values) using threads goroutines (threads <= 0: one per
// CPU). Ids already present are replaced: their old nodes are deleted and
// repaired (see Repair) before the new ones are linked, as are tombstones
// left by earlier Delete calls, so that the batch links into a graph of
// live nodes only. Later duplicates of an id within the batch replace
// earlier ones, as with Add.
func (h *HNSW) AddBatch(ids []uint64, vectors []float32, threads int) error {
	return h.AddBatchContext(context.Background(), ids, vectors, BatchOptions{Threads: threads})
}

// AddBatchF16 is AddBatch with float16 vectors (2*Dim bytes each).
func (h *HNSW) AddBatchF16(ids []uint64, vectors []byte, threads int) error {
	return h.AddBatchF16Context(context.Background(), ids, vectors, BatchOptions{Threads: threads})
}

// BatchOptions tune AddBatchContext, AddBatchF16Context and Repair.
type BatchOptions struct {
	// Threads is the number of goroutines (<= 0: one per CPU).
	Threads int
	// Progress, when set, is called with the number of vectors linked (or
	// nodes repaired) so far and the total, every ProgressEvery of them
	// and at the end, from one goroutine at a time. Cancelling the
	// context from inside it stops the work before any further vector is
	// started.
	Progress func(done, total int)
}

// ProgressEvery is how many vectors a batch links between calls of
// BatchOptions.Progress.
const ProgressEvery = 64

// AddBatchContext is AddBatch that stops when ctx is done: every
// goroutine checks ctx before each vector, so at most one vector per
// goroutine is linked after the cancellation is seen. It then returns
// ctx's error, and the ids of the batch that were not linked are absent
// from the index (a replaced id whose new vector was not linked is
// deleted); the index stays consistent and usable.
func (h *HNSW) AddBatchContext(ctx context.Context, ids []uint64, vectors []float32, opt BatchOptions) error {
	if len(vectors) != len(ids)*h.opts.Dim {
		return fmt.Errorf("%w: %d values for %d ids of dim %d", ErrDim, len(vectors), len(ids), h.opts.Dim)
	}
	return h.addBatch(ctx, ids, vectors, nil, opt, true)
}

// AddBatchF16Context is AddBatchContext with float16 vectors (2*Dim bytes
// each).
func (h *HNSW) AddBatchF16Context(ctx context.Context, ids []uint64, vectors []byte, opt BatchOptions) error {
	if len(vectors) != len(ids)*2*h.opts.Dim {
		return fmt.Errorf("%w: %d bytes for %d float16 vectors of dim %d", ErrDim, len(vectors), len(ids), 2*h.opts.Dim)
	}
	return h.addBatch(ctx, ids, nil, vectors, opt, true)
}

// addBatch links ids' vectors; with repair it first deletes the ids
// already present and repairs every tombstone, so that inserts never
// search a region of tombstones (which they cannot link to).
func (h *HNSW) addBatch(ctx context.Context, ids []uint64, f32 []float32, f16 []byte, opt BatchOptions, repair bool) error {
	if len(ids) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if repair {
		h.maint.RLock()
		for _, id := range ids {
			h.deleteLocked(id)
		}
		h.maint.RUnlock()
		if h.Unrepaired() > 0 {
			if _, err := h.Repair(ctx, BatchOptions{Threads: opt.Threads}); err != nil {
				return err
			}
		}
	}
	h.maint.RLock()
	defer h.maint.RUnlock()
	levels := make([]int, len(ids))
	words := 0
	for i, id := range ids {
		levels[i] = h.levelOf(id)
		words += levels[i] * (h.maxM + 1)
	}
	var first uint32
	for {
		h.grow.RLock()
		var ok bool
		var err error
		first, ok, err = h.alloc(ids, levels)
		if err != nil {
			h.grow.RUnlock()
			return err
		}
		if ok {
			break
		}
		h.grow.RUnlock()
		h.reserve(len(ids), words)
	}
	defer h.grow.RUnlock()
	// Vectors first, so that every node is complete before any is linked.
	d := h.opts.Dim
	for i := range ids {
		if f32 != nil {
			h.arena.set(first+uint32(i), f32[i*d:(i+1)*d])
		} else {
			h.arena.setF16(first+uint32(i), f16[i*2*d:(i+1)*2*d])
		}
	}
	err := h.forEach(ctx, len(ids), opt, func(s *searcher, i int) { h.insert(s, first+uint32(i)) })
	if err != nil {
		h.abandon(first, len(ids))
	}
	return err
}

// abandon deletes the nodes of [first, first+n) that were never linked
// (a cancelled batch): nothing links to them, so they are detached
// tombstones at once. The read locks are held.
func (h *HNSW) abandon(first uint32, n int) {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	for node := first; node < first+uint32(n); node++ {
		m := atomic.LoadUint32(&h.meta[node])
		if m&metaReady != 0 {
			continue
		}
		if m&metaDeleted == 0 { // not already replaced by a later duplicate
			delete(h.idmap, h.ids[node])
			h.tombstones++
		}
		h.setFlag(node, metaReady|metaDeleted|metaDetached)
		h.detached++
	}
}

// forEach calls fn(s, i) for i in [0, n) on opt.Threads goroutines, each
// with its own searcher. Every goroutine checks ctx before each call;
// progress is reported every ProgressEvery calls and at the end. It
// returns ctx's error when it stopped early.
func (h *HNSW) forEach(ctx context.Context, n int, opt BatchOptions, fn func(s *searcher, i int)) error {
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = max(1, min(threads, n))
	var next, done atomic.Int64
	var stop atomic.Bool
	var progMu sync.Mutex
	cancelled := ctx.Done()
	work := func() {
		s := h.getSearcher()
		defer h.putSearcher(s)
		for !stop.Load() {
			select {
			case <-cancelled:
				stop.Store(true)
				return
			default:
			}
			i := next.Add(1) - 1
			if i >= int64(n) {
				return
			}
			fn(s, int(i))
			if d := done.Add(1); opt.Progress != nil && (d%ProgressEvery == 0 || d == int64(n)) {
				progMu.Lock()
				opt.Progress(int(d), n)
				progMu.Unlock()
				if ctx.Err() != nil {
					stop.Store(true)
				}
			}
		}
	}
	if threads == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range threads {
			wg.Go(work)
		}
		wg.Wait()
	}
	if done.Load() < int64(n) {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes id from search results. Its node stays as a tombstone
// that routes searches until Repair unlinks it (AddBatch repairs first);
// Compact or Rebuild then drop it. It reports whether id was present.
func (h *HNSW) Delete(id uint64) bool {
	h.maint.RLock()
	defer h.maint.RUnlock()
	return h.deleteLocked(id)
}

// deleteLocked is Delete; maint is read-held.
func (h *HNSW) deleteLocked(id uint64) bool {
	h.grow.RLock()
	defer h.grow.RUnlock()
	h.idMu.Lock()
	defer h.idMu.Unlock()
	node, ok := h.idmap[id]
	if !ok {
		return false
	}
	delete(h.idmap, id)
	h.setFlag(node, metaDeleted)
	h.tombstones++
	return true
}

// list returns the neighbour-list block (count word, then capacity words)
// of node at level. Read its words with atomic loads.
func (h *HNSW) list(node uint32, level int) []uint32 {
	if level == 0 {
		o := int(node) * (h.maxM0 + 1)
		return h.links0[o : o+h.maxM0+1 : o+h.maxM0+1]
	}
	o := int(h.upperOff[node]) + (level-1)*(h.maxM+1)
	return h.upper[o : o+h.maxM+1 : o+h.maxM+1]
}

// readList copies node's neighbours at level into dst.
func readList(blk []uint32, dst []uint32) []uint32 {
	n := int(atomic.LoadUint32(&blk[0]))
	n = min(n, len(blk)-1)
	for i := 1; i <= n; i++ {
		dst = append(dst, atomic.LoadUint32(&blk[i]))
	}
	return dst
}

// writeList replaces the neighbours in blk; the caller holds the node lock.
func writeList(blk []uint32, nbrs []cand) {
	for i, c := range nbrs {
		atomic.StoreUint32(&blk[1+i], c.node)
	}
	atomic.StoreUint32(&blk[0], uint32(len(nbrs)))
}

// writeIDs is writeList for bare node numbers.
func writeIDs(blk []uint32, ids []uint32) {
	for i, id := range ids {
		atomic.StoreUint32(&blk[1+i], id)
	}
	atomic.StoreUint32(&blk[0], uint32(len(ids)))
}

func (h *HNSW) level(node uint32) int {
	return int(atomic.LoadUint32(&h.meta[node]) & metaLevel)
}

// insert links node (vector already stored) into the graph.
func (h *HNSW) insert(s *searcher, node uint32) {
	lvl := h.level(node)
	s.q = s.q[:h.opts.Dim]
	h.arena.get(node, s.q)
	q := s.q

	ep := h.ep.Load()
	if ep == noEntry {
		h.epMu.Lock()
		if h.ep.Load() == noEntry {
			h.setFlag(node, metaReady)
			h.ep.Store(uint64(lvl)<<32 | uint64(node))
			h.epMu.Unlock()
			return
		}
		h.epMu.Unlock()
		ep = h.ep.Load()
	}
	h.setFlag(node, metaReady)
	cur := uint32(ep)
	top := int(ep >> 32)
	curScore := h.dot1(s, q, cur)
	for l := top; l > lvl; l-- {
		cur, curScore = h.greedy(s, q, cur, curScore, l)
	}
	for l := min(lvl, top); l >= 0; l-- {
		found := h.searchLayer(s, q, cand{curScore, cur}, h.opts.EfConstruction, l, nil, noLimit)
		// found is sorted best first; the best is the next layer's entry.
		if len(found) > 0 {
			cur, curScore = found[0].node, found[0].score
		}
		// Exclude the node itself (a replaced id's new node never meets
		// itself, but a concurrent insert may have linked it already).
		sel := s.sel[:0]
		for _, c := range found {
			if c.node != node {
				sel = append(sel, c)
			}
		}
		sel = h.selectNeighbors(s, sel, h.maxM)
		s.sel = sel
		mu := h.lockOf(node)
		mu.Lock()
		writeList(h.list(node, l), sel)
		mu.Unlock()
		for _, nb := range sel {
			h.link(s, nb.node, node, nb.score, l)
		}
	}
	for {
		cur := h.ep.Load()
		if int(cur>>32) >= lvl || h.ep.CompareAndSwap(cur, uint64(lvl)<<32|uint64(node)) {
			return
		}
	}
}

// link adds node to nb's list at level, pruning nb's list with the
// heuristic when it is full.
func (h *HNSW) link(s *searcher, nb, node uint32, score float32, level int) {
	capacity := h.maxM
	if level == 0 {
		capacity = h.maxM0
	}
	mu := h.lockOf(nb)
	mu.Lock()
	defer mu.Unlock()
	blk := h.list(nb, level)
	n := int(atomic.LoadUint32(&blk[0]))
	for i := 1; i <= n; i++ {
		if atomic.LoadUint32(&blk[i]) == node {
			return
		}
	}
	if n < capacity {
		atomic.StoreUint32(&blk[1+n], node)
		atomic.StoreUint32(&blk[0], uint32(n+1))
		return
	}
	ids := readList(blk, s.ids[:0])
	if h.anyDeleted.Load() {
		// Tombstones make room first: a live node is worth more than a
		// route through a deleted one.
		live := ids[:0]
		for _, id := range ids {
			if atomic.LoadUint32(&h.meta[id])&metaDeleted == 0 {
				live = append(live, id)
			}
		}
		if len(live) < n {
			ids = append(live, node)
			s.ids = ids
			writeIDs(blk, ids)
			return
		}
		ids = live
	}
	ids = append(ids, node)
	s.ids = ids
	s.scores = growF32(s.scores, len(ids))
	h.arena.dotsFrom(nb, ids, s.scores)
	cs := s.prune[:0]
	for i, id := range ids {
		cs = append(cs, cand{s.scores[i], id})
	}
	sortDesc(cs)
	cs = h.selectNeighbors(s, cs, capacity)
	s.prune = cs
	writeList(blk, cs)
}

// selectNeighbors applies the paper's heuristic to cands (sorted best
// first): a candidate is kept only if it is closer to the base than to
// every candidate already kept, so that links spread in all directions.
// It keeps at most m and reuses cands' storage.
func (h *HNSW) selectNeighbors(s *searcher, cands []cand, m int) []cand {
	if len(cands) < m {
		return cands
	}
	kept := cands[:0]
	keptIDs := s.kept[:0]
	for i := 0; i < len(cands) && len(kept) < m; i++ {
		c := cands[i]
		// Compare with the kept ones a few at a time, nearest first: most
		// rejected candidates are rejected by one of the first.
		good := true
		s.pair = growF32(s.pair, heuristicChunk)
		for j := 0; good && j < len(keptIDs); j += heuristicChunk {
			chunk := keptIDs[j:min(j+heuristicChunk, len(keptIDs))]
			h.arena.dotsFrom(c.node, chunk, s.pair)
			for _, d := range s.pair[:len(chunk)] {
				if d > c.score {
					good = false
					break
				}
			}
		}
		if good {
			kept = append(kept, c)
			keptIDs = append(keptIDs, c.node)
		}
	}
	s.kept = keptIDs
	return kept
}

// heuristicChunk is how many kept neighbours selectNeighbors scores per
// kernel call before checking for an early rejection.
const heuristicChunk = 2

func growF32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n, 2*n)
	}
	return s[:n]
}
