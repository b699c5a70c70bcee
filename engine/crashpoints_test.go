package engine

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// The crash-point test: every write (ingest, CREATE SET, DROP SET, CREATE
// INDEX, a failing ingest's rollback) runs in a child process built with
// -tags failpoints, once to count the commit points it passes and then
// once per point, killed there with SIGKILL. After each kill the database
// must open (read-only and writable), pass Check, show readers the state
// before the write or after it and nothing in between, hold nothing
// unreferenced once a writable open has collected it, and reach exactly
// the uninterrupted result when the write is run again.

// crashOps are the writes, by name; args come from the test.
var crashOps = map[string]func(db *DB, args []string) error{
	"ingest": func(db *DB, args []string) error {
		opt := DefaultIngestOptions()
		opt.batchBlocks = 1
		_, err := db.Ingest(context.Background(), args, opt)
		return err
	},
	"set": func(db *DB, args []string) error {
		return writeTestSet(db, args[0], 3)
	},
	"dropset": func(db *DB, args []string) error {
		_, err := db.DropSet(args[0])
		return err
	},
	"index": func(db *DB, args []string) error {
		opt := IndexOptions{M: 8, EfConstruction: 16, Seed: 1, Threads: 1}
		_, err := db.CreateIndex(context.Background(), "", "laion", args[0], opt)
		return err
	},
}

// writeTestSet stores every every-th row of laion as a set with a TEXT
// column (the row's caption) and an INT one.
func writeTestSet(db *DB, name string, every int) error {
	t, err := db.Table("laion")
	if err != nil {
		return err
	}
	w, err := db.NewSet(name, "laion", []Column{{Name: "label", Type: TypeString}, {Name: "n", Type: TypeInt}}, SetDefinition{Statement: "test"}, false)
	if err != nil {
		return err
	}
	s := db.Snapshot()
	defer s.Close()
	ci := t.Column("caption")
	for _, sh := range t.Shards {
		for ord := uint32(0); ord < sh.Rows; ord += uint32(every) {
			cb, err := s.shardColumnBlock(t, sh, ord/BlockRows, ci)
			if err != nil {
				w.Abort()
				return err
			}
			if err := w.Add(rowID(sh.Number, ord), []Value{cb.Value(int(ord % BlockRows)), Int(int64(ord))}); err != nil {
				w.Abort()
				return err
			}
		}
	}
	return w.Commit()
}

// state hashes what readers see: the tables' rows, labellings, the sets
// and the vector indexes' rows.
func state(t *testing.T, db *DB) string {
	t.Helper()
	h := sha256.New()
	rows, err := readAll(db)
	if err != nil {
		t.Fatalf("reading the tables: %v", err)
	}
	h.Write([]byte(rows))
	sets, err := db.Sets()
	if err != nil {
		t.Fatal(err)
	}
	s := db.Snapshot()
	defer s.Close()
	for _, set := range sets {
		ids, err := s.SetIDs(set)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "set %s %v\n", set.Name, ids.ToArray())
		for c := range set.Columns {
			for b := uint32(0); int64(b)*BlockRows < set.Rows; b++ {
				cb, err := s.setColumnBlock(set, c, b)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < cb.Rows(); i++ {
					fmt.Fprintf(h, "%v|", cb.Value(i))
				}
			}
		}
	}
	idx, err := db.Indexes()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range idx {
		hn, err := loadTestIndex(db, v)
		if err != nil {
			t.Fatalf("index %s: %v", v.Name, err)
		}
		if err := hn.Check(); err != nil {
			t.Fatalf("index %s: %v", v.Name, err)
		}
		fmt.Fprintf(h, "index %s on %s.%s: %d rows\n", v.Name, v.Table, v.Column, hn.Len())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// orphans counts stored keys no catalog entry reaches: generations,
// set data, index graphs.
func orphans(t *testing.T, db *DB) []string {
	t.Helper()
	out := unreferenced(t, db)
	sets, _ := db.Sets()
	idx, _ := db.Indexes()
	live := map[string]bool{}
	for _, s := range sets {
		live[string(setPrefix(s.ID))] = true
	}
	for _, v := range idx {
		live[string(indexKey(v.ID, v.Graph, 0)[:9])] = true
	}
	db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			switch {
			case k[0] == kindSet && !live[string(k[:5])]:
				out = append(out, fmt.Sprintf("set data %x", k))
			case k[0] == kindIndex && !live[string(k[:9])]:
				out = append(out, fmt.Sprintf("index graph %x", k))
			}
		}
		return nil
	})
	return out
}

