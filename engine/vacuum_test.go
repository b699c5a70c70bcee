package engine

import (
	"context"
	"path/filepath"
	"testing"
)

// Re-ingesting a shard three times leaves the database within 1.25× of one
// copy: the space of replaced generations is given back when the ingest
// ends. Dropped sets and a VACUUM give theirs back too. (Small value log
// files make a small shard span several of them, as a real one does with
// the default size: the file being written is never rewritten.)
func TestReplacedShardsGiveTheirSpaceBack(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir).WithValueLogFileSize(2 << 20))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shard := writeShard(t, t.TempDir(), testShard{rows: 20000, dim: 128, seed: 4})
	if _, err := db.Ingest(ctx, []string{shard}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	one := db.DiskUsage()
	for i := 0; i < 3; i++ {
		if _, err := db.Ingest(ctx, []string{shard}, DefaultIngestOptions()); err != nil {
			t.Fatal(err)
		}
		if got := db.DiskUsage(); float64(got) > 1.25*float64(one) {
			t.Errorf("after re-ingesting %d times: %d bytes, one copy takes %d (%.2f×)", i+1, got, one, float64(got)/float64(one))
		}
	}
	// A set of every row, dropped: its space comes back.
	makeSet(t, db, "every_row", "laion")
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	withSet := db.DiskUsage()
	if ok, err := db.DropSet("every_row"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rep, err := db.Vacuum(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if float64(rep.BytesAfter) > 1.25*float64(one) {
		t.Errorf("after VACUUM: %d bytes, one copy takes %d (with the set: %d)", rep.BytesAfter, one, withSet)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	t.Logf("one copy %d, vacuum %+v", one, *rep)
}
