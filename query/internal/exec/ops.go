package exec

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// planNode is one operator of a plan.
type PlanNode interface {
	Open(ec *EvalCtx) (value.Rows, error)
	Schema() value.Schema
	explain() string
	Children() []PlanNode
}

// ExplainPlan prints a plan one operator per line, children indented.
// The subqueries in an operator's expressions follow it, each with how
// often it runs and its own plan, before the operator's inputs.
func ExplainPlan(n PlanNode) []string {
	var out []string
	var walk func(n PlanNode, depth int)
	walk = func(n PlanNode, depth int) {
		ind := strings.Repeat("  ", depth)
		out = append(out, ind+n.explain())
		for _, e := range nodeExprs(n) {
			for _, sq := range subqueries(e) {
				out = append(out, ind+"  "+sq.text+": "+sq.corr.explain())
				walk(sq.plan, depth+2)
			}
		}
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return out
}

// nodeExprs are the expressions an operator evaluates over its rows.
func nodeExprs(n PlanNode) []Expr {
	var out []Expr
	conds := func(cs []Cond) {
		for _, c := range cs {
			out = append(out, c.E)
		}
	}
	switch x := n.(type) {
	case *FilterNode:
		conds(x.Conds)
	case *ScanNode:
		conds(x.Filter)
	case *KnnNode:
		conds(x.Scan.Filter)
	case *ProjectNode:
		out = append(out, x.Exprs...)
	case *AggNode:
		out = append(out, x.Agg.Keys...)
		for _, c := range x.Agg.Calls {
			if c.Arg != nil {
				out = append(out, c.Arg)
			}
		}
	case *JoinNode:
		out = append(append(out, x.LeftKeys...), x.RightKeys...)
		conds(x.Residual)
	case *LookupNode:
		out = append(append(out, x.Keys...), x.Probe...)
	}
	return out
}

// subplan is a subquery found in an expression.
type subplan struct {
	text string
	plan PlanNode
	corr *Correlation
}

// subqueries lists the subqueries of e, outermost first.
func subqueries(e Expr) []subplan {
	var out []subplan
	switch x := e.(type) {
	case *SubqueryExpr:
		out = append(out, subplan{"subquery " + x.Text, x.Plan, &x.Corr})
	case *ExistsExpr:
		out = append(out, subplan{"subquery " + x.Text, x.Plan, &x.Corr})
	case *InQueryExpr:
		out = append(out, subplan{"subquery IN " + x.Text, x.Plan, &x.Corr})
	}
	for _, s := range SubExprs(e) {
		out = append(out, subqueries(s)...)
	}
	return out
}

// ---- one empty row (SELECT without FROM) ----

type OneRowNode struct{}

func (OneRowNode) Open(*EvalCtx) (value.Rows, error) { return value.NewSliceRows([]value.Row{{}}), nil }
func (OneRowNode) Schema() value.Schema              { return nil }
func (OneRowNode) explain() string                   { return "one row" }
func (OneRowNode) Children() []PlanNode              { return nil }

// ---- filter ----

// filterNode keeps the rows for which every condition holds.
type FilterNode struct {
	In    PlanNode
	Conds []Cond
}

func (n *FilterNode) Schema() value.Schema { return n.In.Schema() }
func (n *FilterNode) explain() string      { return "filter " + conjunction(n.Conds).String() }
func (n *FilterNode) Children() []PlanNode { return []PlanNode{n.In} }

func (n *FilterNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &filterIter{in: in, cond: conjunction(n.Conds), ec: ec}, nil
}

type filterIter struct {
	in   value.Rows
	cond Expr
	ec   *EvalCtx
	err  error
}

func (it *filterIter) Next() bool {
	for it.in.Next() {
		v, err := it.cond.Eval(it.ec, it.in.Row())
		if err != nil {
			it.err = err
			return false
		}
		if value.Truth(v) {
			return true
		}
	}
	return false
}
func (it *filterIter) Row() value.Row { return it.in.Row() }
func (it *filterIter) Err() error {
	if it.err != nil {
		return it.err
	}
	return it.in.Err()
}
func (it *filterIter) Close() error { return it.in.Close() }

// ---- project ----

type ProjectNode struct {
	In    PlanNode
	Exprs []Expr
	Sch   value.Schema
	// hide is how many trailing columns are only for sorting/limiting and
	// are dropped by a later stripNode.
}

func (n *ProjectNode) Schema() value.Schema { return n.Sch }
func (n *ProjectNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *ProjectNode) explain() string {
	var parts []string
	for i, e := range n.Exprs {
		s := e.String()
		if n.Sch[i].Name != s {
			s += " AS " + n.Sch[i].Name
		}
		parts = append(parts, s)
	}
	return "project " + strings.Join(parts, ", ")
}

func (n *ProjectNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &projectIter{in: in, n: n, ec: ec, row: make(value.Row, len(n.Exprs))}, nil
}

type projectIter struct {
	in  value.Rows
	n   *ProjectNode
	ec  *EvalCtx
	row value.Row
	err error
}

func (it *projectIter) Next() bool {
	if !it.in.Next() {
		return false
	}
	src := it.in.Row()
	for i, e := range it.n.Exprs {
		v, err := e.Eval(it.ec, src)
		if err != nil {
			it.err = err
			return false
		}
		it.row[i] = v
	}
	return true
}
func (it *projectIter) Row() value.Row { return it.row }
func (it *projectIter) Err() error {
	if it.err != nil {
		return it.err
	}
	return it.in.Err()
}
func (it *projectIter) Close() error { return it.in.Close() }

// ---- strip: drop trailing helper columns ----

type StripNode struct {
	In   PlanNode
	Keep int
}

func (n *StripNode) Schema() value.Schema { return n.In.Schema()[:n.Keep] }
func (n *StripNode) explain() string      { return fmt.Sprintf("keep first %d columns", n.Keep) }
func (n *StripNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *StripNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &stripIter{Rows: in, keep: n.Keep}, nil
}

type stripIter struct {
	value.Rows
	keep int
}

func (it *stripIter) Row() value.Row { return it.Rows.Row()[:it.keep] }

// ---- sort ----

type SortKey struct {
	Col   int
	Desc  bool
	Nulls int // -1 first, 1 last, 0 default (NULLs sort as smallest)
}

type SortNode struct {
	In   PlanNode
	Keys []SortKey
	Text []string
	Src  []ast.Expr // what each key stands for, for the rules
	// limit > 0 keeps only the first limit rows (top-k).
	Limit int64
}

func (n *SortNode) Schema() value.Schema { return n.In.Schema() }
func (n *SortNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *SortNode) explain() string {
	s := "sort " + strings.Join(n.Text, ", ")
	if n.Limit > 0 {
		s += fmt.Sprintf(" (top %d)", n.Limit)
	}
	return s
}

func (n *SortNode) less(a, b value.Row) bool {
	for _, k := range n.Keys {
		x, y := a[k.Col], b[k.Col]
		if (x.T == value.TNull) != (y.T == value.TNull) && k.Nulls != 0 {
			// NULLS FIRST / LAST regardless of direction.
			return (x.T == value.TNull) == (k.Nulls < 0)
		}
		c := value.SortCompare(x, y)
		if c == 0 {
			continue
		}
		if k.Desc {
			return c > 0
		}
		return c < 0
	}
	return false
}

func (n *SortNode) Open(ec *EvalCtx) (value.Rows, error) {
	budget, err := sortMemory(ec)
	if err != nil {
		return nil, err
	}
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	// With a limit, keep only the best limit rows seen so far (a heap
	// whose root is the worst kept row); ties keep the earlier row, as a
	// stable sort would. Past sort_memory (a large limit, or none) the
	// rows go to an external sort.
	var h *topK
	var ext *extSorter
	if n.Limit > 0 {
		h = &topK{n: n, limit: int(n.Limit)}
	} else {
		ext = newExtSorter(ec.ctx, n, 0, budget)
	}
	fail := func(err error) (value.Rows, error) {
		if ext != nil {
			ext.cleanup()
		}
		return nil, err
	}
	seq := 0
	for in.Next() {
		seq++
		if seq%4096 == 0 {
			if err := ec.ctx.Err(); err != nil {
				return fail(err)
			}
		}
		if h != nil {
			h.offer(in.Row(), seq)
			if h.bytes > budget {
				// The kept rows are the first run: every row after them
				// arrived later, so the merge stays stable.
				ext = newExtSorter(ec.ctx, n, int(n.Limit), budget)
				if err := ext.addRun(h.sorted()); err != nil {
					return fail(err)
				}
				h = nil
			}
			continue
		}
		if err := ext.add(append(value.Row(nil), in.Row()...)); err != nil {
			return fail(err)
		}
	}
	if err := in.Err(); err != nil {
		return fail(err)
	}
	if h != nil {
		return value.NewSliceRows(h.sorted()), nil
	}
	return ext.finish()
}

// sortMemory returns the sort_memory setting in bytes.
func sortMemory(ec *EvalCtx) (int64, error) {
	s := DefaultSortMemory
	if ec.host != nil {
		if v := ec.host.Setting("sort_memory"); v.T == value.TString {
			s = v.S
		}
	}
	n, err := ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("sort_memory: %w", err)
	}
	return n, nil
}

