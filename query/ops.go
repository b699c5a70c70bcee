package query

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/query/ast"
)

// planNode is one operator of a plan.
type planNode interface {
	open(ec *evalCtx) (Rows, error)
	schema() schema
	explain() string
	children() []planNode
}

// explainPlan prints a plan one operator per line, children indented.
func explainPlan(n planNode) []string {
	var out []string
	var walk func(n planNode, depth int)
	walk = func(n planNode, depth int) {
		out = append(out, strings.Repeat("  ", depth)+n.explain())
		for _, c := range n.children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return out
}

// ---- one empty row (SELECT without FROM) ----

type oneRowNode struct{}

func (oneRowNode) open(*evalCtx) (Rows, error) { return newSliceRows([]Row{{}}), nil }
func (oneRowNode) schema() schema              { return nil }
func (oneRowNode) explain() string             { return "one row" }
func (oneRowNode) children() []planNode        { return nil }

// ---- filter ----

// filterNode keeps the rows for which every condition holds.
type filterNode struct {
	in    planNode
	conds []cond
}

func (n *filterNode) schema() schema       { return n.in.schema() }
func (n *filterNode) explain() string      { return "filter " + conjunction(n.conds).String() }
func (n *filterNode) children() []planNode { return []planNode{n.in} }

func (n *filterNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	return &filterIter{in: in, cond: conjunction(n.conds), ec: ec}, nil
}

type filterIter struct {
	in   Rows
	cond expr
	ec   *evalCtx
	err  error
}

func (it *filterIter) Next() bool {
	for it.in.Next() {
		v, err := it.cond.eval(it.ec, it.in.Row())
		if err != nil {
			it.err = err
			return false
		}
		if truth(v) {
			return true
		}
	}
	return false
}
func (it *filterIter) Row() Row { return it.in.Row() }
func (it *filterIter) Err() error {
	if it.err != nil {
		return it.err
	}
	return it.in.Err()
}
func (it *filterIter) Close() error { return it.in.Close() }

// ---- project ----

type projectNode struct {
	in    planNode
	exprs []expr
	sch   schema
	// hide is how many trailing columns are only for sorting/limiting and
	// are dropped by a later stripNode.
}

func (n *projectNode) schema() schema       { return n.sch }
func (n *projectNode) children() []planNode { return []planNode{n.in} }
func (n *projectNode) explain() string {
	var parts []string
	for i, e := range n.exprs {
		s := e.String()
		if n.sch[i].name != s {
			s += " AS " + n.sch[i].name
		}
		parts = append(parts, s)
	}
	return "project " + strings.Join(parts, ", ")
}

func (n *projectNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	return &projectIter{in: in, n: n, ec: ec, row: make(Row, len(n.exprs))}, nil
}

type projectIter struct {
	in  Rows
	n   *projectNode
	ec  *evalCtx
	row Row
	err error
}

func (it *projectIter) Next() bool {
	if !it.in.Next() {
		return false
	}
	src := it.in.Row()
	for i, e := range it.n.exprs {
		v, err := e.eval(it.ec, src)
		if err != nil {
			it.err = err
			return false
		}
		it.row[i] = v
	}
	return true
}
func (it *projectIter) Row() Row { return it.row }
func (it *projectIter) Err() error {
	if it.err != nil {
		return it.err
	}
	return it.in.Err()
}
func (it *projectIter) Close() error { return it.in.Close() }

// ---- strip: drop trailing helper columns ----

type stripNode struct {
	in   planNode
	keep int
}

func (n *stripNode) schema() schema       { return n.in.schema()[:n.keep] }
func (n *stripNode) explain() string      { return fmt.Sprintf("keep first %d columns", n.keep) }
func (n *stripNode) children() []planNode { return []planNode{n.in} }
func (n *stripNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	return &stripIter{Rows: in, keep: n.keep}, nil
}

type stripIter struct {
	Rows
	keep int
}

func (it *stripIter) Row() Row { return it.Rows.Row()[:it.keep] }

// ---- sort ----

type sortKey struct {
	col   int
	desc  bool
	nulls int // -1 first, 1 last, 0 default (NULLs sort as smallest)
}

type sortNode struct {
	in   planNode
	keys []sortKey
	text []string
	src  []ast.Expr // what each key stands for, for the rules
	// limit > 0 keeps only the first limit rows (top-k).
	limit int64
}

func (n *sortNode) schema() schema       { return n.in.schema() }
func (n *sortNode) children() []planNode { return []planNode{n.in} }
func (n *sortNode) explain() string {
	s := "sort " + strings.Join(n.text, ", ")
	if n.limit > 0 {
		s += fmt.Sprintf(" (top %d)", n.limit)
	}
	return s
}

func (n *sortNode) less(a, b Row) bool {
	for _, k := range n.keys {
		x, y := a[k.col], b[k.col]
		if (x.T == tNull) != (y.T == tNull) && k.nulls != 0 {
			// NULLS FIRST / LAST regardless of direction.
			return (x.T == tNull) == (k.nulls < 0)
		}
		c := sortCompare(x, y)
		if c == 0 {
			continue
		}
		if k.desc {
			return c > 0
		}
		return c < 0
	}
	return false
}

func (n *sortNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var rows []Row
	// With a limit, keep only the best limit rows seen so far (a heap
	// whose root is the worst kept row); ties keep the earlier row, as a
	// stable sort would.
	var h *topK
	if n.limit > 0 {
		h = &topK{n: n, limit: int(n.limit)}
	}
	seq := 0
	for in.Next() {
		seq++
		if seq%4096 == 0 {
			if err := ec.ctx.Err(); err != nil {
				return nil, err
			}
		}
		if h != nil {
			h.offer(in.Row(), seq)
			continue
		}
		rows = append(rows, append(Row(nil), in.Row()...))
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	if h != nil {
		rows = h.sorted()
	} else {
		sort.SliceStable(rows, func(i, j int) bool { return n.less(rows[i], rows[j]) })
	}
	return newSliceRows(rows), nil
}

// topK keeps the first limit rows in sort order.
type topK struct {
	n     *sortNode
	limit int
	rows  []Row
	seqs  []int
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

func (h *topK) offer(r Row, seq int) {
	if len(h.rows) < h.limit {
		h.rows = append(h.rows, append(Row(nil), r...))
		h.seqs = append(h.seqs, seq)
		h.up(len(h.rows) - 1)
		return
	}
	// Better than the worst kept row? (A later row never wins a tie.)
	if !h.n.less(r, h.rows[0]) {
		return
	}
	h.rows[0] = append(h.rows[0][:0], r...)
	h.seqs[0] = seq
	h.down(0)
}

func (h *topK) sorted() []Row {
	idx := make([]int, len(h.rows))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return h.worse(idx[b], idx[a]) })
	out := make([]Row, len(idx))
	for i, j := range idx {
		out[i] = h.rows[j]
	}
	return out
}

// ---- limit ----

type limitNode struct {
	in            planNode
	count, offset int64 // count < 0: no limit
}

func (n *limitNode) schema() schema       { return n.in.schema() }
func (n *limitNode) children() []planNode { return []planNode{n.in} }
func (n *limitNode) explain() string {
	s := fmt.Sprintf("limit %d", n.count)
	if n.count < 0 {
		s = "no limit"
	}
	if n.offset > 0 {
		s += fmt.Sprintf(" offset %d", n.offset)
	}
	return s
}

func (n *limitNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	return &limitIter{in: in, n: n}, nil
}

type limitIter struct {
	in      Rows
	n       *limitNode
	skipped int64
	given   int64
}

func (it *limitIter) Next() bool {
	for it.skipped < it.n.offset {
		if !it.in.Next() {
			return false
		}
		it.skipped++
	}
	if it.n.count >= 0 && it.given >= it.n.count {
		return false
	}
	if !it.in.Next() {
		return false
	}
	it.given++
	return true
}
func (it *limitIter) Row() Row     { return it.in.Row() }
func (it *limitIter) Err() error   { return it.in.Err() }
func (it *limitIter) Close() error { return it.in.Close() }

// ---- limit per group ----

// limitPerNode keeps at most count rows (after skipping offset) for each
// value of column key, in the order rows arrive (ORDER BY sorted them).
type limitPerNode struct {
	in            planNode
	key           int
	keyText       string
	count, offset int64
}

func (n *limitPerNode) schema() schema       { return n.in.schema() }
func (n *limitPerNode) children() []planNode { return []planNode{n.in} }
func (n *limitPerNode) explain() string {
	s := fmt.Sprintf("limit %d per %s", n.count, n.keyText)
	if n.offset > 0 {
		s += fmt.Sprintf(" offset %d", n.offset)
	}
	return s
}

func (n *limitPerNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	return &limitPerIter{in: in, n: n, seen: map[valueKey]int64{}}, nil
}

type limitPerIter struct {
	in   Rows
	n    *limitPerNode
	seen map[valueKey]int64
}

func (it *limitPerIter) Next() bool {
	for it.in.Next() {
		k := keyOf(it.in.Row()[it.n.key])
		c := it.seen[k]
		it.seen[k] = c + 1
		if c >= it.n.offset && c < it.n.offset+it.n.count {
			return true
		}
	}
	return false
}
func (it *limitPerIter) Row() Row     { return it.in.Row() }
func (it *limitPerIter) Err() error   { return it.in.Err() }
func (it *limitPerIter) Close() error { return it.in.Close() }

// ---- distinct ----

type distinctNode struct {
	in   planNode
	cols int // leading columns that define distinctness
}

func (n *distinctNode) schema() schema       { return n.in.schema() }
func (n *distinctNode) children() []planNode { return []planNode{n.in} }
func (n *distinctNode) explain() string      { return "distinct" }

func (n *distinctNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	return &distinctIter{in: in, n: n, seen: map[string]bool{}}, nil
}

type distinctIter struct {
	in   Rows
	n    *distinctNode
	seen map[string]bool
}

func (it *distinctIter) Next() bool {
	for it.in.Next() {
		k := rowKey(it.in.Row()[:it.n.cols])
		if !it.seen[k] {
			it.seen[k] = true
			return true
		}
	}
	return false
}
func (it *distinctIter) Row() Row     { return it.in.Row() }
func (it *distinctIter) Err() error   { return it.in.Err() }
func (it *distinctIter) Close() error { return it.in.Close() }

// rowKey encodes values as a map key: equal keys for values that group
// together (see keyOf), built without formatting.
func rowKey(vals []Value) string {
	if len(vals) == 1 && vals[0].T == tString {
		return "s" + vals[0].S // the common GROUP BY synset case
	}
	b := make([]byte, 0, 32)
	for _, v := range vals {
		k := keyOf(v)
		b = append(b, byte(k.t))
		b = binary.LittleEndian.AppendUint64(b, uint64(k.i))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(k.f))
		b = binary.AppendUvarint(b, uint64(len(k.s)))
		b = append(b, k.s...)
	}
	return string(b)
}

