package query

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query/ast"
)

type benchRow struct {
	K       int64  `parquet:"k"`
	URL     string `parquet:"URL"`
	Caption string `parquet:"TEXT"`
}

// benchJoinSession ingests big (1,000,000 rows, k = i mod 1000) and small
// (1,000 rows, k = i) into a fresh database.
func benchJoinSession(b *testing.B) *Session {
	b.Helper()
	dir := b.TempDir()
	write := func(name string, n int) string {
		rows := make([]benchRow, n)
		for i := range rows {
			rows[i] = benchRow{K: int64(i % 1000), URL: fmt.Sprintf("https://example.com/%s/%d.jpg", name, i), Caption: fmt.Sprintf("photo %d of %s", i, name)}
		}
		path := filepath.Join(dir, name+".parquet")
		if err := parquet.WriteFile(path, rows); err != nil {
			b.Fatal(err)
		}
		return path
	}
	big, small := write("big", 1_000_000), write("small", 1000)
	db := enginetest.Open(b, engine.DefaultOptions(filepath.Join(dir, "db")))
	sess, err := NewSession(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{"INGEST " + sqlString(big) + " INTO big", "INGEST " + sqlString(small) + " INTO small"} {
		if _, err := lqRun(sess, s); err != nil {
			b.Fatal(err)
		}
	}
	return sess
}

func benchQuery(b *testing.B, sess *Session, src string, want int64) {
	b.Helper()
	st, err := ast.ParseStatement("", src)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := sess.Exec(context.Background(), st)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := Collect(res.Rows)
		if err != nil {
			b.Fatal(err)
		}
		if got := rows[0][0].I; got != want {
			b.Fatalf("%s: %d, want %d", src, got, want)
		}
	}
}

// BenchmarkJoin1Mx1k is a hash join of a 1,000,000-row table with a
// 1,000-row one on an integer key, through the whole engine: the small
// side is the hash table (whichever side it is written on), the big one
// streams past it.
func BenchmarkJoin1Mx1k(b *testing.B) {
	sess := benchJoinSession(b)
	b.Run("big-probes", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM big JOIN small ON big.k = small.k", 1_000_000)
	})
	b.Run("small-written-first", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM small JOIN big ON big.k = small.k", 1_000_000)
	})
	b.Run("scan-only", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM big WHERE k >= 0", 1_000_000)
	})
}

// BenchmarkCorrelated measures the three ways a correlated EXISTS can
// run, on the real captions (10,000 rows) against a generated shard whose
// 5,000 rows reuse their URLs: as a semi join (the rule "decorrelate
// subqueries"), per distinct outer value with a hash lookup (under OR
// the rule cannot apply; "correlated lookup" does), and per distinct
// outer value scanning the table each time (the correlation is written
// as two inequalities, which neither rule can use; only the first 1,000
// rows, as it is slow).
func BenchmarkCorrelated(b *testing.B) {
	shard, err := testShard()
	if err != nil {
		b.Fatal(err)
	}
	captions, _ := filepath.Abs(filepath.Join("..", "testdata", "laion-captions-10k.parquet"))
	db := enginetest.Open(b, engine.DefaultOptions(filepath.Join(b.TempDir(), "db")))
	sess, err := NewSession(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{"INGEST " + sqlString(captions) + " INTO laion", "INGEST " + sqlString(shard) + " INTO gen"} {
		if _, err := lqRun(sess, s); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("semi-join", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM laion l WHERE EXISTS (SELECT 1 FROM gen g WHERE g.url = l.url)", 3844)
	})
	b.Run("per-row-lookup", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM laion l WHERE EXISTS (SELECT 1 FROM gen g WHERE g.url = l.url) OR l.id < 0", 3844)
	})
	b.Run("per-row-lookup-1k", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM laion l WHERE l.id < 1000 AND (EXISTS (SELECT 1 FROM gen g WHERE g.url = l.url) OR l.id < 0)", 365)
	})
	b.Run("per-row-scan-1k", func(b *testing.B) {
		benchQuery(b, sess, "SELECT count(*) FROM laion l WHERE l.id < 1000 AND (EXISTS (SELECT 1 FROM gen g WHERE g.url >= l.url AND g.url <= l.url) OR l.id < 0)", 365)
	})
}
