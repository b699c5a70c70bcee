package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeDisk makes diskFree report free bytes from the calls'th call on
// (before it, plenty), for the rest of the test.
func fakeDisk(t *testing.T, after int64, free uint64) {
	real := diskFree
	var calls atomic.Int64
	diskFree = func(string) (uint64, error) {
		if calls.Add(1) > after {
			return free, nil
		}
		return 1 << 40, nil
	}
	t.Cleanup(func() { diskFree = real })
}

// Issue 15, item 7: a full disk killed ingest with SIGBUS (badger writes
// through mmap) and every later open crashed until space was freed. Free
// space is checked before writing: an ingest that does not fit stops with
// "no space left on device" and the numbers, rolls back, and leaves a
// database that opens.
func TestIngestStopsBeforeTheDiskIsFull(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	base := writeShard(t, t.TempDir(), testShard{rows: 3000, dim: 64, number: 0, seed: 1})
	if _, err := db.Ingest(ctx, []string{base}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	before := digest(t, db)
	input := writeShard(t, t.TempDir(), testShard{rows: 5 * BlockRows, dim: 64, number: 0, seed: 2})

	// Not enough space from the start: nothing is written.
	fakeDisk(t, 0, 70<<20)
	_, err = db.Ingest(ctx, []string{input}, DefaultIngestOptions())
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "70.0 MiB free") {
		t.Errorf("ingest onto a full disk: %v", err)
	}
	if digest(t, db) != before {
		t.Errorf("the refused ingest changed the database")
	}

	// The disk fills up during the ingest: it stops at the next batch and
	// rolls back.
	opt := DefaultIngestOptions()
	opt.batchBlocks = 1
	fakeDisk(t, 3, 65<<20)
	_, err = db.Ingest(ctx, []string{input}, opt)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "shard 0's next") {
		t.Errorf("ingest while the disk fills: %v", err)
	}
	if digest(t, db) != before {
		t.Errorf("the stopped ingest was not rolled back")
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// A writable open needs a little room; a read-only one none.
	fakeDisk(t, 0, 1<<20)
	if _, err := Open(DefaultOptions(dir)); !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "--read-only") || !strings.Contains(err.Error(), "1.0 MiB") {
		t.Errorf("writable open of a full disk: %v", err)
	}
	db, err = Open(DefaultOptions(dir).WithReadOnly(true))
	if err != nil {
		t.Fatalf("read-only open of a full disk: %v", err)
	}
}

// The same on a real full filesystem: a tmpfs mounted in a mount namespace
// of the child's own (unshare), so no SIGBUS can hide behind a fake.
func TestFullFilesystemIsAnErrorNotSIGBUS(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare(1) to mount a small filesystem")
	}
	input := writeShard(t, t.TempDir(), testShard{rows: 6 * BlockRows, dim: 256, number: 0, seed: 2})
	for _, c := range []struct {
		name        string
		size, leave int
		want        string
	}{
		// 25 MiB of vectors: the shard does not fit at all, or the disk
		// fills up (another process) until 8 MiB are left after its first
		// block. Without the checks both end in SIGBUS.
		{"too small from the start", 24 << 20, 0, "ingest: " + filepath.Join("DIR", "db") + ": no space left on device: the ingest of 24576 rows needs"},
		{"filled during the ingest", 160 << 20, 8 << 20, "ingest: " + filepath.Join("DIR", "db") + ": no space left on device: shard 0's next 4096 rows needs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--mount"}
			if os.Geteuid() != 0 {
				args = append(args, "--map-root-user")
			}
			cmd := exec.Command(unshare, append(args, os.Args[0], "-test.run=^TestChild$")...)
			cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{"diskfull", dir, input, strconv.Itoa(c.size), strconv.Itoa(c.leave)}, "|"))
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 5 || strings.Contains(string(out), "unshare failed") {
				t.Skipf("cannot mount a tmpfs here: %s", out)
			}
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			got := strings.ReplaceAll(string(out), dir, "DIR")
			for _, want := range []string{c.want, "close: <nil>", "reopen: <nil>", "tables: 0", "check: <nil>"} {
				if !strings.Contains(got, want) {
					t.Errorf("child output lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

// An ingest that stops (here: the disk fills) leaves no goroutine behind:
// its block producer, blocked on a full queue the writer no longer reads,
// gives up instead of waiting forever (a shell that failed one ingest
// would carry it for the rest of the session).
func TestStoppedIngestLeavesNoGoroutine(t *testing.T) {
	ctx := context.Background()
	db, err := Open(DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	input := writeShard(t, t.TempDir(), testShard{rows: 12 * BlockRows, dim: 256, number: 0, seed: 2})
	before := runtime.NumGoroutine()
	for range 10 {
		opt := DefaultIngestOptions()
		opt.batchBlocks = 1
		fakeDisk(t, 2, 65<<20)
		if _, err := db.Ingest(ctx, []string{input}, opt); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("ingest while the disk fills: %v", err)
		}
	}
	// Goroutines that are ending get a moment to end.
	for wait := time.Millisecond; runtime.NumGoroutine() > before && wait < 2*time.Second; wait *= 2 {
		time.Sleep(wait)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before the stopped ingests, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
