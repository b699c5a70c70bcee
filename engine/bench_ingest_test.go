package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func BenchmarkIngestShard(b *testing.B) {
	shard := os.Getenv("LAIONDB_BENCH_SHARD")
	if shard == "" {
		b.Skip("set LAIONDB_BENCH_SHARD")
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "db")
		exec.Command("sync").Run()
		b.StartTimer()
		st := time.Now()
		db, err := Open(DefaultOptions(dir))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Ingest(context.Background(), []string{shard}, DefaultIngestOptions()); err != nil {
			b.Fatal(err)
		}
		ing := time.Since(st)
		db.Close()
		b.Logf("run %d: ingest %v, with close %v", i, ing, time.Since(st))
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}
