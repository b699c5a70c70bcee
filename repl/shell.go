package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/peterh/liner"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// Prompts of the terminal shell.
const (
	Prompt             = "laiondb> "
	ContinuationPrompt = "   ...> "
)

// ErrFailed is returned by Shell.Run when it read piped input and at
// least one statement or dot command failed (each error was already
// written to Err), or when an error ended the shell under .bail on.
var ErrFailed = errors.New("some statements failed")

// ExitError is returned by Shell.Run after .exit N: the process should
// exit with status Code.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf(".exit %d", e.Code) }

// Shell reads statements and dot commands, runs them and prints their
// results, as sqlite3's shell does.
//
// On a terminal (Terminal true; In and Out must then be the process's
// standard input and output) it edits lines with liner: prompts, history
// (a statement typed over several lines is one entry), Ctrl-R search, tab
// completion; Ctrl-C cancels the running statement and keeps the shell,
// Ctrl-C at the prompt drops what was typed of a statement, Ctrl-D exits.
// Otherwise it reads plain lines of any length with no prompts, runs each
// statement as soon as its ";" arrives, writes errors to Err and carries
// on (unless .bail on), and returns ErrFailed at the end if anything
// failed.
type Shell struct {
	// Conn is the database; .open replaces it, and a missing one is
	// created by the first statement that writes.
	Conn *Conn
	In   io.Reader
	Out  io.Writer // results, messages and the banner
	Err  io.Writer // errors, warnings and the footer
	// Terminal selects line editing; see Shell.
	Terminal bool
	// HistoryFile keeps line history between sessions ("" for none).
	HistoryFile string
	// Format is the initial output format (.mode).
	Format Format
	// Footer writes "N rows" after each result; Timer adds the time.
	// Both go to Err, so they never mix into csv or json output.
	Footer, Timer bool
	// Width returns the table width, the terminal's; nil means no bound
	// (values are never cut).
	Width func() int
	// Progress, when set, is finished after each statement so a bar left
	// by a statement's progress reports is cleared.
	Progress *ProgressReporter

	out     io.Writer // Out or the .output / .once file
	outFile *os.File
	once    bool // outFile is .once's: back to Out after the next command
	failed  bool
	quit    bool       // .quit or .exit: stop reading, from .read files too
	bailed  bool       // an error ended the shell under .bail on
	exit    *ExitError // .exit N

	// Dot command settings.
	bail, echo, changes bool
	noHeader            bool
	null                *string
	widths              []int
	totalChanges        int64

	names      *query.Names // completion words, nil when stale
	readDepth  int
	cancelMu   sync.Mutex
	cancelStmt context.CancelFunc
}

// input is one source of lines (the terminal, piped stdin, a .read file)
// and the statement being gathered from it.
type input struct {
	file    string // for error positions: "" on a terminal, "stdin", a .read path
	line    int    // lines read so far
	buf     string // the statement(s) gathered so far
	bufLine int    // the line number of buf's first line
	// stopOnError ends the input at its first error (.read files).
	stopOnError bool
	failed      bool
}

// pending reports whether a statement has begun and awaits its ";".
func (in *input) pending() bool {
	return strings.TrimSpace(in.buf) != "" && len(ast.SplitStatements(in.buf)) > 0
}

// session is the session statements run in now.
func (sh *Shell) session() *query.Session { return sh.Conn.Session() }

// Run runs the shell until end of input, .quit, .exit, or (piped)
// cancellation of ctx. On a terminal ctx's cancellation is ignored:
// Ctrl-C belongs to the running statement. After .exit N it returns an
// *ExitError.
func (sh *Shell) Run(ctx context.Context) error {
	sh.out = sh.Out
	defer sh.closeOutput()
	var err error
	if sh.Terminal {
		err = sh.runTerminal(context.WithoutCancel(ctx))
	} else {
		err = sh.runPiped(ctx)
	}
	switch {
	case err != nil:
		return err
	case sh.exit != nil:
		return sh.exit
	case sh.bailed || sh.failed && !sh.Terminal:
		// A person at a terminal has seen each error; piped input ends
		// with a status that says whether everything ran.
		return ErrFailed
	}
	return nil
}

