package ast

import (
	"errors"
	"strings"
	"testing"
)

// errorTests pin whole messages: summary line, source line, caret.
var errorTests = []struct{ src, want string }{
	{"SELECT * FROM;", `
e.lq:1:14: syntax error: unexpected ";", expected table or set name
SELECT * FROM;
             ^`},
	{"SELECT * FROM WHERE x = 1;", `
e.lq:1:15: syntax error: unexpected WHERE, expected table or set name
SELECT * FROM WHERE x = 1;
              ^`},
	{"SELECT count( FROM t;", `
e.lq:1:15: syntax error: unexpected FROM, expected expression, "*", DISTINCT or ")"
SELECT count( FROM t;
              ^`},
	{"SELECT 'abc FROM t;\nSELECT 1;", `
e.lq:1:8: syntax error: unterminated string: no closing ' before the end of input
SELECT 'abc FROM t;
       ^`},
	{"SELCT * FROM t;", `
e.lq:1:1: syntax error: unexpected identifier SELCT, expected statement; did you mean SELECT?
SELCT * FROM t;
^`},
	{"SELECT * FROM t LIMIT 10 20;", `
e.lq:1:26: syntax error: unexpected number 20, expected operator, PER, OFFSET or ";"
SELECT * FROM t LIMIT 10 20;
                         ^`},
	{"SELECT * FROM t WHERE a = 1 extra stuff;", `
e.lq:1:29: syntax error: unexpected identifier extra, expected operator, SAMPLE, GROUP BY, HAVING, UNION, ORDER BY, LIMIT or ";"
SELECT * FROM t WHERE a = 1 extra stuff;
                            ^`},
	{"FROB x;", `
e.lq:1:1: syntax error: unexpected identifier FROB, expected statement
FROB x;
^`},
	{"SHOW TABLES;\n\tSELECT\t* FROM t WHERE;", `
e.lq:2:23: syntax error: unexpected ";", expected expression
	SELECT	* FROM t WHERE;
	      	              ^`},
	{"SELECT 1;\nSELECT a,\n  FROM t;", `
e.lq:3:3: syntax error: unexpected FROM, expected "*" or expression
  FROM t;
  ^`},
	{"SELECT a FROM t WHERE 1 < x < 3;", `
e.lq:1:29: syntax error: unexpected "<", expected operator, SAMPLE, GROUP BY, HAVING, UNION, ORDER BY, LIMIT or ";"; comparisons do not chain: write a < b AND b < c
SELECT a FROM t WHERE 1 < x < 3;
                            ^`},
	{"SELECT * FROM (SELECT 1);", `
e.lq:1:25: syntax error: unexpected ";", expected AS or alias
SELECT * FROM (SELECT 1);
                        ^`},
	{"SELECT * FROM t WHERE caption MATCHES dog;", `
e.lq:1:39: syntax error: unexpected identifier dog, expected IMAGENET or SYNSET
SELECT * FROM t WHERE caption MATCHES dog;
                                      ^`},
	{"SELECT x FROM t ORDER BY", `
e.lq:1:25: syntax error: unexpected end of input, expected expression
SELECT x FROM t ORDER BY
                        ^`},
	{"SELECT a FROM t /* never closed\n;", `
e.lq:1:17: syntax error: unterminated comment: no closing */ before the end of input
SELECT a FROM t /* never closed
                ^`},
	{"SELECT \"a FROM t;", `
e.lq:1:8: syntax error: unterminated quoted identifier: no closing " before the end of input
SELECT "a FROM t;
       ^`},
	{"SELECT a # b FROM t;", `
e.lq:1:10: syntax error: unexpected character '#'
SELECT a # b FROM t;
         ^`},
	{"SELECT 10x FROM t;", `
e.lq:1:8: syntax error: malformed number 10x
SELECT 10x FROM t;
       ^`},
	{"SELECT FROM t WHERE # ;", `
e.lq:1:8: syntax error: unexpected FROM, expected DISTINCT, "*" or expression
SELECT FROM t WHERE # ;
       ^`},
	{"SELECT 99999999999999999999;", `
e.lq:1:8: syntax error: integer 99999999999999999999 is out of range
SELECT 99999999999999999999;
       ^`},
	{"SELECT 'é', x y z;", `
e.lq:1:17: syntax error: unexpected identifier z, expected ",", FROM, WHERE, SAMPLE, GROUP BY, HAVING, UNION or ...
SELECT 'é', x y z;
                ^`},
	{"SHOW TABLE;", `
e.lq:1:6: syntax error: unexpected identifier TABLE, expected TABLES, SETS, SETTINGS, INDEXES, SYNSETS, SYNSET or CLASSIFIERS; did you mean TABLES?
SHOW TABLE;
     ^`},
	{"CREATE SET x SELECT * FROM t;", `
e.lq:1:14: syntax error: unexpected SELECT, expected AS
CREATE SET x SELECT * FROM t;
             ^`},
	{"PLOT HISTOGRAM (SELECT a FROM t) TO 'x' TITLE 'a' TITLE 'b';", `
e.lq:1:51: syntax error: TITLE given twice
PLOT HISTOGRAM (SELECT a FROM t) TO 'x' TITLE 'a' TITLE 'b';
                                                  ^`},
	{"SELECT a FROM t WHERE t.* = 1;", `
e.lq:1:23: syntax error: t.* is only allowed as an item of the select list
SELECT a FROM t WHERE t.* = 1;
                      ^`},
	{"SELECT * FROM a RIGHT JOIN b ON a.k = b.k;", `
e.lq:1:17: syntax error: RIGHT JOIN is not supported: write the two sources the other way round, with LEFT JOIN
SELECT * FROM a RIGHT JOIN b ON a.k = b.k;
                ^`},
	{"SELECT * FROM a JOIN b WHERE a.k = b.k;", `
e.lq:1:17: syntax error: JOIN needs ON condition or USING (column, ...); CROSS JOIN pairs every row with every row
SELECT * FROM a JOIN b WHERE a.k = b.k;
                ^`},
	{"SELECT * FROM a CROSS JOIN b ON TRUE;", `
e.lq:1:17: syntax error: CROSS JOIN pairs every row with every row: it takes no ON or USING
SELECT * FROM a CROSS JOIN b ON TRUE;
                ^`},
	{"SELECT * FROM a, b WHERE a.k = b.k;", `
e.lq:1:16: syntax error: FROM a, b is not supported: write a JOIN b ON condition (or a CROSS JOIN b for every pair)
SELECT * FROM a, b WHERE a.k = b.k;
               ^`},
	{"SELECT a FROM t ORDER BY a UNION SELECT b FROM u;", `
e.lq:1:28: syntax error: unexpected UNION, expected operator, ASC, DESC, NULLS, ",", LIMIT or ";"
SELECT a FROM t ORDER BY a UNION SELECT b FROM u;
                           ^`},
	{"WITH a AS SELECT 1 SELECT * FROM a;", `
e.lq:1:11: syntax error: unexpected SELECT, expected "("
WITH a AS SELECT 1 SELECT * FROM a;
          ^`},
	{"SELECT " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), `
e.lq:1:208: syntax error: expression nested too deeply (more than 200 levels)
...((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((...
                                                               ^`},
}

