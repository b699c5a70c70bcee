package repl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// dotCommand is one of the shell's dot commands. Each means what it
// means in sqlite3's shell.
type dotCommand struct {
	name, args, help string
	run              func(sh *Shell, ctx context.Context, in *input, arg string) (quit bool, err error)
}

var dotCommands []dotCommand

func init() {
	dotCommands = []dotCommand{
		{".bail", "on|off", "stop at the first error (the shell ends with status 1)", onOff(".bail", func(sh *Shell) *bool { return &sh.bail })},
		{".changes", "on|off", "after each statement, show the rows it wrote and the total", onOff(".changes", func(sh *Shell) *bool { return &sh.changes })},
		{".echo", "on|off", "print each command before running it", onOff(".echo", func(sh *Shell) *bool { return &sh.echo })},
		{".exit", "[N]", "leave the shell with exit status N (default 0)", (*Shell).dotExit},
		{".headers", "on|off", "show column names (table, box, csv, tsv)", (*Shell).dotHeaders},
		{".help", "", "show this help", func(sh *Shell, _ context.Context, _ *input, _ string) (bool, error) {
			sh.help()
			return false, nil
		}},
		{".hist", "QUERY", "histogram (20 bins) of the first numeric column of QUERY's rows", (*Shell).dotHist},
		{".import", "PATH [TABLE]", "ingest a shard into TABLE, default laion (INGEST 'PATH' INTO TABLE)", (*Shell).dotImport},
		{".indexes", "[TABLE]", "list the vector indexes, or those of TABLE (SHOW INDEXES)", (*Shell).dotIndexes},
		{".mode", strings.Join(formatNames[:], "|"), "choose the output format", (*Shell).dotMode},
		{".nullvalue", "TEXT", "show NULL as TEXT in table, box, markdown and line", (*Shell).dotNullValue},
		{".once", "FILE", "write the output of the next command only to FILE", (*Shell).dotOnce},
		{".open", "DIR [--read-only]", "close this database and open DIR (a missing one is created by its first write)", (*Shell).dotOpen},
		{".output", "[FILE|stdout]", "write results to FILE (truncated) or back to the screen", (*Shell).dotOutput},
		{".param", "set NAME VALUE|unset NAME|list|clear", "the $NAME variables of statements; VALUE is an expression, or else text", (*Shell).dotParam},
		{".quit", "", "leave the shell (also Ctrl-D)", func(sh *Shell, _ context.Context, _ *input, _ string) (bool, error) {
			sh.quit = true
			return true, nil
		}},
		{".read", "FILE", "run the statements and dot commands in FILE; stops at its first error", (*Shell).dotRead},
		{".schema", "[NAME]", "describe a table or set, or all of them (DESCRIBE)", (*Shell).dotSchema},
		{".sets", "", "list the named sets (SHOW SETS)", func(sh *Shell, ctx context.Context, in *input, _ string) (bool, error) {
			return false, sh.execText(ctx, in, "SHOW SETS", nil)
		}},
		{".shell", "CMD", "run CMD in the system shell (also .system)", (*Shell).dotShell},
		{".system", "CMD", "run CMD in the system shell (also .shell)", (*Shell).dotShell},
		{".tables", "", "list the tables (SHOW TABLES)", func(sh *Shell, ctx context.Context, in *input, _ string) (bool, error) {
			return false, sh.execText(ctx, in, "SHOW TABLES", nil)
		}},
		{".timeout", "[MS|DURATION]", "how long to wait while another process holds the database (--busy-timeout): 2000, 2s, 1m", (*Shell).dotTimeout},
		{".timer", "on|off", "show how long each statement took", onOff(".timer", func(sh *Shell) *bool { return &sh.Timer })},
		{".width", "N...", "widths of the first columns of tables (0: automatic, negative: right-aligned)", (*Shell).dotWidth},
	}
}