// topK keeps the first limit rows in sort order.
type topK struct {
	n     *SortNode
	limit int
	rows  []value.Row
	seqs  []int
	bytes int64 // the kept rows' memory, as rowBytes counts it
}

// worse reports whether kept row i sorts after kept row j.
func (h *topK) worse(i, j int) bool {
	if h.n.less(h.rows[j], h.rows[i]) {
		return true
	}
	if h.n.less(h.rows[i], h.rows[j]) {
		return false
	}
	return h.seqs[i] > h.seqs[j]
}

func (h *topK) swap(i, j int) {
	h.rows[i], h.rows[j] = h.rows[j], h.rows[i]
	h.seqs[i], h.seqs[j] = h.seqs[j], h.seqs[i]
}

func (h *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.worse(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *topK) down(i int) {
	for {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(h.rows) && h.worse(l, w) {
			w = l
		}
		if r < len(h.rows) && h.worse(r, w) {
			w = r
		}
		if w == i {
			return
		}
		h.swap(i, w)
		i = w
	}
}

func (h *topK) offer(r value.Row, seq int) {
	if len(h.rows) < h.limit {
		h.rows = append(h.rows, append(value.Row(nil), r...))
		h.seqs = append(h.seqs, seq)
		h.bytes += rowBytes(r)
		h.up(len(h.rows) - 1)
		return
	}
	// Better than the worst kept row? (A later row never wins a tie.)
	if !h.n.less(r, h.rows[0]) {
		return
	}
	h.bytes += rowBytes(r) - rowBytes(h.rows[0])
	h.rows[0] = append(h.rows[0][:0], r...)
	h.seqs[0] = seq
	h.down(0)
}

func (h *topK) sorted() []value.Row {
	idx := make([]int, len(h.rows))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return h.worse(idx[b], idx[a]) })
	out := make([]value.Row, len(idx))
	for i, j := range idx {
		out[i] = h.rows[j]
	}
	return out
}

