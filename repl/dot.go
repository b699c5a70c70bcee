package repl

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// dotCommand is one of the shell's dot commands.
type dotCommand struct {
	name, args, help string
	run              func(sh *Shell, ctx context.Context, in *input, arg string) (quit bool, err error)
}

var dotCommands []dotCommand

func init() {
	dotCommands = []dotCommand{
		{".help", "", "show this help", func(sh *Shell, _ context.Context, _ *input, _ string) (bool, error) {
			sh.help()
			return false, nil
		}},
		{".tables", "", "list the tables (SHOW TABLES)", func(sh *Shell, ctx context.Context, in *input, _ string) (bool, error) {
			return false, sh.execText(ctx, in, "SHOW TABLES")
		}},
		{".sets", "", "list the named sets (SHOW SETS)", func(sh *Shell, ctx context.Context, in *input, _ string) (bool, error) {
			return false, sh.execText(ctx, in, "SHOW SETS")
		}},
		{".schema", "[NAME]", "describe a table or set, or all of them (DESCRIBE)", (*Shell).dotSchema},
		{".mode", "table|csv|jsonl|line", "choose the output format", (*Shell).dotMode},
		{".timer", "on|off", "show how long each statement took", (*Shell).dotTimer},
		{".read", "FILE", "run the statements and dot commands in FILE; stops at its first error", (*Shell).dotRead},
		{".output", "FILE|stdout", "write results to FILE (truncated) or back to the screen", (*Shell).dotOutput},
		{".hist", "QUERY", "histogram (20 bins) of the first numeric column of QUERY's rows", (*Shell).dotHist},
		{".quit", "", "leave the shell (also .exit, Ctrl-D)", func(*Shell, context.Context, *input, string) (bool, error) {
			return true, nil
		}},
	}
}

// dot runs a dot command line.
func (sh *Shell) dot(ctx context.Context, in *input, line string) (quit bool, err error) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	name = strings.ToLower(name)
	if name == ".exit" {
		name = ".quit"
	}
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
		fmt.Fprintf(&b, "  %-28s %s\n", d.name+" "+d.args, d.help)
	}
	b.WriteString("Tab completes names; Ctrl-R searches history; Ctrl-C cancels a running statement; Ctrl-D quits.\n")
	fmt.Fprint(sh.out, b.String())
}

// execText runs a statement the shell writes itself.
func (sh *Shell) execText(ctx context.Context, in *input, text string) error {
	chunks := ast.SplitStatements(text)
	if len(chunks) != 1 {
		return fmt.Errorf("%q is not one statement", text)
	}
	saved, savedLine := in.file, in.bufLine
	in.file, in.bufLine = "", 1
	defer func() { in.file, in.bufLine = saved, savedLine }()
	return sh.exec(ctx, in, text, chunks[0])
}

func (sh *Shell) dotSchema(ctx context.Context, in *input, arg string) (bool, error) {
	if arg != "" {
		return false, sh.execText(ctx, in, "DESCRIBE "+quoteName(arg))
	}
	names := sh.Session.Names()
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
		if err := sh.execText(ctx, in, "DESCRIBE "+quoteName(n)); err != nil {
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

func (sh *Shell) dotTimer(_ context.Context, _ *input, arg string) (bool, error) {
	switch strings.ToLower(arg) {
	case "on":
		sh.Timer = true
	case "off":
		sh.Timer = false
	case "":
		fmt.Fprintf(sh.out, "timer %s\n", map[bool]string{true: "on", false: "off"}[sh.Timer])
	default:
		return false, fmt.Errorf(".timer takes on or off, not %q", arg)
	}
	return false, nil
}

func (sh *Shell) dotOutput(_ context.Context, _ *input, arg string) (bool, error) {
	if arg == "" || arg == "stdout" || arg == "-" {
		sh.closeOutput()
		return false, nil
	}
	f, err := os.Create(arg)
	if err != nil {
		return false, fmt.Errorf(".output: %w", err)
	}
	sh.closeOutput()
	sh.out, sh.outFile = f, f
	return false, nil
}

func (sh *Shell) dotRead(ctx context.Context, _ *input, arg string) (bool, error) {
	if arg == "" {
		return false, fmt.Errorf(".read needs a FILE")
	}
	if sh.readDepth >= 16 {
		return false, fmt.Errorf(".read %s: files read each other more than 16 deep", arg)
	}
	src, err := os.ReadFile(arg)
	if err != nil {
		return false, fmt.Errorf(".read: %w", err)
	}
	sh.readDepth++
	defer func() { sh.readDepth-- }()
	in := &input{file: arg, stopOnError: true}
	lines := strings.Split(strings.TrimPrefix(string(src), "\ufeff"), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		if sh.feed(ctx, in, strings.TrimSuffix(l, "\r")) || ctx.Err() != nil {
			break
		}
	}
	if !in.failed && ctx.Err() == nil {
		sh.finish(ctx, in)
	}
	if in.failed {
		// Already reported; count it without printing it twice.
		sh.failed = true
	}
	return false, nil
}

// names returns the completion words, reading them again after
// statements that may have changed the catalog.
func (sh *Shell) completionNames() query.Names {
	if sh.names == nil {
		n := sh.Session.Names()
		sh.names = &n
	}
	return *sh.names
}
