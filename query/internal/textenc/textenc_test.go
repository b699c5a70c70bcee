package textenc

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

var tenth = 0.1 // a variable, so that tenth + 0.2 is computed in float64

// cases is every kind of value with its CSV field and its JSON, and how
// many numbers JSON (json) and CSV (csv) write as null.
var cases = []struct {
	v                 engine.Value
	csv, json         string
	nullJSON, nullCSV int
}{
	{engine.Null(), "", "null", 0, 0},
	{engine.Bool(true), "true", "true", 0, 0},
	{engine.Bool(false), "false", "false", 0, 0},
	{engine.Int(42), "42", "42", 0, 0},
	{engine.Int(-9007199254740993), "-9007199254740993", "-9007199254740993", 0, 0},
	{engine.Float(0.5), "0.5", "0.5", 0, 0},
	{engine.Float(tenth + 0.2), "0.30000000000000004", "0.30000000000000004", 0, 0},
	{engine.Float(1e-7), "1e-7", "1e-7", 0, 0},
	{engine.Float(-0.000001), "-0.000001", "-0.000001", 0, 0},
	{engine.Float(2.5e-300), "2.5e-300", "2.5e-300", 0, 0},
	{engine.Float(123456789.125), "123456789.125", "123456789.125", 0, 0},
	{engine.Float(1e21), "1e+21", "1e+21", 0, 0},
	{engine.Float(math.Copysign(0, -1)), "-0", "-0", 0, 0},
	{engine.Float(math.NaN()), "NaN", "null", 1, 0},
	{engine.Float(math.Inf(1)), "Inf", "null", 1, 0},
	{engine.Float(math.Inf(-1)), "-Inf", "null", 1, 0},
	{engine.String(""), `""`, `""`, 0, 0},
	{engine.String("plain"), "plain", `"plain"`, 0, 0},
	{engine.String(`say "hi", ok`), `"say ""hi"", ok"`, `"say \"hi\", ok"`, 0, 0},
	{engine.String("two\nlines\r\n"), "\"two\nlines\r\n\"", `"two\nlines\r\n"`, 0, 0},
	{engine.String(" padded\t"), `" padded` + "\t\"", `" padded\t"`, 0, 0},
	{engine.String("naïve café 日本語"), "naïve café 日本語", `"naïve café 日本語"`, 0, 0},
	{engine.String("tab\there \x01 \u2028 <&> \xff"), "tab\there \x01 \u2028 <&> \xff", `"tab\there \u0001 \u2028 <&> \ufffd"`, 0, 0},
	{engine.String(`back\slash`), `back\slash`, `"back\\slash"`, 0, 0},
	{engine.Vector([]float32{0.1, 1.0 / 3}), `"[0.1,0.33333334]"`, "[0.1,0.33333334]", 0, 0},
	{engine.Vector([]float32{1e-7, float32(math.Copysign(0, -1))}), `"[1e-7,-0]"`, "[1e-7,-0]", 0, 0},
	{engine.Vector([]float32{float32(math.NaN()), float32(math.Inf(1)), 2}), `"[null,null,2]"`, "[null,null,2]", 2, 2},
	{engine.Vector([]float32{1}), "[1]", "[1]", 0, 0},
	{engine.Vector(nil), "[]", "[]", 0, 0},
}

func TestJSON(t *testing.T) {
	for _, c := range cases {
		got, n := AppendJSON([]byte("prefix:"), c.v)
		if string(got) != "prefix:"+c.json || n != c.nullJSON {
			t.Errorf("%v: JSON %s (%d nulled), want %s (%d)", c.v, got, n, c.json, c.nullJSON)
		}
		var x any
		if err := json.Unmarshal(got[len("prefix:"):], &x); err != nil {
			t.Errorf("%v: invalid JSON %s: %v", c.v, got, err)
		}
	}
}

func TestCSV(t *testing.T) {
	for _, c := range cases {
		got, n := AppendCSV([]byte("prefix,"), c.v)
		if string(got) != "prefix,"+c.csv || n != c.nullCSV {
			t.Errorf("%v: CSV %q (%d nulled), want %q (%d)", c.v, got, n, c.csv, c.nullCSV)
		}
		// encoding/csv reads the field back as the text of the value.
		r := csv.NewReader(strings.NewReader(string(got) + "\n"))
		r.LazyQuotes = false
		rec, err := r.Read()
		if err != nil || len(rec) != 2 {
			t.Errorf("%v: encoding/csv reads %q as %q, %v", c.v, got, rec, err)
			continue
		}
		want := c.csv
		if strings.HasPrefix(c.csv, `"`) {
			want = strings.ReplaceAll(c.csv[1:len(c.csv)-1], `""`, `"`)
		}
		want = strings.ReplaceAll(want, "\r\n", "\n") // encoding/csv reads CRLF in a field as LF
		if rec[1] != want {
			t.Errorf("%v: encoding/csv reads field %q, want %q", c.v, rec[1], want)
		}
	}
}

func TestCSVFieldNames(t *testing.T) {
	for s, want := range map[string]string{
		"count":           "count",
		"a,b":             `"a,b"`,
		"":                `""`,
		`"q"`:             `"""q"""`,
		" lead":           `" lead"`,
		"text_similarity": "text_similarity",
	} {
		if got := string(AppendCSVField(nil, s)); got != want {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
}
