package query

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// A chain of col = constant ORs runs as a lookup (time independent of
// its length) and answers exactly as the same chain with a term that
// keeps it a chain of ORs: NULLs, mixed numbers and texts included.
func TestOrChainOfEqualities(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
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
	var captions []string
	for _, r := range rowsOf(t, s, "SELECT caption FROM laion WHERE caption IS NOT NULL LIMIT 3") {
		captions = append(captions, "'"+strings.ReplaceAll(r[0].S, "'", "''")+"'")
	}
	var w []any
	for _, r := range rowsOf(t, s, "SELECT DISTINCT width FROM laion WHERE width IS NOT NULL ORDER BY width LIMIT 3") {
		w = append(w, r[0].I)
	}
	var many []string
	for w := 0; w < 5000; w++ {
		many = append(many, fmt.Sprintf("width = %d", w))
	}
	for _, where := range []string{
		fmt.Sprintf("width = %d OR width = %d OR %d = width OR width = 256.0", w...),
		fmt.Sprintf("width = %d OR width = NULL OR width = %d", w[:2]...),
		"caption = " + strings.Join(captions, " OR caption = "),
		"caption = " + strings.Join(captions, " OR caption = ") + " OR caption = NULL",
		strings.Join(many, " OR "),
	} {
		q := "SELECT id, width, caption = " + captions[0] + " OR caption = " + captions[1] + " AS c FROM laion WHERE "
		got := rowsOf(t, s, q+where+" ORDER BY id")
		want := rowsOf(t, s, q+where+" OR FALSE ORDER BY id")
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("WHERE %.80s: %d rows, want %d", where, len(got), len(want))
		}
	}
	// NOT of a chain with a NULL: NULL where nothing matched, not true.
	got := rowsOf(t, s, fmt.Sprintf("SELECT count(*) FROM laion WHERE NOT (width = %d OR width = NULL)", w[0]))
	if got[0][0].I != 0 {
		t.Errorf("NOT (width = 300 OR width = NULL) kept %v rows, want 0", got[0][0])
	}
	// EXPLAIN writes the chain as written.
	rows := rowsOf(t, s, "EXPLAIN SELECT id FROM laion WHERE width = 300 OR width = 512 OR width = 640")
	if text := fmt.Sprint(rows); !strings.Contains(text, "((width = 300 OR width = 512) OR width = 640)") {
		t.Errorf("EXPLAIN does not show the OR chain:\n%s", text)
	}
}
