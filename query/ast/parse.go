package ast

import (
	"errors"

	"github.com/laiondb/laiondb/query/internal/grammar"
)

// Chunk is one statement's text as cut from a script by SplitStatements,
// ready for ParseChunk. Positions are those in the whole script.
type Chunk struct {
	Text       string // from the first token to the end of the last, without ";"
	Start, End Pos
	Terminated bool // ended by ";"; only the last chunk of a script may be false

	script string            // the whole script, for error excerpts
	toks   []grammar.Token   // up to the first lexical error, then EOF
	lexErr *grammar.LexError // the first lexical error, if any
}

// SplitStatements cuts src at every ";" outside strings, quoted names and
// comments, dropping empty statements. It never fails: a chunk holding a
// malformed token keeps the problem for ParseChunk to report, and an
// unterminated string or comment runs to the end of src (the last chunk,
// not Terminated).
func SplitStatements(src string) []Chunk {
	sc := grammar.NewScanner("", src, grammar.Position{})
	var chunks []Chunk
	var cur Chunk
	empty := true
	var start, end grammar.Position
	flush := func(eof grammar.Position, terminated bool) {
		if !empty {
			cur.Text = src[start.Offset:end.Offset]
			cur.Start, cur.End = pos(start), pos(end)
			cur.Terminated = terminated
			cur.script = src
			cur.toks = append(cur.toks, grammar.Token{Type: grammar.EOF, Pos: eof})
			chunks = append(chunks, cur)
		}
		cur, empty = Chunk{}, true
	}
	for {
		tok, err := sc.Next()
		if err != nil {
			var le *grammar.LexError
			if !errors.As(err, &le) {
				le = &grammar.LexError{Pos: sc.Pos(), Msg: err.Error(), Incomplete: true}
			}
			if empty {
				start, empty = le.Pos, false
			}
			end = sc.Pos()
			if cur.lexErr == nil {
				cur.lexErr = le
			}
			if le.Incomplete {
				flush(sc.Pos(), false)
				return chunks
			}
			continue
		}
		if tok.EOF() {
			flush(tok.Pos, false)
			return chunks
		}
		if tok.Type == grammar.Punct && tok.Value == ";" {
			flush(tok.Pos, true)
			continue
		}
		if empty {
			start, empty = tok.Pos, false
		}
		end = sc.Pos()
		// Past MaxStatementTokens the statement is an error at that
		// token: the rest of a runaway statement is not kept.
		if cur.lexErr == nil && len(cur.toks) <= grammar.MaxStatementTokens {
			cur.toks = append(cur.toks, tok)
		}
	}
}

// Complete reports whether src holds at least one whole statement: a ";"
// outside strings, quoted names and comments. The shell reads lines until
// Complete, then runs the Terminated chunks of SplitStatements and keeps
// the rest as the start of the next statement.
func Complete(src string) bool {
	sc := grammar.NewScanner("", src, grammar.Position{})
	for {
		tok, err := sc.Next()
		if err != nil {
			var le *grammar.LexError
			if !errors.As(err, &le) || le.Incomplete {
				return false
			}
			continue
		}
		if tok.EOF() {
			return false
		}
		if tok.Type == grammar.Punct && tok.Value == ";" {
			return true
		}
	}
}

// ParseChunk parses one chunk from SplitStatements. Errors are
// *SyntaxError naming filename and the line and column in the whole
// script. (A Chunk not made by SplitStatements is parsed as
// ParseStatement(filename, c.Text).)
func ParseChunk(filename string, c Chunk) (Stmt, error) {
	if c.script == "" && c.toks == nil {
		// Not from SplitStatements: parse the text on its own.
		return ParseStatement(filename, c.Text)
	}
	if c.lexErr != nil {
		// Report a syntax error before the bad token first.
		if _, err := grammar.ParseStatement(c.toks, false); err != nil {
			var ge *grammar.Error
			if errors.As(err, &ge) && ge.Pos.Offset < c.lexErr.Pos.Offset {
				return nil, fromGrammar(filename, c.script, err)
			}
		}
		return nil, fromGrammar(filename, c.script, &grammar.Error{Pos: c.lexErr.Pos, Msg: c.lexErr.Msg})
	}
	g, err := grammar.ParseStatement(c.toks, c.Terminated)
	if err != nil {
		return nil, fromGrammar(filename, c.script, err)
	}
	l := lowerer{src: c.script}
	st := l.statement(g)
	if l.err != nil {
		return nil, fromGrammar(filename, c.script, l.err)
	}
	span := Span{Start: c.Start, End: c.End, Text: c.Text}
	setSpan(st, span)
	if ex, ok := st.(*Explain); ok && len(c.toks) > 1 {
		// The explained statement runs from the token after EXPLAIN to the end.
		inner := pos(c.toks[1].Pos)
		setSpan(ex.Stmt, Span{Start: inner, End: c.End, Text: c.script[inner.Offset:c.End.Offset]})
	}
	return st, nil
}