// dot runs a dot command line.
func (sh *Shell) dot(ctx context.Context, in *input, line string) (quit bool, err error) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	name = strings.ToLower(name)
	var matches []dotCommand
	for _, d := range dotCommands {
		if d.name == name {
			matches = []dotCommand{d}
			break
		}
		if strings.HasPrefix(d.name, name) && len(name) > 1 {
			matches = append(matches, d) // unique prefixes work: .tab, .q
		}
	}
	if len(matches) != 1 {
		return false, fmt.Errorf("unknown command %s: enter .help for the list", name)
	}
	return matches[0].run(sh, ctx, in, arg)
}

func (sh *Shell) help() {
	var b strings.Builder
	b.WriteString("Statements end with \";\" and may span lines. Dot commands take one line:\n")
	for _, d := range dotCommands {
		use := d.name + " " + d.args
		if len(use) > 24 {
			// A long synopsis gets a line of its own.
			fmt.Fprintf(&b, "  %s\n  %-24s %s\n", use, "", d.help)
			continue
		}
		fmt.Fprintf(&b, "  %-24s %s\n", use, d.help)
	}
	b.WriteString("Tab completes names; Ctrl-R searches history; Ctrl-C cancels a running statement\n" +
		"or drops a half-typed one; Ctrl-D quits.\n")
	fmt.Fprint(sh.out, b.String())
}

// dotArgs splits a dot command's arguments at spaces; 'single' or
// "double" quotes keep spaces (a doubled quote stands for one).
func dotArgs(s string) ([]string, error) {
	var args []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return args, nil
		}
		q := s[0]
		if q != '\'' && q != '"' {
			word, rest, _ := strings.Cut(s, " ")
			args, s = append(args, word), rest
			continue
		}
		var b strings.Builder
		i := 1
		for ; ; i++ {
			if i >= len(s) {
				return nil, fmt.Errorf("no closing %c in %s", q, s)
			}
			if s[i] == q {
				if i+1 < len(s) && s[i+1] == q {
					b.WriteByte(q)
					i++
					continue
				}
				break
			}
			b.WriteByte(s[i])
		}
		args, s = append(args, b.String()), s[i+1:]
	}
}

// onOff makes a dot command that turns a flag on or off, or shows it.
func onOff(name string, flag func(*Shell) *bool) func(*Shell, context.Context, *input, string) (bool, error) {
	return func(sh *Shell, _ context.Context, _ *input, arg string) (bool, error) {
		f := flag(sh)
		switch strings.ToLower(arg) {
		case "on", "yes", "true", "1":
			*f = true
		case "off", "no", "false", "0":
			*f = false
		case "":
			fmt.Fprintf(sh.out, "%s %s\n", strings.TrimPrefix(name, "."), map[bool]string{true: "on", false: "off"}[*f])
		default:
			return false, fmt.Errorf("%s takes on or off, not %q", name, arg)
		}
		return false, nil
	}
}

func (sh *Shell) dotHeaders(ctx context.Context, in *input, arg string) (bool, error) {
	show := !sh.noHeader
	_, err := onOff(".headers", func(*Shell) *bool { return &show })(sh, ctx, in, arg)
	sh.noHeader = !show
	return false, err
}

func (sh *Shell) dotExit(_ context.Context, _ *input, arg string) (bool, error) {
	if arg != "" {
		code, err := strconv.Atoi(arg)
		if err != nil || code < 0 || code > 255 {
			return false, fmt.Errorf(".exit takes an exit status from 0 to 255, not %q", arg)
		}
		sh.exit = &ExitError{Code: code}
	}
	sh.quit = true
	return true, nil
}

