package query

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query/ast"
)

// Without WordNet, is_a says what is missing and how to get it.
func TestIsANeedsWordNet(t *testing.T) {
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, err := NewSession(db, Options{WordNetDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := ast.ParseStatement("", "SELECT is_a('goldfish', 'fish.n.01')")
	_, err = s.Exec(context.Background(), st)
	if err == nil || !strings.Contains(err.Error(), "needs WordNet") || !strings.Contains(err.Error(), "wordnet-base") {
		t.Errorf("is_a without WordNet: %v", err)
	}
	// The built-in catalog still answers for the 1000 classes.
	rows := rowsOf(t, s, "SELECT name('n01443537'), class_index('goldfish')")
	if rows[0][0].S != "goldfish" || rows[0][1].I != 1 {
		t.Errorf("catalog without WordNet: %v", rows)
	}
}
