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

// Variables set, changed and removed between statements (the shell's
// .param) are what the next statement sees.
func TestSessionVariables(t *testing.T) {
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, err := NewSession(db, Options{Vars: map[string]string{"min": "1000"}})
	if err != nil {
		t.Fatal(err)
	}
	s.SetVar("$Word", ParseVar("dog"))
	s.SetVar("ratio", ParseVar("0.5"))
	s.SetVar("yes", ParseVar("TRUE"))
	got := rowsOf(t, s, "SELECT $min + 1, $word || '!', $ratio * 2, NOT $yes")[0]
	if got[0].I != 1001 || got[1].S != "dog!" || got[2].F != 1 || got[3].I != 0 {
		t.Errorf("row %v", got)
	}
	var names []string
	for _, v := range s.Vars() {
		names = append(names, v.Name+"="+v.Value.String())
	}
	if strings.Join(names, " ") != "min=1000 ratio=0.5 word=dog yes=true" {
		t.Errorf("Vars: %v", names)
	}
	if !s.UnsetVar("WORD") || s.UnsetVar("word") {
		t.Error("UnsetVar reports wrongly whether the variable was set")
	}
	st, _ := ast.ParseStatement("", "SELECT $word")
	if _, err := s.Exec(context.Background(), st); err == nil || !strings.Contains(err.Error(), "$word is not set") {
		t.Errorf("after UnsetVar: %v", err)
	}
	s.ClearVars()
	if len(s.Vars()) != 0 {
		t.Errorf("after ClearVars: %v", s.Vars())
	}
}

// Statements that write report how many rows they wrote or removed.
func TestResultChanges(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, _ := NewSession(db, Options{})
	if n := execOne(t, s, "INGEST '"+shard+"' INTO laion").Changes; n != 5000 {
		t.Errorf("INGEST: %d changes", n)
	}
	if n := execOne(t, s, "CREATE SET few AS SELECT * FROM laion WHERE id < 10").Changes; n != 10 {
		t.Errorf("CREATE SET: %d changes", n)
	}
	if n := execOne(t, s, "REFRESH SET few").Changes; n != 10 {
		t.Errorf("REFRESH SET: %d changes", n)
	}
	if n := execOne(t, s, "DROP SET few").Changes; n != 10 {
		t.Errorf("DROP SET: %d changes", n)
	}
	res := execOne(t, s, "SELECT count(*) FROM laion")
	res.Rows.Close()
	if res.Changes != 0 {
		t.Errorf("SELECT: %d changes", res.Changes)
	}
}
