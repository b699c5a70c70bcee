package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchReindexRows is the rows of each shard in the index maintenance
// benchmarks (LAIONDB_BENCH_ROWS, default 5000); vectors are 512-d.
func benchReindexRows() int {
	if n, err := strconv.Atoi(os.Getenv("LAIONDB_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkReplaceIndexedShard replaces shard 1 of a 2-shard database
// indexed on img; compare with BenchmarkFreshIngestAndIndex (the same
// shard ingested into an empty database and indexed): the target is at
// most twice that.
func BenchmarkReplaceIndexedShard(b *testing.B) {
	rows := benchReindexRows()
	ctx := context.Background()
	db, err := Open(DefaultOptions(filepath.Join(b.TempDir(), "db")))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for n := range 2 {
		if _, err := db.Ingest(ctx, []string{writeShard(b, b.TempDir(), testShard{rows: rows, dim: 512, number: n, seed: uint64(n + 1)})}, DefaultIngestOptions()); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.CreateIndex(ctx, "", "laion", "img", DefaultIndexOptions()); err != nil {
		b.Fatal(err)
	}
	inputs := []string{
		writeShard(b, b.TempDir(), testShard{rows: rows, dim: 512, number: 1, seed: 3}),
		writeShard(b, b.TempDir(), testShard{rows: rows, dim: 512, number: 1, seed: 4}),
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Ingest(ctx, []string{inputs[i%2]}, DefaultIngestOptions()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := db.Check(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFreshIngestAndIndex ingests one shard into an empty database
// and builds its index: the reference of BenchmarkReplaceIndexedShard.
func BenchmarkFreshIngestAndIndex(b *testing.B) {
	rows := benchReindexRows()
	ctx := context.Background()
	input := writeShard(b, b.TempDir(), testShard{rows: rows, dim: 512, number: 1, seed: 3})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "db")
		b.StartTimer()
		db, err := Open(DefaultOptions(dir))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Ingest(ctx, []string{input}, DefaultIngestOptions()); err != nil {
			b.Fatal(err)
		}
		if _, err := db.CreateIndex(ctx, "", "laion", "img", DefaultIndexOptions()); err != nil {
			b.Fatal(err)
		}
		db.Close()
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}