func TestSyntaxErrors(t *testing.T) {
	for _, tt := range errorTests {
		_, err := ParseScript("e.lq", tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a *SyntaxError", tt.src, err)
			continue
		}
		want := strings.TrimPrefix(tt.want, "\n")
		if got := err.Error(); got != want {
			t.Errorf("%q:\n got:\n%s\nwant:\n%s", tt.src, got, want)
		}
	}
}

func TestSyntaxErrorFields(t *testing.T) {
	_, err := ParseScript("q.lq", "SELECT 1;\nSELECT count( FROM t;")
	se, ok := err.(*SyntaxError)
	if !ok {
		t.Fatalf("got %T", err)
	}
	want := SyntaxError{File: "q.lq", Line: 2, Column: 15, Offset: 24, Found: "FROM",
		Expected: `expression, "*", DISTINCT or ")"`, Source: "SELECT count( FROM t;"}
	if *se != want {
		t.Errorf("got %+v\nwant %+v", *se, want)
	}
	// Without a file name the message starts at the line.
	_, err = ParseExpr("a +")
	if got := err.(*SyntaxError).Summary(); got != "1:4: syntax error: unexpected end of input, expected expression" {
		t.Errorf("ParseExpr: %s", got)
	}
}

func TestExcerpt(t *testing.T) {
	for _, tt := range []struct {
		line        string
		col         int
		text, caret string
	}{
		{"abc", 2, "abc", " ^"},
		{"\ta\tb", 4, "\ta\tb", "\t \t^"},
		{"abc", 4, "abc", "   ^"},   // just past the end
		{"abc", 99, "abc", "   ^"},  // clamped
		{"日本語x", 4, "日本語x", "   ^"}, // columns count characters
	} {
		text, caret := excerpt(tt.line, tt.col)
		if text != tt.text || caret != tt.caret {
			t.Errorf("excerpt(%q, %d) = %q, %q", tt.line, tt.col, text, caret)
		}
	}
}

func TestExcerptExported(t *testing.T) {
	src := "SELECT 1;\nSELECT captoin\n  FROM laion;"
	st, err := ParseScript("", src)
	if err != nil {
		t.Fatal(err)
	}
	col := st[1].(*SelectStmt).Query.Items[0].Expr
	want := "SELECT captoin\n       ^"
	if got := Excerpt(src, col.Pos()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
