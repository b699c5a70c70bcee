package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/engine/synset"
)

// genShard returns a gen shard (the reproducers use gen with
// seeds 1 and 3) of rows rows and dimension 32. Shards are generated once
// per test process and shared: callers copy files before changing them.
func genShard(t testing.TB, rows int, seed uint64, shard int) string {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if testDataDir == "" {
		d, err := os.MkdirTemp("", "laiondb-engine-test-")
		if err != nil {
			t.Fatal(err)
		}
		testDataDir = d
	}
	dir := filepath.Join(testDataDir, fmt.Sprintf("gen-%d-%d-%d", rows, seed, shard))
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	if _, err := gen.Generate(dir, gen.Config{Rows: rows, Seed: seed, Dim: 32, Shard: shard}); err != nil {
		t.Fatal(err)
	}
	return dir
}

var genMu sync.Mutex

// testDataDir holds what tests of this process share (made on first
// use); TestMain removes it.
var testDataDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if testDataDir != "" {
		os.RemoveAll(testDataDir)
	}
	if fpBinary.path != "" {
		os.RemoveAll(filepath.Dir(fpBinary.path))
	}
	os.Exit(code)
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// poisonF16 writes a float16 NaN into row of an npy file.
func poisonF16(t testing.TB, path string, row int) {
	t.Helper()
	r, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	off := r.DataOffset + int64(row*r.Dim*2)
	r.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte{0x00, 0x7e}, off); err != nil {
		t.Fatal(err)
	}
}

// mixedShards is the directory M: shard 0 from b (a replacement
// for a shard 0 already ingested) and shard 1 from a with a NaN in row 50
// of its image embeddings, found only after shard 0 has been switched.
func mixedShards(t testing.TB, a, b string) string {
	m := filepath.Join(t.TempDir(), "M")
	for _, f := range []string{"metadata/metadata_0000.parquet", "img_emb/img_emb_0000.npy", "text_emb/text_emb_0000.npy"} {
		copyFile(t, filepath.Join(b, f), filepath.Join(m, f))
		copyFile(t, filepath.Join(a, f), filepath.Join(m, strings.Replace(f, "0000", "0001", 1)))
	}
	poisonF16(t, filepath.Join(m, "img_emb", "img_emb_0001.npy"), 50)
	return m
}

