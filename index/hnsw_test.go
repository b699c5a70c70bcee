package index

import (
	"bytes"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/laiondb/laiondb/index/vec"
)

// testEf is the ef at which the index reaches recall@10 >= 0.95 on the
// clustered CLIP-like sets below (0.98-0.99 measured at 20,000 vectors).
const testEf = 128

func size(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

func build(t testing.TB, d *dataset, o Options, threads int) *HNSW {
	t.Helper()
	h, err := NewHNSW(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddBatch(d.ids, d.base, threads); err != nil {
		t.Fatal(err)
	}
	return h
}

func mustCheck(t testing.TB, h *HNSW) {
	t.Helper()
	if err := h.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// sameResults reports whether got and want list the same ids in the same
// order, allowing neighbours whose scores tie (within float rounding) to
// swap.
func sameResults(got, want []Result) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].ID != want[i].ID && math.Abs(float64(got[i].Score-want[i].Score)) > 1e-5 {
			return false
		}
	}
	return true
}

func ids(rs []Result) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestRecallClustered(t *testing.T) {
	for _, c := range []struct {
		name string
		rank int
	}{{"isotropic", 0}, {"low-rank", 16}} {
		t.Run(c.name, func(t *testing.T) {
			n, nq := size(20000, 4000), 200
			d := clustered(t, n, nq, c.rank, 1)
			h := build(t, d, DefaultOptions(d.dim), 2)
			mustCheck(t, h)
			sum := 0.0
			for i := range nq {
				got, err := h.Search(d.query(i), 10, testEf, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 10 {
					t.Fatalf("query %d: %d results", i, len(got))
				}
				for j := 1; j < len(got); j++ {
					if got[j].Score > got[j-1].Score {
						t.Fatalf("query %d: results not best first: %v", i, got)
					}
				}
				sum += recall(got, d.exact(d.query(i), 10, nil))
			}
			r := sum / float64(nq)
			t.Logf("recall@10 at ef=%d over %d vectors: %.4f", testEf, n, r)
			if r < 0.95 {
				t.Errorf("recall@10 %.4f < 0.95 at ef=%d", r, testEf)
			}
		})
	}
}

func TestFilteredSearchEqualsExactOnSubset(t *testing.T) {
	d := clustered(t, 5000, 40, 0, 2)
	h := build(t, d, DefaultOptions(d.dim), 2)
	flat, _ := NewFlat(d.dim, Float16)
	for i, id := range d.ids {
		flat.Add(id, d.row(i))
	}
	row := func(id uint64) int { return int(id - 1000) }
	filters := []struct {
		name  string
		keep  func(row int) bool
		exact bool // selective enough that the answer must be exact
	}{
		{"half", func(r int) bool { return r%2 == 0 }, false},
		{"one-class", func(r int) bool { return d.class[r] == d.class[0] }, false},
		{"1-in-300", func(r int) bool { return r%300 == 7 }, true},
		{"three-ids", func(r int) bool { return r == 5 || r == 77 || r == 4999 }, true},
		{"none", func(r int) bool { return false }, true},
	}
	for _, f := range filters {
		filter := func(id uint64) bool { return f.keep(row(id)) }
		for _, k := range []int{1, 10, 50} {
			sum := 0.0
			for qi := range 40 {
				q := d.query(qi)
				want := d.exact(q, k, f.keep)
				got, err := h.Search(q, k, max(testEf, 4*k), filter)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s k=%d: %d results, %d allowed exist", f.name, k, len(got), len(want))
				}
				for _, r := range got {
					if !filter(r.ID) {
						t.Fatalf("%s: result %d rejected by the filter", f.name, r.ID)
					}
				}
				if f.exact && !sameResults(got, want) {
					t.Fatalf("%s k=%d query %d: %v want %v", f.name, k, qi, ids(got), ids(want))
				}
				sum += recall(got, want)
				fl, _ := flat.Search(q, k, filter)
				if !sameResults(fl, want) {
					t.Fatalf("Flat %s k=%d: %v want %v", f.name, k, ids(fl), ids(want))
				}
				ex, _ := h.ExactSearch(q, k, filter, 2)
				if !sameResults(ex, want) {
					t.Fatalf("ExactSearch %s k=%d: %v want %v", f.name, k, ids(ex), ids(want))
				}
			}
			if r := sum / 40; r < 0.95 {
				t.Errorf("%s k=%d: filtered recall %.3f < 0.95", f.name, k, r)
			}
		}
	}
	mustCheck(t, h)
	// SearchIDs is exact over the listed ids, skipping unknown ones.
	q := d.query(0)
	list := []uint64{1005, 1077, 6000, 424242}
	got, _ := h.SearchIDs(q, 10, list)
	want := d.exact(q, 10, func(r int) bool { return r == 5 || r == 77 })
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("SearchIDs %v want %v", ids(got), ids(want))
	}
}

