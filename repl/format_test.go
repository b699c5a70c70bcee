package repl

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
)

// sliceRows serves fixed rows, optionally failing after them.
type sliceRows struct {
	rows   []query.Row
	i      int
	err    error
	closed bool
}

func (s *sliceRows) Next() bool {
	if s.i >= len(s.rows) {
		return false
	}
	s.i++
	return true
}
func (s *sliceRows) Row() query.Row { return s.rows[s.i-1] }
func (s *sliceRows) Err() error {
	if s.i >= len(s.rows) {
		return s.err
	}
	return nil
}
func (s *sliceRows) Close() error { s.closed = true; return nil }

// sample is a small result with NULLs, vectors, long and wide text.
func sample() *query.Result {
	tenth := 0.1
	return &query.Result{
		Columns: []query.Column{
			{Name: "id", Type: query.TypeInt},
			{Name: "caption", Type: query.TypeString},
			{Name: "score", Type: query.TypeFloat},
			{Name: "img", Type: query.TypeVector},
			{Name: "ok", Type: query.TypeBool},
		},
		Rows: &sliceRows{rows: []query.Row{
			{engine.Int(1), engine.String("a goldfish in a bowl"), engine.Float(0.5), engine.Vector([]float32{0.0123, -0.0311, 0.0444, 0.1}), engine.Bool(true)},
			{engine.Int(22), engine.String("日本語のキャプション, a long caption that goes on and on and on"), engine.Null(), engine.Null(), engine.Bool(false)},
			{engine.Int(-3), engine.String("naïve \"café\"\nsecond line"), engine.Float(1e-7), engine.Vector([]float32{1, 2}), engine.Null()},
			{engine.Int(4), engine.String(""), engine.Float(tenth + 0.2), engine.Vector(nil), engine.Bool(true)},
		}},
		Message: "4 rows from a test",
	}
}

func render(t *testing.T, f Format, width int) (stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	p := &Printer{Out: &out, Err: &errw, Format: f, Width: width}
	res := sample()
	n, err := p.Print(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("Print returned %d rows, want 4", n)
	}
	if !res.Rows.(*sliceRows).closed {
		t.Error("rows not closed")
	}
	return out.String(), errw.String()
}

func TestTable(t *testing.T) {
	out, errs := render(t, Table, 0)
	want := `id | caption                                                         | score | img                        | ok
---+-----------------------------------------------------------------+-------+----------------------------+------
 1 | a goldfish in a bowl                                            |   0.5 | [0.012 -0.031 0.044 …] (4) | true
22 | 日本語のキャプション, a long caption that goes on and on and on |  NULL | NULL                       | false
-3 | naïve "café"\nsecond line                                       | 1e-07 | [1.000 2.000] (2)          | NULL
 4 |                                                                 |   0.3 | [] (0)                     | true
4 rows from a test
`
	if out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
	if errs != "" {
		t.Errorf("table wrote %q to Err; messages belong on Out", errs)
	}
}

// At 60 columns text is cut with … and a column of vectors shows fewer
// elements, as many in every row; no number is cut.
func TestTableTruncatesToWidth(t *testing.T) {
	out, _ := render(t, Table, 60)
	want := `id | caption             | score | img           | ok
---+---------------------+-------+---------------+------
 1 | a goldfish in a bo… |   0.5 | [0.012 …] (4) | true
22 | 日本語のキャプショ… |  NULL | NULL          | false
-3 | naïve "café"\nseco… | 1e-07 | [1.000 …] (2) | NULL
 4 |                     |   0.3 | [] (0)        | true
4 rows from a test
`
	if out != want {
		t.Errorf("table at width 60:\n%s\nwant:\n%s", out, want)
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if w := cellWidth.StringWidth(line); w > 60 {
			t.Errorf("line %d is %d cells wide", i+1, w)
		}
	}
}

