package engine

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// openTestDB opens a new database, checked and closed when the test ends.
func openTestDB(t *testing.T) *DB {
	t.Helper()
	return openChecked(t, DefaultOptions(filepath.Join(t.TempDir(), "db")))
}

func TestIngestRealCaptions(t *testing.T) {
	db := openTestDB(t)
	rep, err := db.Ingest(context.Background(), []string{"../testdata/laion-captions-10k.parquet"}, DefaultIngestOptions())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 10000 || len(rep.Shards) != 1 {
		t.Fatalf("report %+v", rep)
	}
	tbl, err := db.Table("laion")
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Rows() != 10000 {
		t.Fatalf("rows %d", tbl.Rows())
	}
	for _, c := range []string{"caption", "url", "__index_level_0__"} {
		if tbl.Column(c) < 0 {
			t.Errorf("column %s missing from %s", c, tbl.Describe())
		}
	}
	// Compare every caption with an independent read of the file.
	f, err := os.Open("../testdata/laion-captions-10k.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rec struct {
		URL  *string `parquet:"URL,optional"`
		TEXT *string `parquet:"TEXT,optional"`
	}
	rows, err := parquet.Read[rec](f, mustSize(t, f))
	if err != nil {
		t.Fatal(err)
	}
	s := db.Snapshot()
	defer s.Close()
	sh := tbl.Shards[0]
	ci := tbl.Column("caption")
	nulls := 0
	for i, r := range rows {
		cb, err := s.columnBlock(tbl, sh.Number, sh.Gen, uint32(i/BlockRows), ci)
		if err != nil {
			t.Fatal(err)
		}
		j := i % BlockRows
		if r.TEXT == nil {
			nulls++
			if !cb.IsNull(j) {
				t.Fatalf("row %d: NULL caption stored as %q", i, cb.Str(j))
			}
			continue
		}
		if cb.IsNull(j) || cb.Str(j) != *r.TEXT {
			t.Fatalf("row %d: caption %q, want %q", i, cb.Str(j), *r.TEXT)
		}
	}
	t.Logf("%d rows, %d null captions", len(rows), nulls)
}

func mustSize(t *testing.T, f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func nanF() float64 { return math.NaN() }
func infF() float64 { return math.Inf(1) }