func TestRangeSearch(t *testing.T) {
	d := clustered(t, 5000, 20, 0, 3)
	h := build(t, d, DefaultOptions(d.dim), 2)
	flat, _ := NewFlat(d.dim, Float16)
	for i, id := range d.ids {
		flat.AddF16(id, f16(d.row(i)))
	}
	sum, cnt := 0.0, 0
	for qi := range 20 {
		q := d.query(qi)
		all := d.exact(q, 200, nil)
		for _, pos := range []int{0, 5, 60, 199} {
			thr := all[pos].Score
			var want []Result
			for _, r := range d.exact(q, len(d.ids), nil) {
				if r.Score > thr {
					want = append(want, r)
				}
			}
			ex, _ := h.SearchRange(q, thr, nil, true)
			if !sameResults(ex, want) {
				t.Fatalf("exact range q%d t=%v: %d results, want %d", qi, thr, len(ex), len(want))
			}
			fl, _ := flat.SearchRange(q, thr, nil)
			if !sameResults(fl, want) {
				t.Fatalf("Flat range q%d t=%v: %d results, want %d", qi, thr, len(fl), len(want))
			}
			got, _ := h.SearchRange(q, thr, nil, false)
			for _, r := range got {
				if r.Score <= thr {
					t.Fatalf("range result %v not above %v", r, thr)
				}
			}
			sum += recall(got, want)
			cnt++
		}
	}
	if r := sum / float64(cnt); r < 0.95 {
		t.Errorf("graph range search: mean recall %.3f < 0.95", r)
	}
	mustCheck(t, h)
}

func f16(v []float32) []byte {
	b := make([]byte, 2*len(v))
	vec.F32ToF16(b, v)
	return b
}

func TestReplaceAndDelete(t *testing.T) {
	d := clustered(t, 2000, 0, 0, 4)
	h := build(t, d, DefaultOptions(d.dim), 2)
	a, b := d.row(10), d.row(1500) // id 1010 gets row 1500's vector
	if err := h.Add(1010, b); err != nil {
		t.Fatal(err)
	}
	if h.Len() != 2000 || h.Tombstones() != 1 {
		t.Fatalf("after replace: Len %d Tombstones %d", h.Len(), h.Tombstones())
	}
	top, _ := h.Search(b, 2, testEf, nil)
	if got := []uint64{top[0].ID, top[1].ID}; !slices.Contains(got, 1010) || !slices.Contains(got, 2500) || top[0].Score < 0.99 {
		t.Fatalf("searching the new vector: %v", top)
	}
	top, _ = h.Search(a, 5, testEf, nil)
	for _, r := range top {
		if r.ID == 1010 && r.Score > 0.99 {
			t.Fatalf("old vector of a replaced id still found: %v", top)
		}
	}
	if !h.Delete(1020) || h.Delete(1020) || h.Delete(77) {
		t.Fatal("Delete reports presence wrongly")
	}
	if h.Contains(1020) || h.Len() != 1999 || h.Tombstones() != 2 {
		t.Fatalf("after delete: Len %d Tombstones %d", h.Len(), h.Tombstones())
	}
	top, _ = h.Search(d.row(20), 10, testEf, nil)
	if slices.Contains(ids(top), 1020) {
		t.Fatalf("deleted id returned: %v", top)
	}
	if err := h.AddF16(1020, f16(d.row(20))); err != nil { // re-add after delete
		t.Fatal(err)
	}
	top, _ = h.Search(d.row(20), 1, testEf, nil)
	if top[0].ID != 1020 {
		t.Fatalf("re-added id not found: %v", top)
	}
	mustCheck(t, h)
	r, err := h.Rebuild(2)
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, r)
	if r.Len() != 2000 || r.Tombstones() != 0 {
		t.Fatalf("rebuilt: Len %d Tombstones %d", r.Len(), r.Tombstones())
	}
	top, _ = r.Search(b, 2, testEf, nil)
	if !slices.Contains(ids(top), 1010) {
		t.Fatalf("rebuilt index lost the replaced vector: %v", top)
	}
}

