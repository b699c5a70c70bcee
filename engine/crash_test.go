package engine

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test runs ingests in a child process (this test binary) and
// kills it with SIGKILL at chosen points; the database must then open,
// hold whole committed batches, show readers the state before the ingest,
// and a rerun must produce exactly the rows of an uninterrupted ingest.

const crashChildEnv = "LAIONDB_CRASH_CHILD"

func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashChildEnv)
	if spec == "" {
		t.Skip("run as a child of TestIngestSurvivesSIGKILL")
	}
	parts := strings.Split(spec, "|")
	db, err := Open(DefaultOptions(parts[0]))
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	opt := DefaultIngestOptions()
	opt.batchBlocks = 1
	opt.Progress = func(p IngestProgress) {
		fmt.Printf("committed %d\n", p.ShardRows)
		time.Sleep(15 * time.Millisecond)
	}
	fmt.Println("start")
	if _, err := db.Ingest(context.Background(), []string{parts[1]}, opt); err != nil {
		fmt.Println("ingest error:", err)
		os.Exit(3)
	}
	db.Close()
	fmt.Println("done")
	os.Exit(0)
}

// contentDigest hashes what readers see: every visible row's values,
// vectors and the caption index postings of a few tokens.
func contentDigest(t *testing.T, db *DB) string {
	t.Helper()
	h := sha256.New()
	s := db.Snapshot()
	defer s.Close()
	for _, tbl := range db.Tables() {
		for _, sh := range tbl.Shards {
			fmt.Fprintf(h, "shard %d rows %d\n", sh.Number, sh.Rows)
			for b := uint32(0); b < sh.Blocks(); b++ {
				for c := range tbl.Columns {
					cb, err := s.columnBlock(tbl, sh.Number, sh.Gen, b, c)
					if err != nil {
						t.Fatal(err)
					}
					if cb == nil {
						continue
					}
					for i := 0; i < cb.Rows(); i++ {
						fmt.Fprintf(h, "%v|", cb.Value(i))
					}
				}
				for v := range tbl.Vectors {
					if err := s.vectorBlock(tbl, sh, b, v, func(d []byte) error { h.Write(d); return nil }); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, rule := range captionRules {
				ti, err := s.tokenIndexFor(tbl, sh, rule)
				if err != nil {
					t.Fatal(err)
				}
				for _, tok := range []string{"goldfish", "Golden", "retriever", "photo", "puppy"} {
					bm, err := ti.lookup(tok)
					if err != nil {
						t.Fatal(err)
					}
					if bm != nil {
						fmt.Fprintf(h, "%s:%s:%v\n", rule.name, tok, bm.ToArray())
					}
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	ctx := context.Background()
	old := writeShard(t, t.TempDir(), testShard{rows: 40000, dim: 32, number: 2, seed: 11})
	input := writeShard(t, t.TempDir(), testShard{rows: 40000, dim: 32, number: 2, seed: 12})

	// The reference: the same ingests, uninterrupted.
	refDir := filepath.Join(t.TempDir(), "ref")
	ref := openChecked(t, DefaultOptions(refDir))
	if _, err := ref.Ingest(ctx, []string{old}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	oldDigest := contentDigest(t, ref)
	if _, err := ref.Ingest(ctx, []string{input}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	newDigest := contentDigest(t, ref)
	closeChecked(t, ref)

	type kill struct {
		afterLines int           // kill after this many "committed" lines, or
		afterTime  time.Duration // after this long
	}
	kills := []kill{{afterLines: 0}, {afterLines: 1}, {afterLines: 4}, {afterLines: 10}, {afterTime: 5 * time.Millisecond}, {afterTime: 60 * time.Millisecond}, {afterTime: 120 * time.Millisecond}}
	for _, k := range kills {
		name := fmt.Sprintf("after-%d-batches", k.afterLines)
		if k.afterTime > 0 {
			name = "after-" + k.afterTime.String()
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			db := openChecked(t, DefaultOptions(dir))
			if _, err := db.Ingest(ctx, []string{old}, DefaultIngestOptions()); err != nil {
				t.Fatal(err)
			}
			closeChecked(t, db) // the child opens it next

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+dir+"|"+input)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			lines := 0
			if k.afterTime > 0 {
				sc.Scan() // "start"
				time.Sleep(k.afterTime)
			} else {
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "committed") {
						lines++
					}
					if sc.Text() == "start" && k.afterLines == 0 || lines == k.afterLines && lines > 0 {
						break
					}
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()

			db, err = Open(DefaultOptions(dir))
			if err != nil {
				t.Fatalf("database does not open after SIGKILL: %v", err)
			}
			checkAtEnd(t, db)
			if err := db.Check(); err != nil {
				t.Fatalf("check after SIGKILL: %v", err)
			}
			tbl, _ := db.Table("laion")
			sh := tbl.Shard(2)
			var committed uint32
			if sh.Pending != nil {
				committed = sh.Pending.Committed
				if committed%BlockRows != 0 && committed != sh.Pending.Total {
					t.Fatalf("committed %d is not whole batches", committed)
				}
			}
			if d := contentDigest(t, db); d != oldDigest && d != newDigest {
				t.Fatalf("readers see a half-replaced shard (committed %d)", committed)
			}
			rep, err := db.Ingest(ctx, []string{input}, DefaultIngestOptions())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("killed with %d rows committed; rerun resumed from %d", committed, rep.Shards[0].ResumedFrom)
			if sh.Pending != nil && rep.Shards[0].ResumedFrom != committed {
				t.Errorf("rerun resumed from %d, want %d", rep.Shards[0].ResumedFrom, committed)
			}
			if d := contentDigest(t, db); d != newDigest {
				t.Errorf("after the rerun the shard differs from an uninterrupted ingest")
			}
			if err := db.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
	_ = strconv.Itoa
}