func setSpan(s Stmt, sp Span) {
	// Every statement embeds stmtBase: all of them get their span (a
	// list of types here once left out the classifier statements).
	if x, ok := s.(interface{ setSpanTo(Span) }); ok {
		x.setSpanTo(sp)
	}
}

// ParseScript parses every statement of a script, each ended by ";" (the
// last may omit it). Empty statements are skipped. On the first bad
// statement it returns nil and a *SyntaxError.
func ParseScript(filename, src string) ([]Stmt, error) {
	var out []Stmt
	for _, c := range SplitStatements(src) {
		st, err := ParseChunk(filename, c)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// ParseStatement parses src holding exactly one statement, with or
// without a final ";".
func ParseStatement(filename, src string) (Stmt, error) {
	chunks := SplitStatements(src)
	if len(chunks) == 0 {
		p := endPos(src)
		return nil, &SyntaxError{File: filename, Line: p.Line, Column: p.Column, Offset: p.Offset,
			Found: "end of input", Expected: "statement", Source: lineAt(src, p.Offset)}
	}
	st, err := ParseChunk(filename, chunks[0])
	if err != nil {
		return nil, err
	}
	if len(chunks) > 1 {
		if _, err := ParseChunk(filename, chunks[1]); err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && se.Msg != "" {
				return nil, err
			}
		}
		return nil, extra(filename, chunks[1])
	}
	return st, nil
}

// extra is the error for a second statement where only one is allowed.
func extra(filename string, c Chunk) error {
	found := "statement"
	if len(c.toks) > 1 {
		found = grammar.DescribeToken(c.toks[0], "end of input")
	}
	return &SyntaxError{File: filename, Line: c.Start.Line, Column: c.Start.Column, Offset: c.Start.Offset,
		Found: found, Expected: "end of input (one statement only)", Source: lineAt(c.script, c.Start.Offset)}
}

// ParseExpr parses src as one expression, as in a WHERE clause.
func ParseExpr(src string) (Expr, error) {
	toks, err := grammar.Tokenize("", src, grammar.Position{})
	if err != nil {
		var le *grammar.LexError
		if !errors.As(err, &le) {
			return nil, err
		}
		toks = append(toks, grammar.Token{Type: grammar.EOF, Pos: le.Pos})
		if _, perr := grammar.ParseExpression(toks); perr != nil {
			var ge *grammar.Error
			if errors.As(perr, &ge) && ge.Pos.Offset < le.Pos.Offset {
				return nil, fromGrammar("", src, perr)
			}
		}
		return nil, fromGrammar("", src, &grammar.Error{Pos: le.Pos, Msg: le.Msg})
	}
	g, err := grammar.ParseExpression(toks)
	if err != nil {
		return nil, fromGrammar("", src, err)
	}
	l := lowerer{src: src}
	x := l.expr(g)
	if l.err != nil {
		return nil, fromGrammar("", src, l.err)
	}
	return x, nil
}

// Keywords lists every keyword of the language, upper-case and sorted,
// for the shell's completion. Reserved ones (see IsReserved) need double
// quotes to be used as names; the others only mean something where the
// grammar expects them.
func Keywords() []string { return grammar.Keywords() }

// IsReserved reports whether word (any case) is a reserved keyword.
func IsReserved(word string) bool { return grammar.IsReserved(word) }

// fromGrammar wraps a grammar error as a *SyntaxError.
func fromGrammar(filename, src string, err error) error {
	var ge *grammar.Error
	if !errors.As(err, &ge) {
		return err
	}
	return &SyntaxError{
		File:     filename,
		Line:     ge.Pos.Line,
		Column:   ge.Pos.Column,
		Offset:   ge.Pos.Offset,
		Found:    ge.Found,
		Expected: ge.Expected,
		Hint:     ge.Hint,
		Msg:      ge.Msg,
		Source:   lineAt(src, ge.Pos.Offset),
	}
}

func endPos(src string) Pos {
	sc := grammar.NewScanner("", src, grammar.Position{})
	for {
		tok, err := sc.Next()
		if err != nil {
			continue
		}
		if tok.EOF() {
			return pos(tok.Pos)
		}
	}
}
