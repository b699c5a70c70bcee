package query

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/export"
)

// execExport writes a set, a table or a query's rows to a parquet, CSV or
// JSONL file; the file appears only when complete.
func (s *Session) execExport(ctx context.Context, st *ast.Export) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	to, err := c.Constant(st.To, "the file of EXPORT")
	if err != nil {
		return nil, err
	}
	if to.T != value.TString {
		return nil, value.ErrAt(st.To.Pos(), "EXPORT ... TO takes a file name, e.g. 'laionet.parquet'")
	}
	q := st.Query
	switch {
	case st.Stmt != nil:
		q = &ast.Select{SelectPos: st.Pos(), Items: []*ast.SelectItem{{ItemPos: st.Stmt.Pos(), Star: true}},
			From: &ast.StmtSource{Lparen: st.Stmt.Pos(), Stmt: st.Stmt, Alias: ast.Ident{NamePos: st.Stmt.Pos(), Name: "rows"}}}
	case q == nil:
		q = &ast.Select{SelectPos: st.Pos(), Items: []*ast.SelectItem{{ItemPos: st.Name.Pos(), Star: true}},
			From: &ast.TableSource{Name: st.Name}}
	}
	p, err := plan.PlanQuery(s.host(), ctx, q)
	if err != nil {
		return nil, err
	}
	sch := p.Schema()
	cols := make([]export.Column, len(sch))
	model := ""
	for i, col := range sch {
		t := col.Typ
		if t == value.TAny {
			t = value.TNull
		}
		cols[i] = export.Column{Name: col.Name, Type: t, Dim: col.Dim}
		if col.Typ == value.TVector && strings.EqualFold(col.Name, "txt") {
			model = col.Model
		}
	}
	if model == "" {
		model = s.embedModel(sch)
	}
	rows, err := s.run(ctx, p)
	if err != nil {
		return nil, atStatement(err, st.Pos())
	}
	defer rows.Close()
	next := func() ([]engine.Value, bool, error) {
		if rows.Next() {
			return rows.Row(), true, nil
		}
		return nil, false, rows.Err()
	}
	res, err := export.Write(ctx, s.exportPath(to.S), cols, next, export.Options{LaionetNames: st.LaionetNames, Model: model})
	if err != nil {
		return nil, atStatement(err, st.Pos())
	}
	if res.Repaired > 0 {
		s.warn(fmt.Sprintf("%s: %d text values were not valid UTF-8; invalid bytes were written as U+FFFD", to.S, res.Repaired))
	}
	return &Result{Message: fmt.Sprintf("exported %d rows to %s", res.Rows, filepath.Base(to.S))}, nil
}