// labelsDigest hashes the unique-match labelling of every shard of the
// table under the paper's rule: what MATCHES IMAGENET answers.
func labelsDigest(t testing.TB, db *DB, table string) (string, int) {
	t.Helper()
	tbl, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	s := db.Snapshot()
	defer s.Close()
	ls, err := s.Labels(context.Background(), tbl, synset.Paper)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n := 0
	for _, l := range ls.shards {
		for c, u := range l.labels.Unique {
			if !u.IsEmpty() {
				fmt.Fprintf(h, "%d %d %v\n", l.shard, c, u.ToArray())
				n += int(u.GetCardinality())
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// unreferenced lists the shard generations that have stored keys (blocks,
// caption index, labelling) but no catalog entry refers to.
func unreferenced(t testing.TB, db *DB) []string {
	t.Helper()
	live := map[[3]uint32]bool{}
	for _, tbl := range db.Tables() {
		for _, sh := range tbl.Shards {
			live[[3]uint32{tbl.ID, sh.Number, sh.Gen}] = true
			if sh.Pending != nil {
				live[[3]uint32{tbl.ID, sh.Number, sh.Pending.Gen}] = true
			}
		}
	}
	seen := map[string]bool{}
	var out []string
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if k[0] != kindBlock && k[0] != kindTokens && k[0] != kindLabels || len(k) < 13 {
				continue
			}
			g := [3]uint32{be32(k[1:]), be32(k[5:]), be32(k[9:])}
			name := fmt.Sprintf("kind %d table %d shard %d gen %d", k[0], g[0], g[1], g[2])
			if !live[g] && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 15, item 1: an ingest of two shards whose second fails used to
// delete the replaced shard's old generation as soon as the first was
// switched, and the rollback then pointed the catalog back at it: every
// caption NULL, CONTAINS failing with "Key not found", Check failing.
func TestFailedMultiShardIngestLeavesEveryShardAsBefore(t *testing.T) {
	ctx := context.Background()
	a, b := genShard(t, 3000, 1, 0), genShard(t, 3000, 3, 0)
	db := openTestDB(t)
	if _, err := db.Ingest(ctx, []string{a}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	content := contentDigest(t, db)
	labels, matched := labelsDigest(t, db, "laion")
	tbl, _ := db.Table("laion")
	s := db.Snapshot()
	dogs, err := s.Contains(ctx, tbl, synset.Paper, "dog")
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	_, err = db.Ingest(ctx, []string{mixedShards(t, a, b)}, DefaultIngestOptions())
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "img_emb_0001.npy: row 50") {
		t.Fatalf("ingest of M: %v", err)
	}
	if err := db.Check(); err != nil {
		t.Fatalf("check after the failed ingest: %v", err)
	}
	if contentDigest(t, db) != content {
		t.Errorf("shard 0 differs from before the failed ingest")
	}
	if l, n := labelsDigest(t, db, "laion"); l != labels {
		t.Errorf("MATCHES IMAGENET: %d rows, %d before", n, matched)
	}
	tbl, _ = db.Table("laion")
	s = db.Snapshot()
	dogs2, err := s.Contains(ctx, tbl, synset.Paper, "dog")
	s.Close()
	if err != nil || !dogs2.Equals(dogs) {
		t.Errorf("CONTAINS 'dog' after the failed ingest: %v (%d rows, %d before)", err, dogs2.GetCardinality(), dogs.GetCardinality())
	}
	if left := unreferenced(t, db); len(left) > 0 {
		t.Errorf("the failed ingest left %d unreferenced generations: %v", len(left), left)
	}

	// The same run, fixed, goes through and replaces shard 0.
	fixed := mixedShards(t, a, b)
	copyFile(t, filepath.Join(a, "img_emb", "img_emb_0000.npy"), filepath.Join(fixed, "img_emb", "img_emb_0001.npy"))
	if _, err := db.Ingest(ctx, []string{fixed}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	if left := unreferenced(t, db); len(left) > 0 {
		t.Errorf("a finished ingest left %d unreferenced generations: %v", len(left), left)
	}
}

// Issue 15, item 2: the same failure into a fresh database left 47 MB of
// keys; the next table reused the table id and generation, trusted the
// stale stored labelling, and MATCHES IMAGENET gave 1,386 instead of
// 1,409 with Check passing.
func TestFailedIngestLeavesNothingAndIDsAreNotReused(t *testing.T) {
	ctx := context.Background()
	a, b := genShard(t, 3000, 1, 0), genShard(t, 3000, 3, 0)

	ref := openTestDB(t)
	if _, err := ref.Ingest(ctx, []string{a}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	want, wantN := labelsDigest(t, ref, "laion")

	db := openTestDB(t)
	if _, err := db.Ingest(ctx, []string{mixedShards(t, a, b)}, DefaultIngestOptions()); !errors.Is(err, ErrBadInput) {
		t.Fatalf("ingest of M: %v", err)
	}
	if n := countKeys(t, db, kindBlock, kindTokens, kindLabels); n != 0 {
		t.Errorf("the failed ingest left %d keys of blocks, caption indexes and labellings", n)
	}
	if len(db.Tables()) != 0 {
		t.Errorf("the failed ingest left a table: %v", db.Tables()[0].Describe())
	}
	if _, err := db.Ingest(ctx, []string{a}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	if got, n := labelsDigest(t, db, "laion"); got != want {
		t.Errorf("MATCHES IMAGENET: %d rows, want %d", n, wantN)
	}
	if tbl, _ := db.Table("laion"); tbl.ID == 1 {
		t.Errorf("the new table reused id 1 of the failed ingest")
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// Databases written before this fix can hold such leftovers already (and a
// crash during a rollback can leave them): a table's blocks and stored
// labelling without a catalog entry. A new table must not meet them, and
// the next ingest deletes them.
func TestLeftoversOfAnotherTableAreNeverTakenForANewOne(t *testing.T) {
	ctx := context.Background()
	a, b := genShard(t, 3000, 1, 0), genShard(t, 3000, 3, 0)
	ref := openTestDB(t)
	if _, err := ref.Ingest(ctx, []string{a}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	want, wantN := labelsDigest(t, ref, "laion")

	db := openTestDB(t)
	if _, err := db.Ingest(ctx, []string{b}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	old, _ := db.Table("laion")
	// What the old rollback did: the catalog entry goes, the data stays;
	// and the stored labelling is the one an unstamped generation has.
	if err := db.dropTableEntry(old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, []string{a}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	if got, n := labelsDigest(t, db, "laion"); got != want {
		t.Errorf("MATCHES IMAGENET: %d rows, want %d", n, wantN)
	}
	if tbl, _ := db.Table("laion"); tbl.ID == old.ID {
		t.Errorf("the new table reused id %d", old.ID)
	}
	if left := unreferenced(t, db); len(left) > 0 {
		t.Errorf("leftovers of table %d were not collected: %v", old.ID, left)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// countKeys counts the keys whose kind byte is one of kinds.
func countKeys(t testing.TB, db *DB, kinds ...byte) int {
	t.Helper()
	n := 0
	for _, k := range kinds {
		err := db.bdb.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{k}})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}
