package index

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"testing"
)

// deletedNeverReturned runs every kind of search and fails if one returns
// an id that gone reports deleted.
func deletedNeverReturned(t *testing.T, h *HNSW, d *dataset, gone func(id uint64) bool) {
	t.Helper()
	all := slices.Clone(d.ids)
	for qi := range 8 {
		q := d.query(qi)
		var got [][]Result
		r, _ := h.Search(q, 20, testEf, nil)
		got = append(got, r)
		r, _ = h.Search(q, 20, testEf, func(id uint64) bool { return id%2 == 0 })
		got = append(got, r)
		r, _ = h.SearchRange(q, 0.6, nil, false)
		got = append(got, r)
		r, _ = h.SearchRange(q, 0.6, nil, true)
		got = append(got, r)
		r, _ = h.SearchIDs(q, 20, all)
		got = append(got, r)
		r, _ = h.ExactSearch(q, 20, nil, 2)
		got = append(got, r)
		for kind, rs := range got {
			for _, x := range rs {
				if gone(x.ID) {
					t.Fatalf("query %d, search kind %d returned deleted id %d", qi, kind, x.ID)
				}
			}
		}
	}
}

func meanRecall(h *HNSW, d *dataset, nq int, keep func(row int) bool) float64 {
	return meanRecallOf(h, d, exactAnswers(d, nq, keep))
}

func exactAnswers(d *dataset, nq int, keep func(row int) bool) [][]Result {
	out := make([][]Result, nq)
	for qi := range out {
		out[qi] = d.exact(d.query(qi), 10, keep)
	}
	return out
}

func meanRecallOf(h *HNSW, d *dataset, want [][]Result) float64 {
	sum := 0.0
	for qi, w := range want {
		got, _ := h.Search(d.query(qi), 10, testEf, nil)
		sum += recall(got, w)
	}
	return sum / float64(len(want))
}

