package exec

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"
)

// JoinKind is what a JoinNode returns.
type JoinKind int

const (
	// JoinInner: every matching pair of rows, left columns then right.
	JoinInner JoinKind = iota + 1
	// JoinLeft: as JoinInner, and each left row without a match once,
	// with NULL for the right columns.
	JoinLeft
	// JoinSemi: each left row that has a match, once (EXISTS, IN).
	JoinSemi
	// JoinAnti: each left row that has no match (NOT EXISTS).
	JoinAnti
	// JoinAntiNulls is NOT IN's anti join, with SQL's NULLs: the last key
	// pair is the IN's x and y, the others (if any) the correlation. A left
	// row is kept when no right row shares its correlation keys; otherwise
	// it is dropped if x is NULL, if x is among the right rows' y, or if a
	// y is NULL (x NOT IN (1, NULL) is NULL, never true).
	JoinAntiNulls
)

var joinNames = [...]string{JoinInner: "hash join", JoinLeft: "hash left join", JoinSemi: "hash semi join", JoinAnti: "hash anti join", JoinAntiNulls: "hash null-aware anti join"}

// JoinNode joins two inputs on equal keys with a hash table: the build
// side is read whole into the table, the probe side streams past it. The
// build side is the right input, except for an inner join with BuildLeft
// (the planner's choice when the left input is the smaller). Rows whose
// key holds a NULL match nothing. Residual conditions, over the joined
// row (left columns then right), decide among the pairs the keys match;
// with no keys every pair is tried (a nested loop).
type JoinNode struct {
	Kind        JoinKind
	Left, Right PlanNode
	LeftKeys    []Expr   // over left rows
	RightKeys   []Expr   // over right rows
	KeyText     []string // "l.url = s.url", for EXPLAIN
	Residual    []Cond   // over joined rows (but see ResidualOuter)
	// ResidualOuter says the residual conditions are a decorrelated
	// subquery's: they read the right row as theirs and the left row as
	// their outer row (OuterRef depth 1).
	ResidualOuter bool
	BuildLeft     bool
	// Sch is the joined layout (inner and left joins; semi and anti joins
	// return the left rows as they are).
	Sch value.Schema
	// Why names the construct a semi or anti join comes from, for EXPLAIN.
	Why string
}

func (n *JoinNode) Schema() value.Schema {
	if n.Kind == JoinInner || n.Kind == JoinLeft {
		return n.Sch
	}
	return n.Left.Schema()
}

func (n *JoinNode) Children() []PlanNode { return []PlanNode{n.Left, n.Right} }

// Inputs and SetInputs let the planner's rules rewrite both sides.
func (n *JoinNode) Inputs() []PlanNode { return []PlanNode{n.Left, n.Right} }
func (n *JoinNode) SetInputs(in []PlanNode) {
	n.Left, n.Right = in[0], in[1]
}

func (n *JoinNode) explain() string {
	var b strings.Builder
	name := joinNames[n.Kind]
	if len(n.LeftKeys) == 0 {
		name = "nested loop" + strings.TrimPrefix(name, "hash")
	}
	b.WriteString(name)
	if n.Why != "" {
		b.WriteString(" for " + n.Why)
	}
	if len(n.KeyText) > 0 {
		b.WriteString(" on " + strings.Join(n.KeyText, " AND "))
	}
	if len(n.Residual) > 0 {
		b.WriteString(", filter " + conjunction(n.Residual).String())
	}
	if len(n.LeftKeys) > 0 {
		if n.BuildLeft {
			b.WriteString(", build left")
		} else {
			b.WriteString(", build right")
		}
	}
	return b.String()
}

// Width is the number of left columns in a joined row.
func (n *JoinNode) Width() int { return len(n.Left.Schema()) }

// joinBucket holds the build rows of one key.
type joinBucket struct {
	rows [][]value.Value
}

// nullAware is what NOT IN needs per correlation key: whether any right
// row has it, and whether one of those has a NULL y.
type nullAware struct {
	any, null bool
}

func (n *JoinNode) Open(ec *EvalCtx) (value.Rows, error) {
	build, probe := n.Right, n.Left
	buildKeys, probeKeys := n.RightKeys, n.LeftKeys
	if n.BuildLeft {
		build, probe = n.Left, n.Right
		buildKeys, probeKeys = n.LeftKeys, n.RightKeys
	}
	it := &joinIter{n: n, ec: ec, probeKeys: probeKeys, table: map[string]*joinBucket{},
		nl: len(n.Left.Schema()), nr: len(n.Right.Schema()), residual: conjunction(n.Residual)}
	if n.Kind == JoinAntiNulls {
		it.corr = map[string]*nullAware{}
	}
	if err := it.build(build, buildKeys); err != nil {
		return nil, err
	}
	in, err := probe.Open(ec)
	if err != nil {
		return nil, err
	}
	it.probe = in
	it.out = make(value.Row, it.nl+it.nr)
	it.keys = make([]value.Value, len(probeKeys))
	return it, nil
}

