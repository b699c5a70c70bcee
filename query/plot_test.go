package query

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// TestScatterLabelsNameClasses: points keyed by WNID are labelled with
// the class's name.
func TestScatterLabelsNameClasses(t *testing.T) {
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
	execOne(t, s, "INGEST '"+filepath.Join(shard, "imagenet")+"' INTO imagenet")
	out := filepath.Join(t.TempDir(), "s.svg")
	// Three classes (class indices 0, 1, 2) far apart.
	execOne(t, s, "PLOT SCATTER (SELECT wnid, 10 * class_index(wnid) AS a FROM imagenet WHERE wnid < 'n01490000' GROUP BY wnid), (SELECT wnid, 20 * class_index(wnid) AS b FROM imagenet WHERE wnid < 'n01490000' GROUP BY wnid) TO '"+out+"'")
	svg, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tench", "goldfish", "great white shark"} {
		if !strings.Contains(string(svg), ">"+name+"<") {
			t.Errorf("no label %q in the scatter plot", name)
		}
	}
	if strings.Contains(string(svg), ">n01440764<") {
		t.Error("a point labelled by its WNID")
	}
	if got := s.pointLabel("not a wnid"); got != "not a wnid" {
		t.Errorf("pointLabel kept %q as %q", "not a wnid", got)
	}
}
