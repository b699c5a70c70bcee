package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("shell", "the interactive shell (the default command)", runShell)
	register("query", "run statements given as arguments and print their results", runQuery)
	register("run", "run a saved script (FILE.lq), stopping at the first error or failed ASSERT", runRun)
}

// sessionFlags are the flags of the commands that run statements.
type sessionFlags struct {
	db      dbFlags
	wordnet string
}

func (s *sessionFlags) register(fs *flag.FlagSet) {
	s.db.register(fs)
	fs.StringVar(&s.wordnet, "wordnet", "", "WordNet directory for is_a and synsets beyond ImageNet-1k (default /usr/share/wordnet)")
}

// open opens the database and starts a session on it, with warnings on
// stderr and progress bars on a terminal.
func (s *sessionFlags) open(e *env, vars map[string]string) (*engine.DB, *query.Session, *repl.ProgressReporter, error) {
	db, err := openDB(&s.db, e)
	if err != nil {
		return nil, nil, nil, err
	}
	progress := repl.NewProgressReporter(e.stderr)
	sess, err := query.NewSession(db, query.Options{
		Vars:       vars,
		WordNetDir: s.wordnet,
		Warn:       func(msg string) { fmt.Fprintln(e.stderr, "warning:", msg) },
		Progress:   progress.Report,
	})
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, sess, progress, nil
}

// outputFlags choose the format of results and the script variables.
type outputFlags struct {
	format string
	vars   listFlag
}

func (o *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.format, "format", "table", "output format: "+strings.Join(repl.Formats(), ", "))
	fs.Var(&o.vars, "var", "set a script variable: --var name=value makes $name available (repeatable)")
}

// parse checks the format and splits the variables.
func (o *outputFlags) parse(fs *flag.FlagSet, e *env) (repl.Format, map[string]string, error) {
	f, err := repl.ParseFormat(o.format)
	if err != nil {
		fmt.Fprintf(e.stderr, "laiondb %s: --format: %v\n", fs.Name(), err)
		return 0, nil, errUsage
	}
	vars := map[string]string{}
	for _, v := range o.vars {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			fmt.Fprintf(e.stderr, "laiondb %s: --var %q: want name=value\n", fs.Name(), v)
			return 0, nil, errUsage
		}
		vars[strings.TrimPrefix(name, "$")] = value
	}
	return f, vars, nil
}

const formatHelp = `Output formats (--format):
  table     aligned columns with a header; on a terminal, text is cut with … and
            columns left out (a … column shows where) to fit its width, numbers
            never; not on a terminal nothing is cut. Vectors abbreviated, NULL
  box       table drawn with box-drawing lines
  markdown  a markdown table
  csv       RFC 4180 with a header row per result; NULL is an empty field, ''
            is "", vectors are JSON arrays
  tsv       tab-separated with a header row; \t \n \r \\ escaped, NULL empty
  json      one JSON array of objects per result, keys in column order
  jsonl     one JSON object per row, keys in column order (a repeated name gets
            _2, _3), NULL as null, vectors as arrays, numbers exact
  line      "column = value" per line, a blank line between rows
In csv, tsv, json and jsonl, statement messages ("created set ...") go to
stderr so stdout holds only rows.

Exit status: 0 when every statement ran, 1 on an error or a failed ASSERT:
the first error stops the run, and its message on stderr names FILE:line:col
(FILE is "query" for laiondb query) and shows the line with a caret.`

func runQuery(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "query", "[--db DIR] [--read-only] [--format F] [--var k=v]... 'STATEMENTS'",
		"Runs the statements (separated by \";\"; the last may omit it) and prints each\n"+
			"result. Arguments are joined by spaces into one text.\n\n"+formatHelp)
	var s sessionFlags
	var o outputFlags
	s.register(fs)
	o.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	format, vars, err := o.parse(fs, e)
	if err != nil {
		return err
	}
	src := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(src) == "" {
		fs.Usage()
		return errUsage
	}
	return runStatements(ctx, e, &s, format, vars, "query", src)
}

