package repl

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
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

func TestTableTruncatesToWidth(t *testing.T) {
	out, _ := render(t, Table, 60)
	want := `id | caption            | score | img                | ok
---+--------------------+-------+--------------------+------
 1 | a goldfish in a b… |   0.5 | [0.012 -0.031 0.0… | true
22 | 日本語のキャプシ…  |  NULL | NULL               | false
-3 | naïve "café"\nsec… | 1e-07 | [1.000 2.000] (2)  | NULL
 4 |                    |   0.3 | [] (0)             | true
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
	for _, f := range []Format{Table, CSV, JSONL, Line} {
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
	for _, f := range []Format{Table, CSV, JSONL, Line} {
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
