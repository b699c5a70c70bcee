package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// rowStatements names the statements that return rows, for messages.
const rowStatements = "SELECT, NEAREST, COMPARE INTRACLASS, SHOW, DESCRIBE or EXPLAIN"

// statementRows is the statement-as-source hook (see the package doc): it
// plans a statement other than SELECT and NEAREST, which the planner
// plans itself, as a source of rows. A statement is one when it returns
// rows and changes nothing; its exec function's Result gives the rows
// and their columns. When the columns are known without running it
// (COMPARE's come from its sources' names), it runs when the query reads
// it, and EXPLAIN does not run it; otherwise it runs now, to learn them.
// Either way it runs once per statement that reads it.
func (s *Session) statementRows(ctx context.Context, st ast.Stmt) (exec.PlanNode, error) {
	var cols []Column // known before it runs; nil: run it now
	switch x := st.(type) {
	case *ast.CompareIntraclass:
		cols = compareColumns(x)
	case *ast.Explain:
		cols = []Column{{Name: "plan", Type: value.TString}}
	case *ast.Show, *ast.ShowSynset, *ast.Describe:
	default:
		return nil, value.ErrAt(st.Pos(), "%s returns no rows, so it cannot be read like a table; a statement in parentheses must return rows (%s)", statementName(st), rowStatements)
	}
	text := st.String()
	if s.scale != nil && s.scale.partial != nil {
		// A partial computes the states of the statement's queries now;
		// the merge runs the statement.
		if _, err := s.partialPlanStmt(ctx, st); err != nil {
			return nil, err
		}
	}
	if cols != nil {
		run := func(ec *exec.EvalCtx) (value.Rows, error) {
			res, err := s.exec(ec.Context(), st)
			if err != nil {
				return nil, err
			}
			return res.Rows, nil
		}
		return &exec.StmtNode{Text: text, Sch: schemaOf(cols), Run: run}, nil
	}
	res, err := s.exec(ctx, st)
	if err != nil {
		return nil, err
	}
	if res.Rows == nil {
		return nil, value.ErrAt(st.Pos(), "%s returned no rows", statementName(st))
	}
	rows, err := value.Collect(res.Rows)
	if err != nil {
		return nil, err
	}
	return &exec.StmtNode{Text: text, Sch: schemaOf(res.Columns), Run: func(*exec.EvalCtx) (value.Rows, error) {
		return value.NewSliceRows(rows), nil
	}}, nil
}

// schemaOf is the row layout of a statement's columns.
func schemaOf(cols []Column) value.Schema {
	sch := make(value.Schema, len(cols))
	for i, c := range cols {
		sch[i] = value.ColInfo{Name: c.Name, Typ: c.Type}
	}
	return sch
}

// statementName is what a statement is called in messages: its first
// words (INGEST, CREATE SET, ...).
func statementName(st ast.Stmt) string {
	words := strings.Fields(st.String())
	if len(words) == 0 {
		return fmt.Sprintf("%T", st)
	}
	switch strings.ToUpper(words[0]) {
	case "CREATE", "DROP", "IMPORT", "REFRESH", "PLOT":
		if len(words) > 1 {
			return words[0] + " " + words[1]
		}
	}
	return words[0]
}
