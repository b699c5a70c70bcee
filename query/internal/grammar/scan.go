package grammar

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token kinds. Every token's Value is the exact source text it was cut from
// (quotes included), so a literal in the grammar can only ever match a
// keyword, an identifier or a punctuation token.
const (
	Keyword     lexer.TokenType = iota + 1 // a reserved word, as written
	Ident                                  // a plain identifier (also the contextual keywords)
	QuotedIdent                            // "a name", with "" for a quote
	String                                 // 'text', with '' for a quote
	Int                                    // 42
	Float                                  // 4.2, .5, 1e-3
	Var                                    // $name
	Punct                                  // ( ) [ ] , ; . * + - / % = != <> < <= > >= ||
)

var symbols = map[string]lexer.TokenType{
	"EOF":         lexer.EOF,
	"Keyword":     Keyword,
	"Ident":       Ident,
	"QuotedIdent": QuotedIdent,
	"String":      String,
	"Int":         Int,
	"Float":       Float,
	"Var":         Var,
	"Punct":       Punct,
}

// MaxStringLen bounds a text literal (between its quotes, as written).
const MaxStringLen = 1 << 16

// MaxNameLen bounds identifiers, quoted identifiers and variable names
// (with their quotes or $). Tables, sets and indexes allow half of it.
const MaxNameLen = 256