func (sh *Shell) runPiped(ctx context.Context) error {
	in := &input{file: "stdin"}
	r := bufio.NewReaderSize(sh.In, 64<<10)
	for {
		line, err := r.ReadString('\n')
		if line != "" || err == nil {
			if sh.feed(ctx, in, strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")) {
				break
			}
			if ctx.Err() != nil {
				fmt.Fprintln(sh.Err, "interrupted")
				sh.failed = true
				break
			}
		}
		if err == io.EOF {
			sh.finish(ctx, in)
			break
		}
		if err != nil {
			return err
		}
	}
	sh.failed = sh.failed || in.failed
	return nil
}

// finish runs a last statement that lacks its ";" at the end of input.
func (sh *Shell) finish(ctx context.Context, in *input) {
	if in.pending() {
		sh.runBuffer(ctx, in, true)
	}
	in.buf = ""
}

func (sh *Shell) runTerminal(ctx context.Context) error {
	ln := liner.NewLiner()
	defer ln.Close()
	ln.SetCtrlCAborts(true)
	ln.SetTabCompletionStyle(liner.TabPrints)
	ln.SetWordCompleter(sh.complete)
	sh.loadHistory(ln)

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt)
	defer func() {
		signal.Stop(sigc)
		close(sigc)
	}()
	go func() {
		for range sigc {
			sh.cancelMu.Lock()
			if sh.cancelStmt != nil {
				sh.cancelStmt()
			}
			sh.cancelMu.Unlock()
		}
	}()

	fmt.Fprintf(sh.Out, "laiondb shell on %s. Statements end with \";\". Enter .help for help, Ctrl-D to quit.\n", sh.Conn.DB.Dir)
	sh.noteMissing()
	in := &input{}
	var entry []string // the lines of the statement being typed, for history
	for {
		prompt := Prompt
		if in.pending() {
			prompt = ContinuationPrompt
		}
		line, err := ln.Prompt(prompt)
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			in.buf, entry = "", nil
			continue
		case errors.Is(err, io.EOF):
			fmt.Fprintln(sh.Out)
			return nil
		case err != nil:
			return err
		}
		if strings.TrimSpace(line) != "" {
			entry = append(entry, line)
		}
		// A statement's position counts lines from where it starts.
		if !in.pending() {
			in.buf, in.line = "", 0
		}
		quit := sh.feed(ctx, in, line)
		if !in.pending() && len(entry) > 0 {
			if h, ok := historyEntry(entry); ok {
				ln.AppendHistory(h)
				sh.saveHistory(ln)
			}
			entry = nil
		}
		if quit {
			return nil
		}
	}
}

// historyEntry is the lines of one statement as one history entry: one
// line that means the same (see ast.OneLine). A statement that cannot be
// written on one line (a string holding a line break) is left out.
func historyEntry(lines []string) (string, bool) {
	if len(lines) == 1 {
		return strings.TrimSpace(lines[0]), true
	}
	return ast.OneLine(strings.TrimSpace(strings.Join(lines, "\n")))
}

// noteMissing tells a person that the database does not exist yet.
func (sh *Shell) noteMissing() {
	if db := sh.Conn.DB; db.Missing {
		fmt.Fprintf(sh.Out, "There is no database at %s yet: the first statement that writes (INGEST, .import) creates it.\n", db.Dir)
	}
}

// feed takes one line: a dot command when no statement is pending, else
// more of the statement, which runs once its ";" arrives. It reports
// whether the shell should stop (.quit, .exit, an error in a .read file,
// or any error under .bail on).
func (sh *Shell) feed(ctx context.Context, in *input, line string) (stop bool) {
	in.line++
	if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, ".") && !in.pending() {
		in.buf = ""
		if sh.echo {
			fmt.Fprintln(sh.out, trimmed)
		}
		once := sh.outFile
		quit, err := sh.dot(ctx, in, trimmed)
		if sh.once && sh.outFile == once {
			sh.endOnce() // the command after .once has written its output
		}
		if err != nil {
			var qe *query.Error
			var se *ast.SyntaxError
			if in.file != "" && !errors.As(err, &qe) && !errors.As(err, &se) && !errors.Is(err, context.Canceled) {
				err = fmt.Errorf("%s:%d: %w", in.file, in.line, err)
			}
			sh.report(err)
			in.failed = true
			return in.stopOnError || sh.bailOut()
		}
		return quit || sh.quit
	}
	if in.buf == "" {
		if strings.TrimSpace(line) == "" {
			return false
		}
		in.bufLine = in.line
	}
	in.buf += line + "\n"
	if !strings.Contains(line, ";") || !ast.Complete(in.buf) {
		return false
	}
	return sh.runBuffer(ctx, in, false)
}

