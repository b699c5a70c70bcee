package query

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query/ast"
)

// Check follows the catalog through a script: what INGEST and CREATE SET
// make later statements may use, what DROP SET removes they may not, and
// names that exist nowhere, unset variables, unknown functions and
// settings are errors at their position, found without running anything.
func TestCheck(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, _ := NewSession(db, Options{Vars: map[string]string{"min": "3"}})
	execOne(t, s, "INGEST '"+shard+"' INTO laion")
	execOne(t, s, "CREATE SET old AS SELECT * FROM laion WHERE id < 5")

	for _, c := range []struct {
		script string
		want   []string // the errors, in order
	}{
		{"SELECT count(*) FROM laion; DROP SET old; SELECT * FROM old", []string{
			"1:57: unknown table or set old: the DROP SET at line 1 removed it",
		}},
		{"INGEST 'x' INTO other; CREATE SET s AS SELECT * FROM other WHERE id > $min; SELECT * FROM s; DESCRIBE s; NEAREST 3 TO [1] IN s(img); REFRESH SET s; EXPORT s TO 'f.csv'", nil},
		{"SELECT * FROM laoin", []string{"1:15: unknown table or set laoin (did you mean laion?)"}},
		{"DROP SET nope;\nREFRESH SET laion;\nDROP SET IF EXISTS nope", []string{
			"1:10: unknown set nope",
			"2:13: laion is a table, not a set",
		}},
		{"CREATE SET old AS SELECT * FROM laion; CREATE SET laion AS SELECT * FROM laion", []string{
			"1:12: set old already exists (DROP SET old first, or REFRESH SET old to make it again)",
			"1:51: laion is a table; choose another name for the set",
		}},
		{"SELECT $mni, cout(*) FROM laion WHERE id IN (SELECT id FROM nowhere)", []string{
			"1:8: variable $mni is not set (did you mean min?); set it with --var mni=VALUE (laiondb run, query, shell) or .param set mni VALUE (in the shell)",
			"1:14: unknown function cout (did you mean count?)",
			"1:61: unknown table or set nowhere",
		}},
		{"SET ef_serch = 1; SET rule = 'paper'", []string{"1:5: unknown setting ef_serch (did you mean ef_search?)"}},
		{"CREATE INDEX ON old(img); EXPLAIN NEAREST 1 TO [1] IN gone(img); COMPARE INTRACLASS laion, nowhere BY synset", []string{
			"1:17: old is a set, not a table",
			"1:55: unknown table or set gone",
			"1:92: unknown table or set nowhere",
		}},
		{"SELECT embed('x'), intraclass(img), lower(caption) FROM laion", nil},
		// Issue 15, item 13: new names that are reserved words, and a table
		// that would hide a set; an existing table may be ingested into.
		{"INGEST 'x' INTO \"select\"; CREATE SET \"Where\" AS SELECT * FROM laion; INGEST 'x' INTO old; INGEST 'x' INTO laion", []string{
			"1:17: select is a reserved word of the language: a table of that name could only be written \"select\" in every statement; choose another name",
			"1:38: Where is a reserved word of the language: a set of that name could only be written \"Where\" in every statement; choose another name",
			"1:86: old is a set; choose another name for the table (a table of that name would hide the set)",
		}},
	} {
		stmts, err := ast.ParseScript("", c.script)
		if err != nil {
			t.Fatalf("%s: %v", c.script, err)
		}
		errs := s.Check(stmts)
		var got []string
		for _, e := range errs {
			got = append(got, e.Error())
		}
		if len(got) != len(c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.script, got, c.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], c.want[i]) {
				t.Errorf("%s:\n got %q\nwant %q", c.script, got[i], c.want[i])
			}
		}
	}
	// Nothing ran: the set dropped in the first script is still there.
	if rows := rowsOf(t, s, "SELECT count(*) FROM old"); rows[0][0].I != 5 {
		t.Errorf("old has %v rows", rows[0][0])
	}
}

// On a missing database every name is unknown, and the error says why.
func TestCheckMissingDatabase(t *testing.T) {
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, _ := NewSession(db, Options{MissingDatabase: "typo.db"})
	stmts, _ := ast.ParseScript("", "SELECT * FROM laion")
	errs := s.Check(stmts)
	if len(errs) != 1 || errs[0].Error() != "1:15: unknown table or set laion: there is no database at typo.db yet (a statement that writes, such as INGEST, creates it)" {
		t.Errorf("errors: %v", errs)
	}
}

func TestWrites(t *testing.T) {
	for src, want := range map[string]bool{
		"SELECT 1": false, "EXPLAIN SELECT 1": false, "SHOW SETTINGS": false, "DESCRIBE laion": false,
		"SET rule = 'paper'": false, "ASSERT 1 = 1": false, "NEAREST 1 TO [1] IN t(v)": false,
		"EXPORT t TO 'x.csv'": false, "PLOT HISTOGRAM (SELECT 1) TO 'h.svg'": false,
		"COMPARE INTRACLASS a, b BY synset": false, "SHOW SYNSET 'goldfish'": false,
		"INGEST 'x' INTO t": true, "CREATE SET s AS SELECT * FROM t": true, "DROP SET s": true,
		"REFRESH SET s": true, "CREATE INDEX ON t(v)": true, "DROP INDEX i": true, "VACUUM": true,
		"REINDEX": true, "IMPORT EMBEDDINGS FROM 'a', 'b'": true,
	} {
		st, err := ast.ParseStatement("", src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := Writes(st); got != want {
			t.Errorf("Writes(%s) = %v", src, got)
		}
	}
}
