package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/laiondb/laiondb/index"
)

// ingestShard ingests a generated shard, failing the test on error.
func ingestShard(t *testing.T, db *DB, s testShard, opt IngestOptions) {
	t.Helper()
	if _, err := db.Ingest(context.Background(), []string{writeShard(t, t.TempDir(), s)}, opt); err != nil {
		t.Fatal(err)
	}
}

func testIndexOptions() IndexOptions {
	o := DefaultIndexOptions()
	o.Threads = 2
	return o
}

// knnAgreesWithExactScan compares Snapshot.Nearest through the index with
// the exact scan of the same snapshot for nq random queries: recall@10 at
// a high ef must be >= 0.95, and every id returned must be a row of the
// table now, with the score of its current vector (a deleted node of a
// replaced row has the same id but another vector).
func knnAgreesWithExactScan(t *testing.T, db *DB, dim, nq int, seed uint64) {
	t.Helper()
	s := db.Snapshot()
	defer s.Close()
	src, err := s.Source("laion")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 5))
	ctx := context.Background()
	hits, total := 0, 0
	for range nq {
		q := make([]float32, dim)
		for i := range q {
			q[i] = float32(r.NormFloat64())
		}
		got, err := s.Nearest(ctx, src, "img", q, 10, NearestOptions{Ef: 200, Warn: func(m string) { t.Errorf("unexpected repair: %s", m) }})
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Nearest(ctx, src, "img", q, int(src.Rows()), NearestOptions{Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		score := map[uint64]float64{}
		for _, n := range all {
			score[n.ID] = n.Score
		}
		want := map[uint64]bool{}
		for _, n := range all[:10] {
			want[n.ID] = true
		}
		for _, n := range got {
			sc, ok := score[n.ID]
			if !ok {
				t.Fatalf("the index returned id %d, which is not a row of the table", n.ID)
			}
			if math.Abs(sc-n.Score) > 2e-3 {
				t.Fatalf("the index returned id %d with score %.4f; its row scores %.4f (an old vector)", n.ID, n.Score, sc)
			}
			if want[n.ID] {
				hits++
			}
		}
		total += 10
	}
	if rc := float64(hits) / float64(total); rc < 0.95 {
		t.Errorf("recall@10 of the index against the exact scan: %.3f", rc)
	}
}

func mustCheckDB(t *testing.T, db *DB) {
	t.Helper()
	if err := db.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestReplacingIndexedShardsKeepsKNNExact(t *testing.T) {
	const dim = 32
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 2000, dim: dim, number: 0, seed: 1}, DefaultIngestOptions())
	ingestShard(t, db, testShard{rows: 2000, dim: dim, number: 1, seed: 2}, DefaultIngestOptions())
	if _, err := db.CreateIndex(context.Background(), "", "laion", "img", testIndexOptions()); err != nil {
		t.Fatal(err)
	}
	mustCheckDB(t, db)
	knnAgreesWithExactScan(t, db, dim, 20, 1)
	steps := []struct {
		name  string
		shard testShard
		rows  int // index rows after the step
	}{
		{"replace shard 1", testShard{rows: 2000, dim: dim, number: 1, seed: 3}, 4000},
		{"add shard 2", testShard{rows: 1500, dim: dim, number: 2, seed: 4}, 5500},
		{"replace shard 0 with fewer rows", testShard{rows: 700, dim: dim, number: 0, seed: 5}, 4200},
		{"replace shard 2 again", testShard{rows: 1800, dim: dim, number: 2, seed: 6}, 4500},
	}
	for i, st := range steps {
		ingestShard(t, db, st.shard, DefaultIngestOptions())
		mustCheckDB(t, db)
		h := searchIndexOf(t, db, func(m string) { t.Errorf("%s: unexpected repair: %s", st.name, m) })
		if h.Len() != st.rows || h.Tombstones() != 0 {
			t.Fatalf("%s: index holds %d rows and %d tombstones, want %d and 0", st.name, h.Len(), h.Tombstones(), st.rows)
		}
		knnAgreesWithExactScan(t, db, dim, 20, uint64(i+2))
	}
}

