package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/laiondb/laiondb/engine/gen"
)

// benchReindexRows is the rows of each shard in the index maintenance
// benchmarks (LAIONDB_BENCH_ROWS, default 5000).
func benchReindexRows() int {
	if n, err := strconv.Atoi(os.Getenv("LAIONDB_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// genBenchShard writes a shard as `laiondb gen` does (512-d vectors planted
// around real CLIP class embeddings) and returns its directory.
func genBenchShard(b *testing.B, rows, number int, seed uint64) string {
	dir := b.TempDir()
	if _, err := gen.Generate(dir, gen.Config{Rows: rows, Seed: seed, Shard: number}); err != nil {
		b.Fatal(err)
	}
	return dir
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
		if _, err := db.Ingest(ctx, []string{genBenchShard(b, rows, n, uint64(n+1))}, DefaultIngestOptions()); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.CreateIndex(ctx, "", "laion", "img", DefaultIndexOptions()); err != nil {
		b.Fatal(err)
	}
	inputs := []string{
		genBenchShard(b, rows, 1, 3),
		genBenchShard(b, rows, 1, 4),
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
	input := genBenchShard(b, rows, 1, 3)
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
