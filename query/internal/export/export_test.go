package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/laiondb/laiondb/engine"
)

// testRows returns n generated rows (copied) with edge cases planted:
// invalid UTF-8, extreme integers, non-finite and tiny/huge floats. want
// is what a reader should get back (the text repaired).
func testRows(n int) (rows, want [][]engine.Value) {
	next := genRows(n, 7)
	for {
		r, ok, _ := next()
		if !ok {
			break
		}
		rows = append(rows, append([]engine.Value(nil), r...))
	}
	set := func(i, c int, v engine.Value) {
		if i < len(rows) {
			rows[i][c] = v
		}
	}
	set(10, 2, engine.String("bad \xff\xfe bytes \xc3"))
	set(20, 4, engine.Float(math.Inf(1)))
	set(21, 4, engine.Float(1e-7))
	set(22, 4, engine.Float(1e21))
	set(23, 0, engine.Int(math.MinInt64))
	set(24, 0, engine.Int(math.MaxInt64))
	set(25, 4, engine.Float(math.Copysign(0, -1)))
	set(26, 4, engine.Int(3)) // an INT in a FLOAT column is widened
	set(27, 1, engine.String(""))
	for _, r := range rows {
		w := append([]engine.Value(nil), r...)
		if w[2].T == engine.TypeString {
			w[2].S = strings.ToValidUTF8(w[2].S, "\uFFFD")
		}
		if w[4].T == engine.TypeInt {
			w[4] = engine.Float(float64(w[4].I))
		}
		want = append(want, w)
	}
	return rows, want
}

// source serves rows through one reused slice, as the planner does, so a
// writer that keeps a row past the next call is caught.
func source(rows [][]engine.Value) func() ([]engine.Value, bool, error) {
	buf := make([]engine.Value, len(rows[0]))
	i := 0
	return func() ([]engine.Value, bool, error) {
		if i == len(rows) {
			clear(buf)
			return nil, false, nil
		}
		copy(buf, rows[i])
		i++
		return buf, true, nil
	}
}

