package index

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/laiondb/laiondb/index/vec"
)

// Result is one search hit: an id and its cosine score (the dot product of
// unit vectors; distance is 1 - Score).
type Result struct {
	ID    uint64
	Score float32
}

// Filter is an allow-predicate on ids. It is called from the searching
// goroutine, possibly many times per search, and must be fast and safe for
// concurrent use when searches run concurrently.
type Filter func(id uint64) bool

const noLimit = math.MaxInt

// searcher is the scratch space of one search or insert, pooled so that
// searches allocate nothing in the steady state.
type searcher struct {
	visited []uint16 // epoch tag per node
	epoch   uint16
	cands   maxHeap
	res     minHeap
	found   []cand
	sel     []cand
	prune   []cand
	kept    []uint32
	ids     []uint32
	orig    []uint32 // Repair: a list as it was
	cids    []uint32 // Repair: candidate nodes
	front   []uint32 // Repair: tombstones to expand
	next    []uint32
	scores  []float32
	pair    []float32
	q       []float32
	visits  int
}

func (h *HNSW) getSearcher() *searcher {
	s, _ := h.pool.Get().(*searcher)
	if s == nil {
		s = &searcher{q: make([]float32, h.opts.Dim)}
	}
	return s
}

func (h *HNSW) putSearcher(s *searcher) { h.pool.Put(s) }

// resetVisited starts a new visited set covering n nodes.
func (s *searcher) resetVisited(n int) {
	if len(s.visited) < n {
		s.visited = make([]uint16, max(n, len(s.visited)+len(s.visited)/4))
		s.epoch = 0
	}
	s.epoch++
	if s.epoch == 0 {
		clear(s.visited)
		s.epoch = 1
	}
	s.visits = 0
}

// dot1 scores one node.
func (h *HNSW) dot1(s *searcher, q []float32, node uint32) float32 {
	s.ids = append(s.ids[:0], node)
	s.scores = growF32(s.scores, 1)
	h.arena.dots(q, s.ids, s.scores)
	return s.scores[0]
}

// greedy walks level l from cur to a local maximum of the score.
func (h *HNSW) greedy(s *searcher, q []float32, cur uint32, curScore float32, l int) (uint32, float32) {
	for changed := true; changed; {
		changed = false
		s.ids = readList(h.list(cur, l), s.ids[:0])
		s.scores = growF32(s.scores, len(s.ids))
		h.arena.dots(q, s.ids, s.scores)
		for i, id := range s.ids {
			if s.scores[i] > curScore {
				cur, curScore, changed = id, s.scores[i], true
			}
		}
	}
	return cur, curScore
}

// allowed reports whether node may be returned: not a tombstone and
// accepted by the filter.
func (h *HNSW) allowed(node uint32, filter Filter) bool {
	if h.anyDeleted.Load() && atomic.LoadUint32(&h.meta[node])&metaDeleted != 0 {
		return false
	}
	return filter == nil || filter(h.ids[node])
}

// searchLayer is the paper's SEARCH-LAYER: best-first expansion from ep
// keeping the ef best allowed nodes. Nodes that are not allowed still
// route the search, and the search keeps expanding while fewer than ef are
// found, so a selective filter explores further instead of returning
// short. It stops early, returning what it has, after maxVisits distance
// computations. The result is sorted best first and lives in s.found.
func (h *HNSW) searchLayer(s *searcher, q []float32, ep cand, ef, l int, filter Filter, maxVisits int) []cand {
	s.resetVisited(h.capNodes)
	vis, epoch := s.visited, s.epoch
	s.cands = s.cands[:0]
	s.res = s.res[:0]
	vis[ep.node] = epoch
	s.cands.push(ep)
	if h.allowed(ep.node, filter) {
		s.res.push(ep)
	}
	for len(s.cands) > 0 {
		c := s.cands.pop()
		if len(s.res) >= ef && c.score < s.res[0].score {
			break
		}
		if len(s.cands) > 0 {
			// the next candidate's list is likely the next one read
			prefetch(unsafe.Pointer(&h.list(s.cands[0].node, l)[0]), 3)
		}
		blk := h.list(c.node, l)
		n := min(int(atomic.LoadUint32(&blk[0])), len(blk)-1)
		ids := s.ids[:0]
		for i := 1; i <= n; i++ {
			nb := atomic.LoadUint32(&blk[i])
			if vis[nb] != epoch {
				vis[nb] = epoch
				ids = append(ids, nb)
			}
		}
		s.ids = ids
		if len(ids) == 0 {
			continue
		}
		// Start fetching every vector before scoring the first: the
		// kernel's own one-ahead prefetch cannot hide cache-miss latency.
		for _, nb := range ids {
			h.arena.prefetch(nb)
		}
		s.scores = growF32(s.scores, len(ids))
		h.arena.dots(q, ids, s.scores)
		s.visits += len(ids)
		for i, nb := range ids {
			sc := s.scores[i]
			if len(s.res) < ef || sc > s.res[0].score {
				s.cands.push(cand{sc, nb})
				if h.allowed(nb, filter) {
					s.res.offer(cand{sc, nb}, ef)
				}
			}
		}
		if s.visits > maxVisits {
			break
		}
	}
	// Empty the result heap worst first into the tail: best first.
	found := s.found[:0]
	for range s.res {
		found = append(found, cand{})
	}
	for i := len(found) - 1; i >= 0; i-- {
		found[i] = s.res.pop()
	}
	s.found = found
	return found
}

