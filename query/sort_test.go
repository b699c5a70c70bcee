package query

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/internal/value"
)

// ORDER BY past sort_memory spills sorted runs under $TMPDIR and merges
// them: the answer is the in-memory one, row for row (vectors included),
// with and without LIMIT/OFFSET, and nothing is left in $TMPDIR.
func TestOrderByPastSortMemory(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, "INGEST '"+shard+"' INTO laion")
	queries := []string{
		"SELECT id, caption, width, img FROM laion ORDER BY caption DESC NULLS FIRST, width",
		"SELECT id, width FROM laion ORDER BY width LIMIT 10 OFFSET 4000",
		"SELECT id, caption, img FROM laion ORDER BY width DESC LIMIT 4500",
		"SELECT id FROM laion ORDER BY similarity LIMIT 100 OFFSET 4990",
	}
	want := map[string][]value.Row{}
	for _, q := range queries {
		want[q] = rowsOf(t, s, q)
	}
	execOne(t, s, "SET sort_memory = '64kB'")
	for _, q := range queries {
		res := execOne(t, s, q)
		if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
			t.Errorf("%s: %d entries in $TMPDIR while the rows are read, want the sort's directory", q, len(ents))
		}
		got, err := Collect(res.Rows)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || !reflect.DeepEqual(got, want[q]) {
			t.Errorf("%s: under a 64kB sort_memory the rows differ from the in-memory sort (%d rows, want %d)", q, len(got), len(want[q]))
		}
		if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
			t.Errorf("%s: %d entries left in $TMPDIR: %s", q, len(ents), ents[0].Name())
		}
	}
	found := false
	for _, st := range s.Settings() {
		if st.Name == "sort_memory" {
			found = st.Value.S == "64kB" && st.Default.S == "64MB"
		}
	}
	if !found {
		t.Errorf("SHOW SETTINGS does not list sort_memory = 64kB (default 64MB)")
	}
	for set, msg := range map[string]string{"'lots'": "not a size", "'1kB'": "at least 64kB", "12": ""} {
		_, err := lqRun(s, "SET sort_memory = "+set)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("SET sort_memory = %s: %v, want an error saying %q", set, err, msg)
		}
	}
}