// ---- limit ----

type LimitNode struct {
	In            PlanNode
	Count, Offset int64 // count < 0: no limit
}

func (n *LimitNode) Schema() value.Schema { return n.In.Schema() }
func (n *LimitNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *LimitNode) explain() string {
	s := fmt.Sprintf("limit %d", n.Count)
	if n.Count < 0 {
		s = "no limit"
	}
	if n.Offset > 0 {
		s += fmt.Sprintf(" offset %d", n.Offset)
	}
	return s
}

func (n *LimitNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &limitIter{in: in, n: n}, nil
}

type limitIter struct {
	in      value.Rows
	n       *LimitNode
	skipped int64
	given   int64
}

func (it *limitIter) Next() bool {
	for it.skipped < it.n.Offset {
		if !it.in.Next() {
			return false
		}
		it.skipped++
	}
	if it.n.Count >= 0 && it.given >= it.n.Count {
		return false
	}
	if !it.in.Next() {
		return false
	}
	it.given++
	return true
}
func (it *limitIter) Row() value.Row { return it.in.Row() }
func (it *limitIter) Err() error     { return it.in.Err() }
func (it *limitIter) Close() error   { return it.in.Close() }

// ---- limit per group ----

// limitPerNode keeps at most count rows (after skipping offset) for each
// value of column key, in the order rows arrive (ORDER BY sorted them).
type LimitPerNode struct {
	In            PlanNode
	Key           int
	KeyText       string
	Count, Offset int64
}

