package repl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// testOpener opens databases as laiondb's commands do, without the
// stand-in of a missing directory (which Conn does not need here).
func testOpener(t *testing.T) Opener {
	return func(ctx context.Context, dir string, m OpenMode) (*Database, error) {
		if _, err := os.Stat(dir); err != nil && !m.Create {
			return nil, err
		}
		db, err := engine.OpenContext(ctx, engine.DefaultOptions(dir).WithReadOnly(m.ReadOnly).WithBusyTimeout(m.BusyTimeout))
		if err != nil {
			return nil, err
		}
		sess := m.Session
		if sess != nil {
			sess.UseDB(db)
		} else if sess, err = query.NewSession(db, query.Options{DeferStores: true}); err != nil {
			db.Close()
			return nil, err
		}
		return &Database{Session: sess, Dir: dir, ReadOnly: m.ReadOnly, Close: db.Close}, nil
	}
}

func parseStmt(t *testing.T, src string) ast.Stmt {
	t.Helper()
	st, err := ast.ParseStatement("", src)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func runOn(t *testing.T, c *Conn, src string) ([]query.Row, error) {
	t.Helper()
	st := parseStmt(t, src)
	defer func() {
		if err := c.Release(context.Background()); err != nil {
			t.Errorf("release after %s: %v", src, err)
		}
	}()
	sess, err := c.Prepare(context.Background(), st)
	if err != nil {
		return nil, err
	}
	res, err := sess.Exec(context.Background(), st)
	if err != nil || res.Rows == nil {
		return nil, err
	}
	return query.Collect(res.Rows)
}

// Issue 10, item 5: a Conn holds the database read-only between
// statements and read-write only while one that writes runs; the session
// (its variables) carries over, later statements see the writes, and a
// write that cannot get the lock leaves the Conn reading as before.
func TestConnTakesTheWriteLockPerStatement(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	db := enginetest.Open(t, engine.DefaultOptions(dir))
	if _, err := db.Ingest(context.Background(), []string{shardDir}, engine.DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	enginetest.Close(t, db)

	c, err := Connect(context.Background(), testOpener(t), dir, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Session().SetVar("k", query.ParseVar("3"))
	readers := func() {
		t.Helper()
		// Another reader opens beside the idle Conn.
		other, err := engine.Open(engine.DefaultOptions(dir).WithReadOnly(true))
		if err != nil {
			t.Fatalf("a reader beside the idle connection: %v", err)
		}
		other.Close()
	}
	readers()
	if c.Writable() {
		t.Fatal("writable before any write")
	}

	st := parseStmt(t, "CREATE SET few AS SELECT * FROM laion ORDER BY id LIMIT $k")
	sess, err := c.Prepare(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Writable() || sess.DB().ReadOnly() {
		t.Fatal("a statement that writes runs on a read-only database")
	}
	if _, err := engine.Open(engine.DefaultOptions(dir).WithReadOnly(true)); !errors.Is(err, engine.ErrLocked) {
		t.Errorf("a reader while the write runs: %v, want ErrLocked", err)
	}
	if _, err := sess.Exec(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Writable() || c.Session() != sess {
		t.Fatalf("after Release: writable %v, same session %v", c.Writable(), c.Session() == sess)
	}
	readers()
	rows, err := runOn(t, c, "SELECT count(*) FROM few")
	if err != nil || len(rows) != 1 || rows[0][0].I != 3 {
		t.Fatalf("the write seen after it: %v %v", rows, err)
	}

	// Beside another reader, a write fails (no busy timeout here) and
	// the Conn still reads.
	other := enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(true))
	if _, err := runOn(t, c, "DROP SET few"); !errors.Is(err, engine.ErrLocked) {
		t.Errorf("a write beside a reader: %v, want ErrLocked", err)
	}
	rows, err = runOn(t, c, "SELECT count(*) FROM few")
	if err != nil || len(rows) != 1 || rows[0][0].I != 3 {
		t.Errorf("reading after the failed write: %v %v", rows, err)
	}
	enginetest.Close(t, other)

	// --read-only: the write fails with ErrReadOnly, nothing reopened.
	ro, err := Connect(context.Background(), testOpener(t), dir, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runOn(t, ro, "DROP SET few"); !errors.Is(err, engine.ErrReadOnly) {
		t.Errorf("a write on --read-only: %v", err)
	}
	ro.Close()
}