// ---- count from the index ----

// countNode answers count(*) from the size of the selected row set,
// without reading rows.
type countNode struct {
	scan *scanNode
	name string
}

func (n *countNode) schema() schema       { return schema{{name: n.name, typ: tInt}} }
func (n *countNode) children() []planNode { return nil }
func (n *countNode) explain() string {
	s := n.scan.explain()
	return "count rows of " + strings.TrimPrefix(s, "scan ")
}

func (n *countNode) open(ec *evalCtx) (Rows, error) {
	ids, _, err := n.scan.rowSet(ec)
	if err != nil {
		return nil, err
	}
	c, err := n.scan.src.info.Count(ids)
	if err != nil {
		return nil, err
	}
	return newSliceRows([]Row{{intV(c)}}), nil
}

// ---- aggregate ----

type aggNode struct {
	in  planNode
	agg *aggPlan
	sch schema
}

func (n *aggNode) schema() schema       { return n.sch }
func (n *aggNode) children() []planNode { return []planNode{n.in} }
func (n *aggNode) explain() string {
	var calls []string
	for _, c := range n.agg.calls {
		calls = append(calls, c.text)
	}
	if len(n.agg.keys) == 0 {
		return "aggregate " + strings.Join(calls, ", ")
	}
	return "group by " + strings.Join(n.agg.keyTxt, ", ") + " computing " + strings.Join(calls, ", ")
}