func (n *LimitPerNode) Schema() value.Schema { return n.In.Schema() }
func (n *LimitPerNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *LimitPerNode) explain() string {
	s := fmt.Sprintf("limit %d per %s", n.Count, n.KeyText)
	if n.Offset > 0 {
		s += fmt.Sprintf(" offset %d", n.Offset)
	}
	return s
}

func (n *LimitPerNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &limitPerIter{in: in, n: n, seen: map[value.ValueKey]int64{}}, nil
}

type limitPerIter struct {
	in   value.Rows
	n    *LimitPerNode
	seen map[value.ValueKey]int64
}

func (it *limitPerIter) Next() bool {
	for it.in.Next() {
		k := value.KeyOf(it.in.Row()[it.n.Key])
		c := it.seen[k]
		it.seen[k] = c + 1
		if c >= it.n.Offset && c < value.SaturatingAdd(it.n.Offset, it.n.Count) {
			return true
		}
	}
	return false
}
func (it *limitPerIter) Row() value.Row { return it.in.Row() }
func (it *limitPerIter) Err() error     { return it.in.Err() }
func (it *limitPerIter) Close() error   { return it.in.Close() }

// ---- distinct ----

type DistinctNode struct {
	In   PlanNode
	Cols int // leading columns that define distinctness
}

func (n *DistinctNode) Schema() value.Schema { return n.In.Schema() }
func (n *DistinctNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *DistinctNode) explain() string      { return "distinct" }

func (n *DistinctNode) Open(ec *EvalCtx) (value.Rows, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	return &distinctIter{in: in, n: n, seen: map[string]bool{}}, nil
}

type distinctIter struct {
	in   value.Rows
	n    *DistinctNode
	seen map[string]bool
}

func (it *distinctIter) Next() bool {
	for it.in.Next() {
		k := rowKey(it.in.Row()[:it.n.Cols])
		if !it.seen[k] {
			it.seen[k] = true
			return true
		}
	}
	return false
}
func (it *distinctIter) Row() value.Row { return it.in.Row() }
func (it *distinctIter) Err() error     { return it.in.Err() }
func (it *distinctIter) Close() error   { return it.in.Close() }

// rowKey encodes values as a map key: equal keys for values that group
// together (see keyOf), built without formatting.
func rowKey(vals []value.Value) string {
	if len(vals) == 1 && vals[0].T == value.TString {
		return "s" + vals[0].S // the common GROUP BY synset case
	}
	return string(appendKey(make([]byte, 0, 32), vals))
}

// appendKey appends the key of vals to b: the bytes of rowKey, so that
// a lookup can index a map with string(b) without allocating.
func appendKey(b []byte, vals []value.Value) []byte {
	if len(vals) == 1 && vals[0].T == value.TString {
		return append(append(b, 's'), vals[0].S...)
	}
	for _, v := range vals {
		k := value.KeyOf(v)
		b = append(b, byte(k.T))
		b = binary.LittleEndian.AppendUint64(b, uint64(k.I))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(k.F))
		b = binary.AppendUvarint(b, uint64(len(k.S)))
		b = append(b, k.S...)
	}
	return b
}

// ---- count from the index ----

// countNode answers count(*) from the size of the selected row set,
// without reading rows.
type CountNode struct {
	Scan *ScanNode
	Name string
}

func (n *CountNode) Schema() value.Schema { return value.Schema{{Name: n.Name, Typ: value.TInt}} }
func (n *CountNode) Children() []PlanNode { return nil }
func (n *CountNode) explain() string {
	s := n.Scan.explain()
	return "count rows of " + strings.TrimPrefix(s, "scan ")
}

func (n *CountNode) Open(ec *EvalCtx) (value.Rows, error) {
	ids, _, err := n.Scan.rowSet(ec)
	if err != nil {
		return nil, err
	}
	c, err := n.Scan.Src.Info.Count(ids)
	if err != nil {
		return nil, err
	}
	return value.NewSliceRows([]value.Row{{value.IntV(c)}}), nil
}

