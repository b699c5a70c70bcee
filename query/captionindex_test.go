package query_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// A query with a caption predicate on a table without caption index (a
// database from before the index) answers from the captions and says how
// to get the index — on a writable database exactly as on a read-only one:
// reads never write. REINDEX builds and stores it; then the answer is the
// same and the message is gone.
func TestQueriesWithoutCaptionIndexAnswerAndWriteNothing(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	db := enginetest.Open(t, engine.DefaultOptions(dir))
	if _, err := db.Ingest(ctx, []string{"../testdata/laion-captions-10k.parquet"}, engine.DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	run := func(db *engine.DB, warn func(string), sql string) []query.Row {
		s, err := query.NewSession(db, query.Options{Warn: warn})
		if err != nil {
			t.Fatal(err)
		}
		st, err := ast.ParseStatement("", sql)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Exec(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows == nil {
			return nil
		}
		rows, err := query.Collect(res.Rows)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	const count = "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET"
	want := run(db, nil, count)[0][0].I
	if err := db.DropCaptionIndex("laion"); err != nil {
		t.Fatal(err)
	}
	enginetest.Close(t, db)

	for _, readOnly := range []bool{true, false} {
		db := enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(readOnly))
		var msgs []string
		if got := run(db, func(m string) { msgs = append(msgs, m) }, count)[0][0].I; got != want {
			t.Errorf("read-only %v, without the index: %d rows, want %d", readOnly, got, want)
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0], "REINDEX") {
			t.Errorf("read-only %v: messages %q", readOnly, msgs)
		}
		if n, _ := db.CaptionIndexMissing("laion"); n != 10000 {
			t.Errorf("read-only %v: a query changed the rows without an index to %d", readOnly, n)
		}
		enginetest.Close(t, db)
	}

	db = enginetest.Open(t, engine.DefaultOptions(dir))
	run(db, nil, "REINDEX laion")
	if n, _ := db.CaptionIndexMissing("laion"); n != 0 {
		t.Errorf("%d rows still without an index after REINDEX", n)
	}
	var msgs []string
	if got := run(db, func(m string) { msgs = append(msgs, m) }, count)[0][0].I; got != want {
		t.Errorf("after REINDEX: %d rows, want %d", got, want)
	}
	if len(msgs) != 0 {
		t.Errorf("messages after REINDEX %q", msgs)
	}
}
