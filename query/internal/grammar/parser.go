package grammar

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxStatementBytes and MaxStatementTokens bound one statement: its
// parse and its plan take time and memory in proportion to its tokens, so
// a runaway input (a generated chain of 200,000 terms, a vector literal of
// a million numbers) is an error instead of minutes and gigabytes.
const (
	MaxStatementBytes  = 1 << 20
	MaxStatementTokens = 100_000
)

// MaxDepth bounds how deeply brackets, CASEs and prefix operators may nest,
// so a pathological input is an error and not a Go stack overflow.
const MaxDepth = 200

// Error is a syntax error at one token, described in user terms.
type Error struct {
	Pos      lexer.Position
	Found    string // "FROM", "identifier SELCT", "end of input", ...
	Expected string // "expression, \"*\", DISTINCT or \")\"", or ""
	Hint     string // "did you mean SELECT?", or ""
	Msg      string // set instead of Found/Expected for lexical and limit errors
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%d: ", e.Pos.Line, e.Pos.Column)
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

type parsers struct {
	stmt     *participle.Parser[Statement]
	expr     *participle.Parser[Expression]
	cfg      *cfg
	keywords []string
}

var (
	once     sync.Once
	built    *parsers
	buildErr error
)

func get() (*parsers, error) {
	once.Do(func() {
		p := &parsers{}
		if p.stmt, buildErr = build[Statement](); buildErr != nil {
			return
		}
		if p.expr, buildErr = build[Expression](); buildErr != nil {
			return
		}
		if p.cfg, buildErr = newCFG(p.stmt.String()); buildErr != nil {
			return
		}
		p.keywords = p.cfg.keywords()
		built = p
	})
	if buildErr != nil {
		return nil, fmt.Errorf("query grammar: %w", buildErr)
	}
	return built, nil
}

func build[G any]() (*participle.Parser[G], error) {
	return participle.Build[G](
		participle.Lexer(definition{}),
		participle.CaseInsensitive("Keyword", "Ident"),
		participle.UseLookahead(2),
	)
}

// EBNF returns the grammar in participle's EBNF notation.
func EBNF() (string, error) {
	p, err := get()
	if err != nil {
		return "", err
	}
	return p.stmt.String(), nil
}

// Keywords lists every keyword, reserved or not, upper-case and sorted.
func Keywords() []string {
	p, err := get()
	if err != nil {
		return nil
	}
	return append([]string(nil), p.keywords...)
}

// ParseStatement parses one statement. toks are its tokens from Tokenize
// without the terminating ";", followed by an EOF token placed where the
// ";" (terminated) or the end of input is. Errors are *Error.
func ParseStatement(toks []lexer.Token, terminated bool) (*Statement, error) {
	p, err := get()
	if err != nil {
		return nil, err
	}
	if err := checkSize(toks); err != nil {
		return nil, err
	}
	if err := checkDepth(toks); err != nil {
		return nil, err
	}
	st, err := parse(p.stmt, toks)
	if err != nil {
		found := "end of input"
		if terminated {
			found = `";"`
		}
		return nil, p.explain(err, "Statement", toks, found, `";"`)
	}
	return st, nil
}

// ParseExpression parses one expression from toks, which end with an EOF
// token. Errors are *Error.
func ParseExpression(toks []lexer.Token) (*Expression, error) {
	p, err := get()
	if err != nil {
		return nil, err
	}
	if err := checkSize(toks); err != nil {
		return nil, err
	}
	if err := checkDepth(toks); err != nil {
		return nil, err
	}
	x, err := parse(p.expr, toks)
	if err != nil {
		return nil, p.explain(err, "Expression", toks, "end of input", "end of input")
	}
	return x, nil
}

// Accepts reports whether the exact recogniser accepts toks as a start
// (Statement or Expression). Tests use it to check that participle's
// limited lookahead never rejects a valid input.
func Accepts(start string, toks []lexer.Token) bool {
	p, err := get()
	if err != nil {
		return false
	}
	return p.cfg.recognize(start, toks, "") == nil
}

func parse[G any](p *participle.Parser[G], toks []lexer.Token) (g *G, err error) {
	defer func() {
		// participle panics on a grammar that loops without consuming
		// input; that is our bug, but it must not take the caller down.
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("query grammar: internal error: %v", r)
		}
	}()
	peek, err := lexer.Upgrade(&sliceLexer{toks: toks})
	if err != nil {
		return nil, err
	}
	return p.ParseFromLexer(peek)
}

