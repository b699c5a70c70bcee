package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
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
	vars    listFlag
}

func (s *sessionFlags) register(fs *flag.FlagSet) {
	s.db.register(fs)
	fs.StringVar(&s.wordnet, "wordnet", "", "WordNet directory for is_a and synsets beyond ImageNet-1k (default /usr/share/wordnet)")
	fs.Var(&s.vars, "var", "set a variable: --var name=value makes $name available (repeatable)")
}

// parseVars splits the --var flags.
func (s *sessionFlags) parseVars(fs *flag.FlagSet, e *env) (map[string]string, error) {
	vars := map[string]string{}
	for _, v := range s.vars {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			fmt.Fprintf(e.stderr, "laiondb %s: --var %q: want name=value\n", fs.Name(), v)
			return nil, errUsage
		}
		vars[strings.TrimPrefix(name, "$")] = value
	}
	return vars, nil
}

// connect opens the database of --db for statements, with the --var
// variables set, warnings on stderr and progress bars on a terminal.
// readOnly is --read-only, or a check that must not write; otherwise the
// database is open read-only between statements and read-write while a
// statement that writes runs (repl.Conn).
func (s *sessionFlags) connect(ctx context.Context, e *env, vars map[string]string, progress *repl.ProgressReporter, readOnly bool) (*repl.Conn, error) {
	open := func(ctx context.Context, dir string, m repl.OpenMode) (*repl.Database, error) {
		return openDatabase(ctx, e, &s.db, s.wordnet, progress, dir, m)
	}
	conn, err := repl.Connect(ctx, open, s.db.dir, readOnly, s.db.busyTimeout)
	if err != nil {
		return nil, err
	}
	for k, v := range vars {
		conn.Session().SetVar(k, query.ParseVar(v))
	}
	return conn, nil
}

// openDatabase is how laiondb shell, query and run open a database (the
// one place to change that): the database in dir and a session on it
// (m.Session moved onto it, or a new one).
//
// A directory that does not exist is created only when m.Create is set,
// that is when a statement is about to write to it (repl.Conn asks), so
// that `laiondb run --db typo.db` leaves nothing behind. Until then the
// session runs on an empty stand-in in a temporary directory, removed on
// Close: statements that read no table still run, and those that read one
// say there is no database at dir.
func openDatabase(ctx context.Context, e *env, d *dbFlags, wordnet string, progress *repl.ProgressReporter, dir string, m repl.OpenMode) (*repl.Database, error) {
	where, standIn := dir, ""
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && !m.Create {
		tmp, err := os.MkdirTemp("", "laiondb-stand-in-")
		if err != nil {
			return nil, err
		}
		where, standIn = tmp, dir
	}
	readOnly := m.ReadOnly && standIn == ""
	opts := engine.DefaultOptions(where).WithReadOnly(readOnly).WithBusyTimeout(m.BusyTimeout)
	if d.verbose {
		opts = opts.WithLog(e.stderr)
	}
	db, err := engine.OpenContext(ctx, opts)
	if err != nil {
		if standIn != "" {
			os.RemoveAll(where)
		}
		return nil, err
	}
	closeDB := func() error {
		err := db.Close()
		if standIn != "" {
			os.RemoveAll(where)
		}
		return err
	}
	sess := m.Session
	if sess != nil {
		sess.UseDB(db)
	} else {
		sess, err = query.NewSession(db, query.Options{
			WordNetDir:      wordnet,
			Warn:            func(msg string) { fmt.Fprintln(e.stderr, "warning:", msg) },
			Progress:        progress.Report,
			MissingDatabase: standIn,
			DeferStores:     true,
		})
		if err != nil {
			closeDB()
			return nil, err
		}
	}
	return &repl.Database{Session: sess, Dir: dir, ReadOnly: readOnly, Missing: standIn != "", Close: closeDB}, nil
}

// closeConn closes the database of shell, query and run; what goes wrong
// then is a warning, the statements having run.
func closeConn(conn *repl.Conn, e *env) {
	if err := conn.Close(); err != nil {
		fmt.Fprintln(e.stderr, "warning:", err)
	}
}

// formatFlag chooses the format of results.
func formatFlag(fs *flag.FlagSet, about string) *string {
	return fs.String("format", "table", about+": "+strings.Join(repl.Formats(), ", "))
}

