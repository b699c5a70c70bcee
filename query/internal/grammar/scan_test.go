package grammar

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

var kindNames = map[lexer.TokenType]string{
	lexer.EOF: "EOF", Keyword: "Keyword", Ident: "Ident", QuotedIdent: "QuotedIdent",
	String: "String", Int: "Int", Float: "Float", Var: "Var", Punct: "Punct",
}

func tokens(t *testing.T, src string) string {
	t.Helper()
	toks, err := Tokenize("", src, lexer.Position{})
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	var parts []string
	for _, tok := range toks[:len(toks)-1] {
		parts = append(parts, fmt.Sprintf("%s:%s", kindNames[tok.Type], tok.Value))
	}
	return strings.Join(parts, " ")
}

func TestScanKinds(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"select Synset FROM t", "Keyword:select Ident:Synset Keyword:FROM Ident:t"},
		{"show tables min pairs imagenet", "Ident:show Ident:tables Ident:min Ident:pairs Ident:imagenet"},
		{`"select" "a ""b""" 'it''s' ''`, `QuotedIdent:"select" QuotedIdent:"a ""b""" String:'it''s' String:''`},
		{"1 12.5 .5 1. 1e3 2.5E-3 7e+2", "Int:1 Float:12.5 Float:.5 Float:1. Float:1e3 Float:2.5E-3 Float:7e+2"},
		{"$k $dir_2", "Var:$k Var:$dir_2"},
		{"a.b t.* f(x)", "Ident:a Punct:. Ident:b Ident:t Punct:. Punct:* Ident:f Punct:( Ident:x Punct:)"},
		{"<= >= <> != || < > = + - * / % [ ] , ;", "Punct:<= Punct:>= Punct:<> Punct:!= Punct:|| Punct:< Punct:> Punct:= Punct:+ Punct:- Punct:* Punct:/ Punct:% Punct:[ Punct:] Punct:, Punct:;"},
		{"a--b\nc/*d*/e", "Ident:a Ident:c Ident:e"},
		{"a-1", "Ident:a Punct:- Int:1"},
		{"größe _x x1", "Ident:größe Ident:_x Ident:x1"},
	} {
		if got := tokens(t, tt.src); got != tt.want {
			t.Errorf("%q\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestScanPositions(t *testing.T) {
	toks, err := Tokenize("f.lq", "a\n  'é' b\r\n\tc", lexer.Position{})
	if err != nil {
		t.Fatal(err)
	}
	want := []lexer.Position{
		{Filename: "f.lq", Line: 1, Column: 1, Offset: 0},
		{Filename: "f.lq", Line: 2, Column: 3, Offset: 4},
		{Filename: "f.lq", Line: 2, Column: 7, Offset: 9},
		{Filename: "f.lq", Line: 3, Column: 2, Offset: 13},
		{Filename: "f.lq", Line: 3, Column: 3, Offset: 14}, // EOF
	}
	for i, w := range want {
		if toks[i].Pos != w {
			t.Errorf("token %d %q at %+v, want %+v", i, toks[i].Value, toks[i].Pos, w)
		}
	}
	// A base position shifts everything.
	toks, _ = Tokenize("", "x y", lexer.Position{Line: 7, Column: 5, Offset: 100})
	if p := toks[1].Pos; p.Line != 7 || p.Column != 7 || p.Offset != 102 {
		t.Errorf("based position %+v", p)
	}
}

func TestScanErrors(t *testing.T) {
	for _, tt := range []struct {
		src        string
		line, col  int
		msg        string
		incomplete bool
	}{
		{"a 'open", 1, 3, "unterminated string: no closing ' before the end of input", true},
		{"a\n \"open", 2, 2, `unterminated quoted identifier: no closing " before the end of input`, true},
		{"a /* open", 1, 3, "unterminated comment: no closing */ before the end of input", true},
		{"a ? b", 1, 3, "unexpected character '?'", false},
		{"a | b", 1, 3, "unexpected character '|'", false},
		{"a \xff b", 1, 3, "unexpected character byte 0xff (not UTF-8)", false},
		{"12abc", 1, 1, "malformed number 12abc", false},
		{"1e", 1, 1, "malformed number 1e", false},
		{"$ x", 1, 1, "expected a variable name after $", false},
		{`""`, 1, 1, `empty quoted identifier ""`, false},
		{"SELECT * FROM " + strings.Repeat("x", 1<<20), 1, 15, "a name of 1048576 bytes (xxxxxxxxxxxxxxxxxxxxxxxx…): names are at most 256 bytes", false},
		{`SELECT "` + strings.Repeat("é", 200) + `"`, 1, 8, `a name of 402 bytes ("ééééééééééé…): names are at most 256 bytes`, false},
		{"SELECT $" + strings.Repeat("v", 300), 1, 8, "a name of 301 bytes ($vvvvvvvvvvvvvvvvvvvvvvv…): names are at most 256 bytes", false},
	} {
		_, err := Tokenize("", tt.src, lexer.Position{})
		le, ok := err.(*LexError)
		if !ok {
			t.Errorf("%q: got %v", tt.src, err)
			continue
		}
		if le.Pos.Line != tt.line || le.Pos.Column != tt.col || le.Msg != tt.msg || le.Incomplete != tt.incomplete {
			t.Errorf("%q: got %d:%d %q incomplete=%v", tt.src, le.Pos.Line, le.Pos.Column, le.Msg, le.Incomplete)
		}
	}
	if _, err := Tokenize("", "SELECT "+strings.Repeat("y", MaxNameLen), lexer.Position{}); err != nil {
		t.Errorf("a name of %d bytes: %v", MaxNameLen, err)
	}
	// After a recoverable error the scanner goes on.
	sc := NewScanner("", "a ? b", lexer.Position{})
	var got []string
	for {
		tok, err := sc.Next()
		if err != nil {
			got = append(got, "error")
			continue
		}
		if tok.EOF() {
			break
		}
		got = append(got, tok.Value)
	}
	if strings.Join(got, " ") != "a error b" {
		t.Errorf("recovery: %v", got)
	}
}

func TestQuoting(t *testing.T) {
	for _, s := range []string{"", "plain", "it's", "''", "a\nb"} {
		if got := Unquote(Quote(s, '\'')); got != s {
			t.Errorf("string %q round trips to %q", s, got)
		}
		if got := Unquote(Quote(s, '"')); got != s {
			t.Errorf("name %q round trips to %q", s, got)
		}
	}
	for name, plain := range map[string]bool{
		"caption": true, "Caption": true, "_x1": true, "größe": true, "synset": true, "min": true,
		"select": false, "FROM": false, "a b": false, "1a": false, "": false, "a-b": false,
	} {
		if IsPlainName(name) != plain {
			t.Errorf("IsPlainName(%q) = %v", name, !plain)
		}
	}
}
