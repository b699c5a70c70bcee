package repl

import (
	"context"
	"errors"
	"strings"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// CheckScript parses the whole of src and checks it against the database
// and variables of c (query.Session.Check) without running anything. It
// returns every syntax error, or, when the script parses, every name that
// cannot be right; each names file:line:col and shows the line with a
// caret (see Locate). This is `laiondb run --check`.
func CheckScript(c *Conn, file, src string) []error {
	src = withoutBOM(src)
	stmts, errs := parseAll(file, src)
	if len(errs) > 0 {
		return errs
	}
	return checkStmts(c.Session(), file, src, stmts)
}

// withoutBOM drops the byte order mark editors on Windows put at the start
// of UTF-8 files; it is not part of the first statement.
func withoutBOM(src string) string {
	return strings.TrimPrefix(src, "\ufeff")
}

// parseAll parses every statement of src, collecting every syntax error.
func parseAll(file, src string) ([]ast.Stmt, []error) {
	var stmts []ast.Stmt
	var errs []error
	for _, c := range ast.SplitStatements(src) {
		st, err := ast.ParseChunk(file, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stmts = append(stmts, st)
	}
	return stmts, errs
}

func checkStmts(sess *query.Session, file, src string, stmts []ast.Stmt) []error {
	errs := sess.Check(stmts)
	for i, err := range errs {
		errs[i] = Locate(err, file, src, ast.Pos{}, 0)
	}
	return errs
}

// RunScript runs the statements of src in order, printing each result
// with p: `laiondb run` and `laiondb query`; src holds statements only, no
// dot commands. Nothing runs unless the whole script passes CheckScript;
// then it stops at the first error or failed ASSERT. Errors name
// file:line:col and show the statement's line with a caret (see Locate);
// several are joined (errors.Join). A missing database is created before
// the first statement that writes to it, not before.
func RunScript(ctx context.Context, c *Conn, p *Printer, file, src string) error {
	src = withoutBOM(src)
	stmts, errs := parseAll(file, src)
	if len(errs) == 0 {
		errs = checkStmts(c.Session(), file, src, stmts)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for i, st := range stmts {
		if err := runScriptStmt(ctx, c, p, st); err != nil {
			return Locate(err, file, src, st.Span().Start, 0)
		}
		// A run of statements that write keeps the database read-write
		// from the first to the last; it goes back to read-only before a
		// statement that reads and at the end.
		if i+1 == len(stmts) || !query.Writes(stmts[i+1]) {
			if err := c.Release(context.WithoutCancel(ctx)); err != nil {
				return Locate(err, file, src, st.Span().Start, 0)
			}
		}
	}
	return nil
}

// runScriptStmt runs one statement of a script and prints its result.
func runScriptStmt(ctx context.Context, c *Conn, p *Printer, st ast.Stmt) error {
	sess, err := c.Prepare(ctx, st)
	if err != nil {
		return err
	}
	res, err := sess.Exec(ctx, st)
	if err != nil {
		return err
	}
	_, err = p.Print(ctx, res)
	return err
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