// execText runs a statement the shell writes itself; show, when not nil,
// changes its result before it is printed.
func (sh *Shell) execText(ctx context.Context, in *input, text string, show func(*query.Result) error) error {
	chunks := ast.SplitStatements(text)
	if len(chunks) != 1 {
		return fmt.Errorf("%q is not one statement", text)
	}
	saved, savedLine, savedEcho := in.file, in.bufLine, sh.echo
	in.file, in.bufLine, sh.echo = "", 1, false
	defer func() { in.file, in.bufLine, sh.echo = saved, savedLine, savedEcho }()
	return sh.execChunk(ctx, in, text, chunks[0], show)
}

func (sh *Shell) dotSchema(ctx context.Context, in *input, arg string) (bool, error) {
	if arg != "" {
		return false, sh.execText(ctx, in, "DESCRIBE "+quoteName(arg), nil)
	}
	names := sh.session().Names()
	all := append(append([]string(nil), names.Tables...), names.Sets...)
	sort.Strings(all)
	if len(all) == 0 {
		fmt.Fprintln(sh.out, "no tables or sets yet (INGEST 'path' INTO laion; or laiondb ingest)")
		return false, nil
	}
	for i, n := range all {
		if i > 0 {
			fmt.Fprintln(sh.out)
		}
		fmt.Fprintf(sh.out, "%s:\n", n)
		if err := sh.execText(ctx, in, "DESCRIBE "+quoteName(n), nil); err != nil {
			return false, err
		}
	}
	return false, nil
}

// quoteName quotes a name for the language when it is not a plain
// identifier.
func quoteName(s string) string {
	plain := s != "" && !ast.IsReserved(s)
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString writes s as a string literal of the language.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (sh *Shell) dotMode(_ context.Context, _ *input, arg string) (bool, error) {
	if arg == "" {
		fmt.Fprintf(sh.out, "mode %s\n", sh.Format)
		return false, nil
	}
	f, err := ParseFormat(arg)
	if err != nil {
		return false, err
	}
	sh.Format = f
	return false, nil
}

func (sh *Shell) dotNullValue(_ context.Context, _ *input, arg string) (bool, error) {
	args, err := dotArgs(arg)
	switch {
	case err != nil:
		return false, fmt.Errorf(".nullvalue: %w", err)
	case len(args) == 0:
		text := "NULL"
		if sh.null != nil {
			text = *sh.null
		}
		fmt.Fprintf(sh.out, "nullvalue %s\n", quoteString(text))
	case len(args) == 1:
		sh.null = &args[0]
	default:
		return false, errors.New(".nullvalue takes one TEXT (quote it if it has spaces)")
	}
	return false, nil
}

func (sh *Shell) dotWidth(_ context.Context, _ *input, arg string) (bool, error) {
	var widths []int
	for _, f := range strings.Fields(arg) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return false, fmt.Errorf(".width takes numbers of columns, not %q", f)
		}
		widths = append(widths, n)
	}
	sh.widths = widths
	return false, nil
}

// path reads the one FILE argument of .output, .once, .read and .open.
func path(cmd, arg string) (string, error) {
	args, err := dotArgs(arg)
	if err != nil {
		return "", fmt.Errorf("%s: %w", cmd, err)
	}
	if len(args) != 1 {
		return "", fmt.Errorf("%s takes one FILE (quote it if it has spaces)", cmd)
	}
	return args[0], nil
}

func (sh *Shell) dotOutput(_ context.Context, _ *input, arg string) (bool, error) {
	if arg == "" || arg == "stdout" || arg == "-" {
		sh.closeOutput()
		return false, nil
	}
	file, err := path(".output", arg)
	if err != nil {
		return false, err
	}
	return false, sh.redirect(".output", file, false)
}

func (sh *Shell) dotOnce(_ context.Context, _ *input, arg string) (bool, error) {
	file, err := path(".once", arg)
	if err != nil {
		return false, err
	}
	return false, sh.redirect(".once", file, true)
}

func (sh *Shell) redirect(cmd, file string, once bool) error {
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	sh.closeOutput()
	sh.out, sh.outFile, sh.once = f, f, once
	return nil
}

