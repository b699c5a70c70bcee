package ast

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is the error every Parse function returns for bad input.
// Its message names the file, line and column, what was found and what
// would have fitted, then shows the source line with a caret under the
// column:
//
//	q.lq:1:15: syntax error: unexpected FROM, expected "*", DISTINCT, expression or ")"
//	SELECT count( FROM t;
//	              ^
type SyntaxError struct {
	File         string // as given to the Parse function; may be ""
	Line, Column int    // 1-based; Column counts characters
	Offset       int    // byte offset in the source
	Found        string // `FROM`, `identifier SELCT`, `";"`, `end of input`, ...
	Expected     string // `expression or ")"`; may be ""
	Hint         string // `did you mean SELECT?`; may be ""
	// Msg, when set, replaces "unexpected Found, expected Expected": for
	// errors that are not about one misplaced token (an unterminated
	// string, a number out of range).
	Msg    string
	Source string // the source line holding the error, without its newline
}

// Summary is the first line of the message, without the source excerpt.
func (e *SyntaxError) Summary() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ":")
	}
	fmt.Fprintf(&b, "%d:%d: syntax error: ", e.Line, e.Column)
	if e.Msg != "" {
		b.WriteString(e.Msg)
		return b.String()
	}
	b.WriteString("unexpected " + e.Found)
	if e.Expected != "" {
		b.WriteString(", expected " + e.Expected)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

func (e *SyntaxError) Error() string {
	line, caret := excerpt(e.Source, e.Column)
	return e.Summary() + "\n" + line + "\n" + caret
}

// Excerpt returns the line of src holding p and, below it, a caret under
// p's column, as SyntaxError shows them; for other errors that point
// into a script (an unknown column, a failed ASSERT). src is the whole
// text the positions refer to.
func Excerpt(src string, p Pos) string {
	line, caret := excerpt(lineAt(src, p.Offset), p.Column)
	return line + "\n" + caret
}

// excerpt returns the line (cut to a window around col when long) and a
// caret line pointing at col. The caret line repeats the line's tabs so
// the caret lands under the right character however tabs are shown.
func excerpt(line string, col int) (string, string) {
	const width, before = 100, 60
	runes := []rune(strings.TrimRight(line, "\r"))
	if col < 1 {
		col = 1
	}
	if col > len(runes)+1 {
		col = len(runes) + 1
	}
	lead, trail := "", ""
	if len(runes) > width {
		start := max(0, col-1-before)
		end := min(len(runes), start+width)
		if start > 0 {
			lead = "..."
		}
		if end < len(runes) {
			trail = "..."
		}
		runes = runes[start:end]
		col -= start
	}
	var caret strings.Builder
	caret.WriteString(strings.Repeat(" ", len(lead)))
	for _, r := range runes[:col-1] {
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	return lead + string(runes) + trail, caret.String()
}

// lineAt returns the line of src holding byte offset off.
func lineAt(src string, off int) string {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	line := src[start:end]
	if !utf8.ValidString(line) {
		line = string([]rune(line)) // one U+FFFD per bad byte, as columns count them
	}
	return line
}
