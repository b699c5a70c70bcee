package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/engine/gen"
)

var update = flag.Bool("update", false, "rewrite the cmp files of testdata/script/*.txtar with the actual output")

// TestMain lets the test binary act as the laiondb command inside
// scripts (testscript puts it on their PATH).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"laiondb": main})
}

// makeShard generates a 2,000-row shard in a temporary directory.
func makeShard(t *testing.T) string {
	t.Helper()
	shard := filepath.Join(t.TempDir(), "shard")
	if _, err := gen.Generate(shard, gen.Config{Rows: 2000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return shard
}

// TestScripts runs testdata/script/*.txtar: the CLI end to end. Scripts
// see $SHARD (a 2,000-row shard), $EXAMPLES (the repository's examples/)
// and these commands besides testscript's:
//
//	status N cmd args...   run cmd, expecting exit status N
//	longline FILE N        write FILE: SELECT length('xxx…') AS n; with N x's
func TestScripts(t *testing.T) {
	shard := makeShard(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("SHARD", shard)
			examples, err := filepath.Abs("../../examples")
			if err != nil {
				return err
			}
			e.Setenv("EXAMPLES", examples)
			e.Setenv("HOME", e.WorkDir)
			e.Setenv("LAIONDB_HISTORY", "off")
			e.Defer(func() { checkDatabases(e.T(), e.WorkDir) })
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":   cmdStatus,
			"longline": cmdLongLine,
		},
	})
}

// checkDatabases runs engine.Check on every database a script left under
// dir (a directory holding badger's MANIFEST), as enginetest.Open does for
// the Go tests.
func checkDatabases(t testscript.T, dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "MANIFEST" {
			return err
		}
		db := filepath.Dir(path)
		if err := enginetest.CheckDir(db); err != nil {
			t.Fatal(fmt.Sprintf("database %s left by the script: %v", db, err))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func cmdLongLine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: longline FILE N")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("longline: %v", err)
	}
	src := "SELECT length('" + strings.Repeat("x", n) + "') AS n;\n"
	if err := os.WriteFile(ts.MkAbs(args[0]), []byte(src), 0o644); err != nil {
		ts.Fatalf("longline: %v", err)
	}
}

// ingestTestShard makes a database in dir holding the shared shard.
func ingestTestShard(t *testing.T, dir string) {
	t.Helper()
	shard := makeShard(t)
	db := enginetest.Open(t, engine.DefaultOptions(dir))
	if _, err := db.Ingest(context.Background(), []string{shard}, engine.DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	enginetest.Close(t, db)
}

// run runs the command in-process.
func run(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = runMain(context.Background(), args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errw})
	return code, out.String(), errw.String()
}