// parseFormat checks --format.
func parseFormat(fs *flag.FlagSet, e *env, name string) (repl.Format, error) {
	f, err := repl.ParseFormat(name)
	if err != nil {
		fmt.Fprintf(e.stderr, "laiondb %s: --format: %v\n", fs.Name(), err)
		return 0, errUsage
	}
	return f, nil
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

The whole text is parsed and checked before anything runs: a syntax error,
a table or set that neither exists nor is made earlier, an unset $variable
or an unknown function or setting stops it with nothing done. A --db
directory that does not exist is created by the first statement that
writes to it (INGEST, CREATE SET, ...), not before: reading a table of a
missing database says there is no database there.

Exit status: 0 when every statement ran, 1 on an error or a failed ASSERT:
the first error stops the run, and its message on stderr names FILE:line:col
(FILE is "query" for laiondb query) and shows the line with a caret.`

func runQuery(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "query", "[--db DIR] [--read-only] [--format F] [--var k=v]... 'STATEMENTS'",
		"Runs the statements (separated by \";\"; the last may omit it) and prints each\n"+
			"result. Arguments are joined by spaces into one text; flags may come before\n"+
			"or after it.\n\n"+formatHelp)
	var s sessionFlags
	s.register(fs)
	format := formatFlag(fs, "output format")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := parseFormat(fs, e, *format)
	if err != nil {
		return err
	}
	vars, err := s.parseVars(fs, e)
	if err != nil {
		return err
	}
	src := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(src) == "" {
		fs.Usage()
		return errUsage
	}
	return runStatements(ctx, e, &s, f, vars, "query", src)
}

func runRun(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "run", "[--db DIR] [--read-only] [--format F] [--var k=v]... [--check] FILE.lq",
		"Runs the script's statements in order and prints each result; stops at the\n"+
			"first error or failed ASSERT. FILE - reads the script from stdin. Scripts hold\n"+
			"statements only; dot commands belong to the shell (laiondb shell < FILE).\n"+
			"--check only parses and checks the script (against the database when it\n"+
			"exists, opened read-only, and the --var variables), reports every error and\n"+
			"runs nothing: for CI linting.\n\n"+formatHelp)
	var s sessionFlags
	s.register(fs)
	format := formatFlag(fs, "output format")
	check := fs.Bool("check", false, "parse and check the script, report every error, run nothing")
	partial := fs.String("partial", "", "write a partial run to this directory instead of printing results (laiondb merge combines partials)")
	sharded := fs.String("sharded", query.DefaultSharded, "with --partial: the table whose shards this database holds a part of")
	shared := fs.String("shared", "keep", "with --partial: keep the states of queries over the other tables (the same in every partial), or only their digest when another partial keeps them: keep or digest")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := parseFormat(fs, e, *format)
	if err != nil {
		return err
	}
	vars, err := s.parseVars(fs, e)
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
	if *check {
		return checkScript(ctx, e, &s, vars, file, string(src))
	}
	if *partial != "" {
		if *shared != "keep" && *shared != "digest" {
			fmt.Fprintf(e.stderr, "laiondb run: --shared %q: want keep or digest\n", *shared)
			return errUsage
		}
		return runPartial(ctx, e, &s, vars, file, string(src), query.PartialOptions{Sharded: *sharded, Out: *partial, Vars: vars, SharedDigestOnly: *shared == "digest"})
	}
	return runStatements(ctx, e, &s, f, vars, file, string(src))
}

// runPartial is laiondb run --partial OUT: the script's states, for
// laiondb merge, written to OUT; each statement's message on stdout.
func runPartial(ctx context.Context, e *env, s *sessionFlags, vars map[string]string, file, src string, opt query.PartialOptions) error {
	if s.db.readOnly {
		return fmt.Errorf("--partial writes to the database (the script's sets); leave out --read-only")
	}
	progress := repl.NewProgressReporter(e.stderr)
	// A database the run makes is the run's own: a run refused or failed
	// leaves none behind (as it leaves no partial).
	_, statErr := os.Stat(s.db.dir)
	made := errors.Is(statErr, fs.ErrNotExist)
	db, err := openDatabase(ctx, e, &s.db, s.wordnet, progress, s.db.dir, repl.OpenMode{Create: true, BusyTimeout: s.db.busyTimeout})
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			db.Close()
		}
	}()
	defer progress.Finish()
	for k, v := range vars {
		db.Session.SetVar(k, query.ParseVar(v))
	}
	sum, err := repl.RunPartial(ctx, &repl.Conn{DB: db}, e.stdout, file, src, opt)
	progress.Finish()
	if err != nil && made {
		closed = true
		if cerr := db.Close(); cerr == nil {
			os.RemoveAll(s.db.dir)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(e.stderr, "interrupted")
		} else {
			fmt.Fprintln(e.stderr, strings.TrimSuffix(err.Error(), "\n"))
		}
		return errReported
	}
	fmt.Fprintf(e.stdout, "wrote partial %s: %d statements, %d states, %s; table %s: %d rows in shards %s\n",
		sum.Dir, sum.Statements, sum.States, byteSize(sum.Bytes), opt.Sharded, sum.Rows, shardList(sum.Shards))
	return nil
}

// checkScript is laiondb run --check: every error of the script, nothing
// run, nothing written (an existing database is opened read-only).
func checkScript(ctx context.Context, e *env, s *sessionFlags, vars map[string]string, file, src string) error {
	_, err := os.Stat(s.db.dir)
	conn, err := s.connect(ctx, e, vars, repl.NewProgressReporter(e.stderr), err == nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	errs := repl.CheckScript(conn, file, src)
	for _, err := range errs {
		fmt.Fprintln(e.stderr, strings.TrimSuffix(err.Error(), "\n"))
	}
	if len(errs) > 0 {
		return errReported
	}
	return nil
}

// runStatements is run and query: every statement of src, results on
// stdout, the first error on stderr.
func runStatements(ctx context.Context, e *env, s *sessionFlags, format repl.Format, vars map[string]string, file, src string) error {
	progress := repl.NewProgressReporter(e.stderr)
	conn, err := s.connect(ctx, e, vars, progress, s.db.readOnly)
	if err != nil {
		return err
	}
	defer closeConn(conn, e)
	defer progress.Finish()
	p := &repl.Printer{Out: e.stdout, Err: e.stderr, Format: format, Width: repl.TerminalWidth(e.stdout)}
	if err := repl.RunScript(ctx, conn, p, file, src); err != nil {
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
	fs := newFlags(e, "shell", "[--db DIR] [--read-only] [--no-history] [--format F] [--var k=v]...",
		"The interactive shell, modelled on sqlite3's. Statements end with \";\" and may\n"+
			"span lines; .help lists the dot commands. On a terminal: line editing, history\n"+
			"in ~/.laiondb_history (--no-history or LAIONDB_HISTORY=off turns it off,\n"+
			"LAIONDB_HISTORY=FILE moves it), Ctrl-R searches it, Tab completes names,\n"+
			"Ctrl-C cancels the running statement or drops a half-typed one, Ctrl-D quits.\n"+
			"Tables fit the terminal; a number is never cut.\n\n"+
			"With stdin not a terminal (piped or redirected) it reads plain lines with no\n"+
			"prompts and runs each statement when its \";\" arrives; errors go to stderr and\n"+
			"the shell carries on (unless .bail on), exiting with status 1 at the end if\n"+
			"anything failed; .exit N exits with status N.\n\n"+
			"A --db directory that does not exist is created by the first statement that\n"+
			"writes to it (INGEST, .import, CREATE SET, ...), not before.")
	var s sessionFlags
	s.register(fs)
	noHistory := fs.Bool("no-history", false, "do not read or write the history file")
	format := formatFlag(fs, "initial output format (.mode changes it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "laiondb shell: unexpected argument %q (to run statements use laiondb query or laiondb run)\n", fs.Arg(0))
		return errUsage
	}
	f, err := parseFormat(fs, e, *format)
	if err != nil {
		return err
	}
	vars, err := s.parseVars(fs, e)
	if err != nil {
		return err
	}
	progress := repl.NewProgressReporter(e.stderr)
	conn, err := s.connect(ctx, e, vars, progress, s.db.readOnly)
	if err != nil {
		return err
	}
	defer closeConn(conn, e)
	terminal := isTerminal(e.stdin) && isTerminal(e.stdout)
	sh := &repl.Shell{
		Conn:     conn,
		In:       e.stdin,
		Out:      e.stdout,
		Err:      e.stderr,
		Terminal: terminal,
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
