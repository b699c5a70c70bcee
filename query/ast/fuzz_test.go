package ast

import (
	"errors"
	"testing"

	"github.com/laiondb/laiondb/query/internal/grammar"
)

// FuzzParse checks that parsing never panics, that errors are
// *SyntaxError with a position, that participle and the exact recogniser
// agree on every statement, and that for input that parses, printing is a
// fixed point and parses back to the same tree.
func FuzzParse(f *testing.F) {
	for _, tt := range statementTests {
		f.Add(tt.in)
	}
	for _, tt := range errorTests {
		f.Add(tt.src)
	}
	f.Add(benchScript)
	f.Fuzz(func(t *testing.T, src string) {
		checkParse(t, src)
	})
}

func checkParse(t *testing.T, src string) {
	t.Helper()
	for _, c := range SplitStatements(src) {
		if c.lexErr != nil {
			continue
		}
		_, perr := grammar.ParseStatement(c.toks, c.Terminated)
		var ge *grammar.Error
		if errors.As(perr, &ge) && ge.Msg != "" {
			continue // a limit (nesting depth), not a grammar decision
		}
		if exact := grammar.Accepts("Statement", c.toks); exact != (perr == nil) {
			t.Fatalf("participle and the grammar disagree on %q: participle error %v, grammar accepts %v", c.Text, perr, exact)
		}
	}
	stmts, err := ParseScript("f.lq", src)
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("%q: error is %T, not *SyntaxError: %v", src, err, err)
		}
		if se.Line < 1 || se.Column < 1 || se.Offset < 0 || se.Offset > len(src) {
			t.Fatalf("%q: bad position in %v", src, err)
		}
		if se.Msg == "" && se.Expected == "" {
			t.Fatalf("%q: error says nothing about what was expected: %v", src, err)
		}
		_ = se.Error()
		return
	}
	for _, s := range stmts {
		sp := s.Span()
		if src[sp.Start.Offset:sp.End.Offset] != sp.Text {
			t.Fatalf("%q: span text %q is not the source at %v..%v", src, sp.Text, sp.Start, sp.End)
		}
		n := 0
		Inspect(s, func(Node) bool { n++; return true })
		if n == 0 {
			t.Fatalf("%q: Inspect visited nothing", src)
		}
	}
	printed := Format(stmts)
	again, err := ParseScript("f.lq", printed)
	if err != nil {
		t.Fatalf("%q printed as\n%s\nwhich does not parse: %v", src, printed, err)
	}
	if ok, why := sameTree(stmts, again); !ok {
		t.Fatalf("%q printed as\n%s\nwhich parses to a different tree: %s", src, printed, why)
	}
	if p2 := Format(again); p2 != printed {
		t.Fatalf("printing is not a fixed point:\n%s\n%s", printed, p2)
	}
}

// TestParseCorpus runs the fuzz checks over the table inputs, so plain
// go test covers them too.
func TestParseCorpus(t *testing.T) {
	for _, tt := range statementTests {
		checkParse(t, tt.in)
	}
	for _, tt := range errorTests {
		checkParse(t, tt.src)
	}
	checkParse(t, benchScript)
}