// reserved are the words that can never be a bare name: the SQL words a
// user already knows as reserved, and the infix words MATCHES and CONTAINS
// (they follow an expression, where a bare name would read as an alias)
// and the words of joins and unions (they follow a source, where a bare
// name would read as its alias: FROM a RIGHT JOIN b must not mean a AS
// right).
// Every other keyword of the language (SHOW, TABLES, SYNSET, IMAGENET, MIN,
// PAIRS, ...) is an identifier that the grammar recognises by its spelling
// where it expects it, so `synset` and `min` stay usable as names.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		SELECT DISTINCT FROM WHERE GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET
		AS AND OR NOT IN BETWEEN IS NULL LIKE TRUE FALSE CASE WHEN THEN ELSE END
		EXISTS ON INTO TO WITH USING CREATE DROP SET MATCHES CONTAINS
		JOIN INNER LEFT RIGHT FULL CROSS NATURAL UNION`) {
		reserved[w] = true
	}
}

// IsReserved reports whether word (any case) is a reserved keyword.
func IsReserved(word string) bool {
	if len(word) > 8 || len(word) < 2 {
		return false
	}
	var buf [8]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return reserved[string(buf[:len(word)])]
}

// IsPlainName reports whether name can be written without double quotes:
// it scans as one identifier and is not a reserved word.
func IsPlainName(name string) bool {
	if name == "" || IsReserved(name) {
		return false
	}
	for i, r := range name {
		if i == 0 && !isIdentStart(r) || i > 0 && !isIdentPart(r) {
			return false
		}
	}
	return true
}

func isIdentStart(r rune) bool {
	return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r >= utf8.RuneSelf && unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// A LexError is a malformed token. Incomplete errors (an unterminated
// string, quoted identifier or comment) swallow the rest of the input: more
// input could complete them. The others cover a bad stretch the scanner
// has already stepped over.
type LexError struct {
	Pos        lexer.Position
	Msg        string
	Incomplete bool
}

func (e *LexError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}

// Scanner cuts source text into tokens, skipping white space and comments.
// It never fails outright: after a LexError it can be asked for the next
// token again.
type Scanner struct {
	src string
	off int // byte offset into src
	pos lexer.Position
}

// NewScanner scans src, which begins at position start of file filename
// (start.Offset is the byte offset of src within the whole file; a zero
// Position means the beginning of the file).
func NewScanner(filename, src string, start lexer.Position) *Scanner {
	if start.Line == 0 {
		start = lexer.Position{Line: 1, Column: 1}
	}
	start.Filename = filename
	return &Scanner{src: src, pos: start}
}

// Pos is the position of the next unread byte.
func (s *Scanner) Pos() lexer.Position { return s.pos }

// advance moves over n bytes, keeping line and column (in runes) current.
func (s *Scanner) advance(n int) {
	end := s.off + n
	for s.off < end {
		c := s.src[s.off]
		switch {
		case c == '\n':
			s.pos.Line++
			s.pos.Column = 1
			s.off++
			s.pos.Offset++
		case c < utf8.RuneSelf:
			s.pos.Column++
			s.off++
			s.pos.Offset++
		default:
			_, size := utf8.DecodeRuneInString(s.src[s.off:])
			s.pos.Column++
			s.off += size
			s.pos.Offset += size
		}
	}
}

// skip moves over white space and comments.
func (s *Scanner) skip() *LexError {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			s.advance(1)
		case c == '-' && strings.HasPrefix(s.src[s.off:], "--"):
			n := strings.IndexByte(s.src[s.off:], '\n')
			if n < 0 {
				n = len(s.src) - s.off
			}
			s.advance(n)
		case c == '/' && strings.HasPrefix(s.src[s.off:], "/*"):
			start := s.pos
			n := strings.Index(s.src[s.off+2:], "*/")
			if n < 0 {
				s.advance(len(s.src) - s.off)
				return &LexError{Pos: start, Msg: "unterminated comment: no closing */ before the end of input", Incomplete: true}
			}
			s.advance(n + 4)
		default:
			return nil
		}
	}
	return nil
}

// Next returns the next token, or an EOF token at the end of input. The
// error, when not nil, is a *LexError.
func (s *Scanner) Next() (lexer.Token, error) {
	if err := s.skip(); err != nil {
		return lexer.Token{}, err
	}
	start := s.pos
	begin := s.off
	tok := func(t lexer.TokenType) (lexer.Token, error) {
		v := s.src[begin:s.off]
		if (t == Ident || t == QuotedIdent || t == Var) && len(v) > MaxNameLen {
			// Every message about a name echoes it; one of megabytes would
			// bury the message.
			return lexer.Token{}, &LexError{Pos: start, Msg: fmt.Sprintf("a name of %d bytes (%s…): names are at most %d bytes", len(v), strings.ToValidUTF8(v[:24], ""), MaxNameLen)}
		}
		if t == String && len(v) > MaxStringLen+2 {
			return lexer.Token{}, &LexError{Pos: start, Msg: fmt.Sprintf("a text literal of %d bytes: literals are at most %d bytes (read long texts from a file, e.g. INGEST or IMPORT)", len(v)-2, MaxStringLen)}
		}
		return lexer.Token{Type: t, Value: v, Pos: start}, nil
	}
	if s.off >= len(s.src) {
		return lexer.Token{Type: lexer.EOF, Pos: start}, nil
	}
	c := s.src[s.off]
	r, size := rune(c), 1
	if c >= utf8.RuneSelf {
		r, size = utf8.DecodeRuneInString(s.src[s.off:])
	}
	switch {
	case isIdentStart(r):
		s.advance(size)
		s.advanceWhile(isIdentPart)
		if IsReserved(s.src[begin:s.off]) {
			return tok(Keyword)
		}
		return tok(Ident)
	case isDigit(c) || c == '.' && s.off+1 < len(s.src) && isDigit(s.src[s.off+1]):
		return s.number(start, begin)
	case c == '\'':
		if err := s.quoted('\''); err != nil {
			err.Pos = start
			err.Msg = "unterminated string: no closing ' before the end of input"
			return lexer.Token{}, err
		}
		return tok(String)
	case c == '"':
		if err := s.quoted('"'); err != nil {
			err.Pos = start
			err.Msg = `unterminated quoted identifier: no closing " before the end of input`
			return lexer.Token{}, err
		}
		if s.off-begin == 2 {
			return lexer.Token{}, &LexError{Pos: start, Msg: `empty quoted identifier ""`}
		}
		return tok(QuotedIdent)
	case c == '$':
		s.advance(1)
		n := s.advanceWhile(isIdentPart)
		if n == 0 {
			return lexer.Token{}, &LexError{Pos: start, Msg: "expected a variable name after $"}
		}
		return tok(Var)
	}
	if s.off+1 < len(s.src) {
		switch s.src[s.off : s.off+2] {
		case "<=", ">=", "<>", "!=", "||":
			s.advance(2)
			return tok(Punct)
		}
	}
	if strings.IndexByte("()[],;.*+-/%=<>", c) >= 0 {
		s.advance(1)
		return tok(Punct)
	}
	s.advance(size)
	what := fmt.Sprintf("%q", r)
	if r == utf8.RuneError && size == 1 {
		what = fmt.Sprintf("byte 0x%02x (not UTF-8)", c)
	}
	return lexer.Token{}, &LexError{Pos: start, Msg: "unexpected character " + what}
}