type joinIter struct {
	n         *JoinNode
	ec        *EvalCtx
	probeKeys []Expr
	table     map[string]*joinBucket
	corr      map[string]*nullAware // JoinAntiNulls: per correlation key
	residual  Expr
	nl, nr    int

	probe  value.Rows
	row    value.Row   // the current probe row
	bucket *joinBucket // its candidates
	next   int         // the next candidate to try
	hit    bool        // the current probe row has matched
	out    value.Row
	keys   []value.Value
	kbuf   []byte // the current probe key, reused
	seen   int
	err    error
}

// build reads the build side into the hash table.
func (it *joinIter) build(build PlanNode, keys []Expr) error {
	in, err := build.Open(it.ec)
	if err != nil {
		return err
	}
	defer in.Close()
	vals := make([]value.Value, len(keys))
	for in.Next() {
		row := in.Row()
		it.seen++
		if it.seen%4096 == 0 {
			if err := it.ec.ctx.Err(); err != nil {
				return err
			}
		}
		null, err := evalKeys(it.ec, keys, row, vals)
		if err != nil {
			return err
		}
		if it.corr != nil {
			// NOT IN: the correlation keys say which rows a probe row
			// sees; a NULL among them makes the row invisible to all.
			c := len(vals) - 1
			if hasNull(vals[:c]) {
				continue
			}
			ck := rowKey(vals[:c])
			na := it.corr[ck]
			if na == nil {
				na = &nullAware{}
				it.corr[ck] = na
			}
			na.any = true
			if vals[c].T == value.TNull {
				na.null = true
				continue
			}
		} else if null {
			continue
		}
		k := rowKey(vals)
		b := it.table[k]
		if b == nil {
			b = &joinBucket{}
			it.table[k] = b
		}
		if it.n.Kind == JoinSemi || it.n.Kind == JoinAnti || it.n.Kind == JoinAntiNulls {
			if it.residual == nil && len(b.rows) > 0 {
				continue // one row per key says all a semi or anti join needs
			}
		}
		b.rows = append(b.rows, append([]value.Value(nil), row...))
	}
	return in.Err()
}

// evalKeys computes key values into vals and reports whether one is NULL.
func evalKeys(ec *EvalCtx, keys []Expr, row value.Row, vals []value.Value) (bool, error) {
	null := false
	for i, k := range keys {
		v, err := k.Eval(ec, row)
		if err != nil {
			return false, err
		}
		vals[i] = v
		null = null || v.T == value.TNull
	}
	return null, nil
}

func hasNull(vals []value.Value) bool {
	for _, v := range vals {
		if v.T == value.TNull {
			return true
		}
	}
	return false
}

func (it *joinIter) Row() value.Row {
	if it.n.Kind == JoinSemi || it.n.Kind == JoinAnti || it.n.Kind == JoinAntiNulls {
		return it.row
	}
	return it.out
}

func (it *joinIter) Err() error {
	if it.err != nil {
		return it.err
	}
	return it.probe.Err()
}

func (it *joinIter) Close() error { return it.probe.Close() }

// pair fills the joined row from the probe row and a build row (nil: the
// NULLs of a left join).
func (it *joinIter) pair(build []value.Value) {
	left, right := it.out[:it.nl], it.out[it.nl:]
	if it.n.BuildLeft {
		copy(right, it.row)
		copy(left, build)
		return
	}
	copy(left, it.row)
	if build == nil {
		clear(right)
		return
	}
	copy(right, build)
}

// matches reports whether the pair with build row b passes the residual.
func (it *joinIter) matches(b []value.Value) (bool, error) {
	if it.residual == nil {
		return true, nil
	}
	var v value.Value
	var err error
	if it.n.ResidualOuter {
		it.ec.outer = append(it.ec.outer, it.row)
		v, err = it.residual.Eval(it.ec, b)
		it.ec.outer = it.ec.outer[:len(it.ec.outer)-1]
	} else {
		it.pair(b)
		v, err = it.residual.Eval(it.ec, it.out)
	}
	if err != nil {
		return false, err
	}
	return value.Truth(v), nil
}

// lookup finds the candidates of the current probe row; false when its
// key has a NULL (it matches nothing).
func (it *joinIter) lookup() (bool, error) {
	null, err := evalKeys(it.ec, it.probeKeys, it.row, it.keys)
	if err != nil || null {
		return false, err
	}
	it.kbuf = appendKey(it.kbuf[:0], it.keys)
	it.bucket = it.table[string(it.kbuf)]
	return true, nil
}

func (it *joinIter) Next() bool {
	if it.err != nil {
		return false
	}
	ok, err := it.next1()
	if err != nil {
		it.err = err
		return false
	}
	return ok
}