// ---- aggregate ----

type AggNode struct {
	In  PlanNode
	Agg *AggPlan
	Sch value.Schema
}

func (n *AggNode) Schema() value.Schema { return n.Sch }
func (n *AggNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *AggNode) explain() string {
	var calls []string
	for _, c := range n.Agg.Calls {
		calls = append(calls, c.Text)
	}
	if len(n.Agg.Keys) == 0 {
		return "aggregate " + strings.Join(calls, ", ")
	}
	return "group by " + strings.Join(n.Agg.KeyTxt, ", ") + " computing " + strings.Join(calls, ", ")
}

// AggGroup is one group of an aggregate: its keys, the state of each
// aggregate call, and, when the rows were collected with order keys (a
// partial run's), the key of the group's first row and the distinct
// values of each DISTINCT call with the key of the row each was first
// seen in.
type AggGroup struct {
	Keys     []value.Value
	States   []funcs.AggState
	First    int64
	Distinct [][]KeyedValue // per call; nil for a call without DISTINCT

	seen []map[value.ValueKey]bool // DISTINCT aggregates
}

// KeyedValue is a value and the order key of the row it came from.
type KeyedValue struct {
	V   value.Value
	Key int64
}

// NewGroup returns an empty group of the aggregate with the given keys.
func (n *AggNode) NewGroup(keys []value.Value) (*AggGroup, error) {
	g := &AggGroup{Keys: keys, States: make([]funcs.AggState, len(n.Agg.Calls)), seen: make([]map[value.ValueKey]bool, len(n.Agg.Calls))}
	for i, c := range n.Agg.Calls {
		st, err := c.Fn.NewState(c.Params)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Text, err)
		}
		g.States[i] = st
		if cs, ok := g.States[i].(*funcs.CountState); ok && c.Arg == nil {
			cs.Star = true
		}
		if c.Distinct {
			g.seen[i] = map[value.ValueKey]bool{}
		}
	}
	return g, nil
}

func (n *AggNode) Open(ec *EvalCtx) (value.Rows, error) {
	order, err := n.Collect(ec, nil)
	if err != nil {
		return nil, err
	}
	if len(order) == 0 && len(n.Agg.Keys) == 0 {
		g, err := n.NewGroup(nil) // aggregates over no rows: one row
		if err != nil {
			return nil, err
		}
		order = append(order, g)
	}
	out, err := n.Finish(ec, order)
	if err != nil {
		return nil, err
	}
	return value.NewSliceRows(out), nil
}

// Collect reads the aggregate's input and returns its groups in the
// order their first rows came. With key, each group also gets the order
// key of its first row, and each DISTINCT call its distinct values with
// the keys of the rows they were first seen in (see AggGroup); key is
// called once per input row, after the row is read.
func (n *AggNode) Collect(ec *EvalCtx, key func() int64) ([]*AggGroup, error) {
	in, err := n.In.Open(ec)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	groups := map[string]*AggGroup{}
	var order []*AggGroup
	keys := make([]value.Value, len(n.Agg.Keys))
	rows := 0
	for in.Next() {
		row := in.Row()
		for i, k := range n.Agg.Keys {
			v, err := k.Eval(ec, row)
			if err != nil {
				return nil, err
			}
			keys[i] = v
		}
		var rk int64
		if key != nil {
			rk = key()
		}
		gk := rowKey(keys)
		g := groups[gk]
		if g == nil {
			if g, err = n.NewGroup(append([]value.Value(nil), keys...)); err != nil {
				return nil, err
			}
			g.First = rk
			if key != nil {
				g.Distinct = make([][]KeyedValue, len(n.Agg.Calls))
			}
			groups[gk] = g
			order = append(order, g)
		}
		for i, c := range n.Agg.Calls {
			var v value.Value
			if c.Arg != nil {
				if v, err = c.Arg.Eval(ec, row); err != nil {
					return nil, err
				}
			}
			if g.seen[i] != nil {
				if v.T == value.TNull {
					continue
				}
				k := value.KeyOf(v)
				if g.seen[i][k] {
					continue
				}
				g.seen[i][k] = true
				if key != nil {
					g.Distinct[i] = append(g.Distinct[i], KeyedValue{V: keepValue(v), Key: rk})
				}
			}
			if err := g.States[i].Add(v); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Text, err)
			}
		}
		rows++
		if rows%4096 == 0 {
			if err := ec.ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	return order, nil
}