func (s *Scanner) advanceWhile(ok func(rune) bool) int {
	n := 0
	for s.off < len(s.src) {
		r, size := rune(s.src[s.off]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s.src[s.off:])
		}
		if !ok(r) {
			break
		}
		s.advance(size)
		n++
	}
	return n
}

func (s *Scanner) digits() int {
	n := 0
	for s.off+n < len(s.src) && isDigit(s.src[s.off+n]) {
		n++
	}
	s.advance(n)
	return n
}

// number scans 12, 1.5, .5, 1., 1e9, 2.5E-3. A number running straight
// into letters or digits (10x, 1e) is one malformed token, not two.
func (s *Scanner) number(start lexer.Position, begin int) (lexer.Token, error) {
	typ := Int
	s.digits()
	if s.off < len(s.src) && s.src[s.off] == '.' {
		typ = Float
		s.advance(1)
		s.digits()
	}
	if s.off < len(s.src) && (s.src[s.off] == 'e' || s.src[s.off] == 'E') {
		typ = Float
		save, savePos := s.off, s.pos
		s.advance(1)
		if s.off < len(s.src) && (s.src[s.off] == '+' || s.src[s.off] == '-') {
			s.advance(1)
		}
		if s.digits() == 0 {
			s.off, s.pos = save, savePos
		}
	}
	if n := s.advanceWhile(isIdentPart); n > 0 {
		return lexer.Token{}, &LexError{Pos: start, Msg: fmt.Sprintf("malformed number %s", s.src[begin:s.off])}
	}
	return lexer.Token{Type: typ, Value: s.src[begin:s.off], Pos: start}, nil
}

// quoted moves over a literal delimited by q, where a doubled q stands for
// one q.
func (s *Scanner) quoted(q byte) *LexError {
	i := s.off + 1
	for {
		n := strings.IndexByte(s.src[i:], q)
		if n < 0 {
			s.advance(len(s.src) - s.off)
			return &LexError{Incomplete: true}
		}
		i += n + 1
		if i < len(s.src) && s.src[i] == q {
			i++
			continue
		}
		s.advance(i - s.off)
		return nil
	}
}

// Unquote returns the text of a string literal or quoted identifier token
// value: the outer quotes dropped and doubled quotes undone.
func Unquote(raw string) string {
	if len(raw) < 2 {
		return raw
	}
	q := raw[:1]
	return strings.ReplaceAll(raw[1:len(raw)-1], q+q, q)
}

// Quote writes s as a literal delimited by q (' for strings, " for
// names), doubling any q inside.
func Quote(s string, q byte) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		if s[i] == q {
			b.WriteByte(q)
		}
		b.WriteByte(s[i])
	}
	b.WriteByte(q)
	return b.String()
}

// Tokenize scans all of src and stops at the first LexError.
func Tokenize(filename, src string, start lexer.Position) ([]lexer.Token, error) {
	sc := NewScanner(filename, src, start)
	var toks []lexer.Token
	for {
		t, err := sc.Next()
		if err != nil {
			return toks, err
		}
		toks = append(toks, t)
		if t.EOF() {
			return toks, nil
		}
	}
}

// definition adapts the Scanner to participle.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols }

func (d definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (definition) LexString(filename, src string) (lexer.Lexer, error) {
	toks, err := Tokenize(filename, src, lexer.Position{})
	if err != nil {
		return nil, err
	}
	return &sliceLexer{toks: toks}, nil
}

// sliceLexer replays tokens that were scanned already; the last one must
// be an EOF token.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return l.toks[len(l.toks)-1], nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}
