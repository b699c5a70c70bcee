package main

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("reindex", "build missing caption indexes and store repaired vector indexes", runReindex)
}

func runReindex(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "reindex", "[--db DIR] [--table NAME]",
		"Builds and stores the caption token index and the ImageNet labelling of\n"+
			"every shard of the table that lacks them, from its stored captions, and\n"+
			"stores the vector indexes of the table brought up to date with its shards\n"+
			"(after a crash between an ingest and its index update). Shards ingested by\n"+
			"this version have their caption index already. Queries never write: they\n"+
			"answer from the captions in memory, or repair a vector index in memory.")
	var d dbFlags
	d.register(fs)
	table := fs.String("table", "laion", "table to index")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, &d, e)
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *repl.Progress
	n, err := db.BuildCaptionIndex(ctx, *table, func(done, total int64) {
		if bar == nil {
			bar = repl.NewProgress(e.stderr, "caption index", "rows", total)
		}
		bar.Set(done)
	})
	if bar != nil {
		bar.Done()
	}
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(e.stdout, "every shard of %s has its caption index\n", *table)
	} else {
		fmt.Fprintf(e.stdout, "indexed the captions of %d shard%s of %s\n", n, map[bool]string{true: "", false: "s"}[n == 1], *table)
	}
	stored, err := db.RepairIndexes(ctx, *table, func(msg string) { fmt.Fprintln(e.stderr, msg) })
	if err != nil {
		return err
	}
	for _, name := range stored {
		fmt.Fprintf(e.stdout, "stored the repaired vector index %s\n", name)
	}
	return nil
}
