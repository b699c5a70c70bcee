package index

import (
	"context"
	"math"
	"sync/atomic"
)

// RepairStats says what Repair did.
type RepairStats struct {
	// Detached is the number of tombstones unlinked from the graph.
	Detached int
	// Relinked is the number of live nodes that linked to a tombstone and
	// got new neighbour lists from their neighbourhood.
	Relinked int
	// Searched is the number of live nodes left with too few neighbours or
	// with no node linking to them, reconnected by a graph search as an
	// insert would be.
	Searched int
}

// repairHops is how far Repair follows chains of tombstones for
// candidates: a live node's deleted neighbour's neighbours, and theirs
// when the first hop gave fewer candidates than a list holds.
const repairHops = 2

// noNode marks a dropped node in Compact's renumbering.
const noNode = math.MaxUint32

// Repair unlinks every tombstone from the graph, at a cost proportional to
// the tombstones' neighbourhoods rather than to the index: each live node
// that links to a tombstone gets a new neighbour list, chosen with the
// neighbour-selection heuristic among its live neighbours and the live
// neighbours of its deleted ones (the nodes the tombstones routed it to),
// and is linked back from its new neighbours; then the tombstones lose
// their lists, the entry point moves to a live node if it was deleted,
// and the few live nodes left with almost no neighbours, or that no node
// links to any more, are reconnected by a search as an insert is. It
// needs no tombstone's vector, so ids deleted without one (a Loader's
// DeleteMissing) are repaired as well.
//
// Afterwards no node links to a deleted node, so searches and inserts
// never visit one; Compact can then drop them. Repair waits for inserts
// and deletes in flight and blocks new ones; searches run on. It checks
// ctx before each node and reports progress as AddBatchContext does; a
// cancelled Repair leaves a consistent index whose remaining tombstones
// still route searches.
func (h *HNSW) Repair(ctx context.Context, opt BatchOptions) (RepairStats, error) {
	h.maint.Lock()
	defer h.maint.Unlock()
	h.grow.RLock()
	defer h.grow.RUnlock()
	var st RepairStats
	n := h.nodes.Load()
	var dead, todo []uint32
	for node := uint32(0); node < n; node++ {
		m := atomic.LoadUint32(&h.meta[node])
		if m&metaDeleted != 0 && m&metaDetached == 0 {
			dead = append(dead, node)
		}
	}
	if len(dead) == 0 {
		return st, nil
	}
	for node := uint32(0); node < n; node++ {
		m := atomic.LoadUint32(&h.meta[node])
		if m&(metaDeleted|metaReady) == metaReady && h.linksDeleted(node, int(m&metaLevel)) {
			todo = append(todo, node)
		}
	}
	progress := func(offset int, total func() int) func(done, _ int) {
		if opt.Progress == nil {
			return nil
		}
		return func(done, _ int) { opt.Progress(offset+done, total()) }
	}
	var searchMore atomic.Int64
	phase1 := opt
	phase1.Progress = progress(0, func() int { return len(todo) })
	err := h.forEach(ctx, len(todo), phase1, func(s *searcher, i int) {
		if h.relinkLocal(s, todo[i]) {
			searchMore.Add(1)
		}
	})
	if err != nil {
		return st, err
	}
	st.Relinked = len(todo)

	// No live node links to a tombstone now: move the entry point off
	// them, then unlink them.
	h.fixEntryPoint()
	for _, d := range dead {
		mu := h.lockOf(d)
		mu.Lock()
		for l := 0; l <= h.level(d); l++ {
			atomic.StoreUint32(&h.list(d, l)[0], 0)
		}
		mu.Unlock()
		h.setFlag(d, metaDetached)
	}
	h.idMu.Lock()
	h.detached += len(dead)
	live := len(h.idmap)
	h.idMu.Unlock()
	st.Detached = len(dead)

	// Reconnect live nodes left with too few neighbours or no in-links.
	if live > 1 {
		var empty, weak []uint32
		linked := make([]bool, n)
		for node := uint32(0); node < n; node++ {
			if atomic.LoadUint32(&h.meta[node])&metaDeleted != 0 {
				continue
			}
			blk := h.list(node, 0)
			c := min(int(atomic.LoadUint32(&blk[0])), len(blk)-1)
			for i := 1; i <= c; i++ {
				linked[atomic.LoadUint32(&blk[i])] = true
			}
		}
		ep := uint32(h.ep.Load())
		minLinks := uint32(max(1, h.maxM/4))
		for node := uint32(0); node < n; node++ {
			if atomic.LoadUint32(&h.meta[node])&metaDeleted != 0 || node == ep {
				continue
			}
			switch c := atomic.LoadUint32(&h.list(node, 0)[0]); {
			case c == 0:
				empty = append(empty, node)
			case c < minLinks || !linked[node]:
				weak = append(weak, node)
			}
		}
		// Nodes without a neighbour are reconnected even when ctx is done,
		// so that a cancelled Repair leaves none (Check would fail); they
		// are few: nodes whose whole neighbourhood was deleted.
		phase3 := opt
		phase3.Progress = progress(len(todo), func() int { return len(todo) + len(empty) + len(weak) })
		if err := h.forEach(context.Background(), len(empty), phase3, func(s *searcher, i int) { h.relinkSearch(s, empty[i]) }); err != nil {
			return st, err
		}
		phase3.Progress = progress(len(todo)+len(empty), func() int { return len(todo) + len(empty) + len(weak) })
		st.Searched = len(empty)
		if err := h.forEach(ctx, len(weak), phase3, func(s *searcher, i int) { h.relinkSearch(s, weak[i]) }); err != nil {
			return st, err
		}
		st.Searched += len(weak)
	}
	return st, nil
}