// keepValue copies what a value borrows from a row that may be reused.
func keepValue(v value.Value) value.Value {
	if v.T == value.TVector {
		v.V = append([]float32(nil), v.V...)
	}
	return v
}

// Finish turns groups into the aggregate's rows: keys, then each call's
// result.
func (n *AggNode) Finish(ec *EvalCtx, order []*AggGroup) ([]value.Row, error) {
	out := make([]value.Row, 0, len(order))
	for _, g := range order {
		row := make(value.Row, 0, len(n.Sch))
		row = append(row, g.Keys...)
		for i, st := range g.States {
			v, err := st.Result(ec.ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n.Agg.Calls[i].Text, err)
			}
			row = append(row, v)
		}
		out = append(out, row)
		if err := ec.ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Operators with one input, for the rules' rewrite.
func (n *FilterNode) Input() PlanNode        { return n.In }
func (n *FilterNode) SetInput(in PlanNode)   { n.In = in }
func (n *ProjectNode) Input() PlanNode       { return n.In }
func (n *ProjectNode) SetInput(in PlanNode)  { n.In = in }
func (n *StripNode) Input() PlanNode         { return n.In }
func (n *StripNode) SetInput(in PlanNode)    { n.In = in }
func (n *SortNode) Input() PlanNode          { return n.In }
func (n *SortNode) SetInput(in PlanNode)     { n.In = in }
func (n *LimitNode) Input() PlanNode         { return n.In }
func (n *LimitNode) SetInput(in PlanNode)    { n.In = in }
func (n *LimitPerNode) Input() PlanNode      { return n.In }
func (n *LimitPerNode) SetInput(in PlanNode) { n.In = in }
func (n *DistinctNode) Input() PlanNode      { return n.In }
func (n *DistinctNode) SetInput(in PlanNode) { n.In = in }
func (n *AggNode) Input() PlanNode           { return n.In }
func (n *AggNode) SetInput(in PlanNode)      { n.In = in }

// aggPlan collects what an aggregate query computes.
type AggPlan struct {
	Pre    value.Schema // input rows
	Keys   []Expr       // GROUP BY, over pre
	KeyTxt []string     // canonical text of each key
	Calls  []*AggCall   // aggregates, args over pre
}

type AggCall struct {
	Fn       *funcs.Aggregate
	Arg      Expr // nil for count(*)
	Distinct bool
	Text     string
	T        value.Type
	Params   []value.Value // constant arguments after the first (quantile's q)
}

// RenameNode gives the columns of a subquery, a WITH query or a statement
// read as a source the name it goes by as their qualifier. Its input was
// planned (and rewritten) on its own.
type RenameNode struct {
	In   PlanNode
	Sch  value.Schema
	What string // for EXPLAIN: "subquery as s", "with w", ...
}

func (n *RenameNode) Open(ec *EvalCtx) (value.Rows, error) { return n.In.Open(ec) }

func (n *RenameNode) Schema() value.Schema { return n.Sch }

func (n *RenameNode) Children() []PlanNode { return []PlanNode{n.In} }

func (n *RenameNode) explain() string {
	if n.What == "" && len(n.Sch) > 0 {
		return "subquery as " + n.Sch[0].Qual
	}
	return n.What
}

// Unary is an operator with one input.
type Unary interface {
	PlanNode
	Input() PlanNode
	SetInput(PlanNode)
}

// Branching is an operator with several inputs (a join, a union).
type Branching interface {
	PlanNode
	Inputs() []PlanNode
	SetInputs([]PlanNode)
}

// cond is one conjunct of a filter: its source text, for the rules, and
// its compiled form.
type Cond struct {
	Src ast.Expr
	E   Expr
}

// conjunction compiles conditions into one AND expression (nil for none).
func conjunction(cs []Cond) Expr {
	var out Expr
	for _, c := range cs {
		if out == nil {
			out = c.E
		} else {
			out = &LogicExpr{And: true, X: out, Y: c.E}
		}
	}
	return out
}