func export(t *testing.T, name string, rows [][]engine.Value, opt Options) (string, Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	res, err := Write(context.Background(), path, laionCols, source(rows), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != int64(len(rows)) {
		t.Fatalf("wrote %d rows, want %d", res.Rows, len(rows))
	}
	return path, res
}

func TestCSVRoundTrip(t *testing.T) {
	rows, want := testRows(300)
	path, res := export(t, "out.csv", rows, Options{})
	if res.Repaired != 1 {
		t.Errorf("Repaired = %d, want 1", res.Repaired)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(raw) {
		t.Error("file is not valid UTF-8")
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "id,url,caption,synset,text_similarity,nsfw_unlikely,img" {
		t.Errorf("header %s", got)
	}
	if len(recs) != len(want)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(want)+1)
	}
	for i, w := range want {
		for c, v := range w {
			checkText(t, i, laionCols[c].Name, recs[i+1][c], v, false)
		}
	}
	// NULL and the empty string stay apart in the raw text.
	id := func(i int) string { return strconv.FormatInt(want[i][0].I, 10) }
	if p := "\n" + id(27) + `,"",`; !strings.Contains(string(raw), p) {
		t.Errorf("empty url not written as \"\": no line starts %q", p)
	}
	if p := "\n" + id(3) + ",https://img.example/3.jpg,,"; !strings.Contains(string(raw), p) {
		t.Errorf("NULL caption not written as an empty field: no line starts %q", p)
	}
}

// checkText compares one CSV or JSON field with the value it came from.
func checkText(t *testing.T, row int, col, got string, want engine.Value, json bool) {
	t.Helper()
	bad := func() { t.Errorf("row %d, %s: got %.60q, want %.60s", row, col, got, want) }
	switch want.T {
	case engine.TypeNull:
		if (json && got != "null") || (!json && got != "") {
			bad()
		}
	case engine.TypeBool:
		if got != strconv.FormatBool(want.Bool()) {
			bad()
		}
	case engine.TypeInt:
		if n, err := strconv.ParseInt(got, 10, 64); err != nil || n != want.I {
			bad()
		}
	case engine.TypeFloat:
		if json && (math.IsInf(want.F, 0) || math.IsNaN(want.F)) {
			if got != "null" {
				bad()
			}
			return
		}
		f, err := strconv.ParseFloat(got, 64)
		if err != nil || f != want.F || math.Signbit(f) != math.Signbit(want.F) {
			bad()
		}
	case engine.TypeString:
		if got != want.S {
			bad()
		}
	case engine.TypeVector:
		var v []float64
		if err := jsonUnmarshal(got, &v); err != nil || len(v) != len(want.V) {
			bad()
			return
		}
		for j := range v {
			if float32(v[j]) != want.V[j] {
				t.Errorf("row %d, %s[%d]: got %v, want %v", row, col, j, v[j], want.V[j])
				return
			}
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func TestJSONLRoundTrip(t *testing.T) {
	rows, want := testRows(300)
	path, res := export(t, "out.JSONL", rows, Options{LaionetNames: true, Model: "clip-vit-b32"})
	if res.Repaired != 1 || res.NonFinite != 1 {
		t.Errorf("Repaired, NonFinite = %d, %d, want 1, 1", res.Repaired, res.NonFinite)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	names := []string{"id", "URL", "TEXT", "name_def_wnid", "text_to_name_def_wnid_similarity_clip-vit-b32", "nsfw_unlikely", "img"}
	if !strings.HasPrefix(lines[0], `{"id":`) {
		t.Errorf("line 1 does not start with the first column: %.40s", lines[0])
	}
	for i, line := range lines {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if len(obj) != len(names) {
			t.Fatalf("line %d has %d keys", i+1, len(obj))
		}
		for c, n := range names {
			field := string(obj[n])
			if want[i][c].T == engine.TypeString {
				var s string
				if err := json.Unmarshal(obj[n], &s); err != nil {
					t.Fatalf("line %d, %s: %v", i+1, n, err)
				}
				field = s
			}
			checkText(t, i, n, field, want[i][c], true)
		}
	}
	// Key order follows the columns.
	var keys []string
	dec := json.NewDecoder(strings.NewReader(lines[1]))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if !reflect.DeepEqual(keys, names) {
		t.Errorf("keys %v, want %v", keys, names)
	}
}

func TestParquetRoundTrip(t *testing.T) {
	rows, want := testRows(300)
	path, _ := export(t, "out.parquet", rows, Options{})
	got := readParquet(t, path)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for c := range want[i] {
			if !sameValue(got[i][c], want[i][c]) {
				t.Errorf("row %d, %s: got %v, want %v", i, laionCols[c].Name, got[i][c], want[i][c])
			}
		}
	}
}

func sameValue(a, b engine.Value) bool {
	if a.T != b.T {
		return false
	}
	switch a.T {
	case engine.TypeFloat:
		return math.Float64bits(a.F) == math.Float64bits(b.F)
	case engine.TypeVector:
		return reflect.DeepEqual(a.V, b.V)
	}
	return a.I == b.I && a.S == b.S
}

// readParquet reads a file written for laionCols back with parquet-go,
// checking the schema on the way.
func readParquet(t *testing.T, path string) [][]engine.Value {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fld := range pf.Schema().Fields() {
		names = append(names, fld.Name())
		if !fld.Optional() {
			t.Errorf("column %s is not nullable", fld.Name())
		}
	}
	if want := "id url caption synset text_similarity nsfw_unlikely img"; strings.Join(names, " ") != want {
		t.Errorf("columns %v, want %s", names, want)
	}
	if lt := pf.Schema().Fields()[2].Type().LogicalType(); lt.String() != "STRING" {
		t.Errorf("caption's logical type is %v, want STRING", lt)
	}
	if lt := pf.Schema().Fields()[6].Type().LogicalType(); lt.String() != "LIST" {
		t.Errorf("img's logical type is %v, want LIST", lt)
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if codec := cc.MetaData.Codec.String(); codec != "SNAPPY" {
				t.Fatalf("column %v compressed with %s", cc.MetaData.PathInSchema, codec)
			}
		}
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	var out [][]engine.Value
	buf := make([]parquet.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			vals := make([]engine.Value, len(laionCols))
			for _, v := range row {
				c := v.Column()
				if v.IsNull() {
					continue
				}
				switch laionCols[c].Type {
				case engine.TypeInt:
					vals[c] = engine.Int(v.Int64())
				case engine.TypeFloat:
					vals[c] = engine.Float(v.Double())
				case engine.TypeBool:
					vals[c] = engine.Bool(v.Boolean())
				case engine.TypeString:
					vals[c] = engine.String(string(v.ByteArray()))
				case engine.TypeVector:
					vals[c].T = engine.TypeVector
					vals[c].V = append(vals[c].V, v.Float())
				}
			}
			out = append(out, vals)
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestNames(t *testing.T) {
	cols := func(names ...string) []Column {
		var cs []Column
		for _, n := range names {
			cs = append(cs, Column{Name: n, Type: engine.TypeString})
		}
		return cs
	}
	for _, tc := range []struct {
		cols []Column
		opt  Options
		want string // names joined by space, or the error's text
	}{
		{cols("url", "caption", "synset", "text_similarity", "similarity"), Options{}, "url caption synset text_similarity similarity"},
		{cols("url", "caption", "synset", "text_similarity", "similarity"), Options{LaionetNames: true, Model: "clip-vit-b32"},
			"URL TEXT name_def_wnid text_to_name_def_wnid_similarity_clip-vit-b32 similarity"},
		{cols("url", "score"), Options{LaionetNames: true, SimilarityColumn: "score", Model: "clip-vit-l14"},
			"URL text_to_name_def_wnid_similarity_clip-vit-l14"},
		{cols("url", "caption"), Options{LaionetNames: true}, "URL TEXT"},
		{cols("url", "text_similarity"), Options{LaionetNames: true}, "need the text encoder's model name"},
		{cols("url", "URL"), Options{LaionetNames: true}, `columns "url" and "URL" would both be written as "URL"`},
		{cols("a", "a"), Options{}, `column "a" appears twice`},
		{cols("a", ""), Options{}, "column 2 has no name"},
		{nil, Options{}, "no columns"},
		{[]Column{{Name: "v", Type: engine.Type(99)}}, Options{}, "cannot be exported"},
		{[]Column{{Name: "v", Type: engine.TypeInt, Dim: 4}}, Options{}, "dimension 4 for a INT column"},
	} {
		names, err := Names(tc.cols, tc.opt)
		got := strings.Join(names, " ")
		if err != nil {
			got = err.Error()
			if !errors.Is(err, ErrColumns) {
				t.Errorf("%v: error %v is not ErrColumns", tc.cols, err)
			}
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("Names(%v, %+v) = %q, want %q", tc.cols, tc.opt, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	rows, _ := testRows(50)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		name string
		path string
		cols []Column
		next func() ([]engine.Value, bool, error)
		is   error
		msg  string
	}{
		{"extension", filepath.Join(dir, "x.txt"), laionCols, source(rows), ErrFormat, "(extension .txt): name the file .parquet, .csv or .jsonl"},
		{"no extension", filepath.Join(dir, "x"), laionCols, source(rows), ErrFormat, "(no extension)"},
		{"missing dir", filepath.Join(dir, "nope", "x.csv"), laionCols, source(rows), fs.ErrNotExist, "directory " + filepath.Join(dir, "nope") + " does not exist"},
		{"dir is a file", filepath.Join(file, "x.csv"), laionCols, source(rows), nil, file + " is not a directory"},
		{"target is a dir", dir + "/.", laionCols, source(rows), ErrFormat, ""},
		{"width", filepath.Join(dir, "w.csv"), laionCols[:3], source(rows), ErrValue, "row 1: value does not fit its column: 7 values for 3 columns"},
		{"type", filepath.Join(dir, "t.jsonl"), []Column{{Name: "a", Type: engine.TypeString}}, source([][]engine.Value{{engine.String("x")}, {engine.Int(1)}}), ErrValue, "row 2, column a: value does not fit its column: INT value in a TEXT column"},
		{"dim", filepath.Join(dir, "d.parquet"), []Column{{Name: "v", Type: engine.TypeVector, Dim: 3}}, source([][]engine.Value{{engine.Vector([]float32{1, 2})}}), ErrValue, "vector of dimension 2 in a column of dimension 3"},
		{"dim from first", filepath.Join(dir, "d.parquet"), []Column{{Name: "v", Type: engine.TypeVector}}, source([][]engine.Value{{engine.Null()}, {engine.Vector([]float32{1, 2})}, {engine.Vector([]float32{1, 2, 3})}}), ErrValue, "row 3, column v"},
		{"empty vector", filepath.Join(dir, "e.parquet"), []Column{{Name: "v", Type: engine.TypeVector}}, source([][]engine.Value{{engine.Vector([]float32{})}}), ErrValue, "empty vector"},
		{"unknown type", filepath.Join(dir, "n.csv"), []Column{{Name: "n", Type: engine.TypeNull}}, source([][]engine.Value{{engine.Null()}, {engine.Bool(true)}, {engine.Int(1)}}), ErrValue, "row 3, column n: value does not fit its column: INT value in a BOOL column"},
		{"source fails while probing", filepath.Join(dir, "p.csv"), []Column{{Name: "n", Type: engine.TypeNull}}, func() ([]engine.Value, bool, error) { return nil, false, fs.ErrClosed }, fs.ErrClosed, "row 1: file already closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Write(context.Background(), tc.path, tc.cols, tc.next, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "export "+tc.path+": ") {
				t.Errorf("error does not name the file: %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if _, err := os.Stat(tc.path); err == nil && tc.name != "target is a dir" {
				t.Errorf("%s exists after a failed export", tc.path)
			}
		})
	}
	var re *RowError
	_, err := Write(context.Background(), filepath.Join(dir, "r.csv"), []Column{{Name: "a", Type: engine.TypeBool}}, source([][]engine.Value{{engine.Float(1)}}), Options{})
	if !errors.As(err, &re) || re.Row != 1 || re.Column != "a" {
		t.Errorf("error %v: want a *RowError for row 1, column a", err)
	}
	assertOnly(t, dir, "file")
}

func TestNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	_, err := Write(context.Background(), filepath.Join(dir, "x.csv"), laionCols, genRows(1, 1), Options{})
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "cannot write in directory "+dir) {
		t.Errorf("got %v", err)
	}
}

// assertOnly fails unless dir holds exactly the named entries: no
// temporary file is left behind.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func TestFailedExportLeavesNoFile(t *testing.T) {
	boom := errors.New("disk read failed")
	for _, ext := range Formats {
		t.Run(ext[1:], func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "laionet"+ext)
			gen := genRows(100_000, 3)
			n := 0
			next := func() ([]engine.Value, bool, error) {
				if n++; n == 40_000 {
					return nil, false, boom
				}
				return gen()
			}
			res, err := Write(context.Background(), path, laionCols, next, Options{})
			if !errors.Is(err, boom) || !strings.Contains(err.Error(), "row 40000: disk read failed") {
				t.Errorf("got %v", err)
			}
			if res.Rows != 0 {
				t.Errorf("Rows = %d after a failure", res.Rows)
			}
			assertOnly(t, dir)

			// An export that fails leaves the previous file as it was.
			os.WriteFile(path, []byte("old"), 0o644)
			ctx, cancel := context.WithCancel(context.Background())
			n = 0
			next = func() ([]engine.Value, bool, error) {
				if n++; n == 1000 {
					cancel()
				}
				return gen()
			}
			if _, err := Write(ctx, path, laionCols, next, Options{}); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: got %v", err)
			}
			if b, _ := os.ReadFile(path); string(b) != "old" {
				t.Errorf("previous file changed to %.20q", b)
			}
			assertOnly(t, dir, "laionet"+ext)

			// A successful one replaces it.
			if _, err := Write(context.Background(), path, laionCols, genRows(10, 1), Options{}); err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Size() < 1000 || fi.Mode().Perm() != 0o644 {
				t.Errorf("new file: %d bytes, mode %v", fi.Size(), fi.Mode())
			}
			assertOnly(t, dir, "laionet"+ext)
		})
	}
}

func TestEmptyExport(t *testing.T) {
	for _, ext := range Formats {
		path := filepath.Join(t.TempDir(), "empty"+ext)
		res, err := Write(context.Background(), path, laionCols, func() ([]engine.Value, bool, error) { return nil, false, nil }, Options{})
		if err != nil || res.Rows != 0 {
			t.Fatalf("%s: %d rows, %v", ext, res.Rows, err)
		}
	}
	path := filepath.Join(t.TempDir(), "empty.parquet")
	Write(context.Background(), path, laionCols, func() ([]engine.Value, bool, error) { return nil, false, nil }, Options{})
	if rows := readParquet(t, path); len(rows) != 0 {
		t.Errorf("%d rows", len(rows))
	}
}

// TestParquetStreams exports 200,000 rows (~420 MB of vectors) and checks
// that the live heap stays far below that: rows are not held.
func TestParquetStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 420 MB")
	}
	const n = 200_000
	path := filepath.Join(t.TempDir(), "big.parquet")
	gen := genRows(n, 5)
	var peak uint64
	var ms runtime.MemStats
	i := 0
	next := func() ([]engine.Value, bool, error) {
		if i++; i%20_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return gen()
	}
	res, err := Write(context.Background(), path, laionCols, next, Options{})
	if err != nil || res.Rows != n {
		t.Fatalf("%d rows, %v", res.Rows, err)
	}
	fi, _ := os.Stat(path)
	t.Logf("%d rows, %d MiB file, peak live heap %d MiB", n, fi.Size()>>20, peak>>20)
	if peak > 160<<20 {
		t.Errorf("live heap reached %d MiB while writing a %d MiB file", peak>>20, fi.Size()>>20)
	}
	f, _ := os.Open(path)
	defer f.Close()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRows() != n || len(pf.RowGroups()) < 5 {
		t.Errorf("%d rows in %d row groups", pf.NumRows(), len(pf.RowGroups()))
	}
}