// runBuffer runs the whole statements in in.buf (and, at end of input,
// an unterminated last one) and keeps the rest for more lines.
func (sh *Shell) runBuffer(ctx context.Context, in *input, final bool) (stop bool) {
	src := in.buf
	chunks := ast.SplitStatements(src)
	in.buf = ""
	for i, c := range chunks {
		if !c.Terminated && !final {
			// Keep the rest, with what precedes it on its line blanked,
			// so that columns stay right.
			lineStart := strings.LastIndexByte(src[:c.Start.Offset], '\n') + 1
			in.buf = strings.Repeat(" ", utf8.RuneCountInString(src[lineStart:c.Start.Offset])) + src[c.Start.Offset:]
			in.bufLine += c.Start.Line - 1
			break
		}
		err := sh.execChunk(ctx, in, src, c, nil)
		sh.endOnce()
		if err != nil {
			sh.report(err)
			in.failed = true
			if in.stopOnError || sh.bailOut() || ctx.Err() != nil && !sh.Terminal {
				return true
			}
			if i < len(chunks)-1 && sh.Terminal && errors.Is(err, context.Canceled) {
				// Ctrl-C also drops the statements queued behind on the line.
				return false
			}
		}
	}
	return false
}

// bailOut reports whether an error ends the shell (.bail on).
func (sh *Shell) bailOut() bool {
	if sh.bail {
		sh.bailed = true
	}
	return sh.bail
}

