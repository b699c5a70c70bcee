package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/value"
)

// duckdbDir is .ci/duckdb, seen from this package's directory; CI
// installs DuckDB's Node.js API there (.ci/run).
var duckdbDir = filepath.Join("..", ".ci", "duckdb")

// needDuckDB returns the node binary, or skips the test, saying what to
// install, when DuckDB is not there.
func needDuckDB(t *testing.T) string {
	t.Helper()
	const enable = "npm ci --prefix .ci/duckdb"
	if _, err := os.Stat(filepath.Join(duckdbDir, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skipf("DuckDB is not installed: install Node.js (>= 20) and run `%s` in the repository root to compare joins, WITH, UNION and subqueries with DuckDB", enable)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("node not found: install Node.js (>= 20) and run `%s` to compare joins, WITH, UNION and subqueries with DuckDB", enable)
	}
	return node
}

// Tables for the comparison, written as parquet files that laiondb
// ingests and DuckDB reads: keys that repeat, miss and are NULL, groups,
// and floats, so that joins, NULL semantics and sums are all exercised.
type leftRow struct {
	K       *int64   `parquet:"k,optional"`
	G       *string  `parquet:"g,optional"`
	F       *float64 `parquet:"f,optional"`
	Caption string   `parquet:"caption"`
}

type rightRow struct {
	K       *int64   `parquet:"k,optional"`
	G       *string  `parquet:"g,optional"`
	W       *float64 `parquet:"w,optional"`
	Caption string   `parquet:"caption"`
}

func writeTables(t *testing.T, dir string) map[string]string {
	r := rand.New(rand.NewPCG(13, 1))
	maybe := func(p float64) bool { return r.Float64() >= p }
	intp := func(n int) *int64 {
		if !maybe(0.05) {
			return nil
		}
		v := int64(r.IntN(n))
		return &v
	}
	group := func(n int) *string {
		if !maybe(0.05) {
			return nil
		}
		g := fmt.Sprintf("c%02d", r.IntN(n))
		return &g
	}
	float := func() *float64 {
		if !maybe(0.05) {
			return nil
		}
		f := r.NormFloat64()
		return &f
	}
	words := []string{"dog", "cat", "goldfish", "drake", "lighter", "orange", "map", "wallet"}
	caption := func() string { return "a " + words[r.IntN(len(words))] + " and a " + words[r.IntN(len(words))] }
	var left []leftRow
	for i := 0; i < 3000; i++ {
		left = append(left, leftRow{K: intp(400), G: group(20), F: float(), Caption: caption()})
	}
	var right []rightRow
	for i := 0; i < 500; i++ {
		right = append(right, rightRow{K: intp(600), G: group(25), W: float(), Caption: caption()})
	}
	var tiny []rightRow
	for i := 0; i < 40; i++ {
		tiny = append(tiny, rightRow{K: intp(60), G: group(20), W: float(), Caption: caption()})
	}
	paths := map[string]string{"l": filepath.Join(dir, "l.parquet"), "r": filepath.Join(dir, "r.parquet"), "t": filepath.Join(dir, "t.parquet")}
	if err := parquet.WriteFile(paths["l"], left); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(paths["r"], right); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(paths["t"], tiny); err != nil {
		t.Fatal(err)
	}
	return paths
}

// duckdbQueries are run by laiondb and by DuckDB, on the same parquet
// files; sorted says the order is part of the answer (a total ORDER BY),
// else rows compare as a multiset. NULLs are ordered explicitly, as
// DuckDB puts them last by default and laiondb first.
var duckdbQueries = []struct {
	sql    string
	sorted bool
}{
	// Joins.
	{"SELECT l.id, r.id FROM l JOIN r ON l.k = r.k", false},
	{"SELECT l.id, r.id, r.w FROM l LEFT JOIN r ON l.k = r.k AND r.w > 0", false},
	{"SELECT l.id, r.id FROM l LEFT OUTER JOIN r ON l.k = r.k WHERE r.id IS NULL", false},
	{"SELECT l.id, r.id FROM l JOIN r ON l.k = r.k AND l.g = r.g", false},
	{"SELECT l.id, r.id FROM l JOIN r ON r.k = l.k + 1 AND l.f < r.w", false},
	{"SELECT * FROM l JOIN r USING (k)", false},
	{"SELECT k, l.id, r.id FROM l LEFT JOIN r USING (k, g)", false},
	{"SELECT l.g, count(*), sum(r.w), avg(l.f), min(r.k), max(l.caption) FROM l JOIN r ON l.k = r.k GROUP BY l.g", false},
	{"SELECT count(*) FROM l CROSS JOIN t", false},
	{"SELECT l.id, t.id FROM l JOIN t ON l.k < t.k AND l.g = t.g", false},
	{"SELECT l.id, r.id, t.id FROM l JOIN r ON l.k = r.k JOIN t ON r.g = t.g", false},
	{"SELECT l.id, r.id, t.id FROM l JOIN r ON l.k = r.k LEFT JOIN t ON t.k = r.k AND t.g = l.g", false},
	{"SELECT a.id, b.id FROM r AS a JOIN r AS b ON a.k = b.k AND a.id < b.id", false},
	{"SELECT l.id, s.n FROM l JOIN (SELECT g, count(*) AS n FROM r GROUP BY g) AS s ON l.g = s.g WHERE l.k < 100", false},
	{"SELECT l.g, count(r.id) FROM l LEFT JOIN r ON l.k = r.k GROUP BY l.g ORDER BY l.g NULLS FIRST", true},
	{"SELECT l.id, r.id FROM l LEFT JOIN r ON l.k = r.k AND l.f > 0", false},
	{"SELECT l.g, r.g, count(*) FROM l JOIN r ON l.k = r.k GROUP BY l.g, r.g HAVING count(*) > 2", false},
	{"SELECT l.id, r.id FROM l JOIN r ON l.k = r.k AND EXISTS (SELECT 1 FROM t WHERE t.g = r.g)", false},
	{"SELECT x.id, r.id FROM (SELECT DISTINCT id, k FROM l WHERE f > 0) AS x JOIN r ON x.k = r.k WHERE x.k < 200", false},
	// The real captions and a generated shard, lined up by URL.
	{"SELECT count(*), count(DISTINCT c.id), count(DISTINCT g.id) FROM captions c JOIN gen g ON c.url = g.url", false},
	{"SELECT c.id, g.id, g.width, g.caption FROM captions AS c JOIN gen AS g ON c.url = g.url WHERE g.width > 300", false},
	{"SELECT c.id FROM captions c LEFT JOIN gen g ON c.url = g.url AND c.caption = g.caption WHERE g.id IS NULL", false},
	// WITH.
	{"WITH a AS (SELECT g, count(*) AS n FROM l GROUP BY g), b AS (SELECT g, n FROM a WHERE n > 140) SELECT * FROM b", false},
	{"WITH r AS (SELECT * FROM l WHERE k < 10) SELECT count(*), sum(f) FROM r", false},
	{"WITH m AS (SELECT k, max(w) AS w FROM r GROUP BY k) SELECT l.id, m.w FROM l JOIN m ON l.k = m.k WHERE l.f > m.w", false},
	{"WITH m AS (SELECT k AS x, g, id FROM l) SELECT x, g, id FROM m WHERE x = 5 AND g IS NOT NULL", false},
	{"WITH m AS (SELECT DISTINCT g FROM l), n AS (SELECT g FROM m WHERE g > 'c10') SELECT n.g, count(*) FROM n JOIN r ON n.g = r.g GROUP BY n.g", false},
	// UNION.
	{"SELECT k FROM l UNION SELECT k FROM r", false},
	{"SELECT k, g FROM l WHERE k < 50 UNION ALL SELECT k, g FROM r WHERE k < 50", false},
	{"SELECT g FROM l UNION ALL SELECT g FROM r UNION SELECT g FROM t ORDER BY g NULLS FIRST", true},
	{"SELECT k, g FROM l UNION SELECT k, g FROM r UNION ALL SELECT k, g FROM t", false},
	{"SELECT k FROM l WHERE k < 20 UNION ALL SELECT w FROM r WHERE k < 20", false},
	{"SELECT g, count(*) AS n FROM l GROUP BY g UNION ALL SELECT g, count(*) FROM r GROUP BY g ORDER BY n DESC, g NULLS FIRST LIMIT 7", true},
	{"SELECT count(*) FROM (SELECT url FROM captions UNION SELECT url FROM gen) AS u", false},
	// Correlated EXISTS and IN, with NULLs.
	{"SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k)", false},
	{"SELECT id FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.w > l.f)", false},
	{"SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.g = l.g AND r.w > 0)", false},
	{"SELECT id FROM l WHERE k IN (SELECT k FROM r WHERE r.g = l.g)", false},
	{"SELECT id FROM l WHERE k NOT IN (SELECT k FROM r WHERE r.g = l.g)", false},
	{"SELECT id FROM l WHERE k NOT IN (SELECT k FROM t)", false},
	{"SELECT id FROM l WHERE k NOT IN (SELECT k FROM t WHERE k IS NOT NULL)", false},
	{"SELECT id FROM l WHERE g NOT IN (SELECT g FROM t WHERE t.k = l.k)", false},
	{"SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k) OR f > 1.5", false},
	{"SELECT id FROM l WHERE EXISTS (SELECT 1 FROM t WHERE t.k > l.k + 50)", false},
	{"SELECT id FROM l WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.k > l.k + 50 AND t.g = l.g)", false},
	{"SELECT id FROM l WHERE k IN (SELECT k FROM r WHERE r.w > l.f)", false},
	{"SELECT id, (SELECT min(w) FROM t WHERE t.k = l.k) FROM l", false},
	{"SELECT id FROM l WHERE k NOT IN (SELECT k FROM r WHERE r.g = l.g) OR id < 0", false},
	{"SELECT id, k IN (SELECT k FROM r WHERE r.g = l.g) FROM l", false},
	{"SELECT id, (SELECT count(*) FROM r WHERE r.k = l.k) AS n FROM l", false},
	{"SELECT id, (SELECT max(w) FROM r WHERE r.g = l.g AND r.k < l.k) FROM l", false},
	{"SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND EXISTS (SELECT 1 FROM t WHERE t.g = r.g AND t.k < l.k))", false},
	{"SELECT c.id FROM captions c WHERE NOT EXISTS (SELECT 1 FROM gen g WHERE g.url = c.url)", false},
	{"SELECT c.id FROM captions c WHERE c.url IN (SELECT url FROM gen WHERE gen.width > 400) AND c.id < 5000", false},
}

// TestDuckDBAgrees runs joins, WITH, UNION and correlated subqueries in
// laiondb and in DuckDB over the same parquet files and compares the rows:
// as multisets unless the query orders them, integers and text exactly,
// floats within 1e-9 relative.
func TestDuckDBAgrees(t *testing.T) {
	node := needDuckDB(t)
	dir := t.TempDir()
	files := writeTables(t, dir)
	files["captions"], _ = filepath.Abs(filepath.Join("..", "testdata", "laion-captions-10k.parquet"))
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	files["gen"] = filepath.Join(shard, "metadata", "metadata_0000.parquet")

	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(dir, "db")))
	sess, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"l", "r", "t", "captions", "gen"}
	var setup []string
	for _, name := range names {
		if _, err := lqRun(sess, fmt.Sprintf("INGEST %s INTO %s", sqlString(files[name]), name)); err != nil {
			t.Fatal(err)
		}
		// DuckDB sees the file under laiondb's column names, with the
		// row number as the id (one shard: shard 0).
		desc, err := lqRun(sess, "DESCRIBE "+name)
		if err != nil {
			t.Fatal(err)
		}
		cols := []string{"file_row_number AS id"}
		for _, r := range desc[1:] {
			col, note := r[0].S, r[2].S
			from := col
			switch {
			case col == "id" || strings.HasPrefix(r[1].S, "VECTOR"):
				continue
			case strings.HasPrefix(note, "from "):
				from = strings.TrimPrefix(note, "from ")
			}
			cols = append(cols, fmt.Sprintf("%s AS %s", quoteIdent(from), quoteIdent(col)))
		}
		setup = append(setup, fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM read_parquet(%s, file_row_number = true)", name, strings.Join(cols, ", "), sqlString(files[name])))
	}

	job := map[string]any{"setup": setup}
	var sqls []string
	for _, q := range duckdbQueries {
		sqls = append(sqls, q.sql)
	}
	job["queries"] = sqls
	duck := duckdbRun(t, node, job)
	t.Logf("DuckDB %s", duck.DuckDB)
	if len(duck.Results) != len(duckdbQueries) {
		t.Fatalf("DuckDB answered %d queries of %d", len(duck.Results), len(duckdbQueries))
	}
	for i, q := range duckdbQueries {
		want := duck.Results[i]
		if want.Error != "" {
			t.Errorf("%s\nDuckDB: %s", q.sql, want.Error)
			continue
		}
		got, err := lqRun(sess, q.sql)
		if err != nil {
			t.Errorf("%s\nlaiondb: %v", q.sql, err)
			continue
		}
		if len(got[0]) != len(want.Columns) {
			t.Errorf("%s\nlaiondb gives %d columns, DuckDB %d (%v)", q.sql, len(got[0]), len(want.Columns), want.Columns)
			continue
		}
		if msg := compareRows(got[1:], want.Rows, want.Types, q.sorted); msg != "" {
			t.Errorf("%s\n%s", q.sql, msg)
			continue
		}
		t.Logf("%5d rows agree: %s", len(got)-1, q.sql)
	}
}