// linksDeleted reports whether node links to a deleted node on any level.
func (h *HNSW) linksDeleted(node uint32, lvl int) bool {
	for l := 0; l <= lvl; l++ {
		blk := h.list(node, l)
		c := min(int(atomic.LoadUint32(&blk[0])), len(blk)-1)
		for i := 1; i <= c; i++ {
			if atomic.LoadUint32(&h.meta[atomic.LoadUint32(&blk[i])])&metaDeleted != 0 {
				return true
			}
		}
	}
	return false
}

func (h *HNSW) deleted(node uint32) bool {
	return atomic.LoadUint32(&h.meta[node])&metaDeleted != 0
}

func (h *HNSW) capacity(level int) int {
	if level == 0 {
		return h.maxM0
	}
	return h.maxM
}

// relinkLocal gives node new lists on every level where it links to a
// tombstone, from its live neighbours and the live nodes its deleted
// neighbours link to. It reports whether node ended with so few bottom
// neighbours that a search should reconnect it.
func (h *HNSW) relinkLocal(s *searcher, node uint32) bool {
	weak := false
	for l := 0; l <= h.level(node); l++ {
		orig := readList(h.list(node, l), s.orig[:0])
		s.orig = orig
		has := false
		for _, x := range orig {
			if h.deleted(x) {
				has = true
				break
			}
		}
		if !has {
			continue
		}
		capacity := h.capacity(l)
		s.resetVisited(h.capNodes)
		vis, epoch := s.visited, s.epoch
		vis[node] = epoch
		cids, front := s.cids[:0], s.front[:0]
		for _, x := range orig {
			vis[x] = epoch
			if h.deleted(x) {
				front = append(front, x)
			} else {
				cids = append(cids, x)
			}
		}
		for hop := 0; hop < repairHops && len(front) > 0 && (hop == 0 || len(cids) < capacity); hop++ {
			next := s.next[:0]
			for _, d := range front {
				s.ids = readList(h.list(d, l), s.ids[:0])
				for _, y := range s.ids {
					if vis[y] == epoch {
						continue
					}
					vis[y] = epoch
					if h.deleted(y) {
						next = append(next, y)
					} else {
						cids = append(cids, y)
					}
				}
			}
			s.next, front = front[:0], next
		}
		s.cids, s.front = cids, front[:0]
		s.scores = growF32(s.scores, len(cids))
		h.arena.dotsFrom(node, cids, s.scores)
		sel := s.sel[:0]
		for i, c := range cids {
			sel = append(sel, cand{s.scores[i], c})
		}
		sortDesc(sel)
		sel = h.selectNeighbors(s, sel, capacity)
		s.sel = sel
		h.setList(s, node, l, orig, sel)
		if l == 0 && len(sel) < max(1, h.maxM/4) {
			weak = true
		}
	}
	return weak
}

// relinkSearch reconnects node (linked, live) as an insert links a new
// node: a search from the entry point on each of its levels, merged with
// its current neighbours, selected with the heuristic, linked both ways.
func (h *HNSW) relinkSearch(s *searcher, node uint32) {
	lvl := h.level(node)
	s.q = s.q[:h.opts.Dim]
	h.arena.get(node, s.q)
	q := s.q
	ep := h.ep.Load()
	if ep == noEntry {
		return
	}
	cur, top := uint32(ep), int(ep>>32)
	curScore := h.dot1(s, q, cur)
	for l := top; l > lvl; l-- {
		cur, curScore = h.greedy(s, q, cur, curScore, l)
	}
	for l := min(lvl, top); l >= 0; l-- {
		found := h.searchLayer(s, q, cand{curScore, cur}, h.opts.EfConstruction, l, nil, noLimit)
		if len(found) > 0 {
			cur, curScore = found[0].node, found[0].score
		}
		orig := readList(h.list(node, l), s.orig[:0])
		s.orig = orig
		sel := s.sel[:0]
		for _, c := range found {
			if c.node != node {
				sel = append(sel, c)
			}
		}
		sortDesc(sel)
		sel = h.selectNeighbors(s, sel, h.maxM)
		s.sel = sel
		h.setList(s, node, l, orig, sel)
	}
}

