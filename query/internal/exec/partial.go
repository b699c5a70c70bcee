package exec

import (
	"fmt"

	"github.com/laiondb/laiondb/query/internal/value"
)

// OrderTap is where a scan puts the id of the row it hands on, for a
// partial run: the operators between the scan and the point where the
// partial takes its state stream rows one by one, so the id there is
// that of the row being taken — its order key (package query's
// partial.go).
type OrderTap struct{ ID int64 }

// KeyedNode appends an order key to each row of its input, as a hidden
// last column: the tapped scan's row id, or with no tap the row's place
// in its input.
type KeyedNode struct {
	In  PlanNode
	Tap *OrderTap // nil: sequence numbers
}

// OrderColumn is the name of the order key column KeyedNode appends.
const OrderColumn = "(order)"

func (n *KeyedNode) Schema() value.Schema {
	return append(append(value.Schema(nil), n.In.Schema()...), value.ColInfo{Name: OrderColumn, Typ: value.TInt, Hidden: true})
}
func (n *KeyedNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *KeyedNode) Input() PlanNode      { return n.In }
func (n *KeyedNode) SetInput(in PlanNode) { n.In = in }
func (n *KeyedNode) explain() string      { return "with order keys" }

func (n *KeyedNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &keyedIter{in: in, tap: n.Tap, row: make(value.Row, len(n.In.Schema())+1)}, nil
}

type keyedIter struct {
	in  value.Rows
	tap *OrderTap
	seq int64
	row value.Row
}

func (it *keyedIter) Next() bool {
	if !it.in.Next() {
		return false
	}
	r := it.in.Row()
	copy(it.row, r)
	k := it.seq
	it.seq++
	if it.tap != nil {
		k = it.tap.ID
	}
	it.row[len(it.row)-1] = value.IntV(k)
	return true
}
func (it *keyedIter) Row() value.Row { return it.row }
func (it *keyedIter) Err() error     { return it.in.Err() }
func (it *keyedIter) Close() error   { return it.in.Close() }

// RowsNode returns rows held in memory: in a partial run and in laiondb
// merge, the rows a query block's state gives, in place of the operators
// that made them.
type RowsNode struct {
	Sch  value.Schema
	Rows []value.Row
	What string // for EXPLAIN
}

func (n *RowsNode) Schema() value.Schema { return n.Sch }
func (n *RowsNode) Children() []PlanNode { return nil }
func (n *RowsNode) explain() string {
	return fmt.Sprintf("%d rows %s", len(n.Rows), n.What)
}
func (n *RowsNode) Open(*EvalCtx) (value.Rows, error) { return value.NewSliceRows(n.Rows), nil }
