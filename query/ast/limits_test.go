package ast

import (
	"errors"
	"strings"
	"testing"
)

// Runaway statements are syntax errors that say which limit and where,
// before any parsing work in proportion to them; statements under the
// limits parse.
func TestStatementLimits(t *testing.T) {
	long := "'" + strings.Repeat("x", 60000) + "'"
	for _, tt := range []struct {
		name, src, want string
	}{
		{"a 200,000-term + chain", "SELECT " + strings.Repeat("1+", 199999) + "1;",
			"e.lq:1:100007: syntax error: statement too long: more than 100000 tokens"},
		{"100,000 OR terms", "SELECT * FROM laion WHERE " + strings.Repeat("width = 3 OR ", 99999) + "width = 4;",
			"syntax error: statement too long: more than 100000 tokens"},
		{"a 1M-element vector literal", "SELECT [" + strings.Repeat("0.5,", 999999) + "0.5];",
			"syntax error: statement too long: more than 100000 tokens"},
		{"a text literal over 64 KiB", "SELECT '" + strings.Repeat("y", 70000) + "';",
			"e.lq:1:8: syntax error: a text literal of 70000 bytes: literals are at most 65536 bytes"},
		{"over 1 MiB of few tokens", "SELECT " + strings.Repeat(long+" || ", 20) + "'';",
			"syntax error: statement too long: over 1048576 bytes (1 MiB)"},
	} {
		_, err := ParseScript("e.lq", tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a syntax error", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %.300s\nwant it to say %q", tt.name, err, tt.want)
		}
		if len(err.Error()) > 1000 {
			t.Errorf("%s: a message of %d bytes", tt.name, len(err.Error()))
		}
	}
	for name, src := range map[string]string{
		"a 40,000-term + chain":           "SELECT " + strings.Repeat("1+", 39999) + "1;",
		"a 20,000-element vector literal": "SELECT [" + strings.Repeat("0.5,", 19999) + "0.5];",
		"a 64 KiB text literal":           "SELECT '" + strings.Repeat("y", 65536) + "';",
		"16 texts of 60 kB":               "SELECT " + strings.Repeat(long+" || ", 15) + "'';",
	} {
		if _, err := ParseScript("e.lq", src); err != nil {
			t.Errorf("%s: %.300s", name, err)
		}
	}
}
