package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Shard numbers outside 0..MaxShard used to wrap silently: --shard
// 4294967296 replaced shard 0, metadata_99999999999.parquet became shard
// 0, --shard 99999999999 became 1215752191 and --shard -5 was ignored.
// Each is now an error that says the valid range, and nothing is written.
func TestShardNumbersAreRangeChecked(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	base := writeShard(t, t.TempDir(), testShard{rows: 300, dim: 8, number: 0, seed: 1})
	if _, err := db.Ingest(ctx, []string{base}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	before := digest(t, db)

	for _, forced := range []int64{4294967296, 99999999999, -5, -2} {
		opt := DefaultIngestOptions()
		opt.Shard = forced
		_, err := db.Ingest(ctx, []string{base}, opt)
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "0 to 4294967295") {
			t.Errorf("--shard %d: %v", forced, err)
		}
	}
	// A number in a file name that does not fit.
	dir := t.TempDir()
	big := filepath.Join(dir, "metadata_99999999999.parquet")
	src, err := os.ReadFile(filepath.Join(base, "metadata", "metadata_0000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, src, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = db.Ingest(ctx, []string{big}, DefaultIngestOptions())
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), big) || !strings.Contains(err.Error(), "0 to 4294967295") {
		t.Errorf("metadata_99999999999.parquet: %v", err)
	}
	if after := digest(t, db); after != before {
		t.Errorf("a refused shard number changed the database")
	}

	// The largest valid number works and lands where it says.
	opt := DefaultIngestOptions()
	opt.Shard = MaxShard
	opt.Table = "top"
	if _, err := db.Ingest(ctx, []string{base}, opt); err != nil {
		t.Fatalf("--shard %d: %v", uint64(MaxShard), err)
	}
	if top, _ := db.Table("top"); top.Shard(MaxShard) == nil || top.Shard(0) != nil {
		t.Errorf("shard %d stored as %+v", uint64(MaxShard), top.Shards[0])
	}
}
