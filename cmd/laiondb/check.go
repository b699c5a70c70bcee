package main

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("check", "verify every checksum and invariant of a database (exit 1 when damaged)", runCheck)
}

func runCheck(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "check", "[--db DIR]",
		"Reads every value of the database and verifies its checksum, every table\n"+
			"file's block checksums, that every stored block decodes, and the\n"+
			"invariants: each visible row has its blocks and caption index, sets and\n"+
			"vector indexes refer only to existing rows, the embedding cache decodes.\n"+
			"Prints each problem, naming table, shard and block, and exits 1 if there\n"+
			"is any. It opens the database read-only unless a crash needs recovery.")
	var d dbFlags
	d.register(fs)
	d.readOnly = true
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, &d, e)
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *repl.Progress
	rep, err := db.Verify(ctx, func(done, total int64) {
		if bar == nil {
			bar = repl.NewProgress(e.stderr, "check", "bytes", total)
		}
		bar.Set(done)
	})
	if bar != nil {
		bar.Done()
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stderr, "laiondb check: %s: %s\n", d.dir, p)
		}
		return fmt.Errorf("%s is damaged: %d problem%s found (restore it from a backup, or re-ingest the tables named above into a new database)", d.dir, len(rep.Problems), plural(len(rep.Problems)))
	}
	fmt.Fprintf(e.stdout, "ok: %s: %d keys, %.1f MiB of values, every checksum and invariant verified\n", d.dir, rep.Keys, float64(rep.Bytes)/(1<<20))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