func runRun(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "run", "[--db DIR] [--read-only] [--format F] [--var k=v]... FILE.lq",
		"Runs the script's statements in order and prints each result; stops at the\n"+
			"first error or failed ASSERT. FILE - reads the script from stdin. Scripts hold\n"+
			"statements only; dot commands belong to the shell (laiondb shell < FILE).\n\n"+formatHelp)
	var s sessionFlags
	var o outputFlags
	s.register(fs)
	o.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	format, vars, err := o.parse(fs, e)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	file := fs.Arg(0)
	var src []byte
	if file == "-" {
		src, err = io.ReadAll(e.stdin)
		file = "stdin"
	} else {
		src, err = os.ReadFile(file)
	}
	if err != nil {
		return err
	}
	return runStatements(ctx, e, &s, format, vars, file, string(src))
}

// runStatements is run and query: every statement of src, results on
// stdout, the first error on stderr.
func runStatements(ctx context.Context, e *env, s *sessionFlags, format repl.Format, vars map[string]string, file, src string) error {
	db, sess, progress, err := s.open(e, vars)
	if err != nil {
		return err
	}
	defer db.Close()
	defer progress.Finish()
	p := &repl.Printer{Out: e.stdout, Err: e.stderr, Format: format, Width: repl.TerminalWidth(e.stdout)}
	if err := repl.RunScript(ctx, sess, p, file, src); err != nil {
		progress.Finish()
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(e.stderr, "interrupted")
		} else {
			fmt.Fprintln(e.stderr, strings.TrimSuffix(err.Error(), "\n"))
		}
		return errReported
	}
	return nil
}

func runShell(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "shell", "[--db DIR] [--read-only] [--no-history] [--format F]",
		"The interactive shell, modelled on sqlite3's. Statements end with \";\" and may\n"+
			"span lines; .help lists the dot commands. On a terminal: line editing, history\n"+
			"in ~/.laiondb_history (--no-history or LAIONDB_HISTORY=off turns it off,\n"+
			"LAIONDB_HISTORY=FILE moves it), Ctrl-R searches it, Tab completes names,\n"+
			"Ctrl-C cancels the running statement, Ctrl-D quits.\n\n"+
			"With stdin not a terminal (piped or redirected) it reads plain lines with no\n"+
			"prompts and runs each statement when its \";\" arrives; errors go to stderr and\n"+
			"the shell carries on, exiting with status 1 at the end if anything failed.")
	var s sessionFlags
	s.register(fs)
	noHistory := fs.Bool("no-history", false, "do not read or write the history file")
	format := fs.String("format", "table", "initial output format (.mode changes it): "+strings.Join(repl.Formats(), ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "laiondb shell: unexpected argument %q (to run statements use laiondb query or laiondb run)\n", fs.Arg(0))
		return errUsage
	}
	f, err := repl.ParseFormat(*format)
	if err != nil {
		fmt.Fprintf(e.stderr, "laiondb shell: --format: %v\n", err)
		return errUsage
	}
	db, sess, progress, err := s.open(e, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	terminal := isTerminal(e.stdin) && isTerminal(e.stdout)
	sh := &repl.Shell{
		Session:  sess,
		In:       e.stdin,
		Out:      e.stdout,
		Err:      e.stderr,
		Terminal: terminal,
		Name:     s.db.dir,
		Format:   f,
		Footer:   terminal,
		Timer:    terminal,
		Progress: progress,
	}
	if terminal {
		sh.Width = func() int { return repl.TerminalWidth(e.stdout) }
		if !*noHistory {
			sh.HistoryFile = repl.DefaultHistoryFile()
		}
	}
	if err := sh.Run(ctx); err != nil {
		if errors.Is(err, repl.ErrFailed) {
			return errReported
		}
		return err
	}
	return nil
}

// isTerminal reports whether the stream is a terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && repl.IsTerminal(f)
}
