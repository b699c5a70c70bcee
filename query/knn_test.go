package query

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
)

// Nearest-neighbour queries through the index, filtered by index
// predicates, residual conditions and sets, return the same rows as the
// exact search over the same filtered rows.
func TestIndexedNearestEqualsExactOnFilteredRows(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, _ := NewSession(db, Options{})
	execOne(t, s, "INGEST '"+shard+"' INTO laion")
	execOne(t, s, "CREATE SET matched AS SELECT * FROM laion WHERE caption MATCHES IMAGENET")
	// One build thread: the graph is a function of the rows and the seed, so
	// the comparison with the exact answer does not vary between runs.
	execOne(t, s, "CREATE INDEX ON laion(img) WITH (threads = 1)")
	execOne(t, s, "SET ef_search = 400")
	queries := []string{
		"SELECT id FROM laion ORDER BY cos(img, (SELECT img FROM laion WHERE id = %d)) DESC LIMIT 10",
		"SELECT id FROM laion WHERE nsfw = 'UNLIKELY' ORDER BY cos(img, (SELECT img FROM laion WHERE id = %d)) DESC LIMIT 10",
		"SELECT id FROM laion WHERE caption MATCHES IMAGENET ORDER BY cos(img, (SELECT img FROM laion WHERE id = %d)) DESC LIMIT 10",
		"SELECT id FROM laion WHERE nsfw = 'NSFW' ORDER BY cos(txt, (SELECT img FROM laion WHERE id = %d)) DESC LIMIT 10",
		"SELECT id FROM matched WHERE synset > 'n03' ORDER BY cos(img, (SELECT img FROM laion WHERE id = %d)) DESC LIMIT 25",
		"SELECT id FROM laion WHERE width = 256 AND height > 700 ORDER BY cos(img, (SELECT img FROM laion WHERE id = %d)) DESC LIMIT 200",
	}
	ids := func(q string) []int64 {
		var out []int64
		for _, r := range rowsOf(t, s, q) {
			out = append(out, r[0].I)
		}
		return out
	}
	for _, q := range queries {
		for _, target := range []int{1, 777, 4321} {
			sql := fmt.Sprintf(q, target)
			execOne(t, s, "SET vector_search = 'auto'")
			got := ids(sql)
			execOne(t, s, "SET vector_search = 'exact'")
			want := ids(sql)
			if len(got) != len(want) {
				t.Errorf("%s: %d rows through the index, %d exact", sql, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s: row %d is %d through the index, %d exact", sql, i, got[i], want[i])
					break
				}
			}
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
