// Package index owns laiondb's vector search: an HNSW graph (HNSW) and an
// exact scan (Flat) over unit vectors keyed by uint64 row ids, scored by
// inner product, which for unit vectors is the cosine (distance is
// 1 - score). It knows vectors and ids, nothing of tables or storage.
//
// Main API:
//
//	h, err := NewHNSW(DefaultOptions(512))          // M, EfConstruction, EfSearch, Seed, Element
//	err = h.AddBatch(ids, vectors, threads)          // or Add, AddF16, AddBatchF16
//	err = h.AddBatchContext(ctx, ids, vectors, BatchOptions{Threads, Progress})
//	res, err := h.Search(q, k, ef, filter)           // []Result{ID, Score}, best first
//	res, err = h.SearchRange(q, 0.9, filter, false)  // every id with cosine > 0.9
//	res, err = h.SearchIDs(q, k, allowedIDs)         // exact over a short list
//	res, err = h.ExactSearch(q, k, filter, threads)  // exact over everything
//	h.Delete(id); st, err := h.Repair(ctx, opts); h.Compact()
//	h.Len(); h.Tombstones(); h2, err := h.Rebuild(threads)
//	n, err := h.WriteGraph(w)                        // graph without live vectors
//	ld, err := ReadGraph(r); ld.SetF16(id, v)...; h, err = ld.Finish()
//	err = h.Check()
//
// Tuning: ef trades speed for recall. On 20,000 CLIP-like vectors (real
// CLIP class centres, cosine 0.78 to the centre) recall@10 is >= 0.95 at
// ef=128 with the default M=16, EfConstruction=200 (asserted by the
// tests); on 100,000 such vectors it needs ef≈300 (bench/knn). Ask for ef
// of a few times k. Raise M (32, 48) only if recall plateaus.
//
// Replacing and deleting: Delete, and Add of an id that is present,
// tombstone the old node. A tombstone is never returned by any search
// (graph, filtered, range, SearchIDs, exact) and routes searches until
// Repair unlinks it: every live node that linked to a tombstone gets a new
// list from its neighbourhood (the heuristic over its live neighbours and
// the tombstones' live neighbours) and is linked back, at a cost
// proportional to the tombstones' neighbourhoods, not to the index.
// AddBatch repairs before linking (it deletes the ids it replaces first),
// so a batch never links into a region of tombstones. Compact then drops
// the unlinked tombstones in one pass; Rebuild builds a fresh index of the
// live vectors. AddBatchContext and Repair check their context before
// every vector or node and report progress every ProgressEvery.
//
// Persistence: WriteGraph streams parameters, levels, neighbour lists, the
// id mapping, tombstones (with their vectors, which nobody else keeps,
// unless Repair unlinked them), a version and a checksum, but not the live vectors: the caller keeps those
// and supplies them to a Loader, in any order. Loading only copies, so it
// is far faster than building. A Loader reports ids it does not know
// (ErrUnknownID: rows missing from the index) and Finish reports graph ids
// that got no vector (ErrMissingVectors), which is how a mismatch between
// a table and its index shows.
//
// Caveats: stored vectors should have unit length (the index does not
// normalise them; queries are normalised). Filters are called from the
// searching goroutine, must be safe for concurrent use, and must not call
// the index (a search holds its read lock). Result slices
// belong to the caller; no method retains a slice it is given — vectors
// are copied into the arena. Check and WriteGraph take the index-wide
// write lock and wait for inserts in flight. Each concurrent search or
// insert keeps a pooled visited set of two bytes per node.
package index
