package repl

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/laiondb/laiondb/query"
)

// RunPartial runs the statements of src as a partial run (laiondb run
// --partial): the script is checked as RunScript checks it and analysed
// for the merge (query.Session.StartPartial), so that a statement whose
// answer a merge cannot give exactly is refused before anything runs;
// then each statement runs, its message (if any) printed on out as
// FILE:LINE: message, and the partial is written. Errors are located as
// RunScript's; on an error nothing is left of the partial.
func RunPartial(ctx context.Context, c *Conn, out io.Writer, file, src string, opt query.PartialOptions) (*query.PartialSummary, error) {
	src = withoutBOM(src)
	stmts, errs := parseAll(file, src)
	if len(errs) == 0 {
		errs = checkStmts(c.Session(), file, src, stmts)
	}
	sess := c.Session()
	if len(errs) == 0 {
		errs = locateAll(sess.StartPartial(file, src, stmts, opt), file, src)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, st := range stmts {
		res, err := sess.Exec(ctx, st)
		if err != nil {
			sess.AbortPartial()
			return nil, Locate(err, file, src, st.Span().Start, 0)
		}
		if res.Rows != nil {
			res.Rows.Close()
		}
		if res.Message != "" {
			fmt.Fprintf(out, "%s:%d: %s\n", file, st.Pos().Line, res.Message)
		}
	}
	return sess.FinishPartial()
}

// RunMerge prints what the script of the partials ps prints when it runs
// on one database holding all their shards: sess is a session on an
// empty database (the merge builds the script's tables and sets there,
// without rows), vars the --var values that replace the partials'. Each
// result is printed with every printer (the first for people, say, and
// another writing JSON lines to a file). It stops at the first error or
// failed ASSERT, located as RunScript's.
func RunMerge(ctx context.Context, sess *query.Session, ps *query.Partials, vars map[string]string, printers ...*Printer) error {
	file, src := ps.File(), withoutBOM(ps.Script())
	stmts, errs := parseAll(file, src)
	if len(errs) == 0 {
		errs = locateAll(sess.StartMerge(ps, stmts, vars), file, src)
	}
	if len(errs) == 0 {
		errs = checkStmts(sess, file, src, stmts)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, st := range stmts {
		res, err := sess.Exec(ctx, st)
		if err == nil {
			err = printAll(ctx, res, printers)
		}
		if err != nil {
			return Locate(err, file, src, st.Span().Start, 0)
		}
	}
	return nil
}

// printAll prints res with each printer.
func printAll(ctx context.Context, res *query.Result, printers []*Printer) error {
	if len(printers) == 1 {
		_, err := printers[0].Print(ctx, res)
		return err
	}
	var rows []query.Row
	if res.Rows != nil {
		var err error
		if rows, err = query.Collect(res.Rows); err != nil {
			return err
		}
	}
	for _, p := range printers {
		r := *res
		if res.Rows != nil {
			r.Rows = query.RowsOf(rows)
		}
		if _, err := p.Print(ctx, &r); err != nil {
			return err
		}
	}
	return nil
}

// locateAll locates the errors that carry a position in src (others say
// where they are themselves).
func locateAll(errs []error, file, src string) []error {
	for i, err := range errs {
		var qe *query.Error
		if errors.As(err, &qe) {
			errs[i] = Locate(err, file, src, qe.Pos, 0)
		}
	}
	return errs
}

// CheckPartial reports, located as RunScript's errors, every statement of
// src that a partial run would refuse (query.Session.CheckPartial).
func CheckPartial(sess *query.Session, file, src, sharded string) error {
	src = withoutBOM(src)
	stmts, errs := parseAll(file, src)
	if len(errs) == 0 {
		errs = locateAll(sess.CheckPartial(stmts, sharded), file, src)
	}
	return errors.Join(errs...)
}
