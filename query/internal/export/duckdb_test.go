package export

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// duckdbDir is .ci/duckdb, seen from this package's directory.
var duckdbDir = filepath.Join("..", "..", "..", ".ci", "duckdb")

// duckdbEnable is the one command that makes TestDuckDB run.
const duckdbEnable = "npm ci --prefix .ci/duckdb"

// needDuckDB returns the node binary, or skips the test when the DuckDB
// reader is not installed.
func needDuckDB(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(duckdbDir, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skipf("DuckDB reader not installed; run `%s` in the repository root to enable this test", duckdbEnable)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("node not found: install Node.js (>= 20) and run `%s`", duckdbEnable)
	}
	return node
}

// duckdbRead runs .ci/duckdb/read.mjs on a parquet file and decodes what
// DuckDB saw.
func duckdbRead(t *testing.T, path string, rows, offset int) duckdbView {
	t.Helper()
	node := needDuckDB(t)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node, filepath.Join(duckdbDir, "read.mjs"), path, strconv.Itoa(rows), strconv.Itoa(offset))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("DuckDB could not read %s: %v\n%s", path, err, stderr.Bytes())
	}
	var v duckdbView
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("read.mjs output: %v", err)
	}
	return v
}

type duckdbView struct {
	DuckDB    string `json:"duckdb"`
	Rows      int64  `json:"rows"`
	RowGroups int    `json:"row_groups"`
	Columns   []struct {
		Name, Type string
	} `json:"columns"`
	Schema []struct {
		Name           string  `json:"name"`
		ConvertedType  *string `json:"converted_type"`
		RepetitionType *string `json:"repetition_type"`
	} `json:"parquet_schema"`
	Compression []string         `json:"compression"`
	First       []map[string]any `json:"first"`
}

// TestDuckDB has DuckDB read an export: every type, NULLs, a 512-d
// vector column, the LAIONET names, invalid UTF-8 repaired.
func TestDuckDB(t *testing.T) {
	needDuckDB(t)
	rows, want := testRows(300)
	cols := append(append([]Column(nil), laionCols...), Column{Name: "note", Type: engine.TypeNull})
	for i := range rows {
		rows[i] = append(rows[i], engine.Null())
		want[i] = append(want[i], engine.Null())
	}
	path := filepath.Join(t.TempDir(), "laionet.parquet")
	res, err := Write(context.Background(), path, cols, source(rows), Options{LaionetNames: true, Model: "clip-vit-b32"})
	if err != nil || res.Rows != 300 || res.Repaired != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	const first = 40
	v := duckdbRead(t, path, first, 0)
	t.Logf("DuckDB %s read %d rows", v.DuckDB, v.Rows)

	if v.Rows != 300 {
		t.Errorf("DuckDB counts %d rows, want 300", v.Rows)
	}
	var got []string
	for _, c := range v.Columns {
		got = append(got, c.Name+" "+c.Type)
	}
	wantCols := []string{"id BIGINT", "URL VARCHAR", "TEXT VARCHAR", "name_def_wnid VARCHAR",
		"text_to_name_def_wnid_similarity_clip-vit-b32 DOUBLE", "nsfw_unlikely BOOLEAN", "img FLOAT[]", "note VARCHAR"}
	if strings.Join(got, ", ") != strings.Join(wantCols, ", ") {
		t.Errorf("columns\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(wantCols, ", "))
	}
	if strings.Join(v.Compression, ",") != "SNAPPY" {
		t.Errorf("compression %v, want SNAPPY", v.Compression)
	}
	for _, s := range v.Schema {
		if s.Name == "TEXT" && (s.ConvertedType == nil || *s.ConvertedType != "UTF8" || *s.RepetitionType != "OPTIONAL") {
			t.Errorf("TEXT is %v %v in the parquet schema, want an OPTIONAL UTF8", s.ConvertedType, s.RepetitionType)
		}
	}
	if len(v.First) != first {
		t.Fatalf("%d rows shown, want %d", len(v.First), first)
	}
	for i, row := range v.First {
		for c, col := range v.Columns {
			checkDuckDB(t, i, col.Name, row[col.Name], want[i][c])
		}
	}
}

// TestDuckDBRowGroups checks a file of several row groups, reading rows
// from the last one.
func TestDuckDBRowGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 80 MB")
	}
	needDuckDB(t)
	const n = 40_000
	path := filepath.Join(t.TempDir(), "big.parquet")
	if _, err := Write(context.Background(), path, laionCols, genRows(n, 9), Options{}); err != nil {
		t.Fatal(err)
	}
	v := duckdbRead(t, path, 5, n-5)
	if v.Rows != n || v.RowGroups < 2 {
		t.Errorf("DuckDB sees %d rows in %d row groups", v.Rows, v.RowGroups)
	}
	next := genRows(n, 9)
	for i := 0; i < n; i++ {
		row, _, _ := next()
		if i < n-5 {
			continue
		}
		for c, col := range laionCols {
			checkDuckDB(t, i, col.Name, v.First[i-(n-5)][col.Name], row[c])
		}
	}
}

// checkDuckDB compares a value in DuckDB's JSON form (BIGINT as a string,
// DOUBLE and FLOAT as numbers, ±Inf as "Infinity") with what was written.
func checkDuckDB(t *testing.T, row int, col string, got any, want engine.Value) {
	t.Helper()
	bad := func() { t.Errorf("row %d, %s: DuckDB has %.60v, want %.60v", row, col, got, want) }
	num := func(x any) (float64, bool) {
		switch x := x.(type) {
		case json.Number:
			f, err := x.Float64()
			return f, err == nil
		case string:
			switch x {
			case "Infinity":
				return math.Inf(1), true
			case "-Infinity":
				return math.Inf(-1), true
			}
		}
		return 0, false
	}
	switch want.T {
	case engine.TypeNull:
		if got != nil {
			bad()
		}
	case engine.TypeBool:
		if got != want.Bool() {
			bad()
		}
	case engine.TypeInt:
		if got != strconv.FormatInt(want.I, 10) {
			bad()
		}
	case engine.TypeFloat:
		if f, ok := num(got); !ok || f != want.F {
			bad()
		}
	case engine.TypeString:
		if got != want.S {
			bad()
		}
	case engine.TypeVector:
		list, ok := got.([]any)
		if !ok || len(list) != len(want.V) {
			bad()
			return
		}
		for j, x := range list {
			if f, ok := num(x); !ok || float32(f) != want.V[j] {
				t.Errorf("row %d, %s[%d]: DuckDB has %v, want %v", row, col, j, x, want.V[j])
				return
			}
		}
	}
}
