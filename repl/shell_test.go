package repl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// shardDir is a 2,000-row generated shard shared by the tests.
var shardDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "repl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shardDir = filepath.Join(dir, "shard")
	if _, err := gen.Generate(shardDir, gen.Config{Rows: 2000, Seed: 1}); err != nil {
		fmt.Fprintln(os.Stderr, "generating the test shard:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newSession opens a fresh database holding the test shard as table laion.
func newSession(t *testing.T) *query.Session {
	t.Helper()
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if _, err := db.Ingest(context.Background(), []string{shardDir}, engine.DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	sess, err := query.NewSession(db, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// conn is a Conn on the session's database, which cannot be replaced.
func conn(sess *query.Session) *Conn {
	return &Conn{DB: &Database{Session: sess, Dir: "db"}}
}

// pipe runs the shell on input as piped stdin.
func pipe(t *testing.T, sess *query.Session, input string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errw bytes.Buffer
	sh := &Shell{Conn: conn(sess), In: strings.NewReader(input), Out: &out, Err: &errw}
	err = sh.Run(context.Background())
	return out.String(), errw.String(), err
}

func TestPipedStatementsAcrossLines(t *testing.T) {
	sess := newSession(t)
	out, errs, err := pipe(t, sess, "SELECT count(*)\n  AS n\nFROM laion;  SELECT 1 AS one;\nSELECT\n2 AS two")
	if err != nil {
		t.Fatalf("err = %v; stderr:\n%s", err, errs)
	}
	want := "   n\n----\n2000\none\n---\n  1\ntwo\n---\n  2\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errs != "" {
		t.Errorf("stderr: %q", errs)
	}
	if strings.Contains(out, Prompt) || strings.Contains(out, strings.TrimSpace(ContinuationPrompt)) {
		t.Error("prompts in piped output")
	}
}

func TestPipedErrorsContinueAndFail(t *testing.T) {
	sess := newSession(t)
	in := "SELECT 1 AS a;\n\n-- a comment\nSELECT id,\n       capton FROM laion;\nSELECT 2 AS b; SELECT FROM;\nSELECT 3 AS c;\n"
	out, errs, err := pipe(t, sess, in)
	if !errors.Is(err, ErrFailed) {
		t.Errorf("err = %v, want ErrFailed", err)
	}
	if want := "a\n-\n1\nb\n-\n2\nc\n-\n3\n"; out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	for _, want := range []string{
		"stdin:5:8: unknown column capton (did you mean caption?)\n       capton FROM laion;\n       ^\n",
		"stdin:6:23: syntax error: unexpected FROM",
		"SELECT 2 AS b; SELECT FROM;\n                      ^\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestPipedLongLine(t *testing.T) {
	sess := newSession(t)
	long := strings.Repeat("x", 10000)
	out, errs, err := pipe(t, sess, "SELECT length('"+long+"') AS n;\nSELECT 'after' AS s;\n")
	if err != nil {
		t.Fatalf("err = %v; stderr:\n%s", err, errs)
	}
	if want := "    n\n-----\n10000\ns\n-----\nafter\n"; out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
}

func TestDotCommands(t *testing.T) {
	sess := newSession(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "s.lq")
	os.WriteFile(script, []byte(".mode jsonl\nSELECT id FROM laion ORDER BY id LIMIT 2;\nSELECT\n  nosuch FROM laion;\nSELECT 'not reached' AS x;\n"), 0o644)
	outFile := filepath.Join(dir, "out.csv")
	in := strings.Join([]string{
		".mode csv",
		"SELECT id, width FROM laion ORDER BY id LIMIT 2;",
		".output " + outFile,
		"SELECT 'to the file' AS dest;",
		".output stdout",
		".mode line",
		"SELECT 1 AS one, 'x' AS two;",
		".read " + script,
		".mode",
		".tab",
		".timer sideways",
		".frobnicate",
		".hist SELECT width FROM laion;",
		".quit",
		"SELECT 'after quit' AS x;",
	}, "\n")
	out, errs, err := pipe(t, sess, in)
	if !errors.Is(err, ErrFailed) {
		t.Errorf("err = %v, want ErrFailed", err)
	}
	wantOut := "id,width\n0,256\n1,320\n" +
		"one = 1\ntwo = x\n" +
		`{"id":0}` + "\n" + `{"id":1}` + "\n" +
		"mode jsonl\n" +
		`{"table":"laion","rows":2000,"shards":1,"columns":8,"vectors":"img 512-d clip-vit-b32, txt 512-d clip-vit-b32"}` + "\n"
	if !strings.HasPrefix(out, wantOut) {
		t.Errorf("stdout:\n%s\nwant it to start with:\n%s", out, wantOut)
	}
	if !strings.Contains(out, "width\nn=2000  min=256") || strings.Contains(out, "after quit") || strings.Contains(out, "not reached") {
		t.Errorf("stdout:\n%s", out)
	}
	if b, _ := os.ReadFile(outFile); string(b) != "dest\nto the file\n" {
		t.Errorf(".output file holds %q", b)
	}
	for _, want := range []string{
		script + ":4:3: unknown column nosuch",
		"stdin:11: .timer takes on or off",
		"stdin:12: unknown command .frobnicate",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestHistogram(t *testing.T) {
	var b bytes.Buffer
	vals := []float64{0, 1, 1, 2, 2, 2, 3, 3, 3, 3}
	if err := writeHistogram(&b, "x", vals, 1); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	// The column and its NULLs, then the shared text histogram (see
	// query.TextHistogram, tested where it is written).
	if lines[0] != "x (1 NULL left out)" || lines[1] != "n=10  min=0  max=3  mean=2" || len(lines) != 2+histBins {
		t.Fatalf("histogram:\n%s", b.String())
	}
	if want := strings.TrimRight(query.TextHistogram(vals, histBins, histBarWidth), "\n"); strings.Join(lines[1:], "\n") != want {
		t.Errorf("histogram:\n%s\nwant after the first line:\n%s", b.String(), want)
	}
	b.Reset()
	writeHistogram(&b, "empty", nil, 3)
	if got := b.String(); got != "empty (3 NULL left out): no values\n" {
		t.Errorf("no values: %q", got)
	}
}

func TestComplete(t *testing.T) {
	sess := newSession(t)
	sh := &Shell{Conn: conn(sess)}
	for _, c := range []struct {
		line       string
		head, tail string
		want       []string // all of these, at least
		not        []string
	}{
		{line: "SELECT count(*) FROM lai", head: "SELECT count(*) FROM ", want: []string{"laion"}},
		{line: "select capt", head: "select ", want: []string{"caption"}},
		{line: "sel", head: "", want: []string{"select"}, not: []string{"SELECT"}},
		{line: "SEL", head: "", want: []string{"SELECT"}},
		{line: "SELECT cen", head: "SELECT ", want: []string{"centroid("}},
		{line: "SET ef_", head: "SET ", want: []string{"ef_search"}},
		{line: "SHOW SYNSET 'goldf", head: "SHOW SYNSET '", want: []string{"goldfish'", "goldfinch'"}},
		{line: "SHOW SYNSET 'n0144353", head: "SHOW SYNSET '", want: []string{"n01443537'"}},
		{line: "SELECT * FROM laion WHERE caption MATCHES SYNSET n014435", head: "SELECT * FROM laion WHERE caption MATCHES SYNSET ", want: []string{"n01443537"}},
		{line: ".mo", head: "", want: []string{".mode "}},
		{line: ".mode j", head: ".mode ", want: []string{"jsonl"}},
		{line: ".schema l", head: ".schema ", want: []string{"laion"}},
		{line: "SELECT ", head: "SELECT ", want: nil},
	} {
		head, got, tail := sh.complete(c.line, len([]rune(c.line)))
		if head != c.head || tail != "" {
			t.Errorf("%q: head %q tail %q, want %q", c.line, head, tail, c.head)
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: completions %v lack %q", c.line, got, w)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("%q: completions %v hold %q", c.line, got, w)
			}
		}
		if c.want == nil && len(got) > 0 {
			t.Errorf("%q: completions %v, want none", c.line, got)
		}
	}
	// In the middle of a line, the rest is kept.
	head, got, tail := sh.complete("SELECT capt FROM laion", len("SELECT capt"))
	if head != "SELECT " || tail != " FROM laion" || !slices.Contains(got, "caption") {
		t.Errorf("mid-line: %q %v %q", head, got, tail)
	}
}

func TestCompletionSeesNewSets(t *testing.T) {
	sess := newSession(t)
	var out, errw bytes.Buffer
	sh := &Shell{Conn: conn(sess), Out: &out, Err: &errw}
	sh.out = &out
	if _, got, _ := sh.complete("SELECT * FROM few", 17); len(got) != 0 {
		t.Fatalf("completions before the set exists: %v", got)
	}
	in := &input{file: "stdin"}
	sh.feed(context.Background(), in, "CREATE SET fewrows AS SELECT * FROM laion WHERE id < 10;")
	if errw.Len() > 0 {
		t.Fatal(errw.String())
	}
	if _, got, _ := sh.complete("SELECT * FROM few", 17); !slices.Equal(got, []string{"fewrows"}) {
		t.Errorf("completions after CREATE SET: %v", got)
	}
}

func TestRunScriptStopsAtFirstError(t *testing.T) {
	sess := newSession(t)
	var out, errw bytes.Buffer
	p := &Printer{Out: &out, Err: &errw, Format: CSV}
	src := "SELECT 1 AS a;\nASSERT (SELECT count(*) FROM laion) = 2000;\nASSERT (SELECT count(*) FROM laion) > 5000, 'too few rows';\nSELECT 2 AS b;\n"
	err := RunScript(context.Background(), conn(sess), p, "t.lq", src)
	if !errors.Is(err, query.ErrAssert) {
		t.Fatalf("err = %v, want a failed ASSERT", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "t.lq:3:") || !strings.Contains(msg, "too few rows") || !strings.Contains(msg, "2000") {
		t.Errorf("error: %s", msg)
	}
	if out.String() != "a\n1\n" {
		t.Errorf("stdout %q", out.String())
	}
}

func TestLocateOtherErrors(t *testing.T) {
	src := "SELECT 1;\n  SELECT 2;\n"
	err := Locate(errors.New("disk full"), "f.lq", src, astPos(2, 3, 12), 0)
	var qe *query.Error
	if !errors.As(err, &qe) {
		t.Fatalf("%T", err)
	}
	if got := err.Error(); got != "f.lq:2:3: disk full\n  SELECT 2;\n  ^" {
		t.Errorf("got %q", got)
	}
	if !errors.Is(Locate(context.Canceled, "f", src, astPos(1, 1, 0), 0), context.Canceled) {
		t.Error("cancellation not kept")
	}
}

func astPos(line, col, off int) ast.Pos { return ast.Pos{Line: line, Column: col, Offset: off} }

// .param sets the $variables of the statements that follow, typed or
// read: VALUE is a constant expression, or else text typed as --var types
// it.
func TestParam(t *testing.T) {
	sess := newSession(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "uses.lq")
	os.WriteFile(script, []byte("SELECT count(*) >= $min AS enough FROM laion;\n"), 0o644)
	out, errs, err := pipe(t, sess, strings.Join([]string{
		".mode csv",
		".param set word 'golden retriever'",
		".param set $min 10 * 100",
		".param set dir shards/0000",
		".param set n 42",
		"SELECT $word AS w, $min + 1 AS m, $dir AS d, $n / 5 AS n;",
		".read " + script,
		".param list",
		".param unset word",
		"SELECT $word;",
		".param unset word",
		".param clear",
		".param list",
		".param set lonely",
	}, "\n"))
	if !errors.Is(err, ErrFailed) {
		t.Errorf("err = %v, want ErrFailed", err)
	}
	want := "w,m,d,n\ngolden retriever,1001,shards/0000,8\nenough\ntrue\n" +
		"$dir = 'shards/0000'\n$min = 1000\n$n = 42\n$word = 'golden retriever'\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	for _, w := range []string{
		"stdin:10:8: variable $word is not set; set it with --var word=VALUE (laiondb run, query, shell) or .param set word VALUE (in the shell)\nSELECT $word;\n       ^\n",
		"stdin:11: .param unset: $word is not set\n",
		"stdin:14: .param set takes NAME VALUE",
	} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
}

// sqlite3's dot commands, with sqlite3's meaning.
func TestSqliteDotCommands(t *testing.T) {
	sess := newSession(t)
	dir := t.TempDir()
	once := filepath.Join(dir, "once.csv")
	out, errs, err := pipe(t, sess, strings.Join([]string{
		".headers off",
		"SELECT 1 AS a;",
		".headers on",
		".mode csv",
		".once " + once,
		"SELECT 'in the file' AS f;",
		"SELECT 'on stdout' AS f;",
		".mode table",
		".nullvalue ∅",
		"SELECT NULL AS n;",
		".nullvalue",
		".width 3 -8",
		"SELECT 1 AS a, 'abcdefghijk' AS b;",
		".width",
		".echo on",
		"SELECT 2 AS b;",
		".echo off",
		".changes on",
		"CREATE SET few AS SELECT * FROM laion WHERE id < 7;",
		"DROP SET few;",
		".changes off",
		".indexes",
		".indexes laion",
		".indexes nosuch",
		".shell echo from the shell",
		".system exit 3",
		".mode json",
		"SELECT id FROM laion ORDER BY id LIMIT 2;",
		".mode markdown",
		"SELECT 1 AS x;",
		".exit 4",
		"SELECT 'not reached' AS x;",
	}, "\n"))
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 4 {
		t.Errorf("err = %v, want .exit 4", err)
	}
	want := "1\n" +
		"f\non stdout\n" +
		"n\n-\n∅\n" +
		"nullvalue '∅'\n" +
		"  a |        b\n----+---------\n  1 | abcdefg…\n" +
		"SELECT 2 AS b;\nb\n-\n2\n.echo off\n" +
		"created set few: 7 rows of laion\n" +
		"dropped set few\n" +
		"index | table | column | rows | m | ef_construction | graph bytes per row\n" +
		"------+-------+--------+------+---+-----------------+--------------------\n" +
		"index | table | column | rows | m | ef_construction | graph bytes per row\n" +
		"------+-------+--------+------+---+-----------------+--------------------\n" +
		"from the shell\n" +
		`[{"id":0},` + "\n" + `{"id":1}]` + "\n" +
		"| x |\n|--:|\n| 1 |\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if b, _ := os.ReadFile(once); string(b) != "f\nin the file\n" {
		t.Errorf(".once file holds %q", b)
	}
	for _, w := range []string{
		"changes: 7   total_changes: 7\n",
		"changes: 7   total_changes: 14\n",
		"stdin:24: .indexes: unknown table nosuch\n",
		"stdin:26: exit 3: exit status 3\n",
	} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
}

// .bail on ends piped input at the first error, with status 1.
func TestBail(t *testing.T) {
	sess := newSession(t)
	out, errs, err := pipe(t, sess, ".bail on\nSELECT 1 AS a;\nSELECT nosuch FROM laion;\nSELECT 2 AS b;\n")
	if !errors.Is(err, ErrFailed) || out != "a\n-\n1\n" || !strings.Contains(errs, "unknown column nosuch") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out, errs)
	}
}

func TestHelpListsEveryDotCommand(t *testing.T) {
	sess := newSession(t)
	out, _, err := pipe(t, sess, ".help\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{".bail", ".changes", ".echo", ".exit", ".headers", ".help", ".hist", ".import", ".indexes", ".mode",
		".nullvalue", ".once", ".open", ".output", ".param", ".quit", ".read", ".schema", ".sets", ".shell", ".system", ".tables", ".timer", ".width"} {
		if !strings.Contains(out, "\n  "+d+" ") {
			t.Errorf(".help lacks %s:\n%s", d, out)
		}
	}
	if !strings.Contains(out, "table|box|markdown|csv|tsv|json|jsonl|line") {
		t.Errorf(".help lacks the modes:\n%s", out)
	}
}

func TestHistoryEntry(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string
		ok    bool
	}{
		{[]string{"  SELECT 1;  "}, "SELECT 1;", true},
		{[]string{"SELECT id, -- the row", "  width", "FROM laion;"}, "SELECT id, width FROM laion;", true},
		{[]string{"SELECT 'a", "b';"}, "", false},
	} {
		got, ok := historyEntry(c.lines)
		if got != c.want || ok != c.ok {
			t.Errorf("historyEntry(%q) = %q, %v", c.lines, got, ok)
		}
	}
}
