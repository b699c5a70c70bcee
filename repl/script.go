package repl

import (
	"context"
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// RunScript runs the statements of src in order, printing each result
// with p, and stops at the first error or failed ASSERT. The error names
// file:line:col and shows the statement's line with a caret (see
// Locate). This is `laiondb run` and `laiondb query`; src holds
// statements only, no dot commands.
func RunScript(ctx context.Context, sess *query.Session, p *Printer, file, src string) error {
	// Editors on Windows start UTF-8 files with a byte order mark; it is
	// not part of the first statement.
	src = strings.TrimPrefix(src, "\ufeff")
	for _, c := range ast.SplitStatements(src) {
		stmt, err := ast.ParseChunk(file, c)
		if err != nil {
			return err
		}
		res, err := sess.Exec(ctx, stmt)
		if err == nil {
			_, err = p.Print(ctx, res)
		}
		if err != nil {
			return Locate(err, file, src, c.Start, 0)
		}
	}
	return nil
}

// Locate makes err from the statement at pos in src name where it
// happened: a *query.Error gets file and the source excerpt if it lacks
// them, a *ast.SyntaxError is kept, and any other error (from storage,
// say) becomes a *query.Error at the statement's start. lineOffset is
// added to line numbers, for src that is a piece of a longer input (the
// shell's current statement). Cancellation is returned unchanged.
func Locate(err error, file, src string, pos ast.Pos, lineOffset int) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *ast.SyntaxError
	if errors.As(err, &se) {
		if se.File == "" {
			se.File = file
		}
		se.Line += lineOffset
		return err
	}
	var qe *query.Error
	if !errors.As(err, &qe) {
		return &query.Error{File: file, Pos: shift(pos, lineOffset), Msg: err.Error(), Excerpt: ast.Excerpt(src, pos), Err: err}
	}
	if qe.File == "" {
		qe.File = file
	}
	if !qe.Pos.IsValid() {
		qe.Pos = pos
	}
	if qe.Excerpt == "" {
		qe.Excerpt = ast.Excerpt(src, qe.Pos)
	}
	qe.Pos = shift(qe.Pos, lineOffset)
	return err
}

func shift(p ast.Pos, lines int) ast.Pos {
	p.Line += lines
	return p
}
