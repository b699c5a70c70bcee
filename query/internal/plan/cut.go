package plan

import (
	"context"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// CutKind says where a query block is cut for a partial run: the first
// operator above the rows, in the block's naive plan, whose answer needs
// every shard's rows.
type CutKind int

const (
	// CutAgg: the aggregate. Its state is every group's keys and
	// aggregate states.
	CutAgg CutKind = iota + 1
	// CutRows: the projection. Its state is the projected rows (ORDER BY's
	// hidden columns too), of which a partial keeps only those DISTINCT,
	// ORDER BY ... LIMIT and LIMIT ... PER above could return.
	CutRows
	// CutSample: SAMPLE k [PER e]. Its state is the rows the sample keeps
	// of the partial's rows, which hold the whole sample's.
	CutSample
	// CutResult: the whole block (a UNION of blocks that read no sharded
	// table): its state is its result.
	CutResult
)

// A CutHost is a Host that takes query blocks over: the session of a
// partial run and of laiondb merge (package query). The planner asks it
// about every block it plans; for a block it cuts, Cut computes (in a
// partial run) or reads (in a merge) the rows that come out of the cut,
// and the planner puts them in place of the operators below it.
type CutHost interface {
	Host
	// CutsBlock reports whether the block q is cut.
	CutsBlock(q *ast.Select) bool
	// Partial reports whether the rows below cuts are read (a partial
	// run) rather than given (a merge).
	Partial() bool
	// Cut returns the rows that come out of the cut c: its state's.
	Cut(ctx context.Context, c *Cut) ([]value.Row, error)
}

// Cut is a query block cut for a partial run.
type Cut struct {
	Block *ast.Select
	Kind  CutKind
	// Correlated says the block reads columns of a query around it.
	Correlated bool
	// Schema is the rows' layout at the cut: the aggregate's output
	// (CutAgg), the projection's (CutRows), the sample's input
	// (CutSample), the block's (CutResult).
	Schema value.Schema
	// Below is the plan of the rows under the cut, rules applied, in a
	// partial run: the aggregate's input (CutAgg), the projection itself
	// (CutRows), the sample's input (CutSample), the block (CutResult).
	Below exec.PlanNode
	// Agg is the aggregate of a CutAgg.
	Agg *exec.AggNode
	// Reduce puts on rows (from below, with an order key appended) the
	// operators above the cut that keep fewer of them: those a partial
	// needs to keep no more (nil: all of them are needed).
	Reduce func(in exec.PlanNode) exec.PlanNode
}

// planCut plans a block that the host cuts: the naive plan is cut, the
// rows the host gives replace the operators below the cut, and the rules
// apply to what is left above it.
func (p *Planner) planCut(h CutHost, root exec.PlanNode) (exec.PlanNode, error) {
	c := &Cut{Block: p.Q, Correlated: p.corr != nil && len(p.corr.Params) > 0}
	attach, err := locateCut(c, &root)
	if err != nil {
		return nil, err
	}
	if h.Partial() {
		below, fired, err := optimize(p, c.Below)
		if err != nil {
			return nil, err
		}
		p.fired = fired
		c.Below = below
		if c.Agg != nil {
			c.Agg.In = below
		} else {
			attach(below)
		}
		prune(root, nil)
	}
	rows, err := h.Cut(p.Ctx, c)
	if err != nil {
		return nil, err
	}
	attach(&exec.RowsNode{Sch: c.Schema, Rows: rows, What: "from the partial runs' states"})
	root, fired, err := optimize(p, root)
	if err != nil {
		return nil, err
	}
	p.fired = append(p.fired, fired...)
	prune(root, nil)
	return root, nil
}

// locateCut finds the cut in a block's naive plan (root) and returns how
// to put rows in place of what is below it.
func locateCut(c *Cut, root *exec.PlanNode) (func(exec.PlanNode), error) {
	if len(c.Block.Unions) > 0 {
		c.Kind, c.Below, c.Schema = CutResult, *root, (*root).Schema()
		return func(n exec.PlanNode) { *root = n }, nil
	}
	// Above the projection: strip, limit, sort, distinct (finish and
	// naive put them there).
	var above []exec.PlanNode
	var proj *exec.ProjectNode
	for n := *root; proj == nil; {
		switch x := n.(type) {
		case *exec.ProjectNode:
			proj = x
		case *exec.StripNode, *exec.LimitNode, *exec.LimitPerNode, *exec.SortNode, *exec.DistinctNode:
			above = append(above, x)
			n = x.(exec.Unary).Input()
		default:
			return nil, value.ErrAt(c.Block.Pos(), "internal error: no projection in the plan of this query (%T)", n)
		}
	}
	setAbove := func(n exec.PlanNode) {
		if len(above) == 0 {
			*root = n
		} else {
			above[len(above)-1].(exec.Unary).SetInput(n)
		}
	}
	// Below it: HAVING's filter over the aggregate, the aggregate, the
	// sample.
	var agg *exec.AggNode
	var having *exec.FilterNode
	switch x := proj.In.(type) {
	case *exec.AggNode:
		agg = x
	case *exec.FilterNode:
		if a, ok := x.In.(*exec.AggNode); ok {
			agg, having = a, x
		}
	}
	under := proj.In
	if agg != nil {
		under = agg.In
	}
	if s, ok := under.(*exec.SampleNode); ok && s.Percent == 0 {
		c.Kind, c.Below, c.Schema = CutSample, s.In, s.In.Schema()
		c.Reduce = func(in exec.PlanNode) exec.PlanNode {
			cp := *s
			cp.In = in
			return &cp
		}
		return func(n exec.PlanNode) { s.In = n }, nil
	}
	if agg != nil {
		c.Kind, c.Below, c.Agg, c.Schema = CutAgg, agg.In, agg, agg.Sch
		if having != nil {
			return func(n exec.PlanNode) { having.In = n }, nil
		}
		return func(n exec.PlanNode) { proj.In = n }, nil
	}
	c.Kind, c.Below, c.Schema = CutRows, proj, proj.Sch
	// A partial keeps what DISTINCT, ORDER BY with LIMIT and LIMIT (PER)
	// could return of its rows: count + offset rows (per key), none
	// skipped; ties go to the earlier row, as they do over all rows.
	var reduce []exec.PlanNode
	limited := false
	for _, n := range above {
		switch x := n.(type) {
		case *exec.LimitNode:
			if x.Count >= 0 {
				reduce = append(reduce, &exec.LimitNode{Count: x.Count + x.Offset})
				limited = true
			}
		case *exec.LimitPerNode:
			reduce = append(reduce, &exec.LimitPerNode{Key: x.Key, KeyText: x.KeyText, Count: x.Count + x.Offset})
			limited = true
		case *exec.SortNode:
			reduce = append(reduce, &exec.SortNode{Keys: x.Keys, Text: x.Text, Src: x.Src})
		case *exec.DistinctNode:
			reduce = append(reduce, &exec.DistinctNode{Cols: x.Cols})
		}
	}
	if len(reduce) > 0 && (limited || hasDistinct(reduce)) {
		c.Reduce = func(in exec.PlanNode) exec.PlanNode {
			n := in
			var lim int64 = -1
			for i := len(reduce) - 1; i >= 0; i-- {
				switch x := reduce[i].(type) {
				case *exec.LimitNode:
					lim = x.Count
				case *exec.LimitPerNode:
					lim = -1
				}
			}
			for i := len(reduce) - 1; i >= 0; i-- {
				switch x := reduce[i].(type) {
				case *exec.LimitNode:
					n = &exec.LimitNode{In: n, Count: x.Count}
				case *exec.LimitPerNode:
					n = &exec.LimitPerNode{In: n, Key: x.Key, KeyText: x.KeyText, Count: x.Count}
				case *exec.SortNode:
					s := &exec.SortNode{In: n, Keys: x.Keys, Text: x.Text, Src: x.Src}
					if lim > 0 {
						s.Limit = lim
					}
					n = s
				case *exec.DistinctNode:
					n = &exec.DistinctNode{In: n, Cols: x.Cols}
				}
			}
			return n
		}
	}
	return setAbove, nil
}

func hasDistinct(ns []exec.PlanNode) bool {
	for _, n := range ns {
		if _, ok := n.(*exec.DistinctNode); ok {
			return true
		}
	}
	return false
}