func TestRepairAfterDeletesKeepsRecall(t *testing.T) {
	n, nq := size(3000, 1500), 40
	d := clustered(t, n, nq, 0, 11)
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct {
		name string
		del  func(row int) bool
	}{
		{"random half", func(int) bool { return r.IntN(2) == 0 }},
		// the biggest classes gone whole: their members' neighbourhoods
		// are all deleted, so repair must search to reconnect.
		{"whole classes", func(row int) bool { return d.class[row]%3 == 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := build(t, d, DefaultOptions(d.dim), 2)
			gone := map[uint64]bool{}
			for i, id := range d.ids {
				if c.del(i) {
					h.Delete(id)
					gone[id] = true
				}
			}
			keep := func(row int) bool { return !gone[d.ids[row]] }
			before := h.Len()
			st, err := h.Repair(context.Background(), BatchOptions{Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("deleted %d of %d: %+v", len(gone), n, st)
			if st.Detached != len(gone) || st.Relinked == 0 || st.Relinked > before {
				t.Fatalf("stats %+v for %d deletions", st, len(gone))
			}
			if h.Unrepaired() != 0 || h.Tombstones() != len(gone) || h.Len() != before {
				t.Fatalf("Unrepaired %d Tombstones %d Len %d", h.Unrepaired(), h.Tombstones(), h.Len())
			}
			mustCheck(t, h)
			want := exactAnswers(d, nq, keep)
			if rc := meanRecallOf(h, d, want); rc < 0.95 {
				t.Errorf("recall@10 after repair %.3f", rc)
			}
			deletedNeverReturned(t, h, d, func(id uint64) bool { return gone[id] })

			if got := h.Compact(); got != len(gone) {
				t.Fatalf("Compact dropped %d, want %d", got, len(gone))
			}
			mustCheck(t, h)
			if h.Tombstones() != 0 || h.Len() != before {
				t.Fatalf("after Compact: Tombstones %d Len %d", h.Tombstones(), h.Len())
			}
			if rc := meanRecallOf(h, d, want); rc < 0.95 {
				t.Errorf("recall@10 after compaction %.3f", rc)
			}
			deletedNeverReturned(t, h, d, func(id uint64) bool { return gone[id] })

			// The deleted rows come back into the compacted index.
			var ids []uint64
			var vs []float32
			for i, id := range d.ids {
				if gone[id] {
					ids = append(ids, id)
					vs = append(vs, d.row(i)...)
				}
			}
			if err := h.AddBatch(ids, vs, 2); err != nil {
				t.Fatal(err)
			}
			mustCheck(t, h)
			if rc := meanRecall(h, d, nq, nil); rc < 0.95 || h.Len() != n {
				t.Errorf("after re-adding: Len %d recall@10 %.3f", h.Len(), rc)
			}
		})
	}
}

func TestReplacingEveryIDLinksTheNewVectors(t *testing.T) {
	// Replacing all ids with a batch once made every insert search a
	// region of tombstones it could not link to: the new nodes ended with
	// no neighbours, and the batch took quadratic time.
	n, nq := size(2000, 1000), 30
	old := clustered(t, n, 0, 0, 21)
	d := clustered(t, n, nq, 0, 22)
	h := build(t, old, DefaultOptions(d.dim), 2)
	if err := h.AddBatch(d.ids, d.base, 2); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, h)
	if h.Len() != n || h.Tombstones() != n || h.Unrepaired() != 0 {
		t.Fatalf("Len %d Tombstones %d Unrepaired %d", h.Len(), h.Tombstones(), h.Unrepaired())
	}
	if rc := meanRecall(h, d, nq, nil); rc < 0.95 {
		t.Errorf("recall@10 over the replacing vectors %.3f", rc)
	}
	h.Compact()
	mustCheck(t, h)
	if rc := meanRecall(h, d, nq, nil); rc < 0.95 {
		t.Errorf("recall@10 after compaction %.3f", rc)
	}
}

// maxAfterCancel is how many vectors a batch may link after the progress
// callback that cancels it: one in flight per goroutine and one more each
// that had passed its check before the cancellation.
func maxAfterCancel(threads int) int { return 2 * threads }

func TestAddBatchStopsSoonAfterCancel(t *testing.T) {
	d := clustered(t, 1200, 20, 0, 31)
	for _, threads := range []int{1, 3} {
		h, _ := NewHNSW(DefaultOptions(d.dim))
		ctx, cancel := context.WithCancel(context.Background())
		const stopAt = 400
		last, at := 0, 0
		err := h.AddBatchContext(ctx, d.ids, d.base, BatchOptions{Threads: threads, Progress: func(done, total int) {
			if total != len(d.ids) || done < last {
				t.Errorf("progress %d of %d after %d", done, total, last)
			}
			last = done
			if done >= stopAt && at == 0 {
				at = done
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("threads %d: %v", threads, err)
		}
		if at < stopAt || at > stopAt+ProgressEvery || h.Len() < at || h.Len() > at+maxAfterCancel(threads) {
			t.Errorf("threads %d: cancelled at %d, index holds %d", threads, at, h.Len())
		}
		mustCheck(t, h)
		// What was linked is searchable; the rest is absent and can be
		// added again.
		for i, id := range d.ids {
			if !h.Contains(id) {
				if res, _ := h.Search(d.row(i), 1, testEf, nil); len(res) > 0 && res[0].ID == id {
					t.Fatalf("absent id %d found", id)
				}
			}
		}
		if err := h.AddBatch(d.ids, d.base, threads); err != nil {
			t.Fatal(err)
		}
		mustCheck(t, h)
		if h.Len() != len(d.ids) {
			t.Fatalf("Len %d after completing", h.Len())
		}
		if rc := meanRecall(h, d, 20, nil); rc < 0.95 {
			t.Errorf("threads %d: recall@10 %.3f after a cancelled then completed build", threads, rc)
		}
	}
	// An already cancelled context adds nothing.
	h, _ := NewHNSW(DefaultOptions(d.dim))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.AddBatchContext(ctx, d.ids, d.base, BatchOptions{}); !errors.Is(err, context.Canceled) || h.Len() != 0 {
		t.Fatalf("cancelled before: %v, Len %d", err, h.Len())
	}
	mustCheck(t, h)
}

func TestRepairCancelledLeavesAUsableIndex(t *testing.T) {
	d := clustered(t, 1500, 20, 0, 41)
	h := build(t, d, DefaultOptions(d.dim), 2)
	for i := 0; i < len(d.ids); i += 2 {
		h.Delete(d.ids[i])
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err := h.Repair(ctx, BatchOptions{Threads: 2, Progress: func(done, _ int) {
		if done >= 200 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Repair: %v", err)
	}
	mustCheck(t, h)
	gone := func(id uint64) bool { return (id-1000)%2 == 0 }
	deletedNeverReturned(t, h, d, gone)
	st, err := h.Repair(context.Background(), BatchOptions{Threads: 2})
	if err != nil || st.Detached != len(d.ids)/2 {
		t.Fatalf("second Repair %+v: %v", st, err)
	}
	mustCheck(t, h)
	if rc := meanRecall(h, d, 20, func(r int) bool { return r%2 == 1 }); rc < 0.95 {
		t.Errorf("recall@10 %.3f", rc)
	}
}

func TestDetachedTombstonesPersist(t *testing.T) {
	d := clustered(t, 1200, 20, 0, 51)
	h := build(t, d, DefaultOptions(d.dim), 2)
	for i := 0; i < 400; i++ {
		h.Delete(d.ids[i])
	}
	if _, err := h.Repair(context.Background(), BatchOptions{}); err != nil {
		t.Fatal(err)
	}
	h.Delete(d.ids[700]) // one tombstone still routing, with its vector
	var buf bytes.Buffer
	if _, err := h.WriteGraph(&buf); err != nil {
		t.Fatal(err)
	}
	ld, err := ReadGraph(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range d.ids {
		if ld.Want(id) {
			ld.Set(id, d.row(i))
		}
	}
	l, err := ld.Finish()
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, l)
	if l.Len() != h.Len() || l.Tombstones() != 401 || l.Unrepaired() != 1 {
		t.Fatalf("loaded Len %d Tombstones %d Unrepaired %d", l.Len(), l.Tombstones(), l.Unrepaired())
	}
	var again bytes.Buffer
	l.WriteGraph(&again)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatal("writing the loaded graph gives different bytes")
	}
	for qi := range 20 {
		a, _ := h.Search(d.query(qi), 10, 0, nil)
		b, _ := l.Search(d.query(qi), 10, 0, nil)
		if !slices.Equal(a, b) {
			t.Fatalf("query %d: loaded %v, built %v", qi, b, a)
		}
	}
	// A detached node is a version 2 state: the same bytes labelled
	// version 1 are refused.
	v1 := bytes.Clone(buf.Bytes())
	v1[8] = 1
	sum := crc32.Checksum(v1[:len(v1)-4], castagnoli)
	v1[len(v1)-4], v1[len(v1)-3], v1[len(v1)-2], v1[len(v1)-1] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
	if _, err := ReadGraph(bytes.NewReader(v1)); !errors.Is(err, ErrFormat) {
		t.Fatalf("detached node in a version 1 graph: %v", err)
	}
	// A version 1 graph (no detached nodes) still reads.
	small := clustered(t, 300, 0, 0, 52)
	g := build(t, small, DefaultOptions(d.dim).WithM(4), 1)
	g.Delete(small.ids[3])
	buf.Reset()
	g.WriteGraph(&buf)
	v1 = bytes.Clone(buf.Bytes())
	v1[8] = 1
	sum = crc32.Checksum(v1[:len(v1)-4], castagnoli)
	v1[len(v1)-4], v1[len(v1)-3], v1[len(v1)-2], v1[len(v1)-1] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
	if _, err := ReadGraph(bytes.NewReader(v1)); err != nil {
		t.Fatalf("version 1 graph: %v", err)
	}
}

func TestCheckFindsLinksToDetachedNodes(t *testing.T) {
	d := clustered(t, 500, 1, 0, 61)
	h := build(t, d, DefaultOptions(d.dim).WithM(6), 1)
	for i := range 100 {
		h.Delete(d.ids[i])
	}
	if _, err := h.Repair(context.Background(), BatchOptions{Threads: 1}); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, h)
	live := uint32(0)
	for h.deleted(live) {
		live++
	}
	dead := h.idmap[d.ids[200]] // any live node's neighbour slot gets a detached node
	_ = dead
	var det uint32
	for node := range h.nodes.Load() {
		if h.meta[node]&metaDetached != 0 {
			det = node
			break
		}
	}
	blk := h.list(live, 0)
	blk[1] = det
	if err := h.Check(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a link to a detached node: %v", err)
	}
	blk[1] = blk[2]
	blk[0] = 0 // now a live node without neighbours
	if err := h.Check(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("an isolated live node: %v", err)
	}
}