// TestUnknownTypes: columns the planner could not type (NULL) take the
// type of their first non-NULL value, found by reading ahead; rows read
// ahead are written in order, and the parquet schema gets the real type.
func TestUnknownTypes(t *testing.T) {
	cols := []Column{{Name: "id", Type: engine.TypeInt}, {Name: "x", Type: engine.TypeNull}, {Name: "v", Type: engine.TypeNull}, {Name: "never", Type: engine.TypeNull}}
	var rows [][]engine.Value
	for i := range 2000 {
		r := []engine.Value{engine.Int(int64(i)), engine.Null(), engine.Null(), engine.Null()}
		if i >= 700 {
			r[1] = engine.Float(float64(i) / 4)
		}
		if i >= 3 {
			r[2] = engine.Vector([]float32{float32(i), 1})
		}
		rows = append(rows, r)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "u.parquet")
	res, err := Write(context.Background(), path, cols, source(rows), Options{})
	if err != nil || res.Rows != 2000 {
		t.Fatalf("%+v, %v", res, err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range pf.Schema().Columns() {
		leaf, _ := pf.Schema().Lookup(c...)
		kinds = append(kinds, strings.Join(c, ".")+":"+leaf.Node.Type().String())
	}
	if got, want := strings.Join(kinds, " "), "id:INT(64,true) x:DOUBLE v.list.element:FLOAT never:STRING"; got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
	jpath := filepath.Join(dir, "u.jsonl")
	if _, err := Write(context.Background(), jpath, cols, source(rows), Options{}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(jpath)
	lines := strings.Split(string(raw), "\n")
	for _, i := range []int{0, 3, 699, 700, 1999} {
		want := `{"id":` + strconv.Itoa(i) + `,"x":`
		if i >= 700 {
			want += strconv.FormatFloat(float64(i)/4, 'f', -1, 64)
		} else {
			want += "null"
		}
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d: %s, want prefix %s", i+1, lines[i], want)
		}
	}
}
