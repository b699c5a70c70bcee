package ast

import (
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query/internal/grammar"
)

// OneLine rewrites statements typed over several lines as one line that
// means the same, for a history that keeps one entry a line: what lies
// between two tokens becomes one space when it holds a line break or a
// comment (a -- comment would swallow the rest of the line), and stays as
// typed otherwise. It reports false when no such line exists: a string or
// quoted name holds a line break, or is not closed.
func OneLine(src string) (string, bool) {
	sc := grammar.NewScanner("", src, grammar.Position{})
	var b strings.Builder
	prevEnd := -1
	for {
		start := -1
		tok, err := sc.Next()
		var text string
		switch {
		case err != nil:
			var le *grammar.LexError
			if !errors.As(err, &le) || le.Incomplete {
				return "", false
			}
			// A malformed token is kept as typed: the entry is there to
			// be corrected.
			start = le.Pos.Offset
			text = src[start:sc.Pos().Offset]
		case tok.EOF():
			return b.String(), true
		default:
			start, text = tok.Pos.Offset, tok.Value
		}
		if strings.ContainsAny(text, "\r\n") {
			return "", false
		}
		if prevEnd >= 0 {
			if gap := src[prevEnd:start]; strings.ContainsAny(gap, "\r\n") || strings.Contains(gap, "--") || strings.Contains(gap, "/*") {
				b.WriteByte(' ')
			} else {
				b.WriteString(gap)
			}
		}
		b.WriteString(text)
		prevEnd = start + len(text)
	}
}