func TestIndexBehindItsTableIsUpdatedAtTheCostOfTheChange(t *testing.T) {
	const dim = 32
	ctx := context.Background()
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 0, seed: 1}, DefaultIngestOptions())
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 1, seed: 2}, DefaultIngestOptions())
	if _, err := db.CreateIndex(ctx, "", "laion", "img", testIndexOptions()); err != nil {
		t.Fatal(err)
	}
	// As a crash between the table's commit and the index's leaves it:
	// shard 1 replaced, the stored graph still of the old shard 1.
	skip := DefaultIngestOptions()
	skip.skipIndexes = true
	ingestShard(t, db, testShard{rows: 2000, dim: dim, number: 1, seed: 3}, skip)
	mustCheckDB(t, db)

	s := db.Snapshot()
	tbl, _ := s.Table("laion")
	meta, _ := s.IndexOn("laion", "img")
	var msgs []string
	var last, total int64
	h, up, err := db.readIndex(ctx, s, tbl, meta, indexWork{
		warn:     func(m string) { msgs = append(msgs, m) },
		progress: func(d, n int64) { last, total = d, n },
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The cost of the change: shard 1's old rows deleted, their neighbours
	// (in shard 0 only) repaired, shard 1's new rows inserted; nothing
	// rebuilt.
	t.Logf("update: %+v", up)
	if up.rebuilt || up.added != 2000 || up.removed != 3000 {
		t.Errorf("update %+v: want 2000 rows added and 3000 removed, no rebuild", up)
	}
	if up.repair.Detached != 3000 || up.repair.Relinked > 3000 || up.repair.Searched > 300 {
		t.Errorf("repair %+v: want 3000 detached, at most shard 0's 3000 nodes relinked, few searched", up.repair)
	}
	if total != 5000 || last != 5000 {
		t.Errorf("progress ended at %d of %d, want 5000 of 5000", last, total)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "shard(s) 1 ingested or replaced") || !strings.Contains(msgs[0], "2000 rows to add, 3000 to remove") {
		t.Errorf("messages %q", msgs)
	}
	if err := h.Check(); err != nil {
		t.Fatal(err)
	}
	if h.Len() != 5000 || h.Tombstones() != 0 {
		t.Errorf("updated graph: Len %d Tombstones %d", h.Len(), h.Tombstones())
	}

	// The next write stores the update; searches then agree with the scan.
	if stored, err := db.RepairIndexes(ctx, "laion", nil); err != nil || len(stored) != 1 {
		t.Fatalf("RepairIndexes stored %v: %v", stored, err)
	}
	mustCheckDB(t, db)
	knnAgreesWithExactScan(t, db, dim, 20, 7)
}

func TestCreateIndexCancelledFromProgressStoresNothing(t *testing.T) {
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 5000, dim: 32, number: 0, seed: 1}, DefaultIngestOptions())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := testIndexOptions()
	var at, maxDone int64
	opt.Progress = func(done, total int64) {
		maxDone = max(maxDone, done)
		if done >= 1000 && at == 0 {
			at = done
			cancel()
		}
	}
	_, err := db.CreateIndex(ctx, "", "laion", "img", opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateIndex: %v, want context.Canceled", err)
	}
	// Each of the two build goroutines may finish the vector it holds and
	// start one more; progress is reported every index.ProgressEvery.
	if at == 0 || maxDone > at+index.ProgressEvery {
		t.Errorf("cancelled at %d rows, progress went on to %d", at, maxDone)
	}
	if v, err := db.IndexOn("laion", "img"); v != nil || err != nil {
		t.Fatalf("a cancelled CREATE INDEX left %+v (%v)", v, err)
	}
	mustCheckDB(t, db)
	if _, err := db.CreateIndex(context.Background(), "", "laion", "img", testIndexOptions()); err != nil {
		t.Fatalf("CREATE INDEX after a cancelled one: %v", err)
	}
	mustCheckDB(t, db)
}

