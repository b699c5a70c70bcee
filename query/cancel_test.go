package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query/ast"
)

// cancelAfter is a context cancelled when it has been asked Err the n-th
// time (Done closes then too): a statement that checks it between bounded
// units of work stops within one unit after that, however long it would
// run. It counts the questions, not the time, so the test cannot flake.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	n      int64
	asked  atomic.Int64
	once   sync.Once
}

func newCancelAfter(n int64) *cancelAfter {
	ctx, cancel := context.WithCancel(context.Background())
	return &cancelAfter{Context: ctx, cancel: cancel, n: n}
}

func (c *cancelAfter) Err() error {
	if c.asked.Add(1) >= c.n {
		c.once.Do(c.cancel)
	}
	return c.Context.Err()
}

// dbState is what a cancelled statement must leave as it was.
func dbState(t *testing.T, s *Session) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{"SHOW TABLES", "SHOW SETS", "SHOW INDEXES"} {
		for _, r := range rowsOf(t, s, q) {
			fmt.Fprintln(&b, r)
		}
	}
	return b.String()
}

// Every long statement stops when its context is cancelled, wherever in
// its work that happens, and leaves the database as it was before it: no
// set, index, table change or exported file appears.
func TestLongStatementsStopWhenCancelled(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, err := NewSession(db, Options{Vars: map[string]string{"shard": shard}})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, "INGEST $shard INTO laion")
	execOne(t, s, "INGEST $shard || '/imagenet' INTO imagenet")
	execOne(t, s, "CREATE SET inet AS SELECT id, wnid AS synset FROM imagenet")
	out := t.TempDir()
	before := dbState(t, s)
	// Each statement, and what undoes it when it finishes before the
	// context is cancelled (it asked fewer times than the cancel point).
	stmts := []struct{ src, undo string }{
		{"CREATE SET c AS SELECT *, cos(img, txt) AS score FROM laion WHERE nsfw = 'UNLIKELY'", "DROP SET c"},
		{"SELECT synset, intraclass_std(img) FROM inet GROUP BY synset", ""},
		{"COMPARE INTRACLASS inet, (SELECT * FROM inet) AS again BY synset MIN PAIRS 1", ""},
		{"EXPORT (SELECT * FROM laion) TO '" + filepath.Join(out, "all.parquet") + "'", ""},
		{"CREATE INDEX ON laion(img)", "DROP INDEX laion_img"},
		{"INGEST $shard INTO laion2", ""},
		{"SELECT count(*) FROM laion WHERE cos(img, txt) > 0.5 ORDER BY 1", ""},
		{"VACUUM", ""},
	}
	for _, c := range stmts {
		stopped := 0
		for _, n := range []int64{1, 4, 30} {
			st, err := ast.ParseStatement("", c.src)
			if err != nil {
				t.Fatal(err)
			}
			ctx := newCancelAfter(n)
			res, err := s.Exec(ctx, st)
			if err == nil && res.Rows != nil {
				_, err = Collect(res.Rows)
			}
			switch asked := ctx.asked.Load(); {
			case err == nil && asked >= n:
				t.Errorf("%s: cancelled at the %d-th look at the context, it went on (%d looks) and finished", c.src, n, asked)
			case err == nil:
				// Finished before the cancel point: undo it, or take what
				// it did as the state to keep from now on.
				if c.undo != "" {
					execOne(t, s, c.undo)
				}
				os.RemoveAll(filepath.Join(out, "all.parquet"))
				before = dbState(t, s)
			case !errors.Is(err, context.Canceled):
				t.Errorf("%s, cancelled at the %d-th look at the context: %v", c.src, n, err)
			default:
				stopped++
			}
			if got := dbState(t, s); got != before {
				t.Errorf("%s, cancelled at the %d-th look: the database changed:\n%s\nwas\n%s", c.src, n, got, before)
			}
			if ents, _ := os.ReadDir(out); len(ents) > 0 {
				t.Errorf("%s, cancelled at the %d-th look: left %s", c.src, n, ents[0].Name())
			}
		}
		if stopped == 0 {
			t.Errorf("%s never saw a cancellation: the test needs a bigger statement", c.src)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