// A database open for writing (here by this process, as an ingest would
// hold it) keeps readers and writers out: after --busy-timeout they hear
// who holds it. Beside a reader, statements that read run (query and
// shell open read-only); one that writes waits for the reader to let go,
// and fails naming it when it does not. (testscript cannot keep a
// database open in the background while the script goes on, so this is
// a Go test.)
func TestLockedDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	ingestTestShard(t, dir)

	db := enginetest.Open(t, engine.DefaultOptions(dir))
	holder := fmt.Sprintf("process %d", os.Getpid())
	for _, args := range [][]string{
		{"query", "--db", dir, "--busy-timeout", "100ms", "SELECT count(*) FROM laion"},
		{"query", "--db", dir, "--busy-timeout", "100ms", "--read-only", "SELECT count(*) FROM laion"},
		{"ingest", "--db", dir, "--busy-timeout", "100ms", "--table", "other", makeShard(t)},
	} {
		code, _, stderr := run(args...)
		if code != 1 || !strings.Contains(stderr, "in use by another process") || !strings.Contains(stderr, holder) ||
			!strings.Contains(stderr, "open for writing") || !strings.Contains(stderr, "after waiting 100ms") {
			t.Errorf("%s beside a writer: exit %d, stderr %q", args[0], code, stderr)
		}
	}
	enginetest.Close(t, db)

	reader := enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(true))
	for _, ro := range []string{"--read-only=true", "--read-only=false"} {
		code, stdout, stderr := run("query", "--db", dir, ro, "--format", "csv", "SELECT count(*) AS n FROM laion")
		if code != 0 || stdout != "n\n2000\n" {
			t.Errorf("query %s beside a reader: exit %d, stdout %q, stderr %q", ro, code, stdout, stderr)
		}
	}
	code, stdout, stderr := runIn("SELECT count(*) AS n FROM laion;\n", "shell", "--db", dir, "--format", "csv")
	if code != 0 || stdout != "n\n2000\n" {
		t.Errorf("shell beside a reader: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = run("query", "--db", dir, "--busy-timeout", "100ms", "CREATE SET few AS SELECT * FROM laion LIMIT 3")
	if code != 1 || !strings.Contains(stderr, holder+" (") || !strings.Contains(stderr, "has it open for reading") ||
		!strings.Contains(stderr, "after waiting 100ms") {
		t.Errorf("a write beside a reader: exit %d, stderr %q", code, stderr)
	}

	// A write waits for the reader to go.
	done := make(chan string, 1)
	go func() {
		code, _, stderr := run("query", "--db", dir, "--busy-timeout", "10m", "CREATE SET few AS SELECT * FROM laion LIMIT 3")
		done <- fmt.Sprintf("exit %d, stderr %q", code, stderr)
	}()
	// The query is waiting (or has not started yet); either way it must
	// not fail now.
	select {
	case got := <-done:
		t.Fatalf("the write did not wait for the reader: %s", got)
	case <-time.After(200 * time.Millisecond):
	}
	enginetest.Close(t, reader)
	if got := <-done; got != "exit 0, stderr \"\"" {
		t.Errorf("a write waiting for a reader: %s", got)
	}
	code, stdout, stderr = run("query", "--db", dir, "--format", "csv", "SELECT count(*) AS n FROM few")
	if code != 0 || stdout != "n\n3\n" {
		t.Errorf("after the write: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// runIn runs the command in-process with stdin.
func runIn(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = runMain(context.Background(), args, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errw})
	return code, out.String(), errw.String()
}

// sanity check of the helpers, so a broken Setup does not look like a
// broken command.
func TestRunInProcess(t *testing.T) {
	code, stdout, _ := run("help")
	if code != 0 || !strings.Contains(stdout, "shell") || !strings.Contains(stdout, "query") || !strings.Contains(stdout, "run ") {
		t.Errorf("help: exit %d:\n%s", code, stdout)
	}
}

// TestShellInTerminal drives the real binary in a real terminal (tmux):
// prompts, a multi-line statement, an aligned table with its footer, a
// dot command, tab completion, Ctrl-C cancelling a running statement and
// clearing the line at the prompt, Ctrl-R history search, the history
// file, and Ctrl-D.
//
// The long statement is embed() against an HTTP endpoint (this test's
// server) that answers only when the request is cancelled: the test sends
// Ctrl-C once the request has arrived, so nothing depends on timing.
func TestShellInTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the terminal test of the shell needs it (apt-get install tmux)")
	}
	if testing.Short() {
		t.Skip("drives the shell in tmux; skipped with -short")
	}
	dir := t.TempDir()
	bin := laiondbBinary(t)
	ingestTestShard(t, filepath.Join(dir, "db"))

	arrived := make(chan struct{}, 1)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select { // hang until the client gives up (or the test ends)
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	// Cleanups run last first: tmux goes before the server.
	t.Cleanup(func() {
		close(stop)
		srv.Close()
	})

	tm := newTmux(t, dir, 160, fmt.Sprintf("env HOME=%s LAIONDB_HISTORY= %s shell --db db", shellQuote(dir), shellQuote(bin)))

	tm.waitFor("the banner and prompt", func(s string) bool {
		return strings.Contains(s, "Enter .help for help") && lastLine(s) == "laiondb>"
	})

	// A statement over two lines: the continuation prompt, then a table.
	tm.typeLine("SELECT id, width,")
	tm.waitFor("the continuation prompt", func(s string) bool { return lastLine(s) == "...>" })
	tm.typeLine("  height FROM laion ORDER BY id LIMIT 3;")
	screen := tm.waitFor("the table footer", func(s string) bool { return strings.Contains(s, "3 rows (") })
	for _, want := range []string{
		"laiondb> SELECT id, width,\n   ...>   height FROM laion ORDER BY id LIMIT 3;\n",
		"id | width | height\n---+-------+-------\n 0 |   256 |    256\n 1 |   320 |    480\n 2 |   500 |    256\n3 rows (",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}

	// A dot command changes the format.
	tm.typeLine(".mode csv")
	tm.typeLine("SELECT id, width FROM laion ORDER BY id LIMIT 2;")
	screen = tm.waitFor("csv rows", func(s string) bool { return strings.Contains(s, "2 rows (") })
	if !strings.Contains(screen, "\nid,width\n0,256\n1,320\n2 rows (") {
		t.Errorf("csv output not found:\n%s", screen)
	}
	tm.typeLine(".mode table")

	// Tab completes a table name.
	tm.typeKeys("SELECT count(*) AS total FROM lai")
	tm.send("Tab")
	tm.waitFor("the completed name", func(s string) bool {
		return strings.HasSuffix(lastLine(s), "FROM laion")
	})
	tm.typeLine(";")
	tm.waitFor("the count", func(s string) bool { return strings.Contains(s, "total\n-----\n 2000\n1 row (") })

	// Ctrl-C cancels a running statement; the shell lives on.
	tm.typeLine("SET embedder = '" + srv.URL + "/v1/embeddings';")
	tm.waitFor("the setting", func(s string) bool { return strings.Contains(s, "embedder = ") && lastLine(s) == "laiondb>" })
	tm.typeLine("SELECT embed('a text nobody will embed') AS v;")
	select {
	case <-arrived:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the statement never called the embedder:\n%s", tm.screen())
	}
	tm.send("C-c")
	tm.waitFor("interrupted", func(s string) bool {
		return strings.Contains(s, "\ninterrupted\n") && lastLine(s) == "laiondb>"
	})
	tm.typeLine("SELECT 'still here' AS state;")
	tm.waitFor("the shell to answer after Ctrl-C", func(s string) bool { return strings.Contains(s, "\nstill here\n1 row (") })

	// Ctrl-C at the prompt drops what was typed, including earlier lines.
	tm.typeLine("SELECT 'dropped',")
	tm.typeKeys("  'also dropped'")
	// Wait for the echo: the key must reach the line editor, not arrive
	// between prompts (when the terminal would turn it into SIGINT).
	tm.waitFor("the typed line", func(s string) bool { return lastLine(s) == "...>   'also dropped'" })
	tm.send("C-c")
	tm.typeLine("SELECT 41 + 1 AS answer;")
	screen = tm.waitFor("the answer", func(s string) bool { return strings.Contains(s, "answer\n------\n    42\n1 row (") })
	if strings.Contains(screen, "dropped\n") || strings.Contains(screen, "syntax error") {
		t.Errorf("Ctrl-C at the prompt did not clear the statement:\n%s", screen)
	}

	// Ctrl-R finds an earlier statement in the history; Enter runs it.
	tm.send("C-r")
	tm.typeKeys("41 +")
	tm.waitFor("the history search", func(s string) bool {
		return strings.Contains(lastLine(s), "(reverse-i-search)`41 +': SELECT 41 + 1 AS answer;")
	})
	tm.send("Enter")
	tm.waitFor("the answer again", func(s string) bool { return strings.Count(s, "answer\n------\n    42\n1 row (") == 2 })

	// Ctrl-D leaves with status 0 and the history is kept.
	tm.send("C-d")
	tm.waitExit(0)
	hist, err := os.ReadFile(filepath.Join(dir, ".laiondb_history"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SELECT id, width, height FROM laion ORDER BY id LIMIT 3;\n", ".mode csv\n", "SELECT 41 + 1 AS answer;\n"} {
		if !strings.Contains(string(hist), want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if strings.Contains(string(hist), "dropped") {
		t.Errorf("history holds the statement dropped with Ctrl-C:\n%s", hist)
	}
}
