package grammar

import (
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

func parseErr(t *testing.T, src string) *Error {
	t.Helper()
	toks, err := Tokenize("", src, lexer.Position{})
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	_, err = ParseStatement(toks, false)
	if err == nil {
		return nil
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("%q: %T %v", src, err, err)
	}
	return e
}

func TestExpected(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"SELECT count( FROM t", `1:15: unexpected FROM, expected expression, "*", DISTINCT or ")"`},
		{"SELECT * FROM", "1:14: unexpected end of input, expected table or set name"},
		{"SELCT 1", "1:1: unexpected identifier SELCT, expected statement; did you mean SELECT?"},
		{"INSERT INTO t", "1:1: unexpected identifier INSERT, expected statement"},
		{"SHOW", "1:5: unexpected end of input, expected TABLES, SETS, SETTINGS, INDEXES, SYNSETS, SYNSET or CLASSIFIERS"},
		{"DROP SET", "1:9: unexpected end of input, expected IF EXISTS or set name"},
		{"CREATE INDEX ON t(c) WITH m = 1", `1:27: unexpected identifier m, expected "("`},
		{"COMPARE INTRACLASS a, b BY s MIN 7", "1:34: unexpected number 7, expected PAIRS"},
		{"SELECT a FROM t GROUP synset", "1:23: unexpected identifier synset, expected BY"},
		{"SELECT a FROM t WHERE = 1", "1:23: unexpected \"=\", expected expression"},
		{"SELECT [] FROM t", `1:9: unexpected "]", expected expression`},
	} {
		e := parseErr(t, tt.src)
		if e == nil {
			t.Errorf("%q parsed", tt.src)
			continue
		}
		if got := e.Error(); got != tt.want {
			t.Errorf("%q\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestEBNF(t *testing.T) {
	ebnf, err := EBNF()
	if err != nil {
		t.Fatal(err)
	}
	g, err := newCFG(ebnf)
	if err != nil {
		t.Fatal(err)
	}
	// Every labelled production exists, so a renamed struct cannot
	// silently lose its label.
	for name := range labels {
		if _, ok := g.ntIndex[name]; !ok {
			t.Errorf("label for unknown production %s", name)
		}
	}
	if !strings.HasPrefix(ebnf, "Statement = Select | Create") {
		t.Errorf("EBNF starts %q", ebnf[:40])
	}
}

func TestKeywordsList(t *testing.T) {
	kw := Keywords()
	for w := range reserved {
		if !slices.Contains(kw, w) {
			t.Errorf("reserved word %s is not used by the grammar", w)
		}
	}
	for _, w := range kw {
		if strings.ToUpper(w) != w {
			t.Errorf("keyword %q is not upper-case", w)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{
		{"SELECT", "SELECT", 0}, {"SELCT", "SELECT", 1}, {"FORM", "FROM", 1},
		{"SELECTT", "SELECT", 1}, {"INSERT", "INGEST", 2}, {"", "AB", 2},
	} {
		if d := editDistance(tt.a, tt.b); d != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, d, tt.d)
		}
	}
}
