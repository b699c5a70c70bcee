// Command laiondb is an embedded database for LAION image–caption data:
// ingest shards, query them with a small SQL-flavoured language from a
// shell or saved scripts, and run the LAIONet study.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/laiondb/laiondb/repl"
)

// command is one subcommand: run parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, env *env) error
}

// env is the process's streams, so commands can be tested in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands = map[string]command{}

func register(name, summary string, run func(context.Context, []string, *env) error) {
	commands[name] = command{summary: summary, run: run}
}

// errUsage marks a bad command line, already explained on stderr (the
// flag package's message and usage): exit status 2.
var errUsage = errors.New("usage")

// errReported ends a command whose errors are already on stderr, in the
// form that names FILE:line:col first (main would prefix its own name):
// exit status 1 and nothing more printed.
var errReported = errors.New("errors reported")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

func runMain(ctx context.Context, args []string, e *env) int {
	name := "shell"
	// laiondb [shell flags]: flags before any command belong to the shell.
	if len(args) > 0 && !(strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "-help" && args[0] != "--help") {
		name, args = args[0], args[1:]
	}
	switch name {
	case "-h", "-help", "--help", "help":
		usage(e.stdout)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "laiondb: unknown command %q\n\n", name)
		usage(e.stderr)
		return 2
	}
	if err := cmd.run(ctx, args, e); err != nil {
		var exit *repl.ExitError
		switch {
		case errors.As(err, &exit):
			return exit.Code // the shell's .exit N
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errReported):
		default:
			fmt.Fprintf(e.stderr, "laiondb %s: %v\n", name, err)
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "laiondb: an embedded database for LAION image–caption data")
	fmt.Fprintln(w, "\nusage: laiondb [command] [flags]   (no command: the shell on ./laion.db)")
	fmt.Fprintln(w, "\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'laiondb COMMAND --help' for a command's flags.")
}

// newFlags returns a flag set that prints its usage on -h and reports bad
// flags as errors (the caller exits non-zero).
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		if helpRequested(fs) {
			w = e.stdout // laiondb CMD --help: the usage is the answer
		}
		fmt.Fprintf(w, "usage: laiondb %s %s\n\n%s\n\nflags:\n", name, synopsis, about)
		fs.SetOutput(w) // the flags go where the usage went
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// parse parses flags, turning -h into a clean exit (usage on stdout) and
// flag errors into errUsage (the flag package has already printed them).
func parse(fs *flag.FlagSet, args []string) error {
	helpArgs[fs] = false
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			helpArgs[fs] = true
		}
	}
	parseErr := func(err error) error {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errUsage
	}
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	// Flags after the positional arguments (laiondb query 'SELECT 1' --db
	// X, laiondb ingest shards/ --table t) are parsed too: the flag
	// package stops at the first positional one, and the rest would
	// otherwise be taken as more of the statement (where --db X is an SQL
	// comment) or as paths. Only the command's own flags are taken so: any
	// other word, "-1" in SELECT -1 say, stays positional, and nothing
	// after a "--" is a flag.
	var positional []string
	rest := fs.Args()
	for !afterTerminator(args, rest) && len(rest) > 0 {
		if !isFlag(fs, rest[0]) {
			positional = append(positional, rest[0])
			rest = rest[1:]
			continue
		}
		args = rest
		if err := fs.Parse(args); err != nil {
			return parseErr(err)
		}
		rest = fs.Args()
	}
	if len(positional) > 0 {
		// fs.Args() is what the command reads: the positional arguments in
		// order.
		return fs.Parse(append(append([]string{"--"}, positional...), rest...))
	}
	return nil
}

// afterTerminator reports whether rest, what fs.Parse(args) left, follows
// a "--" that ended the flags.
func afterTerminator(args, rest []string) bool {
	i := len(args) - len(rest) - 1
	return i >= 0 && args[i] == "--"
}

// isFlag reports whether arg is to be parsed as a flag: one of fs's
// flags (-name, --name, --name=value), a request for help, or any
// --word, which is an unknown flag (the flag package says so) rather than
// an SQL comment. A single dash and a word (SELECT -width) is taken as a
// flag only when it is one of fs's.
func isFlag(fs *flag.FlagSet, arg string) bool {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return false
	}
	long := strings.HasPrefix(name, "-")
	name = strings.TrimPrefix(name, "-")
	name, _, _ = strings.Cut(name, "=")
	switch {
	case name == "":
		return false
	case name == "h" || name == "help" || fs.Lookup(name) != nil:
		return true
	}
	c := name[0]
	return long && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// helpArgs records flag sets whose arguments ask for help.
var helpArgs = map[*flag.FlagSet]bool{}

func helpRequested(fs *flag.FlagSet) bool { return helpArgs[fs] }

// dbFlags are the flags every command that opens a database takes.
type dbFlags struct {
	dir         string
	readOnly    bool
	verbose     bool
	busyTimeout time.Duration
}

// defaultBusyTimeout is how long a command waits for another process to
// let go of the database: long enough for a statement of another shell
// to finish, short enough that a reader blocked by an ingest hears why.
const defaultBusyTimeout = 5 * time.Second

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dir, "db", "laion.db", "database directory")
	fs.BoolVar(&d.readOnly, "read-only", false, "open read-only (shares the database with other readers)")
	fs.BoolVar(&d.verbose, "verbose", false, "show the storage engine's log lines")
	fs.DurationVar(&d.busyTimeout, "busy-timeout", defaultBusyTimeout, "how long to wait while another process holds the database (a writer; for a write, readers too), e.g. 500ms, 1m; 0 fails at once")
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