func (it *joinIter) next1() (bool, error) {
	switch it.n.Kind {
	case JoinSemi, JoinAnti:
		for it.advance() {
			found := false
			if ok, err := it.lookup(); err != nil {
				return false, err
			} else if ok && it.bucket != nil {
				for _, b := range it.bucket.rows {
					m, err := it.matches(b)
					if err != nil {
						return false, err
					}
					if m {
						found = true
						break
					}
				}
			}
			if found == (it.n.Kind == JoinSemi) {
				return true, nil
			}
		}
		return false, it.probeErr()
	case JoinAntiNulls:
		for it.advance() {
			keep, err := it.notIn()
			if err != nil {
				return false, err
			}
			if keep {
				return true, nil
			}
		}
		return false, it.probeErr()
	}
	// Inner and left joins: go on through the current row's candidates,
	// then take the next probe row.
	for {
		if it.row != nil && it.bucket != nil {
			for it.next < len(it.bucket.rows) {
				b := it.bucket.rows[it.next]
				it.next++
				m, err := it.matches(b)
				if err != nil {
					return false, err
				}
				if m {
					it.hit = true
					it.pair(b)
					return true, nil
				}
			}
		}
		if it.row != nil && !it.hit && it.n.Kind == JoinLeft {
			it.hit = true
			it.pair(nil)
			return true, nil
		}
		if !it.advance() {
			return false, it.probeErr()
		}
		it.bucket, it.next, it.hit = nil, 0, false
		if _, err := it.lookup(); err != nil {
			return false, err
		}
	}
}

// notIn decides NOT IN for the current probe row (see JoinAntiNulls).
func (it *joinIter) notIn() (bool, error) {
	if _, err := evalKeys(it.ec, it.probeKeys, it.row, it.keys); err != nil {
		return false, err
	}
	c := len(it.keys) - 1
	if hasNull(it.keys[:c]) {
		return true, nil // no right row shares a NULL correlation key
	}
	it.kbuf = appendKey(it.kbuf[:0], it.keys[:c])
	na := it.corr[string(it.kbuf)]
	if na == nil || !na.any {
		return true, nil // x NOT IN (empty) is true, even for a NULL x
	}
	if it.keys[c].T == value.TNull || na.null {
		return false, nil
	}
	it.kbuf = appendKey(it.kbuf[:0], it.keys)
	return it.table[string(it.kbuf)] == nil, nil
}

// advance takes the next probe row, checking the context now and then.
func (it *joinIter) advance() bool {
	if !it.probe.Next() {
		it.row = nil
		return false
	}
	it.row = it.probe.Row()
	it.seen++
	if it.seen%4096 == 0 {
		if err := it.ec.ctx.Err(); err != nil {
			it.err = err
			it.row = nil
			return false
		}
	}
	return true
}

func (it *joinIter) probeErr() error {
	if it.err != nil {
		return it.err
	}
	return it.probe.Err()
}

// String names the join for messages.
func (k JoinKind) String() string {
	if k > 0 && int(k) < len(joinNames) {
		return joinNames[k]
	}
	return fmt.Sprintf("JoinKind(%d)", int(k))
}

// LookupNode serves the scan of a correlated subquery from memory. On
// its first Open it reads its input (the scan, without the conditions
// that read the outer row) into a hash table by Keys; each Open returns
// the rows whose keys equal Probe's values, which read the outer row
// (OuterRef). A subquery run once per outer row so reads its table once
// per statement, not once per row. The table holds every input row:
// memory grows with the subquery's table, not with the outer rows.
type LookupNode struct {
	In    PlanNode
	Keys  []Expr // over In's rows
	Probe []Expr // the outer values they must equal
	Text  []string
	table map[string][]value.Row
}

func (n *LookupNode) Schema() value.Schema { return n.In.Schema() }
func (n *LookupNode) Children() []PlanNode { return []PlanNode{n.In} }
func (n *LookupNode) explain() string {
	return "hash lookup per outer row on " + strings.Join(n.Text, " AND ") + " (rows read once)"
}

func (n *LookupNode) Open(ec *EvalCtx) (value.Rows, error) {
	if n.table == nil {
		table := map[string][]value.Row{}
		in, err := n.In.Open(ec)
		if err != nil {
			return nil, err
		}
		defer in.Close()
		vals := make([]value.Value, len(n.Keys))
		for rows := 1; in.Next(); rows++ {
			if rows%4096 == 0 {
				if err := ec.ctx.Err(); err != nil {
					return nil, err
				}
			}
			null, err := evalKeys(ec, n.Keys, in.Row(), vals)
			if err != nil {
				return nil, err
			}
			if null {
				continue
			}
			k := rowKey(vals)
			table[k] = append(table[k], append(value.Row(nil), in.Row()...))
		}
		if err := in.Err(); err != nil {
			return nil, err
		}
		n.table = table
	}
	vals := make([]value.Value, len(n.Probe))
	null, err := evalKeys(ec, n.Probe, nil, vals)
	if err != nil || null {
		return value.NewSliceRows(nil), err
	}
	return value.NewSliceRows(n.table[rowKey(vals)]), nil
}