// prepareQuery checks q and copies it, normalised, into s.q.
func (h *HNSW) prepareQuery(s *searcher, q []float32) error {
	if len(q) != h.opts.Dim {
		return fmt.Errorf("%w: query has %d values, index has %d", ErrDim, len(q), h.opts.Dim)
	}
	s.q = append(s.q[:0], q...)
	if n := vec.Norm(s.q); n > 0 && math.Abs(float64(n)-1) > 1e-6 {
		vec.Scale(s.q, 1/n)
	}
	return nil
}

// Search returns the k live ids closest to q (by cosine; q need not be
// unit length), best first, with their scores. ef is the candidate-list
// size (<= 0: the index's EfSearch; raised to k when smaller): larger is
// slower and finds more of the true neighbours.
//
// filter, when not nil, restricts results to the ids it accepts. It is
// applied inside the graph search: rejected nodes still route the search,
// which keeps expanding until it holds ef accepted ones. If the graph
// search would have to visit more than a quarter of the index to find
// them, or ends with fewer than k while more may exist, Search switches to
// an exact scan of the accepted ids, so a filtered search returns k
// results whenever k accepted ids exist. Callers that can enumerate a
// small allowed set cheaply should use SearchIDs instead.
func (h *HNSW) Search(q []float32, k, ef int, filter Filter) ([]Result, error) {
	if k <= 0 {
		return nil, nil
	}
	s := h.getSearcher()
	defer h.putSearcher(s)
	if err := h.prepareQuery(s, q); err != nil {
		return nil, err
	}
	if ef <= 0 {
		ef = int(h.efSearch.Load())
	}
	ef = max(ef, k)
	h.grow.RLock()
	defer h.grow.RUnlock()
	found, complete := h.search(s, s.q, ef, filter)
	if !complete {
		return h.exactTopK(s.q, k, filter, 1), nil
	}
	return h.results(found, k), nil
}

// search runs the layered search with ef on the bottom layer. complete is
// false when the answer may be short: the visit budget ran out, or fewer
// than ef allowed nodes were found although more live nodes than that
// exist (possible with a filter, tombstones or an unreachable region).
func (h *HNSW) search(s *searcher, q []float32, ef int, filter Filter) (found []cand, complete bool) {
	ep := h.ep.Load()
	if ep == noEntry {
		return nil, true
	}
	cur := uint32(ep)
	curScore := h.dot1(s, q, cur)
	for l := int(ep >> 32); l > 0; l-- {
		cur, curScore = h.greedy(s, q, cur, curScore, l)
	}
	n := int(h.nodes.Load())
	budget := noLimit
	if filter != nil {
		budget = max(n/4, 4*ef)
	}
	found = h.searchLayer(s, q, cand{curScore, cur}, ef, 0, filter, budget)
	if s.visits > budget {
		return found, false
	}
	if len(found) >= ef {
		return found, true
	}
	if filter == nil {
		h.idMu.Lock()
		live := len(h.idmap)
		h.idMu.Unlock()
		return found, len(found) >= live
	}
	return found, false
}