func TestTableStreamsPastBuffer(t *testing.T) {
	var out bytes.Buffer
	p := &Printer{Out: &out, Format: Table, Buffer: 2}
	res := &query.Result{
		Columns: []query.Column{{Name: "s", Type: query.TypeString}},
		Rows:    &sliceRows{rows: []query.Row{{engine.String("ab")}, {engine.String("cd")}, {engine.String("a longer one")}}},
	}
	if _, err := p.Print(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	// Widths come from the first two rows; the third is cut to them.
	want := "s\n--\nab\ncd\na…\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestCSV(t *testing.T) {
	out, errs := render(t, CSV, 0)
	want := "id,caption,score,img,ok\n" +
		"1,a goldfish in a bowl,0.5,\"[0.0123,-0.0311,0.0444,0.1]\",true\n" +
		"22,\"日本語のキャプション, a long caption that goes on and on and on\",,,false\n" +
		"-3,\"naïve \"\"café\"\"\nsecond line\",1e-7,\"[1,2]\",\n" +
		"4,\"\",0.30000000000000004,[],true\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out, want)
	}
	if errs != "4 rows from a test\n" {
		t.Errorf("csv message on Err = %q", errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read it: %v", err)
	}
	if got := recs[3][1]; got != "naïve \"café\"\nsecond line" {
		t.Errorf("round trip of a quoted multi-line field: %q", got)
	}
}

func TestJSONL(t *testing.T) {
	out, errs := render(t, JSONL, 0)
	want := `{"id":1,"caption":"a goldfish in a bowl","score":0.5,"img":[0.0123,-0.0311,0.0444,0.1],"ok":true}
{"id":22,"caption":"日本語のキャプション, a long caption that goes on and on and on","score":null,"img":null,"ok":false}
{"id":-3,"caption":"naïve \"café\"\nsecond line","score":1e-7,"img":[1,2],"ok":null}
{"id":4,"caption":"","score":0.30000000000000004,"img":[],"ok":true}
`
	if out != want {
		t.Errorf("jsonl:\n%s\nwant:\n%s", out, want)
	}
	if errs != "4 rows from a test\n" {
		t.Errorf("jsonl message on Err = %q", errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %s: %v", line, err)
		}
	}
}

func TestLine(t *testing.T) {
	out, _ := render(t, Line, 0)
	want := `     id = 1
caption = a goldfish in a bowl
  score = 0.5
    img = [0.012 -0.031 0.044 …] (4)
     ok = true

     id = 22
caption = 日本語のキャプション, a long caption that goes on and on and on
  score = NULL
    img = NULL
     ok = false

     id = -3
caption = naïve "café"
second line
  score = 1e-07
    img = [1.000 2.000] (2)
     ok = NULL

     id = 4
caption = 
  score = 0.3
    img = [] (0)
     ok = true
4 rows from a test
`
	if out != want {
		t.Errorf("line:\n%s\nwant:\n%s", out, want)
	}
}

func TestJSONLDuplicateNames(t *testing.T) {
	keys := jsonKeys([]query.Column{{Name: "count"}, {Name: "count"}, {Name: "count_2"}, {Name: "x"}})
	want := []string{`"count"`, `"count_2"`, `"count_2_2"`, `"x"`}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

func TestPrintStopsOnCancel(t *testing.T) {
	for _, f := range []Format{Table, Box, Markdown, CSV, TSV, JSON, JSONL, Line} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out bytes.Buffer
		res := sample()
		_, err := (&Printer{Out: &out, Format: f}).Print(ctx, res)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", f, err)
		}
		if !res.Rows.(*sliceRows).closed {
			t.Errorf("%s: rows not closed after cancellation", f)
		}
	}
}

