package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("ingest", "read LAION shards (parquet metadata + npy embeddings) into a table", runIngest)
}

func runIngest(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "ingest", "[--db DIR] [--table NAME] [--shard N] PATH...",
		"PATH is a shard directory (metadata/, img_emb/, text_emb/ or the older images/, texts/)\n"+
			"or individual .parquet/.npy files. Re-ingesting a shard replaces it; an ingest\n"+
			"that was interrupted resumes where it stopped.")
	var d dbFlags
	d.register(fs)
	opt := engine.DefaultIngestOptions()
	fs.StringVar(&opt.Table, "table", opt.Table, "table to ingest into (created if absent)")
	fs.Int64Var(&opt.Shard, "shard", -1, "shard number, 0 to 4294967295; -1 reads it from the file names (metadata_0003 → 3), else 0")
	fs.StringVar(&opt.VectorDType, "dtype", "f16", "stored vector type: f16 or f32")
	fs.BoolVar(&opt.KeepNorm, "keep-norm", false, "store vectors as they are instead of unit-normalising them")
	fs.StringVar(&opt.Model, "model", "", "model name of the embeddings (default: from the dimension)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		fmt.Fprintln(e.stderr, "laiondb ingest: no PATH given")
		return errUsage
	}
	if err := query.NewNameError("table", opt.Table); err != nil && !hasTable(ctx, &d, opt.Table) {
		// Refused before the database is opened for writing, which
		// would create a missing one.
		return fmt.Errorf("--table %w", err)
	}
	db, err := openDB(ctx, &d, e)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := ingest(ctx, db, fs.Args(), opt, e)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, describeIngest(rep))
	return nil
}

// ingest runs an ingest with a progress bar on a terminal and warnings on
// stderr.
func ingest(ctx context.Context, db *engine.DB, paths []string, opt engine.IngestOptions, e *env) (*engine.IngestReport, error) {
	var bar *repl.Progress
	opt.Warn = func(msg string) { fmt.Fprintln(e.stderr, "warning:", msg) }
	opt.Progress = func(p engine.IngestProgress) {
		if bar == nil {
			bar = repl.NewProgress(e.stderr, "ingest", "rows", p.TotalRows)
		}
		bar.Set(p.Rows)
	}
	// The index update that follows the rows gets a bar of its own, per
	// index: it can take as long as the ingest.
	bars := repl.NewProgressReporter(e.stderr)
	opt.IndexProgress = func(name string, done, total int64) {
		if bar != nil {
			bar.Done()
			bar = nil
		}
		bars.Report("index "+name, done, total)
	}
	rep, err := db.Ingest(ctx, paths, opt)
	if bar != nil {
		bar.Done()
	}
	bars.Finish()
	return rep, err
}

func describeIngest(rep *engine.IngestReport) string {
	s := fmt.Sprintf("ingested %d rows into %s in %s (%.0f rows/s)", rep.Rows, rep.Table, rep.Elapsed.Round(time.Millisecond), float64(rep.Rows)/rep.Elapsed.Seconds())
	for _, sh := range rep.Shards {
		s += fmt.Sprintf("\n  shard %d: %d rows", sh.Number, sh.Rows)
		if sh.ResumedFrom > 0 {
			s += fmt.Sprintf(" (resumed from row %d)", sh.ResumedFrom)
		}
		if sh.Replaced {
			s += " (replaced the previous ingest)"
		}
	}
	return s
}

// hasTable reports whether the database of d exists and has the table
// (opened read-only to look).
func hasTable(ctx context.Context, d *dbFlags, table string) bool {
	if _, err := os.Stat(d.dir); err != nil {
		return false
	}
	ro := *d
	ro.readOnly = true
	db, err := openDB(ctx, &ro, &env{stderr: io.Discard})
	if err != nil {
		return false
	}
	defer db.Close()
	_, err = db.Table(table)
	return err == nil
}

func openDB(ctx context.Context, d *dbFlags, e *env) (*engine.DB, error) {
	opts := engine.DefaultOptions(d.dir).WithReadOnly(d.readOnly).WithBusyTimeout(d.busyTimeout)
	if d.verbose {
		opts = opts.WithLog(e.stderr)
	}
	return engine.OpenContext(ctx, opts)
}