func (sh *Shell) dotRead(ctx context.Context, _ *input, arg string) (bool, error) {
	if arg == "" {
		return false, fmt.Errorf(".read needs a FILE")
	}
	file, err := path(".read", arg)
	if err != nil {
		return false, err
	}
	if sh.readDepth >= 16 {
		return false, fmt.Errorf(".read %s: files read each other more than 16 deep", file)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return false, fmt.Errorf(".read: %w", err)
	}
	sh.readDepth++
	defer func() { sh.readDepth-- }()
	in := &input{file: file, stopOnError: true}
	lines := strings.Split(withoutBOM(string(src)), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		if sh.feed(ctx, in, strings.TrimSuffix(l, "\r")) || ctx.Err() != nil {
			break
		}
	}
	if !in.failed && !sh.quit && ctx.Err() == nil {
		sh.finish(ctx, in)
	}
	if in.failed {
		// Already reported; count it without printing it twice.
		sh.failed = true
	}
	return sh.quit || in.failed && sh.bailOut(), nil
}

func (sh *Shell) dotParam(ctx context.Context, _ *input, arg string) (bool, error) {
	sub, rest, _ := strings.Cut(arg, " ")
	rest = strings.TrimSpace(rest)
	sess := sh.session()
	switch strings.ToLower(sub) {
	case "", "list":
		for _, v := range sess.Vars() {
			fmt.Fprintf(sh.out, "$%s = %s\n", v.Name, literal(v.Value))
		}
	case "set":
		name, value, _ := strings.Cut(rest, " ")
		name, value = strings.TrimLeft(name, "$:@"), strings.TrimSpace(value)
		if !isParamName(name) || value == "" {
			return false, errors.New(".param set takes NAME VALUE, e.g. .param set shard 'shards/0000'")
		}
		sess.SetVar(name, sh.paramValue(ctx, value))
	case "unset":
		name := strings.TrimLeft(rest, "$:@")
		if !isParamName(name) {
			return false, errors.New(".param unset takes a NAME")
		}
		if !sess.UnsetVar(name) {
			return false, fmt.Errorf(".param unset: $%s is not set", name)
		}
	case "clear":
		sess.ClearVars()
	default:
		return false, fmt.Errorf(".param %s: want set NAME VALUE, unset NAME, list or clear", sub)
	}
	return false, nil
}

func isParamName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// paramValue is VALUE of .param set, as sqlite3 reads it: the value of a
// constant expression ('golden retriever', 0.82, 10 * 2, $base || '/0000'),
// or else the text itself typed as --var types it (shards/0000 is text,
// 1000 a number).
func (sh *Shell) paramValue(ctx context.Context, text string) query.Value {
	st, err := ast.ParseStatement("", "SELECT "+text)
	if sel, ok := st.(*ast.SelectStmt); err == nil && ok && sel.Query.From == nil && len(sel.Query.Items) == 1 && sel.Query.Items[0].Alias.Name == "" {
		if sess, err := sh.Conn.Prepare(ctx, st); err == nil {
			if res, err := sess.Exec(ctx, st); err == nil && res.Rows != nil {
				rows, err := query.Collect(res.Rows)
				if err == nil && len(rows) == 1 && len(rows[0]) == 1 {
					return rows[0][0]
				}
			}
		}
	}
	return query.ParseVar(text)
}

// literal writes a value as the language would: strings quoted.
func literal(v query.Value) string {
	switch v.T {
	case query.TypeString:
		return quoteString(v.S)
	case query.TypeVector:
		return string(query.AppendJSON(nil, v))
	}
	return v.String()
}