func TestPersistenceRoundTrip(t *testing.T) {
	d := clustered(t, 3000, 30, 0, 5)
	for _, elem := range []Element{Float16, Float32} {
		t.Run(elem.String(), func(t *testing.T) {
			h := build(t, d, DefaultOptions(d.dim).WithElement(elem).WithEfSearch(40), 2)
			h.Add(1003, d.row(2000)) // a tombstone whose vector only the graph keeps
			h.Delete(1004)
			var buf bytes.Buffer
			if _, err := h.WriteGraph(&buf); err != nil {
				t.Fatal(err)
			}
			ld, err := ReadGraph(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if ld.Len() != h.Len() {
				t.Fatalf("loader Len %d want %d", ld.Len(), h.Len())
			}
			vecOf := func(id uint64) []float32 {
				if id == 1003 {
					return d.row(2000)
				}
				return d.row(int(id - 1000))
			}
			// feed vectors in a shuffled order, as storage may iterate.
			order := rand.New(rand.NewPCG(1, 1)).Perm(len(d.ids))
			for _, i := range order {
				id := d.ids[i]
				err := ld.SetF16(id, f16(vecOf(id)))
				if id == 1004 {
					if !errors.Is(err, ErrUnknownID) {
						t.Fatalf("deleted id: %v, want ErrUnknownID", err)
					}
				} else if err != nil {
					t.Fatal(err)
				}
			}
			l, err := ld.Finish()
			if err != nil {
				t.Fatal(err)
			}
			mustCheck(t, l)
			if l.Len() != h.Len() || l.Tombstones() != h.Tombstones() || l.Options() != h.Options() {
				t.Fatalf("loaded Len %d/%d Tombstones %d/%d Options %+v/%+v", l.Len(), h.Len(), l.Tombstones(), h.Tombstones(), l.Options(), h.Options())
			}
			for qi := range 30 {
				a, _ := h.Search(d.query(qi), 10, 0, nil)
				b, _ := l.Search(d.query(qi), 10, 0, nil)
				if !slices.Equal(a, b) {
					t.Fatalf("query %d: loaded %v, built %v", qi, b, a)
				}
			}
			var again bytes.Buffer
			l.WriteGraph(&again)
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Fatal("writing the loaded graph gives different bytes")
			}
			// the callback form
			l2, err := LoadHNSW(bytes.NewReader(buf.Bytes()), func(id uint64, dst []float32) error {
				copy(dst, vecOf(id))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := h.Search(d.query(0), 10, 0, nil)
			b, _ := l2.Search(d.query(0), 10, 0, nil)
			if !slices.Equal(a, b) {
				t.Fatalf("LoadHNSW: %v want %v", b, a)
			}
		})
	}
}

func TestLoaderMissingVectors(t *testing.T) {
	d := clustered(t, 500, 1, 0, 6)
	h := build(t, d, DefaultOptions(d.dim), 1)
	var buf bytes.Buffer
	h.WriteGraph(&buf)
	ld, err := ReadGraph(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range d.ids {
		if i != 7 {
			ld.Set(id, d.row(i))
		}
	}
	if !ld.Want(1007) || ld.Want(1008) {
		t.Fatal("Want is wrong")
	}
	if _, err := ld.Finish(); !errors.Is(err, ErrMissingVectors) {
		t.Fatalf("Finish with a missing vector: %v", err)
	}
	if miss := ld.DeleteMissing(); !slices.Equal(miss, []uint64{1007}) {
		t.Fatalf("DeleteMissing: %v", miss)
	}
	l, err := ld.Finish()
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, l)
	if l.Contains(1007) || l.Len() != 499 {
		t.Fatalf("Len %d", l.Len())
	}
}

func TestCorruptGraphInput(t *testing.T) {
	d := clustered(t, 300, 1, 0, 7)
	h := build(t, d, DefaultOptions(d.dim).WithM(4), 1)
	h.Delete(1001)
	var buf bytes.Buffer
	h.WriteGraph(&buf)
	good := buf.Bytes()
	if _, err := ReadGraph(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n += 1 + n/50 {
		if _, err := ReadGraph(bytes.NewReader(good[:n])); !errors.Is(err, ErrFormat) {
			t.Fatalf("truncated to %d of %d bytes: %v", n, len(good), err)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 300 {
		bad := bytes.Clone(good)
		bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
		if _, err := ReadGraph(bytes.NewReader(bad)); err == nil {
			t.Fatal("a flipped byte was not detected")
		}
	}
	// Structurally wrong but with a valid checksum: a neighbour past the end.
	bad := bytes.Clone(good)
	const firstList = 8 + 4 + 4 + 1 + 4*3 + 8 + 4 + 8 + 4 + 8 + 1 + 1 // header, id, level, flag
	if c := bad[firstList]; c == 0 {
		t.Fatal("node 0 has no neighbours; test needs one")
	}
	bad[firstList+4], bad[firstList+5], bad[firstList+6], bad[firstList+7] = 0xff, 0xff, 0, 0
	sum := crc32.Checksum(bad[:len(bad)-4], castagnoli)
	bad[len(bad)-4], bad[len(bad)-3], bad[len(bad)-2], bad[len(bad)-1] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
	if _, err := ReadGraph(bytes.NewReader(bad)); !errors.Is(err, ErrFormat) {
		t.Fatalf("neighbour out of range: %v", err)
	}
	if _, err := ReadGraph(bytes.NewReader([]byte("not a graph at all"))); !errors.Is(err, ErrFormat) {
		t.Fatalf("foreign input: %v", err)
	}
}

func TestCheckFindsCorruption(t *testing.T) {
	d := clustered(t, 400, 1, 0, 8)
	corruptions := []struct {
		name string
		do   func(h *HNSW)
	}{
		{"self link", func(h *HNSW) { h.links0[1] = 0; h.links0[0] = max(h.links0[0], 1) }},
		{"out of range", func(h *HNSW) { h.links0[1] = 400; h.links0[0] = max(h.links0[0], 1) }},
		{"count past capacity", func(h *HNSW) { h.links0[0] = uint32(h.maxM0 + 1) }},
		{"id map", func(h *HNSW) { h.ids[5] = 999999 }},
		{"entry point", func(h *HNSW) { h.ep.Store(uint64(h.level(3)+1)<<32 | 3) }},
		{"tombstone count", func(h *HNSW) { h.tombstones++ }},
	}
	for _, c := range corruptions {
		h := build(t, d, DefaultOptions(d.dim).WithM(6), 1)
		mustCheck(t, h)
		c.do(h)
		if err := h.Check(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Check gave %v", c.name, err)
		}
	}
}

func TestSequentialBuildIsReproducible(t *testing.T) {
	d := clustered(t, 1500, 1, 0, 9)
	var a, b bytes.Buffer
	build(t, d, DefaultOptions(d.dim), 1).WriteGraph(&a)
	build(t, d, DefaultOptions(d.dim), 1).WriteGraph(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two single-threaded builds differ")
	}
	var c bytes.Buffer
	build(t, d, DefaultOptions(d.dim).WithSeed(2), 1).WriteGraph(&c)
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("another seed gave the same graph")
	}
}

func TestConcurrentInsertSearchDelete(t *testing.T) {
	n := size(4000, 1500)
	d := clustered(t, n, 50, 0, 10)
	h, _ := NewHNSW(DefaultOptions(d.dim).WithEfConstruction(64))
	half := n / 2
	if err := h.AddBatch(d.ids[:100], d.base[:100*d.dim], 1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	// two batches in parallel, each itself on two threads
	for _, part := range [][2]int{{100, half}, {half, n}} {
		wg.Go(func() {
			if err := h.AddBatch(d.ids[part[0]:part[1]], d.base[part[0]*d.dim:part[1]*d.dim], 2); err != nil {
				t.Error(err)
			}
		})
	}
	// single adds, replacements and deletes of the first hundred
	wg.Go(func() {
		for i := range 50 {
			h.Add(d.ids[i], d.row(i)) // same vector again: a replacement
			h.Delete(d.ids[50+i])
		}
	})
	stop := make(chan struct{})
	var searches sync.WaitGroup
	for g := range 2 {
		searches.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := d.query((i + g) % 50)
				res, err := h.Search(q, 10, 32, func(id uint64) bool { return id%3 != 0 })
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range res {
					if r.ID%3 == 0 {
						t.Errorf("filtered search returned %d", r.ID)
						return
					}
				}
				h.SearchRange(q, 0.7, nil, false)
			}
		})
	}
	wg.Wait()
	close(stop)
	searches.Wait()
	mustCheck(t, h)
	if h.Len() != n-50 || h.Tombstones() != 100 {
		t.Fatalf("Len %d Tombstones %d", h.Len(), h.Tombstones())
	}
	sum := 0.0
	for qi := range 50 {
		got, _ := h.Search(d.query(qi), 10, testEf, nil)
		sum += recall(got, d.exact(d.query(qi), 10, func(r int) bool { return r < 50 || r >= 100 }))
	}
	if r := sum / 50; r < 0.9 {
		t.Errorf("recall after concurrent build %.3f", r)
	}
}

func TestInputErrors(t *testing.T) {
	if _, err := NewHNSW(DefaultOptions(0)); !errors.Is(err, ErrOptions) {
		t.Fatalf("dim 0: %v", err)
	}
	if _, err := NewHNSW(DefaultOptions(8).WithM(1)); !errors.Is(err, ErrOptions) {
		t.Fatalf("M 1: %v", err)
	}
	h, _ := NewHNSW(DefaultOptions(4))
	if err := h.Add(1, []float32{1, 2, 3}); !errors.Is(err, ErrDim) {
		t.Fatalf("short vector: %v", err)
	}
	if err := h.AddBatch([]uint64{1, 2}, make([]float32, 4), 1); !errors.Is(err, ErrDim) {
		t.Fatalf("short batch: %v", err)
	}
	if _, err := h.Search([]float32{1}, 1, 0, nil); !errors.Is(err, ErrDim) {
		t.Fatalf("short query: %v", err)
	}
	if res, err := h.Search([]float32{1, 0, 0, 0}, 3, 0, nil); err != nil || len(res) != 0 {
		t.Fatalf("empty index: %v %v", res, err)
	}
	mustCheck(t, h)
	var buf bytes.Buffer
	h.WriteGraph(&buf)
	ld, err := ReadGraph(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := ld.Finish(); err != nil || e.Len() != 0 {
		t.Fatalf("empty round trip: %v", err)
	}
}

func TestFlatReplaceDelete(t *testing.T) {
	f, _ := NewFlat(3, Float16)
	f.Add(1, []float32{1, 0, 0})
	f.Add(2, []float32{0, 1, 0})
	f.Add(1, []float32{0, 0, 1}) // replaces
	if f.Len() != 2 {
		t.Fatalf("Len %d", f.Len())
	}
	res, _ := f.Search([]float32{0, 0, 1}, 5, nil)
	if len(res) != 2 || res[0].ID != 1 || res[0].Score != 1 {
		t.Fatalf("after replace: %v", res)
	}
	if !f.Delete(1) || f.Delete(1) {
		t.Fatal("Delete reports presence wrongly")
	}
	res, _ = f.SearchRange([]float32{0, 0, 1}, -1, nil)
	if len(res) != 1 || res[0].ID != 2 {
		t.Fatalf("after delete: %v", res)
	}
	if _, err := f.Search([]float32{1}, 1, nil); !errors.Is(err, ErrDim) {
		t.Fatalf("short query: %v", err)
	}
}
