package value

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/ast"
)

// Error is a problem with a statement: where it is (file:line:col), what
// is wrong, and the source line with a caret under the column.
type Error struct {
	File string
	Pos  ast.Pos
	Msg  string
	// Excerpt is the source line and caret line, when the source is known.
	Excerpt string
	Err     error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ":")
	}
	if e.Pos.IsValid() {
		fmt.Fprintf(&b, "%d:%d: ", e.Pos.Line, e.Pos.Column)
	}
	b.WriteString(e.Msg)
	if e.Excerpt != "" {
		b.WriteString("\n" + e.Excerpt)
	}
	return b.String()
}

// Summary is the first line of the message.
func (e *Error) Summary() string {
	s := e.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// errAt makes an *Error at p; the script runner fills in file and excerpt.
func ErrAt(p ast.Pos, format string, args ...any) *Error {
	var wrapped error
	for _, a := range args {
		if err, ok := a.(error); ok {
			wrapped = err
		}
	}
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...), Err: wrapped}
}

// closest returns the candidate nearest to name by edit distance, when
// near enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	ln := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(ln, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(name)/3) {
		return ""
	}
	return best
}

func DidYouMean(name string, candidates []string) string {
	if c := closest(name, candidates); c != "" {
		return " (did you mean " + c + "?)"
	}
	return ""
}

func editDistance(a, b string) int {
	ar, br := []rune(a), []rune(b)
	prev := make([]int, len(br)+1)
	cur := make([]int, len(br)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ar); i++ {
		cur[0] = i
		for j := 1; j <= len(br); j++ {
			c := 1
			if ar[i-1] == br[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(br)]
}