func TestCancelledIndexUpdateLeavesTheStoredGraph(t *testing.T) {
	const dim = 32
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 0, seed: 1}, DefaultIngestOptions())
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 1, seed: 2}, DefaultIngestOptions())
	before, err := db.CreateIndex(context.Background(), "", "laion", "img", testIndexOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	indexProgressHook = func(done, total int64) {
		if done >= 1000 {
			cancel()
		}
	}
	defer func() { indexProgressHook = nil }()
	_, err = db.Ingest(ctx, []string{writeShard(t, t.TempDir(), testShard{rows: 3000, dim: dim, number: 1, seed: 3})}, DefaultIngestOptions())
	indexProgressHook = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ingest: %v, want context.Canceled from the index update", err)
	}
	after, _ := db.IndexOn("laion", "img")
	if after.Graph != before.Graph || !sameBuilt(after.Built, before.Built) {
		t.Fatalf("a cancelled update changed the stored index: %+v, was %+v", after, before)
	}
	mustCheckDB(t, db)
	// The next write repairs it.
	if stored, err := db.RepairIndexes(context.Background(), "laion", nil); err != nil || len(stored) != 1 {
		t.Fatalf("RepairIndexes stored %v: %v", stored, err)
	}
	mustCheckDB(t, db)
	knnAgreesWithExactScan(t, db, dim, 10, 3)
}

func TestVacuumIndexes(t *testing.T) {
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 2000, dim: 16, number: 0, seed: 1}, DefaultIngestOptions())
	ctx := context.Background()
	if _, err := db.CreateIndex(ctx, "", "laion", "img", testIndexOptions()); err != nil {
		t.Fatal(err)
	}
	if stored, err := db.VacuumIndexes(ctx, VacuumOptions{}); err != nil || len(stored) != 0 {
		t.Fatalf("vacuum of a clean index stored %v: %v", stored, err)
	}
	// A graph written by an earlier version kept tombstones that still
	// route; vacuum repairs and drops them.
	s := db.Snapshot()
	tbl, _ := s.Table("laion")
	meta, _ := s.IndexOn("laion", "img")
	h, _, err := db.loadIndex(ctx, s, tbl, meta, indexWork{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	h.Delete(rowID(0, 5)) // a routing tombstone, as earlier versions kept
	if err := h.Add(rowID(0, 5), randomUnit(16, 5)); err != nil {
		t.Fatal(err)
	}
	if h.Unrepaired() != 1 {
		t.Fatalf("%d unrepaired tombstones", h.Unrepaired())
	}
	if err := db.saveIndex(meta, h); err != nil {
		t.Fatal(err)
	}
	db.mu.Lock()
	db.indexes = nil
	db.mu.Unlock()
	var progressed bool
	stored, err := db.VacuumIndexes(ctx, VacuumOptions{Progress: func(string, int64, int64) { progressed = true }})
	if err != nil || len(stored) != 1 || !progressed {
		t.Fatalf("vacuum stored %v (progress %v): %v", stored, progressed, err)
	}
	mustCheckDB(t, db)
	if h := searchIndexOf(t, db, nil); h.Tombstones() != 0 || h.Len() != 2000 {
		t.Fatalf("vacuumed graph: %d rows, %d tombstones", h.Len(), h.Tombstones())
	}
	stored, err = db.VacuumIndexes(ctx, VacuumOptions{Rebuild: true})
	if err != nil || len(stored) != 1 {
		t.Fatalf("vacuum with rebuild stored %v: %v", stored, err)
	}
	mustCheckDB(t, db)
	s = db.Snapshot()
	meta, _ = s.IndexOn("laion", "img")
	ld, err := index.ReadGraph(&chunkReader{s: s, meta: meta})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if ld.Len() != 2000 {
		t.Fatalf("vacuumed graph holds %d rows", ld.Len())
	}
}

func randomUnit(dim int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, dim)
	var n float64
	for i := range v {
		v[i] = float32(r.NormFloat64())
		n += float64(v[i] * v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// The SIGKILL test: a child process replaces an indexed shard and is
// killed while the index update that follows the table's commit runs.

const indexCrashChildEnv = "LAIONDB_INDEX_CRASH_CHILD"

func TestIndexCrashChild(t *testing.T) {
	spec := os.Getenv(indexCrashChildEnv)
	if spec == "" {
		t.Skip("run as a child of TestKillDuringIndexUpdate")
	}
	dir, input, _ := strings.Cut(spec, "|")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	indexProgressHook = func(done, total int64) {
		fmt.Printf("indexed %d of %d\n", done, total)
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("start")
	if _, err := db.Ingest(context.Background(), []string{input}, DefaultIngestOptions()); err != nil {
		fmt.Println("ingest error:", err)
		os.Exit(3)
	}
	db.Close()
	fmt.Println("done")
	os.Exit(0)
}

func TestKillDuringIndexUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	const dim = 32
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 0, seed: 1}, DefaultIngestOptions())
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 1, seed: 2}, DefaultIngestOptions())
	before, err := db.CreateIndex(context.Background(), "", "laion", "img", testIndexOptions())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	input := writeShard(t, t.TempDir(), testShard{rows: 3000, dim: dim, number: 1, seed: 3})
	cmd := exec.Command(os.Args[0], "-test.run=^TestIndexCrashChild$")
	cmd.Env = append(os.Environ(), indexCrashChildEnv+"="+dir+"|"+input)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	lines := 0
	for sc.Scan() && lines < 8 {
		if strings.HasPrefix(sc.Text(), "indexed") {
			lines++
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if lines < 8 {
		t.Fatalf("the child stopped after %d progress lines", lines)
	}

	db, err = Open(DefaultOptions(dir))
	if err != nil {
		t.Fatalf("database does not open after SIGKILL: %v", err)
	}
	defer db.Close()
	mustCheckDB(t, db)
	after, _ := db.IndexOn("laion", "img")
	if after.Graph != before.Graph {
		t.Fatalf("the killed update stored a graph")
	}
	// The table has the new shard 1; a search updates the graph in memory
	// (saying so) and answers as the exact scan does.
	var msgs []string
	h := searchIndexOf(t, db, func(m string) { msgs = append(msgs, m) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], "3000 rows to add, 3000 to remove") || h.Len() != 6000 {
		t.Fatalf("after the kill: %d rows, messages %q", h.Len(), msgs)
	}
	knnAgreesWithExactScan(t, db, dim, 10, 9)
	// The next write stores it.
	if stored, err := db.RepairIndexes(context.Background(), "", nil); err != nil || len(stored) != 1 {
		t.Fatalf("RepairIndexes stored %v: %v", stored, err)
	}
	mustCheckDB(t, db)
}

func TestReplacingTheOnlyIndexedShard(t *testing.T) {
	// Every node of the graph is deleted: the case that once linked the
	// new rows to nothing in quadratic time.
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 1500, dim: 16, number: 0, seed: 1}, DefaultIngestOptions())
	if _, err := db.CreateIndex(context.Background(), "", "laion", "img", testIndexOptions()); err != nil {
		t.Fatal(err)
	}
	ingestShard(t, db, testShard{rows: 1200, dim: 16, number: 0, seed: 2}, DefaultIngestOptions())
	mustCheckDB(t, db)
	if h := searchIndexOf(t, db, func(m string) { t.Errorf("unexpected repair: %s", m) }); h.Len() != 1200 || h.Tombstones() != 0 {
		t.Fatalf("index holds %d rows, %d tombstones", h.Len(), h.Tombstones())
	}
	knnAgreesWithExactScan(t, db, 16, 10, 1)
}

