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

// A query with a caption predicate on a table without caption index
// builds and stores the index first (saying so), and answers as before;
// on a read-only database it answers from the captions and says how to
// get the index.
func TestQueriesBuildAMissingCaptionIndexOnFirstUse(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	db := enginetest.Open(t, engine.DefaultOptions(dir))
	if _, err := db.Ingest(ctx, []string{"../testdata/laion-captions-10k.parquet"}, engine.DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	count := func(db *engine.DB, warn func(string)) int64 {
		s, err := query.NewSession(db, query.Options{Warn: warn})
		if err != nil {
			t.Fatal(err)
		}
		st, _ := ast.ParseStatement("", "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET")
		res, err := s.Exec(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := query.Collect(res.Rows)
		if err != nil {
			t.Fatal(err)
		}
		return rows[0][0].I
	}
	want := count(db, nil)
	if err := db.DropCaptionIndex("laion"); err != nil {
		t.Fatal(err)
	}
	enginetest.Close(t, db)

	ro := enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(true))
	var msgs []string
	if got := count(ro, func(m string) { msgs = append(msgs, m) }); got != want {
		t.Errorf("read-only, without the index: %d rows, want %d", got, want)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "laiondb reindex") {
		t.Errorf("read-only messages %q", msgs)
	}
	enginetest.Close(t, ro)

	db = enginetest.Open(t, engine.DefaultOptions(dir))
	msgs = nil
	if got := count(db, func(m string) { msgs = append(msgs, m) }); got != want {
		t.Errorf("after building the index: %d rows, want %d", got, want)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "building the caption index of table laion (10000 rows)") {
		t.Errorf("messages %q", msgs)
	}
	if n, _ := db.CaptionIndexMissing("laion"); n != 0 {
		t.Errorf("%d rows still without an index", n)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