// cancellable returns the context a statement runs in: on a terminal,
// Ctrl-C cancels it. done must be called when the statement ends.
func (sh *Shell) cancellable(ctx context.Context) (_ context.Context, done func()) {
	if !sh.Terminal {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	sh.cancelMu.Lock()
	sh.cancelStmt = cancel
	sh.cancelMu.Unlock()
	return ctx, func() {
		sh.cancelMu.Lock()
		sh.cancelStmt = nil
		sh.cancelMu.Unlock()
		cancel()
	}
}

// prepare returns the session to run a statement in, on the database
// opened as the statement needs (Conn.Prepare: read-write if it writes,
// created if it was missing), and checks the statement there
// (query.Session.Check). Conn.Release must follow either way.
func (sh *Shell) prepare(ctx context.Context, stmt ast.Stmt, locate func(error) error) (*query.Session, error) {
	sess, err := sh.Conn.Prepare(ctx, stmt)
	if err != nil {
		return nil, locate(err)
	}
	if errs := sess.Check([]ast.Stmt{stmt}); len(errs) > 0 {
		for i, err := range errs {
			errs[i] = locate(err)
		}
		return nil, errors.Join(errs...)
	}
	return sess, nil
}

// release ends a statement (Conn.Release): a database opened read-write
// for it goes back to read-only. A failure there is a warning: the
// statement itself is done.
func (sh *Shell) release(ctx context.Context) {
	if err := sh.Conn.Release(context.WithoutCancel(ctx)); err != nil {
		fmt.Fprintln(sh.Err, "warning:", err)
	}
}

// execChunk runs one statement and prints its result; show, when not
// nil, may change the result first.
func (sh *Shell) execChunk(ctx context.Context, in *input, src string, c ast.Chunk, show func(*query.Result) error) error {
	offset := in.bufLine - 1
	locate := func(err error) error { return Locate(err, in.file, src, c.Start, offset) }
	if sh.echo {
		fmt.Fprintln(sh.out, c.Text+";")
	}
	stmt, err := ast.ParseChunk(in.file, c)
	if err != nil {
		return locate(err)
	}
	ctx, done := sh.cancellable(ctx)
	defer done()
	defer sh.release(ctx)
	sess, err := sh.prepare(ctx, stmt, locate)
	if err != nil {
		if ctx.Err() != nil {
			return context.Canceled
		}
		return err
	}
	start := time.Now()
	res, err := sess.Exec(ctx, stmt)
	var n int64
	p := sh.printer()
	if err == nil && show != nil {
		if err = show(res); err != nil && res.Rows != nil {
			res.Rows.Close()
		}
	}
	if err == nil {
		n, err = p.Print(ctx, res)
	}
	if sh.Progress != nil {
		sh.Progress.Finish()
	}
	if query.Writes(stmt) {
		sh.names = nil // the catalog may have changed
	}
	if err != nil {
		if ctx.Err() != nil {
			return context.Canceled
		}
		return locate(err)
	}
	sh.footer(res, n, p.Hidden, time.Since(start))
	return nil
}

// footer writes the row count, the columns left out, the time and the
// changes after a statement, as .timer and .changes ask.
func (sh *Shell) footer(res *query.Result, n int64, hidden int, d time.Duration) {
	var parts []string
	if sh.Footer && res.Rows != nil {
		s := fmt.Sprintf("%d rows", n)
		if n == 1 {
			s = "1 row"
		}
		if hidden > 0 {
			s += fmt.Sprintf(", %d of %d columns shown", len(res.Columns)-hidden, len(res.Columns))
		}
		parts = append(parts, s)
	}
	if sh.Timer {
		parts = append(parts, fmt.Sprintf("(%.3f s)", d.Seconds()))
	}
	if len(parts) > 0 {
		fmt.Fprintln(sh.Err, strings.Join(parts, " "))
	}
	sh.totalChanges += res.Changes
	if sh.changes {
		fmt.Fprintf(sh.Err, "changes: %d   total_changes: %d\n", res.Changes, sh.totalChanges)
	}
}

func (sh *Shell) printer() *Printer {
	w := 0
	if sh.Width != nil && sh.out == sh.Out {
		w = sh.Width()
	}
	return &Printer{Out: sh.out, Err: sh.Err, Format: sh.Format, Width: w, NoHeader: sh.noHeader, Null: sh.null, Widths: sh.widths}
}

// report writes an error: its position, message and source excerpt, or
// "interrupted" for a cancelled statement.
func (sh *Shell) report(err error) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(sh.Err, "interrupted")
		return
	}
	msg := err.Error()
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	io.WriteString(sh.Err, msg)
}

func (sh *Shell) closeOutput() {
	if sh.outFile != nil {
		sh.outFile.Close()
		sh.outFile = nil
	}
	sh.out = sh.Out
	sh.once = false
}

// endOnce ends .once's redirection after the command that followed it.
func (sh *Shell) endOnce() {
	if sh.once {
		sh.closeOutput()
	}
}

// DefaultHistoryFile is where the shell keeps history: $LAIONDB_HISTORY
// if set ("off" or "0" turns history off, returning ""), else
// ~/.laiondb_history.
func DefaultHistoryFile() string {
	switch v := os.Getenv("LAIONDB_HISTORY"); strings.ToLower(v) {
	case "off", "0", "false", "no":
		return ""
	case "":
	default:
		return v
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return home + string(os.PathSeparator) + ".laiondb_history"
}

func (sh *Shell) loadHistory(ln *liner.State) {
	if sh.HistoryFile == "" {
		return
	}
	f, err := os.Open(sh.HistoryFile)
	if err != nil {
		return
	}
	defer f.Close()
	ln.ReadHistory(f)
}

func (sh *Shell) saveHistory(ln *liner.State) {
	if sh.HistoryFile == "" {
		return
	}
	f, err := os.OpenFile(sh.HistoryFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		fmt.Fprintf(sh.Err, "history: %v (set LAIONDB_HISTORY=off to stop keeping it)\n", err)
		sh.HistoryFile = ""
		return
	}
	ln.WriteHistory(f)
	if err := f.Close(); err != nil {
		fmt.Fprintf(sh.Err, "history: %v\n", err)
	}
}
