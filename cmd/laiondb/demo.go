package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/examples"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("demo", "generate a LAION shard and run the LAIONet study on it (examples/laionet.lq)", runDemo)
}

func runDemo(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "demo", "[--out DIR] [--rows N] [--imagenet N]",
		"Writes a generated LAION-format shard and an ImageNet-like set under DIR,\n"+
			"ingests them into DIR/study.db and runs the LAIONet study\n"+
			"(examples/laionet.lq): lemma matching, the text-similarity filter,\n"+
			"intra-class similarity, the paper's comparison, plots and an export;\n"+
			"then zero-shot accuracy on LAIONet and ImageNet (examples/accuracy.lq)\n"+
			"and selection by caption or by image (examples/selection.lq).\n"+
			"Re-running replaces DIR's shard/, study.db and outputs.")
	out := fs.String("out", "laiondb-demo", "directory for the shard, the database, the plots and the export")
	rows := fs.Int("rows", 50000, "rows of the generated LAION shard")
	perClass := fs.Int("imagenet", 50, "images per class of the ImageNet-like set")
	seed := fs.Uint64("seed", 1, "random seed of the generated data")
	if err := parse(fs, args); err != nil {
		return err
	}
	start := time.Now()
	shard := filepath.Join(*out, "shard")
	dbDir := filepath.Join(*out, "study.db")
	// Only what the demo itself writes is removed.
	for _, p := range []string{shard, dbDir} {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "-- generating %d LAION rows and %d ImageNet-like images under %s\n", *rows, 1000**perClass, shard)
	sum, err := gen.Generate(shard, gen.Config{Rows: *rows, Seed: *seed, ImageNetPerClass: *perClass})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "-- %d on-topic captions, %d incidental class mentions\n", sum.OnTopic, sum.Incidental)
	db, err := engine.Open(engine.DefaultOptions(dbDir))
	if err != nil {
		return err
	}
	defer db.Close()
	progress := repl.NewProgressReporter(e.stderr)
	sess, err := query.NewSession(db, query.Options{
		Vars:     map[string]string{"shard": shard, "out": *out, "weights": filepath.Join(shard, "synsets", "zeroshot_weights.npy")},
		Warn:     func(msg string) { fmt.Fprintln(e.stderr, "warning:", msg) },
		Progress: progress.Report,
	})
	if err != nil {
		return err
	}
	p := &repl.Printer{Out: e.stdout, Err: e.stderr, Format: repl.Table, Width: repl.TerminalWidth(e.stdout)}
	conn := &repl.Conn{DB: &repl.Database{Session: sess, Dir: dbDir}}
	for _, sc := range examples.Study {
		fmt.Fprintln(e.stdout, "-- running "+sc.Name)
		err = repl.RunScript(ctx, conn, p, sc.Name, sc.Text)
		progress.Finish()
		if err != nil {
			var qe *query.Error
			if errors.As(err, &qe) {
				fmt.Fprintln(e.stderr, err)
				return errReported
			}
			return err
		}
	}
	fmt.Fprintf(e.stdout, "-- done in %s: database %s, plots %s/*.svg, export %s\n",
		time.Since(start).Round(time.Millisecond), dbDir, *out, filepath.Join(*out, "laionet.parquet"))
	return nil
}