// setList makes sel (sorted best first, live nodes) node's list at level
// l, where orig is the list it was chosen against: live nodes linked to
// node since (by other repairs' back links) are kept too, pruned with the
// heuristic when over capacity. Then every new neighbour links back.
func (h *HNSW) setList(s *searcher, node uint32, l int, orig []uint32, sel []cand) {
	capacity := h.capacity(l)
	mu := h.lockOf(node)
	mu.Lock()
	blk := h.list(node, l)
	cur := readList(blk, s.ids[:0])
	s.ids = cur
	extra := s.cids[:0]
	for _, x := range cur {
		if !h.deleted(x) && !containsU32(orig, x) && !containsCand(sel, x) {
			extra = append(extra, x)
		}
	}
	s.cids = extra
	if len(extra) > 0 {
		s.scores = growF32(s.scores, len(extra))
		h.arena.dotsFrom(node, extra, s.scores)
		for i, x := range extra {
			sel = append(sel, cand{s.scores[i], x})
		}
		sortDesc(sel)
		if len(sel) > capacity {
			sel = h.selectNeighbors(s, sel, capacity)
		}
	}
	writeList(blk, sel)
	mu.Unlock()
	for _, c := range sel {
		if !containsU32(orig, c.node) && !containsU32(extra, c.node) {
			h.link(s, c.node, node, c.score, l)
		}
	}
}

func containsU32(s []uint32, x uint32) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func containsCand(s []cand, x uint32) bool {
	for _, c := range s {
		if c.node == x {
			return true
		}
	}
	return false
}

// fixEntryPoint moves a deleted entry point to a live node of the highest
// level (the lowest-numbered one), or clears it when no live node is left.
func (h *HNSW) fixEntryPoint() {
	h.epMu.Lock()
	defer h.epMu.Unlock()
	ep := h.ep.Load()
	if ep != noEntry && !h.deleted(uint32(ep)) {
		return
	}
	best, bestLvl := uint32(0), -1
	n := h.nodes.Load()
	for node := uint32(0); node < n; node++ {
		m := atomic.LoadUint32(&h.meta[node])
		if m&(metaDeleted|metaReady) == metaReady && int(m&metaLevel) > bestLvl {
			best, bestLvl = node, int(m&metaLevel)
		}
	}
	if bestLvl < 0 {
		h.ep.Store(noEntry)
		return
	}
	h.ep.Store(uint64(bestLvl)<<32 | uint64(best))
}

// Compact drops the tombstones Repair has unlinked, renumbering the
// remaining nodes in place, so that their memory serves later inserts and
// WriteGraph no longer lists them. It costs one pass over the index's
// arrays (a memory copy, far less than inserting) and returns the number
// of nodes dropped. Tombstones not yet repaired stay. Compact waits for
// every operation in flight, searches included.
func (h *HNSW) Compact() int {
	h.maint.Lock()
	defer h.maint.Unlock()
	h.grow.Lock()
	defer h.grow.Unlock()
	h.idMu.Lock()
	defer h.idMu.Unlock()
	if h.detached == 0 {
		return 0
	}
	n := h.nodes.Load()
	remap := make([]uint32, n)
	next := uint32(0)
	for node := range n {
		if h.meta[node]&metaDetached != 0 {
			remap[node] = noNode
		} else {
			remap[node] = next
			next++
		}
	}
	// Every node moves down (or stays), so copying in node order never
	// overwrites data not yet moved.
	filter := func(src, dst []uint32) {
		c := min(int(src[0]), len(src)-1)
		k := 0
		for i := 1; i <= c; i++ {
			if x := remap[src[i]]; x != noNode {
				k++
				dst[k] = x
			}
		}
		dst[0] = uint32(k)
	}
	w0 := h.maxM0 + 1
	upper := 0
	for node := range n {
		nn := remap[node]
		if nn == noNode {
			continue
		}
		m := h.meta[node]
		lvl := int(m & metaLevel)
		if nn != node {
			if h.arena.elem == Float16 {
				copy(h.arena.rawF16(nn), h.arena.rawF16(node))
			} else {
				copy(h.arena.rawF32(nn), h.arena.rawF32(node))
			}
		}
		h.ids[nn] = h.ids[node]
		h.meta[nn] = m
		filter(h.links0[int(node)*w0:int(node+1)*w0], h.links0[int(nn)*w0:int(nn+1)*w0])
		src := int(h.upperOff[node])
		h.upperOff[nn] = uint32(upper)
		for l := 0; l < lvl; l++ {
			o, d := src+l*(h.maxM+1), upper+l*(h.maxM+1)
			filter(h.upper[o:o+h.maxM+1], h.upper[d:d+h.maxM+1])
		}
		upper += lvl * (h.maxM + 1)
	}
	clear(h.links0[int(next)*w0 : int(n)*w0])
	clear(h.upper[upper:h.upperLen])
	clear(h.meta[next:n])
	clear(h.upperOff[next:n])
	for id, node := range h.idmap {
		h.idmap[id] = remap[node]
	}
	if ep := h.ep.Load(); ep != noEntry {
		h.ep.Store(ep&^0xffffffff | uint64(remap[uint32(ep)]))
	}
	dropped := h.detached
	h.tombstones -= dropped
	h.detached = 0
	h.nodes.Store(next)
	h.upperLen = upper
	if h.tombstones == 0 {
		h.anyDeleted.Store(false)
	}
	return dropped
}