type group struct {
	keys   []Value
	states []aggState
	seen   []map[valueKey]bool // DISTINCT aggregates
}

func (n *aggNode) newGroup(keys []Value) *group {
	g := &group{keys: keys, states: make([]aggState, len(n.agg.calls)), seen: make([]map[valueKey]bool, len(n.agg.calls))}
	for i, c := range n.agg.calls {
		g.states[i] = c.fn.state()
		if cs, ok := g.states[i].(*countState); ok && c.arg == nil {
			cs.star = true
		}
		if c.distinct {
			g.seen[i] = map[valueKey]bool{}
		}
	}
	return g
}

func (n *aggNode) open(ec *evalCtx) (Rows, error) {
	in, err := n.in.open(ec)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	groups := map[string]*group{}
	var order []*group
	keys := make([]Value, len(n.agg.keys))
	rows := 0
	for in.Next() {
		row := in.Row()
		for i, k := range n.agg.keys {
			v, err := k.eval(ec, row)
			if err != nil {
				return nil, err
			}
			keys[i] = v
		}
		gk := rowKey(keys)
		g := groups[gk]
		if g == nil {
			g = n.newGroup(append([]Value(nil), keys...))
			groups[gk] = g
			order = append(order, g)
		}
		for i, c := range n.agg.calls {
			var v Value
			if c.arg != nil {
				if v, err = c.arg.eval(ec, row); err != nil {
					return nil, err
				}
			}
			if g.seen[i] != nil {
				if v.T == tNull {
					continue
				}
				k := keyOf(v)
				if g.seen[i][k] {
					continue
				}
				g.seen[i][k] = true
			}
			if err := g.states[i].add(v); err != nil {
				return nil, fmt.Errorf("%s: %w", c.text, err)
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
	if len(order) == 0 && len(n.agg.keys) == 0 {
		order = append(order, n.newGroup(nil)) // aggregates over no rows: one row
	}
	out := make([]Row, 0, len(order))
	for _, g := range order {
		row := make(Row, 0, len(n.sch))
		row = append(row, g.keys...)
		for i, st := range g.states {
			v, err := st.result()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n.agg.calls[i].text, err)
			}
			row = append(row, v)
		}
		out = append(out, row)
		if err := ec.ctx.Err(); err != nil {
			return nil, err
		}
	}
	return newSliceRows(out), nil
}

// Operators with one input, for the rules' rewrite.
func (n *filterNode) input() planNode        { return n.in }
func (n *filterNode) setInput(in planNode)   { n.in = in }
func (n *projectNode) input() planNode       { return n.in }
func (n *projectNode) setInput(in planNode)  { n.in = in }
func (n *stripNode) input() planNode         { return n.in }
func (n *stripNode) setInput(in planNode)    { n.in = in }
func (n *sortNode) input() planNode          { return n.in }
func (n *sortNode) setInput(in planNode)     { n.in = in }
func (n *limitNode) input() planNode         { return n.in }
func (n *limitNode) setInput(in planNode)    { n.in = in }
func (n *limitPerNode) input() planNode      { return n.in }
func (n *limitPerNode) setInput(in planNode) { n.in = in }
func (n *distinctNode) input() planNode      { return n.in }
func (n *distinctNode) setInput(in planNode) { n.in = in }
func (n *aggNode) input() planNode           { return n.in }
func (n *aggNode) setInput(in planNode)      { n.in = in }

// aggPlan collects what an aggregate query computes.
type aggPlan struct {
	pre    schema     // input rows
	keys   []expr     // GROUP BY, over pre
	keyTxt []string   // canonical text of each key
	calls  []*aggCall // aggregates, args over pre
}

type aggCall struct {
	fn       *aggregate
	arg      expr // nil for count(*)
	distinct bool
	text     string
	t        Type
}

// renameNode gives a subquery's columns the alias as qualifier.
type renameNode struct {
	in  planNode
	sch schema
}

func (n *renameNode) open(ec *evalCtx) (Rows, error) { return n.in.open(ec) }

func (n *renameNode) schema() schema { return n.sch }

func (n *renameNode) children() []planNode { return []planNode{n.in} }

func (n *renameNode) explain() string { return fmt.Sprintf("subquery as %s", n.sch[0].qual) }

// unary is an operator with one input.
type unary interface {
	planNode
	input() planNode
	setInput(planNode)
}

// cond is one conjunct of a filter: its source text, for the rules, and
// its compiled form.
type cond struct {
	src ast.Expr
	e   expr
}

// conjunction compiles conditions into one AND expression (nil for none).
func conjunction(cs []cond) expr {
	var out expr
	for _, c := range cs {
		if out == nil {
			out = c.e
		} else {
			out = &logicExpr{and: true, x: out, y: c.e}
		}
	}
	return out
}
