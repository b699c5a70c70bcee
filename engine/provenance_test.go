package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// makeSet stores a set of every row of laion, recording what it read.
func makeSet(t *testing.T, db *DB, name, from string) {
	t.Helper()
	s := db.Snapshot()
	defer s.Close()
	src, err := s.Source(from)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := s.Scan(context.Background(), src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	def := SetDefinition{Statement: "CREATE SET " + name + " AS SELECT id FROM " + from, Reads: s.Reads()}
	w, err := db.NewSet(name, src.Table.Name, nil, def, false)
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next() {
		if err := w.Add(cur.ID(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// A set over a shard that is re-ingested with fewer rows points at rows
// that are gone: reading it is an error that names the set, the shard and
// the fix, Check does not call the database inconsistent, and a set made
// from it is stale too. Adding a shard makes a set stale as well.
func TestSetOverAReplacedShardIsStale(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 5000, dim: 16, seed: 1})}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	makeSet(t, db, "all_rows", "laion")
	makeSet(t, db, "copy", "all_rows")
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 1000, dim: 16, seed: 2})}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	s := db.Snapshot()
	defer s.Close()
	for name, want := range map[string]string{
		"all_rows": "set all_rows is stale: shard 0 of table laion was re-ingested after the set was made (5000 rows then, 1000 now); REFRESH SET all_rows",
		"copy":     "set copy is stale: set all_rows, which it was made from, is stale",
	} {
		_, err := s.Source(name)
		var se *StaleError
		if !errors.As(err, &se) || !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), want) {
			t.Errorf("reading %s: %v, want %q", name, err, want)
		}
		if _, err := s.SourceMaybeStale(name); err != nil {
			t.Errorf("%s without the check: %v", name, err)
		}
	}
	if err := db.Check(); err != nil {
		t.Errorf("Check calls a stale set an inconsistency: %v", err)
	}

	makeSet(t, db, "before_shard_1", "laion")
	opt := DefaultIngestOptions()
	opt.Shard = 1
	if _, err := db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 100, dim: 16, seed: 3})}, opt); err != nil {
		t.Fatal(err)
	}
	s2 := db.Snapshot()
	defer s2.Close()
	if _, err := s2.Source("before_shard_1"); err == nil || !strings.Contains(err.Error(), "shard 1 of table laion was added after the set was made") {
		t.Errorf("after adding a shard: %v", err)
	}
}

// Issue 15, item 13: a new table does not take the name of a set (any
// case), which it would hide; nothing is written.
func TestIngestRefusesTheNameOfASet(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	shard := writeShard(t, t.TempDir(), testShard{rows: 100, dim: 16, seed: 1})
	if _, err := db.Ingest(ctx, []string{shard}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	makeSet(t, db, "tail", "laion")
	opt := DefaultIngestOptions()
	opt.Table = "Tail"
	_, err := db.Ingest(ctx, []string{shard}, opt)
	if !errors.Is(err, ErrExists) || !strings.Contains(fmt.Sprint(err), "a set of that name exists") {
		t.Errorf("ingest into a table named as a set: %v", err)
	}
	if len(db.Tables()) != 1 {
		t.Errorf("tables after the refused ingest: %v", db.Tables())
	}
	s := db.Snapshot()
	defer s.Close()
	if _, err := s.Source("tail"); err != nil {
		t.Errorf("the set after the refused ingest: %v", err)
	}
}
