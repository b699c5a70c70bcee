package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 15, item 9: after a writer was killed, read-only opens failed
// with badger's "Log truncate required ... might result in data loss"
// until some writer opened the database (37 of 48 kills). A read-only
// open now recovers first (what the next writer would do) when no other
// process has the database, and shows the committed state.
func TestReadOnlyOpenAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	dir := filepath.Join(t.TempDir(), "db")
	old := writeShard(t, t.TempDir(), testShard{rows: 5000, dim: 16, number: 1, seed: 1})
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(context.Background(), []string{old}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	want := contentDigest(t, db)
	db.Close()

	input := writeShard(t, t.TempDir(), testShard{rows: 3 * BlockRows, dim: 16, number: 1, seed: 2})
	runKilled(t, "ingest-kill", dir, input, "2")

	ro, err := Open(DefaultOptions(dir).WithReadOnly(true))
	if err != nil {
		t.Fatalf("read-only open after SIGKILL: %v", err)
	}
	if got := contentDigest(t, ro); got != want {
		t.Errorf("a reader sees something else than the shard before the killed ingest")
	}
	tbl, _ := ro.Table("laion")
	if p := tbl.Shard(1).Pending; p == nil || p.Committed != 2*BlockRows {
		t.Errorf("pending ingest %+v, want 2 blocks committed", p)
	}
	if err := ro.Check(); err != nil {
		t.Fatal(err)
	}
	ro.Close()
}

// When the recovery cannot run because another process has the database,
// the read-only open says what happened and what to do.
func TestReadOnlyOpenAfterCrashWhileHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	input := writeShard(t, t.TempDir(), testShard{rows: 3 * BlockRows, dim: 16, number: 1, seed: 2})
	runKilled(t, "ingest-kill", dir, input, "2")
	// A reader that held the directory since before... cannot exist: it
	// would have failed the same way. A writer can.
	pid := holding(t, dir, "rw")
	_, err = Open(DefaultOptions(dir).WithReadOnly(true))
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", pid)) {
		t.Errorf("read-only open beside the writer: %v", err)
	}
}

// Issue 15, item 16: the lock message suggested --read-only even when a
// writer held the database, and then that failed too. It now says who
// holds it: the writer's pid from badger's LOCK file and its command
// line, or that readers have it.
func TestLockMessageNamesTheHolder(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	pid := holding(t, dir, "rw")
	for _, ro := range []bool{false, true} {
		_, err := Open(DefaultOptions(dir).WithReadOnly(ro))
		msg := fmt.Sprint(err)
		if !errors.Is(err, ErrLocked) || !strings.Contains(msg, fmt.Sprintf("process %d", pid)) || !strings.Contains(msg, "open for writing") ||
			strings.Contains(msg, "open it with --read-only") || strings.Contains(msg, "\n") {
			t.Errorf("read-only %v beside a writer: %v", ro, err)
		}
	}
}

func TestLockMessageForReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	pid := holding(t, dir, "ro")
	_, err = Open(DefaultOptions(dir))
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d (", pid)) || !strings.Contains(err.Error(), "has it open for reading") {
		t.Errorf("writer beside a reader: %v", err)
	}
	ro, err := Open(DefaultOptions(dir).WithReadOnly(true))
	if err != nil {
		t.Fatalf("reader beside a reader: %v", err)
	}
	ro.Close()
}