func (sh *Shell) dotIndexes(ctx context.Context, in *input, arg string) (bool, error) {
	if arg == "" {
		return false, sh.execText(ctx, in, "SHOW INDEXES", nil)
	}
	names := sh.session().Names()
	found := false
	for _, t := range names.Tables {
		found = found || strings.EqualFold(t, arg)
	}
	if !found {
		return false, fmt.Errorf(".indexes: unknown table %s", arg)
	}
	return false, sh.execText(ctx, in, "SHOW INDEXES", func(res *query.Result) error {
		col := -1
		for i, c := range res.Columns {
			if c.Name == "table" {
				col = i
			}
		}
		if col < 0 {
			return errors.New(".indexes: SHOW INDEXES has no table column")
		}
		res.Rows = &filterRows{Rows: res.Rows, keep: func(r query.Row) bool { return strings.EqualFold(r[col].S, arg) }}
		return nil
	})
}

// filterRows passes on the rows keep accepts.
type filterRows struct {
	query.Rows
	keep func(query.Row) bool
}

func (f *filterRows) Next() bool {
	for f.Rows.Next() {
		if f.keep(f.Rows.Row()) {
			return true
		}
	}
	return false
}

func (sh *Shell) dotOpen(ctx context.Context, _ *input, arg string) (bool, error) {
	args, err := dotArgs(arg)
	if err != nil {
		return false, fmt.Errorf(".open: %w", err)
	}
	var dir string
	readOnly := false
	for _, a := range args {
		switch a {
		case "--read-only", "--readonly", "-readonly":
			readOnly = true
		default:
			if dir != "" || strings.HasPrefix(a, "-") {
				return false, fmt.Errorf(".open takes DIR [--read-only], not %q", a)
			}
			dir = a
		}
	}
	if dir == "" {
		return false, errors.New(".open needs a DIR")
	}
	ctx, done := sh.cancellable(ctx)
	defer done()
	if err := sh.Conn.Reopen(ctx, dir, readOnly); err != nil {
		return false, fmt.Errorf(".open: %w", err)
	}
	sh.names = nil
	sh.noteMissing()
	return false, nil
}

// dotTimeout is sqlite3's .timeout: milliseconds, or a duration (2s).
// Without an argument it shows the timeout.
func (sh *Shell) dotTimeout(_ context.Context, _ *input, arg string) (bool, error) {
	if arg == "" {
		fmt.Fprintln(sh.out, sh.Conn.BusyTimeout)
		return false, nil
	}
	d, err := time.ParseDuration(arg)
	if ms, merr := strconv.ParseInt(arg, 10, 64); merr == nil {
		d, err = time.Duration(ms)*time.Millisecond, nil
	}
	if err != nil || d < 0 {
		return false, fmt.Errorf(".timeout takes milliseconds or a duration such as 2s, not %q", arg)
	}
	sh.Conn.BusyTimeout = d
	return false, nil
}

func (sh *Shell) dotImport(ctx context.Context, in *input, arg string) (bool, error) {
	args, err := dotArgs(arg)
	if err != nil {
		return false, fmt.Errorf(".import: %w", err)
	}
	if len(args) < 1 || len(args) > 2 {
		return false, errors.New(".import takes PATH [TABLE]")
	}
	table := "laion"
	if len(args) == 2 {
		table = args[1]
	}
	return false, sh.execText(ctx, in, "INGEST "+quoteString(args[0])+" INTO "+quoteName(table), nil)
}

func (sh *Shell) dotShell(ctx context.Context, _ *input, arg string) (bool, error) {
	if arg == "" {
		return false, errors.New(".shell needs a command")
	}
	ctx, done := sh.cancellable(ctx)
	defer done()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", arg)
	cmd.Stdout, cmd.Stderr = sh.out, sh.Err
	if sh.Terminal {
		cmd.Stdin = os.Stdin // a command may talk to the person
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return false, context.Canceled
		}
		return false, fmt.Errorf("%s: %w", arg, err)
	}
	return false, nil
}

// completionNames returns the completion words, reading them again after
// statements that may have changed the catalog.
func (sh *Shell) completionNames() query.Names {
	if sh.names == nil {
		n := sh.session().Names()
		sh.names = &n
	}
	return *sh.names
}