// lqRun runs one statement and returns its header (as text values) and
// rows.
func lqRun(sess *Session, src string) ([]value.Row, error) {
	st, err := ast.ParseStatement("", src)
	if err != nil {
		return nil, err
	}
	res, err := sess.Exec(context.Background(), st)
	if err != nil {
		return nil, err
	}
	var head value.Row
	for _, c := range res.Columns {
		head = append(head, value.StringV(c.Name))
	}
	out := []value.Row{head}
	if res.Rows != nil {
		rows, err := Collect(res.Rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

type duckdbAnswer struct {
	DuckDB  string `json:"duckdb"`
	Results []struct {
		Columns []string `json:"columns"`
		Types   []string `json:"types"`
		Rows    [][]any  `json:"rows"`
		Error   string   `json:"error"`
	} `json:"results"`
}

func duckdbRun(t *testing.T, node string, job any) duckdbAnswer {
	t.Helper()
	in, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node, filepath.Join(duckdbDir, "query.mjs"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("query.mjs: %v\n%s", err, stderr.Bytes())
	}
	var a duckdbAnswer
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("query.mjs output: %v", err)
	}
	return a
}

// cell is a value both sides can give: nil, bool, int64, float64 or
// string.
type cell any

func ourCell(v value.Value) cell {
	switch v.T {
	case value.TNull:
		return nil
	case value.TBool:
		return v.I != 0
	case value.TInt:
		return v.I
	case value.TFloat:
		return v.F
	}
	return value.AsText(v)
}

func duckCell(x any, typ string) (cell, error) {
	switch x := x.(type) {
	case nil, bool:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(x.String(), ".eE") {
			return i, nil
		}
		return x.Float64()
	case string:
		switch {
		case strings.HasPrefix(typ, "DECIMAL"), typ == "DOUBLE", typ == "FLOAT":
			return strconv.ParseFloat(x, 64)
		case strings.Contains(typ, "INT"):
			return strconv.ParseInt(x, 10, 64)
		}
		return x, nil
	}
	return nil, fmt.Errorf("unexpected %T %v", x, x)
}

// sameCell compares within 1e-9 relative for floats; an integer and a
// float compare as numbers (2 and 2.0 are one value).
func sameCell(a, b cell) bool {
	num := func(c cell) (float64, bool) {
		switch x := c.(type) {
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	if ai, ok := a.(int64); ok {
		if bi, ok := b.(int64); ok {
			return ai == bi
		}
	}
	if af, ok := num(a); ok {
		bf, ok := num(b)
		if !ok {
			return false
		}
		if af == bf || math.IsNaN(af) && math.IsNaN(bf) {
			return true
		}
		return math.Abs(af-bf) <= 1e-9*math.Max(math.Abs(af), math.Abs(bf))
	}
	return a == b
}

// sortKey orders rows for a comparison as multisets: floats rounded so
// that the last bits of a sum do not move a row.
func sortKey(r []cell) string {
	var b strings.Builder
	for _, c := range r {
		switch x := c.(type) {
		case nil:
			b.WriteString("\x00")
		case float64:
			fmt.Fprintf(&b, "%.6g", x)
		case int64:
			fmt.Fprintf(&b, "%.6g", float64(x))
		default:
			fmt.Fprintf(&b, "%v", x)
		}
		b.WriteString("\x01")
	}
	return b.String()
}

func compareRows(ours []value.Row, theirs [][]any, types []string, sorted bool) string {
	var a, b [][]cell
	for _, r := range ours {
		var row []cell
		for _, v := range r {
			row = append(row, ourCell(v))
		}
		a = append(a, row)
	}
	for _, r := range theirs {
		var row []cell
		for i, x := range r {
			c, err := duckCell(x, types[i])
			if err != nil {
				return fmt.Sprintf("DuckDB value %v: %v", x, err)
			}
			row = append(row, c)
		}
		b = append(b, row)
	}
	if len(a) != len(b) {
		return fmt.Sprintf("laiondb gives %d rows, DuckDB %d", len(a), len(b))
	}
	if !sorted {
		for _, rows := range [][][]cell{a, b} {
			sort.SliceStable(rows, func(i, j int) bool { return sortKey(rows[i]) < sortKey(rows[j]) })
		}
	}
	for i := range a {
		for j := range a[i] {
			if !sameCell(a[i][j], b[i][j]) {
				return fmt.Sprintf("row %d column %d: laiondb %v, DuckDB %v\nlaiondb row %v\nDuckDB row  %v", i, j+1, a[i][j], b[i][j], a[i], b[i])
			}
		}
	}
	return ""
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// The comparison itself: what counts as the same answer.
func TestCompareRows(t *testing.T) {
	ours := []value.Row{{value.IntV(1), value.FloatV(0.1 + 0.2), value.StringV("a")}, {value.IntV(2), value.Value{}, value.StringV("b")}}
	for _, c := range []struct {
		theirs [][]any
		sorted bool
		same   bool
	}{
		{[][]any{{json.Number("2"), nil, "b"}, {"1", json.Number("0.3"), "a"}}, false, true},
		{[][]any{{json.Number("2"), nil, "b"}, {"1", json.Number("0.3"), "a"}}, true, false},
		{[][]any{{"1", json.Number("0.3000001"), "a"}, {json.Number("2"), nil, "b"}}, true, false},
		{[][]any{{"1", json.Number("0.3"), "a"}, {json.Number("2"), json.Number("0"), "b"}}, true, false},
		{[][]any{{"1", json.Number("0.3"), "a"}}, false, false},
		{[][]any{{"1", json.Number("0.3"), "a"}, {json.Number("2"), nil, "c"}}, false, false},
	} {
		msg := compareRows(ours, c.theirs, []string{"BIGINT", "DOUBLE", "VARCHAR"}, c.sorted)
		if (msg == "") != c.same {
			t.Errorf("%v (sorted %v): %q", c.theirs, c.sorted, msg)
		}
	}
}
