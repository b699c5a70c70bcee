package main

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("reindex", "build the caption index of shards that lack one (databases from before the index)", runReindex)
}

func runReindex(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "reindex", "[--db DIR] [--table NAME]",
		"Builds and stores the caption token index and the ImageNet labelling of\n"+
			"every shard of the table that lacks them, from its stored captions.\n"+
			"Shards ingested by this version have them already; then it does nothing.\n"+
			"Queries build a missing index on first use too.")
	var d dbFlags
	d.register(fs)
	table := fs.String("table", "laion", "table to index")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(&d, e)
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
		return nil
	}
	fmt.Fprintf(e.stdout, "indexed the captions of %d shard%s of %s\n", n, map[bool]string{true: "", false: "s"}[n == 1], *table)
	return nil
}