func TestPrintRowsError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, f := range []Format{Table, Box, Markdown, CSV, TSV, JSON, JSONL, Line} {
		res := sample()
		res.Rows.(*sliceRows).err = boom
		var out bytes.Buffer
		n, err := (&Printer{Out: &out, Format: f}).Print(context.Background(), res)
		if !errors.Is(err, boom) || n != 4 {
			t.Errorf("%s: n=%d err=%v, want 4 rows then %v", f, n, err, boom)
		}
		if strings.Contains(out.String(), "4 rows from a test") {
			t.Errorf("%s: message printed after an error", f)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, name := range Formats() {
		f, err := ParseFormat(strings.ToUpper(name))
		if err != nil || f.String() != name {
			t.Errorf("ParseFormat(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) accepted")
	}
}

func TestEscapeControls(t *testing.T) {
	if got := escapeControls("a\tb\r\n\x1b[31m\xffz"); got != `a\tb\r\n\x1b[31m`+"\uFFFDz" {
		t.Errorf("got %q", got)
	}
}

func TestBox(t *testing.T) {
	out, errs := render(t, Box, 0)
	want := `┌────┬─────────────────────────────────────────────────────────────────┬───────┬────────────────────────────┬───────┐
│ id │ caption                                                         │ score │ img                        │ ok    │
├────┼─────────────────────────────────────────────────────────────────┼───────┼────────────────────────────┼───────┤
│  1 │ a goldfish in a bowl                                            │   0.5 │ [0.012 -0.031 0.044 …] (4) │ true  │
│ 22 │ 日本語のキャプション, a long caption that goes on and on and on │  NULL │ NULL                       │ false │
│ -3 │ naïve "café"\nsecond line                                       │ 1e-07 │ [1.000 2.000] (2)          │ NULL  │
│  4 │                                                                 │   0.3 │ [] (0)                     │ true  │
└────┴─────────────────────────────────────────────────────────────────┴───────┴────────────────────────────┴───────┘
4 rows from a test
`
	if out != want || errs != "" {
		t.Errorf("box:\n%s\nwant:\n%s\nerr: %q", out, want, errs)
	}
}

func TestMarkdown(t *testing.T) {
	var out bytes.Buffer
	p := &Printer{Out: &out, Format: Markdown, NoHeader: true}
	res := &query.Result{
		Columns: []query.Column{{Name: "n", Type: query.TypeInt}, {Name: "a|b", Type: query.TypeString}},
		Rows:    &sliceRows{rows: []query.Row{{engine.Int(7), engine.String("x | y")}}},
	}
	if _, err := p.Print(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	// The header stays (markdown needs it), | is escaped, numbers align right.
	want := "| n | a\\|b   |\n|--:|--------|\n| 7 | x \\| y |\n"
	if out.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestTSV(t *testing.T) {
	out, errs := render(t, TSV, 0)
	want := "id\tcaption\tscore\timg\tok\n" +
		"1\ta goldfish in a bowl\t0.5\t[0.0123,-0.0311,0.0444,0.1]\ttrue\n" +
		"22\t日本語のキャプション, a long caption that goes on and on and on\t\t\tfalse\n" +
		"-3\tnaïve \"café\"\\nsecond line\t1e-7\t[1,2]\t\n" +
		"4\t\t0.30000000000000004\t[]\ttrue\n"
	if out != want || errs != "4 rows from a test\n" {
		t.Errorf("tsv:\n%s\nwant:\n%s\nerr: %q", out, want, errs)
	}
}

// json is one array per result, as sqlite3's and duckdb's json modes;
// an empty result is [].
func TestJSON(t *testing.T) {
	out, errs := render(t, JSON, 0)
	want := `[{"id":1,"caption":"a goldfish in a bowl","score":0.5,"img":[0.0123,-0.0311,0.0444,0.1],"ok":true},
{"id":22,"caption":"日本語のキャプション, a long caption that goes on and on and on","score":null,"img":null,"ok":false},
{"id":-3,"caption":"naïve \"café\"\nsecond line","score":1e-7,"img":[1,2],"ok":null},
{"id":4,"caption":"","score":0.30000000000000004,"img":[],"ok":true}]
`
	if out != want || errs != "4 rows from a test\n" {
		t.Errorf("json:\n%s\nwant:\n%s\nerr: %q", out, want, errs)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 4 {
		t.Errorf("not one JSON array of 4 objects: %v", err)
	}
	var empty bytes.Buffer
	res := &query.Result{Columns: []query.Column{{Name: "x"}}, Rows: &sliceRows{}}
	if _, err := (&Printer{Out: &empty, Format: JSON}).Print(context.Background(), res); err != nil || empty.String() != "[]\n" {
		t.Errorf("empty json: %q, %v", empty.String(), err)
	}
}

// Too narrow for every column even cut: the first and last columns stay,
// a … column marks where the others were, and Hidden counts them.
func TestTableLeavesOutColumns(t *testing.T) {
	var out bytes.Buffer
	p := &Printer{Out: &out, Format: Table, Width: 30}
	if _, err := p.Print(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	want := `id | caption       | … | ok
---+---------------+---+------
 1 | a goldfish i… | … | true
22 | 日本語のキャ… | … | false
-3 | naïve "café"… | … | NULL
 4 |               | … | true
4 rows from a test
`
	if out.String() != want || p.Hidden != 2 {
		t.Errorf("table at width 30 (%d hidden):\n%s\nwant (2 hidden):\n%s", p.Hidden, out.String(), want)
	}
}

// At any width no line is wider than the terminal and no number is cut:
// text is cut, vectors lose elements, then columns are left out.
func TestTableFitsEveryWidthWithoutCuttingNumbers(t *testing.T) {
	cutNumber := regexp.MustCompile(`[0-9.]…`)
	for _, f := range []Format{Table, Box, Markdown} {
		for w := 12; w <= 130; w++ {
			out, _ := render(t, f, w)
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n4 rows from a test\n"), "\n") {
				if lw := cellWidth.StringWidth(line); lw > w {
					t.Errorf("%s at width %d: a line of %d cells: %s", f, w, lw, line)
				}
				if cutNumber.MatchString(line) {
					t.Errorf("%s at width %d: a number is cut: %s", f, w, line)
				}
			}
			for _, n := range []string{"22", "-3", "1e-07", "0.3"} {
				if strings.Contains(out, "score") && !strings.Contains(out, n) {
					t.Errorf("%s at width %d: %s is missing:\n%s", f, w, n, out)
				}
			}
		}
	}
}

// Output that is not a terminal (Width 0) is never cut.
func TestTableWithoutWidthCutsNothing(t *testing.T) {
	long := strings.Repeat("a long caption ", 40)
	var out bytes.Buffer
	res := &query.Result{
		Columns: []query.Column{{Name: "caption", Type: query.TypeString}, {Name: "x", Type: query.TypeFloat}},
		Rows:    &sliceRows{rows: []query.Row{{engine.String(long), engine.Float(-0.0612345)}}},
	}
	if _, err := (&Printer{Out: &out, Format: Table}).Print(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), long+" | -0.0612345\n") || strings.Contains(out.String(), "…") {
		t.Errorf("cut without a width:\n%s", out.String())
	}
}

func TestHeadersOff(t *testing.T) {
	for f, want := range map[Format]string{
		Table: "7 | x\n",
		Box:   "┌───┬───┐\n│ 7 │ x │\n└───┴───┘\n",
		CSV:   "7,x\n",
		TSV:   "7\tx\n",
	} {
		var out bytes.Buffer
		res := &query.Result{
			Columns: []query.Column{{Name: "n", Type: query.TypeInt}, {Name: "s", Type: query.TypeString}},
			Rows:    &sliceRows{rows: []query.Row{{engine.Int(7), engine.String("x")}}},
		}
		if _, err := (&Printer{Out: &out, Format: f, NoHeader: true}).Print(context.Background(), res); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s without headers: %q, want %q", f, out.String(), want)
		}
	}
}

func TestNullValueAndWidths(t *testing.T) {
	null := "∅"
	var out bytes.Buffer
	p := &Printer{Out: &out, Format: Table, Null: &null, Widths: []int{1, -9}}
	res := &query.Result{
		Columns: []query.Column{{Name: "id", Type: query.TypeInt}, {Name: "caption", Type: query.TypeString}, {Name: "score", Type: query.TypeFloat}},
		Rows: &sliceRows{rows: []query.Row{
			{engine.Int(1234), engine.String("a goldfish in a bowl"), engine.Null()},
			{engine.Int(5), engine.Null(), engine.Float(0.25)},
		}},
	}
	if _, err := p.Print(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	// .width 1 widens to the numbers; -9 cuts text to 9 and aligns right.
	want := "  id |   caption | score\n-----+-----------+------\n1234 | a goldfi… |     ∅\n   5 |         ∅ |  0.25\n"
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	p = &Printer{Out: &out, Format: CSV, Null: &null}
	res.Rows = &sliceRows{rows: []query.Row{{engine.Null(), engine.Null(), engine.Null()}}}
	if _, err := p.Print(context.Background(), res); err != nil || out.String() != "id,caption,score\n,,\n" {
		t.Errorf("csv keeps NULL empty: %q, %v", out.String(), err)
	}
}
