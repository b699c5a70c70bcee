package index

import (
	"fmt"
	"sync/atomic"
)

// Check verifies the graph's invariants and returns an error wrapping
// ErrCorrupt that describes the first problem found: every neighbour
// reference in range, on a node of a high enough level, not the node
// itself, not repeated and not a detached tombstone; detached tombstones
// without neighbours; list counts within capacity; upper-layer lists
// laid out without overlap; every live id mapping to a node that maps
// back; the tombstone counts; the entry point a linked node on the top
// level. When every tombstone is repaired (detached), it also checks that
// no live node links to a deleted node and that every live node has a
// bottom-layer neighbour unless it is the only one. Run it when no insert
// is in flight (it takes the index-wide write lock).
func (h *HNSW) Check() error {
	h.grow.Lock()
	defer h.grow.Unlock()
	h.idMu.Lock()
	defer h.idMu.Unlock()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	n := h.nodes.Load()
	if int(n) > h.capNodes {
		return bad("%d nodes but room for %d", n, h.capNodes)
	}
	deleted, detached, maxLvl := 0, 0, -1
	off := 0
	seen := make(map[uint32]bool, 2*h.maxM0)
	for node := uint32(0); node < n; node++ {
		m := atomic.LoadUint32(&h.meta[node])
		lvl := int(m & metaLevel)
		if m&metaReady == 0 {
			return bad("node %d was allocated but never linked", node)
		}
		if m&metaDetached != 0 && m&metaDeleted == 0 {
			return bad("node %d is detached but not deleted", node)
		}
		if m&metaDetached != 0 {
			detached++
		}
		if m&metaDeleted != 0 {
			deleted++
		} else if got, ok := h.idmap[h.ids[node]]; !ok || got != node {
			return bad("live node %d has id %d, which maps to node %d (present %v)", node, h.ids[node], got, ok)
		}
		if int(h.upperOff[node]) != off {
			return bad("node %d: upper lists at %d, expected %d", node, h.upperOff[node], off)
		}
		off += lvl * (h.maxM + 1)
		if off > len(h.upper) {
			return bad("node %d: upper lists end at %d past %d", node, off, len(h.upper))
		}
		if m&metaDetached == 0 {
			maxLvl = max(maxLvl, lvl)
		}
		for l := 0; l <= lvl; l++ {
			blk := h.list(node, l)
			c := int(atomic.LoadUint32(&blk[0]))
			if c > len(blk)-1 {
				return bad("node %d level %d: %d neighbours, capacity %d", node, l, c, len(blk)-1)
			}
			if c > 0 && m&metaDetached != 0 {
				return bad("detached node %d has %d neighbours on level %d", node, c, l)
			}
			clear(seen)
			for _, nb := range blk[1 : 1+c] {
				switch {
				case nb >= n:
					return bad("node %d level %d: neighbour %d of %d nodes", node, l, nb, n)
				case nb == node:
					return bad("node %d level %d links itself", node, l)
				case h.level(nb) < l:
					return bad("node %d level %d: neighbour %d has level %d", node, l, nb, h.level(nb))
				case atomic.LoadUint32(&h.meta[nb])&metaDetached != 0:
					return bad("node %d level %d links detached node %d", node, l, nb)
				case seen[nb]:
					return bad("node %d level %d: neighbour %d twice", node, l, nb)
				}
				seen[nb] = true
			}
		}
	}
	if off != h.upperLen {
		return bad("upper lists use %d words, recorded %d", off, h.upperLen)
	}
	if deleted != h.tombstones || detached != h.detached {
		return bad("%d tombstoned nodes (%d detached), counts say %d (%d)", deleted, detached, h.tombstones, h.detached)
	}
	if deleted == detached && len(h.idmap) > 1 {
		// Repaired: no route leads through a deleted node, and no live
		// node is cut off.
		for node := uint32(0); node < n; node++ {
			if atomic.LoadUint32(&h.meta[node])&metaDeleted == 0 && atomic.LoadUint32(&h.list(node, 0)[0]) == 0 {
				return bad("live node %d has no neighbours", node)
			}
		}
	}
	if int(n)-deleted != len(h.idmap) {
		return bad("%d live nodes, %d ids", int(n)-deleted, len(h.idmap))
	}
	for id, node := range h.idmap {
		if node >= n || h.ids[node] != id {
			return bad("id %d maps to node %d which does not map back", id, node)
		}
	}
	ep := h.ep.Load()
	if maxLvl < 0 {
		if ep != noEntry {
			return bad("index without linked nodes has entry point %#x", ep)
		}
		return nil
	}
	if ep == noEntry || uint32(ep) >= n || int(ep>>32) != maxLvl || h.level(uint32(ep)) != maxLvl || h.meta[uint32(ep)]&metaDetached != 0 {
		return bad("entry point %#x is not a node of the top level %d", ep, maxLvl)
	}
	return nil
}

// Rebuild returns a new index of the live ids and vectors only, built with
// the same options on threads goroutines: it drops tombstones and repairs
// the routing they degrade. The receiver stays usable; swap it for the
// result when Tombstones grows large (e.g. past a tenth of Len).
func (h *HNSW) Rebuild(threads int) (*HNSW, error) {
	nh, err := NewHNSW(h.Options())
	if err != nil {
		return nil, err
	}
	h.grow.RLock()
	n := h.nodes.Load()
	var ids []uint64
	var f16 []byte
	var f32 []float32
	for node := uint32(0); node < n; node++ {
		m := atomic.LoadUint32(&h.meta[node])
		if m&metaReady == 0 || m&metaDeleted != 0 {
			continue
		}
		ids = append(ids, h.ids[node])
		if h.arena.elem == Float16 {
			f16 = append(f16, h.arena.rawF16(node)...)
		} else {
			f32 = append(f32, h.arena.rawF32(node)...)
		}
	}
	h.grow.RUnlock()
	if h.arena.elem == Float16 {
		err = nh.AddBatchF16(ids, f16, threads)
	} else {
		err = nh.AddBatch(ids, f32, threads)
	}
	if err != nil {
		return nil, err
	}
	return nh, nil
}
