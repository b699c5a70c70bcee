package engine

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/index"
)

// exactTop returns the ids of the k stored vectors nearest q (cosine).
func exactTop(t *testing.T, db *DB, q []float32, k int) []uint64 {
	t.Helper()
	tbl, _ := db.Table("laion")
	f, err := index.NewFlat(tbl.Vectors[tbl.Vector("img")].Dim, index.Float16)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.eachVectorBlock(tbl, tbl.Vector("img"), func(ids []uint64, data []byte) error {
		d := tbl.Vectors[tbl.Vector("img")].Dim
		for i, id := range ids {
			if err := f.AddF16(id, data[i*d*2:(i+1)*d*2]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	res, err := f.Search(q, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, r := range res {
		out = append(out, r.ID)
	}
	return out
}

func recallAt(got []index.Result, want []uint64) float64 {
	in := map[uint64]bool{}
	for _, w := range want {
		in[w] = true
	}
	hit := 0
	for _, g := range got {
		if in[g.ID] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

func TestVectorIndexPersistsAndFollowsItsTable(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	dir := db.Dir()
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 6000, dim: 32, number: 0, seed: 21})}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateIndex(ctx, "", "laion", "img", DefaultIndexOptions()); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	query := func() []float32 {
		q := make([]float32, 32)
		for i := range q {
			q[i] = float32(r.NormFloat64())
		}
		return q
	}
	search := func(q []float32, k int) []index.Result {
		h := searchIndexOf(t, db, func(m string) { t.Errorf("unexpected repair: %s", m) })
		res, err := h.Search(q, k, 128, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var total float64
	qs := make([][]float32, 20)
	for i := range qs {
		qs[i] = query()
		total += recallAt(search(qs[i], 10), exactTop(t, db, qs[i], 10))
	}
	if total/20 < 0.95 {
		t.Errorf("recall@10 %.3f", total/20)
	}
	before := search(qs[0], 10)

	// Reopen: the index loads from the database, no rebuild, same answers.
	closeChecked(t, db)
	db = openChecked(t, DefaultOptions(dir))
	after := search(qs[0], 10)
	for i := range before {
		if before[i].ID != after[i].ID {
			t.Fatalf("after reopening, result %d is %d, was %d", i, after[i].ID, before[i].ID)
		}
	}

	// Another shard is added to the index by the ingest itself.
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 3000, dim: 32, number: 1, seed: 22})}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	h := searchIndexOf(t, db, func(m string) { t.Errorf("unexpected repair: %s", m) })
	if h.Len() != 9000 {
		t.Errorf("index holds %d rows after adding a shard, want 9000", h.Len())
	}
	// Re-ingesting shard 1 with other vectors replaces them in the index.
	replaced := testShard{rows: 3000, dim: 32, number: 1, seed: 99}
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), replaced)}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	v := replaced.vectors("img")
	res := search(v[1234*32:1235*32], 1)
	if res[0].ID != rowID(1, 1234) || res[0].Score < 0.999 {
		t.Errorf("searching a replaced vector finds %+v", res[0])
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}

	// A crash between the table's commit and the index's leaves the index
	// behind: a search detects it and repairs it in memory with a message
	// (reads never write), and RepairIndexes stores the repair.
	opt := DefaultIngestOptions()
	opt.skipIndexes = true
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 2000, dim: 32, number: 2, seed: 23})}, opt); err != nil {
		t.Fatal(err)
	}
	reopen := func() {
		closeChecked(t, db)
		db = openChecked(t, DefaultOptions(dir))
	}
	reopen()
	var msgs []string
	h = searchIndexOf(t, db, func(m string) { msgs = append(msgs, m) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], "did not match table laion") || !strings.Contains(msgs[0], "2000 rows to add") {
		t.Errorf("repair messages %q", msgs)
	}
	if h.Len() != 11000 {
		t.Errorf("repaired index holds %d rows, want 11000", h.Len())
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	reopen()
	msgs = nil
	searchIndexOf(t, db, func(m string) { msgs = append(msgs, m) })
	if len(msgs) != 1 {
		t.Errorf("a search stored its repair: messages %q after reopening", msgs)
	}
	stored, err := db.RepairIndexes(ctx, "laion", nil)
	if err != nil || len(stored) != 1 {
		t.Fatalf("RepairIndexes stored %v: %v", stored, err)
	}
	reopen()
	searchIndexOf(t, db, func(m string) { t.Errorf("repaired index was not stored: %s", m) })
}

// searchIndexOf loads the index on laion.img as a search would.
func searchIndexOf(t *testing.T, db *DB, warn func(string)) *index.HNSW {
	t.Helper()
	s := db.Snapshot()
	defer s.Close()
	tbl, err := s.Table("laion")
	if err != nil {
		t.Fatal(err)
	}
	h, err := db.searchIndex(context.Background(), s, tbl, "img", warn, nil)
	if err != nil || h == nil {
		t.Fatalf("index on laion.img: %v, %v", h, err)
	}
	return h
}

func TestCheckFindsACorruptIndex(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 500, dim: 16, seed: 2})}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	meta, err := db.CreateIndex(ctx, "imgs", "laion", "img", DefaultIndexOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	// Flip bytes in the middle of the stored graph.
	key := indexKey(meta.ID, meta.Graph, 0)
	var data []byte
	s := db.Snapshot()
	item, _ := s.txn.Get(key)
	data, _ = item.ValueCopy(nil)
	s.Close()
	for i := len(data) / 2; i < len(data)/2+8; i++ {
		data[i] ^= 0xff
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(key, data) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err == nil || !strings.Contains(err.Error(), "index imgs") {
		t.Errorf("check of a corrupt index: %v", err)
	}
	// A search rebuilds it in memory with a message instead of using it;
	// RepairIndexes stores the rebuilt graph.
	var msgs []string
	db.mu.Lock()
	db.indexes = nil
	db.mu.Unlock()
	searchIndexOf(t, db, func(m string) { msgs = append(msgs, m) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], "rebuilding") {
		t.Errorf("messages %q", msgs)
	}
	if err := db.Check(); err == nil {
		t.Errorf("a search stored the rebuilt index")
	}
	if stored, err := db.RepairIndexes(ctx, "", nil); err != nil || len(stored) != 1 {
		t.Fatalf("RepairIndexes stored %v: %v", stored, err)
	}
	if err := db.Check(); err != nil {
		t.Errorf("check after the repair: %v", err)
	}
}