// loadTestIndex returns v's graph as a search would use it.
func loadTestIndex(db *DB, v *VectorIndex) (*index.HNSW, error) {
	t, err := db.Table(v.Table)
	if err != nil {
		return nil, err
	}
	s := db.Snapshot()
	defer s.Close()
	h, _, err := db.loadIndex(context.Background(), s, t, v, indexWork{})
	return h, err
}

// An ingest into an indexed table reports the index update through
// IndexProgress, by index name, up to its total.
func TestIngestReportsIndexProgress(t *testing.T) {
	const dim = 32
	db := openTestDB(t)
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 0, seed: 1}, DefaultIngestOptions())
	v, err := db.CreateIndex(context.Background(), "", "laion", "img", testIndexOptions())
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultIngestOptions()
	var last, calls int64
	opt.IndexProgress = func(name string, done, total int64) {
		if name != v.Name {
			t.Errorf("progress for index %q, want %q", name, v.Name)
		}
		if done < last || done > total {
			t.Errorf("progress %d of %d after %d", done, total, last)
		}
		last = done
		if done == total {
			calls++
		}
	}
	ingestShard(t, db, testShard{rows: 3000, dim: dim, number: 0, seed: 3}, opt)
	if calls == 0 {
		t.Errorf("the index update never reported reaching its total (last %d)", last)
	}
	knnAgreesWithExactScan(t, db, dim, 10, 3)
}
