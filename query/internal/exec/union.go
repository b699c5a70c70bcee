package exec

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"
)

// UnionNode returns the rows of its inputs one after the other (UNION
// ALL), or each distinct row once (UNION). Every input has the union's
// number of columns; a column that is FLOAT (INT) in the union turns the
// INT and BOOL (BOOL) values of an input into FLOAT (INT), so one column
// holds one type.
type UnionNode struct {
	Ins      []PlanNode
	Distinct bool
	Sch      value.Schema
}

func (n *UnionNode) Schema() value.Schema { return n.Sch }
func (n *UnionNode) Children() []PlanNode { return n.Ins }

// Inputs and SetInputs let the planner's rules rewrite every arm.
func (n *UnionNode) Inputs() []PlanNode      { return n.Ins }
func (n *UnionNode) SetInputs(in []PlanNode) { n.Ins = in }

func (n *UnionNode) explain() string {
	if n.Distinct {
		return fmt.Sprintf("union of %d inputs, distinct rows", len(n.Ins))
	}
	return fmt.Sprintf("union all of %d inputs", len(n.Ins))
}

func (n *UnionNode) Open(ec *EvalCtx) (value.Rows, error) {
	it := &unionIter{n: n, ec: ec, row: make(value.Row, len(n.Sch))}
	if n.Distinct {
		it.seen = map[string]bool{}
	}
	return it, nil
}

type unionIter struct {
	n    *UnionNode
	ec   *EvalCtx
	i    int        // the input being read
	cur  value.Rows // nil before it is opened
	row  value.Row
	seen map[string]bool
	rows int
	err  error
}

func (it *unionIter) Next() bool {
	for it.err == nil {
		if it.cur == nil {
			if it.i >= len(it.n.Ins) {
				return false
			}
			it.cur, it.err = it.n.Ins[it.i].Open(it.ec)
			continue
		}
		if !it.cur.Next() {
			it.err = it.cur.Err()
			it.cur.Close()
			it.cur = nil
			it.i++
			continue
		}
		it.rows++
		if it.rows%4096 == 0 {
			if it.err = it.ec.ctx.Err(); it.err != nil {
				return false
			}
		}
		for c, v := range it.cur.Row() {
			switch t := it.n.Sch[c].Typ; {
			case t == value.TFloat && (v.T == value.TInt || v.T == value.TBool):
				v = value.FloatV(float64(v.I))
			case t == value.TInt && v.T == value.TBool:
				v = value.IntV(v.I)
			}
			it.row[c] = v
		}
		if it.seen != nil {
			k := rowKey(it.row)
			if it.seen[k] {
				continue
			}
			it.seen[k] = true
		}
		return true
	}
	return false
}

func (it *unionIter) Row() value.Row { return it.row }
func (it *unionIter) Err() error     { return it.err }
func (it *unionIter) Close() error {
	if it.cur != nil {
		it.cur.Close()
		it.cur = nil
	}
	it.i = len(it.n.Ins)
	return nil
}

// StmtNode reads the rows of a statement other than SELECT (COMPARE
// INTRACLASS, SHOW, ...) as a source. The statement cannot see the query
// around it, so it runs once, on first Open, and its rows are kept for any
// later Open (a correlated subquery opens its plan once per outer row).
type StmtNode struct {
	Text string // the statement, for EXPLAIN
	Sch  value.Schema
	// Run runs the statement; its rows are read and closed here.
	Run  func(ec *EvalCtx) (value.Rows, error)
	rows []value.Row
	done bool
}

func (n *StmtNode) Schema() value.Schema { return n.Sch }
func (n *StmtNode) Children() []PlanNode { return nil }
func (n *StmtNode) explain() string      { return strings.Join(strings.Fields(n.Text), " ") }

func (n *StmtNode) Open(ec *EvalCtx) (value.Rows, error) {
	if !n.done {
		rows, err := n.Run(ec)
		if err != nil {
			return nil, err
		}
		if n.rows, err = value.Collect(rows); err != nil {
			return nil, err
		}
		for _, r := range n.rows {
			if len(r) != len(n.Sch) {
				return nil, fmt.Errorf("statement %s returned %d columns, not the %d it declared", n.Text, len(r), len(n.Sch))
			}
		}
		n.done = true
	}
	return value.NewSliceRows(n.rows), nil
}