// explain turns a participle error into an *Error at the first token that
// fits nowhere, saying what would have fitted. endFound and endExpected
// name the final EOF token when it is found, and the end when it would
// have fitted.
func (p *parsers) explain(perr error, start string, toks []lexer.Token, endFound, endExpected string) error {
	if e := p.cfg.recognize(start, toks, endExpected); e != nil {
		tok := toks[e.At]
		return &Error{Pos: tok.Pos, Found: DescribeToken(tok, endFound), Expected: list(e.Terms), Hint: e.Hint}
	}
	// The exact recogniser accepts what participle rejected: the grammar
	// needs more lookahead somewhere. Report participle's position.
	var pe participle.Error
	if errors.As(perr, &pe) {
		pos := pe.Position()
		for _, t := range toks {
			if t.Pos.Offset == pos.Offset {
				return &Error{Pos: pos, Found: DescribeToken(t, endFound)}
			}
		}
		return &Error{Pos: pos, Msg: pe.Message()}
	}
	return perr
}

// DescribeToken names a token as an error message shows it.
func DescribeToken(t lexer.Token, end string) string {
	v := t.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch t.Type {
	case lexer.EOF:
		return end
	case Keyword:
		return strings.ToUpper(v)
	case Ident, QuotedIdent:
		return "identifier " + v
	case String:
		return "string " + v
	case Int, Float:
		return "number " + v
	case Var:
		return "variable " + v
	}
	return `"` + v + `"`
}

// list joins alternatives as "a", "a or b", "a, b or c", keeping it short.
func list(terms []string) string {
	const most = 8
	if len(terms) > most {
		terms = append(terms[:most-1:most-1], "...")
	}
	switch len(terms) {
	case 0:
		return ""
	case 1:
		return terms[0]
	}
	return strings.Join(terms[:len(terms)-1], ", ") + " or " + terms[len(terms)-1]
}

// checkSize rejects statements over MaxStatementTokens tokens or
// MaxStatementBytes bytes, at the first token past the limit.
func checkSize(toks []lexer.Token) error {
	if len(toks) == 0 {
		return nil
	}
	const hint = "split it, or keep long lists of values in a table or set and join or use IN (SELECT ...)"
	if len(toks)-1 > MaxStatementTokens { // the last is EOF
		return &Error{Pos: toks[MaxStatementTokens].Pos, Msg: fmt.Sprintf("statement too long: more than %d tokens (words, numbers, operators); %s", MaxStatementTokens, hint)}
	}
	start := toks[0].Pos.Offset
	last := toks[len(toks)-1]
	if last.Pos.Offset+len(last.Value)-start <= MaxStatementBytes {
		return nil
	}
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset+len(toks[i].Value)-start > MaxStatementBytes })
	return &Error{Pos: toks[i].Pos, Msg: fmt.Sprintf("statement too long: over %d bytes (1 MiB); %s", MaxStatementBytes, hint)}
}

// checkDepth rejects inputs nested deeper than MaxDepth.
func checkDepth(toks []lexer.Token) error {
	depth, run := 0, 0
	for _, t := range toks {
		switch {
		case t.Type == Punct && (t.Value == "(" || t.Value == "["),
			t.Type == Keyword && strings.EqualFold(t.Value, "CASE"):
			depth++
			run = 0
		case t.Type == Punct && (t.Value == ")" || t.Value == "]"),
			t.Type == Keyword && strings.EqualFold(t.Value, "END"):
			depth--
			run = 0
		case t.Type == Punct && t.Value == "-", t.Type == Keyword && strings.EqualFold(t.Value, "NOT"):
			run++
		default:
			run = 0
		}
		if depth+run > MaxDepth {
			return &Error{Pos: t.Pos, Msg: fmt.Sprintf("expression nested too deeply (more than %d levels)", MaxDepth)}
		}
	}
	return nil
}

// Position and Token are the grammar's source positions and tokens, named
// here so that the packages using the grammar need not import the parser
// library.
type (
	Position = lexer.Position
	Token    = lexer.Token
)

// EOF is the type of the token that ends every token stream.
const EOF = lexer.EOF
