package main

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("vacuum", "give back the disk space of replaced and dropped data (a full pass)", runVacuum)
}

func runVacuum(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "vacuum", "[--db DIR]",
		"Removes what no catalog entry refers to (what a crash can leave behind),\n"+
			"compacts the key tree and rewrites every value log file holding garbage.\n"+
			"Every write (ingest, DROP SET, REFRESH SET, DROP INDEX) already gives back\n"+
			"the space it made garbage; this is the full pass. Ctrl-C stops it between\n"+
			"files, leaving the database as it was or smaller.")
	var d dbFlags
	d.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, &d, e)
	if err != nil {
		return err
	}
	defer db.Close()
	bars := repl.NewProgressReporter(e.stderr)
	rep, err := db.Vacuum(ctx, bars.Report)
	bars.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s on disk, was %s: %d orphaned object(s) removed, %d value log file(s) rewritten\n",
		humanSize(rep.BytesAfter), humanSize(rep.BytesBefore), rep.Orphans, rep.Rewrites)
	return nil
}

// humanSize writes a size in MB or GB.
func humanSize(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
