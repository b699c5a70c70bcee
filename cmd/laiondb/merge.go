package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("merge", "combine partial runs (run --partial) into the results of one database", runMerge)
}

func runMerge(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "merge", "[--format F] [--jsonl FILE] [--var k=v]... PARTIAL...",
		"Prints what the partials' script prints when it runs on one database holding\n"+
			"all their shards: the same rows in the same order, the same numbers (to\n"+
			"rounding), messages and ASSERT outcomes, exit status 1 at a failed ASSERT.\n"+
			"PARTIALs are directories laiondb run --partial wrote, in any order; they\n"+
			"must be partials of one script over disjoint shards, and agree on every\n"+
			"table other than the sharded one. PLOT and EXPORT write their files where\n"+
			"the script says (--var replaces the partials' values).\n\n"+formatHelp)
	format := formatFlag(fs, "output format")
	jsonl := fs.String("jsonl", "", "also write every result's rows to this file as JSON lines")
	var varFlags listFlag
	fs.Var(&varFlags, "var", "set a variable for the merge: --var name=value replaces the partials' $name (repeatable)")
	wordnet := fs.String("wordnet", "", "WordNet directory (default /usr/share/wordnet)")
	verbose := fs.Bool("verbose", false, "show the storage engine's log lines")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := parseFormat(fs, e, *format)
	if err != nil {
		return err
	}
	vars := map[string]string{}
	for _, v := range varFlags {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			fmt.Fprintf(e.stderr, "laiondb merge: --var %q: want name=value\n", v)
			return errUsage
		}
		vars[strings.TrimPrefix(name, "$")] = value
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	ps, err := query.OpenPartials(fs.Args())
	if err != nil {
		return err
	}
	return mergePartials(ctx, e, ps, vars, f, *jsonl, *wordnet, *verbose)
}

// mergePartials runs the merge on a schema-only database in a temporary
// directory, removed at the end.
func mergePartials(ctx context.Context, e *env, ps *query.Partials, vars map[string]string, f repl.Format, jsonl, wordnet string, verbose bool) error {
	tmp, err := os.MkdirTemp("", "laiondb-merge-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	opts := engine.DefaultOptions(tmp)
	if verbose {
		opts = opts.WithLog(e.stderr)
	}
	db, err := engine.Open(opts)
	if err != nil {
		return err
	}
	defer db.Close()
	sess, err := query.NewSession(db, query.Options{
		WordNetDir: wordnet,
		Warn:       func(msg string) { fmt.Fprintln(e.stderr, "warning:", msg) },
	})
	if err != nil {
		return err
	}
	printers := []*repl.Printer{{Out: e.stdout, Err: e.stderr, Format: f, Width: repl.TerminalWidth(e.stdout)}}
	if jsonl != "" {
		out, err := os.Create(jsonl)
		if err != nil {
			return err
		}
		defer out.Close()
		printers = append(printers, &repl.Printer{Out: out, Err: io.Discard, Format: repl.JSONL})
	}
	if err := repl.RunMerge(ctx, sess, ps, vars, printers...); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(e.stderr, "interrupted")
		} else {
			fmt.Fprintln(e.stderr, strings.TrimSuffix(err.Error(), "\n"))
		}
		return errReported
	}
	return nil
}

// byteSize writes a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// shardList writes shard numbers, runs as ranges: 0-3, 7.
func shardList(sh []uint32) string {
	if len(sh) == 0 {
		return "none"
	}
	var parts []string
	for i := 0; i < len(sh); {
		j := i
		for j+1 < len(sh) && sh[j+1] == sh[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", sh[i], sh[j]))
		} else {
			parts = append(parts, fmt.Sprint(sh[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