func (h *HNSW) results(found []cand, k int) []Result {
	k = min(k, len(found))
	out := make([]Result, k)
	for i := range out {
		out[i] = Result{ID: h.ids[found[i].node], Score: found[i].score}
	}
	return out
}

// SearchIDs returns the k ids of candidates closest to q by exact
// scoring: the plan for a filter so selective that the caller can list the
// allowed ids. Ids not live in the index are skipped.
func (h *HNSW) SearchIDs(q []float32, k int, candidates []uint64) ([]Result, error) {
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
	nodes := make([]uint32, 0, len(candidates))
	h.idMu.Lock()
	for _, id := range candidates {
		if node, ok := h.idmap[id]; ok {
			nodes = append(nodes, node)
		}
	}
	h.idMu.Unlock()
	var res minHeap
	scores := make([]float32, min(len(nodes), scanBlock))
	for start := 0; start < len(nodes); start += scanBlock {
		blk := nodes[start:min(start+scanBlock, len(nodes))]
		h.arena.dots(s.q, blk, scores)
		for i, node := range blk {
			res.offer(cand{scores[i], node}, k)
		}
	}
	sortDesc(res)
	return h.results(res, k), nil
}

// SearchRange returns every live id whose cosine with q is greater than
// t, best first. It runs a graph search with a growing ef (from the
// index's EfSearch, doubling) until at most a quarter of the ef nodes
// found score above t, which shows the search went well past the boundary
// (a k-NN search with ef = 4k has recall near 1), and then
// walks the bottom layer from every node found above t to collect the
// rest of the region above t. When ef would exceed a quarter of the index,
// or the filter starves the search, it answers with an exact scan. With
// exact true it always scans. The graph answer is approximate (recall as
// a k-NN search at the final ef or better); the scan is exact.
func (h *HNSW) SearchRange(q []float32, t float32, filter Filter, exact bool) ([]Result, error) {
	s := h.getSearcher()
	defer h.putSearcher(s)
	if err := h.prepareQuery(s, q); err != nil {
		return nil, err
	}
	h.grow.RLock()
	defer h.grow.RUnlock()
	n := int(h.nodes.Load())
	if !exact {
		for ef := max(int(h.efSearch.Load()), 16); ef <= max(n/4, 16); ef *= 2 {
			found, complete := h.search(s, s.q, ef, filter)
			if !complete {
				break
			}
			above := 0
			for above < len(found) && found[above].score > t {
				above++
			}
			if len(found) < ef || (above < len(found) && 4*above <= ef) {
				return h.results(h.walkAbove(s, s.q, t, found, filter), noLimit), nil
			}
		}
	}
	return h.exactRange(s.q, t, filter, 1), nil
}

// walkAbove returns every allowed node reachable from seeds through
// bottom-layer links between nodes scoring above t, sorted best first.
func (h *HNSW) walkAbove(s *searcher, q []float32, t float32, seeds []cand, filter Filter) []cand {
	var out, queue []cand
	s.resetVisited(h.capNodes)
	vis, epoch := s.visited, s.epoch
	for _, c := range seeds {
		if c.score > t {
			vis[c.node] = epoch
			queue = append(queue, c)
		}
	}
	for len(queue) > 0 {
		c := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if h.allowed(c.node, filter) {
			out = append(out, c)
		}
		ids := s.ids[:0]
		blk := h.list(c.node, 0)
		n := min(int(atomic.LoadUint32(&blk[0])), len(blk)-1)
		for i := 1; i <= n; i++ {
			nb := atomic.LoadUint32(&blk[i])
			if vis[nb] != epoch {
				vis[nb] = epoch
				ids = append(ids, nb)
			}
		}
		s.ids = ids
		s.scores = growF32(s.scores, len(ids))
		h.arena.dots(q, ids, s.scores)
		for i, nb := range ids {
			if s.scores[i] > t {
				queue = append(queue, cand{s.scores[i], nb})
			}
		}
	}
	sortDesc(out)
	return out
}

// normalised returns a unit-length copy of q (q itself when it is zero).
func normalised(q []float32) []float32 {
	c := append([]float32(nil), q...)
	if n := vec.Norm(c); n > 0 && math.Abs(float64(n)-1) > 1e-6 {
		vec.Scale(c, 1/n)
	}
	return c
}