var fpBinary struct {
	once sync.Once
	path string
	err  error
}

// failpointBinary builds this package's test binary with -tags
// failpoints, once per test process.
func failpointBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build the failpoint binary")
	}
	fpBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "laiondb-failpoints-")
		if err != nil {
			fpBinary.err = err
			return
		}
		fpBinary.path = filepath.Join(dir, "engine.test")
		out, err := exec.Command(goTool, "test", "-c", "-tags", "failpoints", "-o", fpBinary.path, ".").CombinedOutput()
		if err != nil {
			fpBinary.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if fpBinary.err != nil {
		t.Fatalf("building with -tags failpoints: %v", fpBinary.err)
	}
	t.Cleanup(func() {}) // the binary is removed by TestMain
	return fpBinary.path
}

// runOp runs op in the failpoint binary on dir, killing it at the kill'th
// point (0: never) and returns the points it passed.
// forkMu keeps the kills, which run side by side, from starting a child
// while this process has a database open: a child forked then holds the
// database's lock until it execs, and the open that follows the close
// would see it as another user. A child starts under Lock; a database is
// open (openHeld) under RLock.
var forkMu sync.RWMutex

// openHeld opens a database of a kill run, until closeHeld or the end of
// the test.
func openHeld(t *testing.T, o Options) (*DB, error) {
	forkMu.RLock()
	db, err := Open(o)
	if err != nil {
		forkMu.RUnlock()
		return nil, err
	}
	t.Cleanup(func() { closeHeld(db) })
	return db, nil
}

var closedHeld sync.Map // *DB → true once closeHeld ran

func closeHeld(db *DB) {
	if _, done := closedHeld.LoadOrStore(db, true); done {
		return
	}
	db.Close()
	forkMu.RUnlock()
}

func runOp(t *testing.T, bin, dir string, kill int, op string, args ...string) (points []string, killed bool) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "points")
	cmd := exec.Command(bin, "-test.run=^TestChild$")
	cmd.Env = append(os.Environ(),
		childEnv+"="+strings.Join(append([]string{"op", dir, op}, args...), "|"),
		"LAIONDB_FAILPOINT_LOG="+log,
		fmt.Sprintf("LAIONDB_FAILPOINT_KILL=%d", kill))
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	forkMu.Lock()
	err := cmd.Start()
	forkMu.Unlock()
	if err == nil {
		err = cmd.Wait()
	}
	out := buf.Bytes()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
	if err != nil && !killed && !strings.Contains(string(out), op+":") {
		t.Fatalf("%s: %v\n%s", op, err, out)
	}
	if f, err := os.Open(log); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			points = append(points, sc.Text())
		}
		f.Close()
	}
	return points, killed
}

func TestKillAtEveryCommitPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a failpoint binary and kills it at every commit point")
	}
	bin := failpointBinary(t)
	ctx := context.Background()
	// Two blocks a shard, so batches are commits of their own.
	old := genShard(t, 4200, 11, 0)
	input := filepath.Join(t.TempDir(), "input")
	for _, src := range []string{genShard(t, 4200, 13, 0), genShard(t, 4200, 17, 1)} {
		copyDir(t, filepath.Join(src, "metadata"), filepath.Join(input, "metadata"))
		copyDir(t, filepath.Join(src, "img_emb"), filepath.Join(input, "img_emb"))
		copyDir(t, filepath.Join(src, "text_emb"), filepath.Join(input, "text_emb"))
	}
	bad := filepath.Join(t.TempDir(), "bad")
	for _, sub := range []string{"metadata", "img_emb", "text_emb"} {
		copyDir(t, filepath.Join(input, sub), filepath.Join(bad, sub))
	}
	poisonF16(t, filepath.Join(bad, "img_emb", "img_emb_0001.npy"), 4150)

	// The database every write starts from: shard 0 and a set s1; writes
	// marked indexed start with an index on img as well.
	base := filepath.Join(t.TempDir(), "base")
	db, err := Open(DefaultOptions(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, []string{old}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	if err := writeTestSet(db, "s1", 5); err != nil {
		t.Fatal(err)
	}
	db.Close()
	indexed := filepath.Join(t.TempDir(), "indexed")
	copyDir(t, base, indexed)
	if db, err = Open(DefaultOptions(indexed)); err != nil {
		t.Fatal(err)
	}
	if err := crashOps["index"](db, []string{"img"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	shard2 := genShard(t, 4200, 19, 2)

	ops := []struct {
		name string
		op   string
		args []string
		// indexed: starts from the database with an index on img, which
		// the write brings up to date.
		indexed bool
		// fails: the write fails by itself (a NaN in its last shard); its
		// result is the state before it.
		fails bool
	}{
		{"ingest replacing a shard and adding one", "ingest", []string{input}, false, false},
		{"ingest into an indexed table", "ingest", []string{shard2}, true, false},
		{"create set", "set", []string{"s2"}, false, false},
		{"drop set", "dropset", []string{"s1"}, false, false},
		{"create index", "index", []string{"txt"}, true, false},
		{"failing ingest", "ingest", []string{bad}, false, true},
	}
	total := 0
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			base := base
			if o.indexed {
				base = indexed
			}
			db, err := Open(DefaultOptions(base).WithReadOnly(true))
			if err != nil {
				t.Fatal(err)
			}
			before := state(t, db)
			db.Close()
			// The uninterrupted write, and the points it passes.
			ref := filepath.Join(t.TempDir(), "ref")
			copyDir(t, base, ref)
			points, killed := runOp(t, bin, ref, 0, o.op, o.args...)
			if killed || len(points) == 0 {
				t.Fatalf("reference run: killed %v, %d points", killed, len(points))
			}
			db, err = Open(DefaultOptions(ref))
			if err != nil {
				t.Fatal(err)
			}
			after := state(t, db)
			db.Close()
			if o.fails && after != before {
				t.Fatalf("the failing write changed the database")
			}
			t.Logf("%d commit points: %s", len(points), strings.Join(points, ", "))
			total += len(points)
			for kill := 1; kill <= len(points); kill++ {
				// Kills are independent: they run side by side, each on
				// its own copy.
				t.Run(fmt.Sprintf("kill %d %s", kill, strings.Fields(points[kill-1])[1]), func(t *testing.T) {
					t.Parallel()
					dir := filepath.Join(t.TempDir(), "db")
					copyDir(t, base, dir)
					if _, killed := runOp(t, bin, dir, kill, o.op, o.args...); !killed {
						t.Fatalf("not killed at point %d (%s)", kill, points[kill-1])
					}
					where := fmt.Sprintf("killed at %s", points[kill-1])
					ro, err := openHeld(t, DefaultOptions(dir).WithReadOnly(true))
					if err != nil {
						t.Fatalf("%s: read-only open: %v", where, err)
					}
					if got := state(t, ro); got != before && got != after {
						t.Errorf("%s: readers see neither the state before the write nor after it", where)
					}
					closeHeld(ro)
					db, err := openHeld(t, DefaultOptions(dir))
					if err != nil {
						t.Fatalf("%s: open: %v", where, err)
					}
					if err := db.Check(); err != nil {
						t.Errorf("%s: check: %v", where, err)
					}
					if left := orphans(t, db); o.op != "ingest" && len(left) > 0 {
						t.Errorf("%s: left unreferenced after a writable open: %v", where, left)
					}
					closeHeld(db)
					// Run it again, to its end.
					runOp(t, bin, dir, 0, o.op, o.args...)
					db, err = openHeld(t, DefaultOptions(dir))
					if err != nil {
						t.Fatalf("%s, rerun: open: %v", where, err)
					}
					if got := state(t, db); got != after {
						t.Errorf("%s: after the rerun the database differs from an uninterrupted %s", where, o.name)
					}
					if left := orphans(t, db); len(left) > 0 {
						t.Errorf("%s: after the rerun, unreferenced: %v", where, left)
					}
					if err := db.Check(); err != nil {
						t.Errorf("%s, rerun: check: %v", where, err)
					}
					closeHeld(db)
				})
			}
		})
	}
	t.Logf("%d kills, one at each commit point", total)
}
