package plan

import (
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// A rule rewrites a plan into one that returns the same rows, cheaper.
// The planner builds the naive plan and applies every rule once, in
// order; each rule looks for its pattern anywhere in the tree (every side
// of a join, every arm of a union, but not inside a subquery in FROM,
// which had the rules when it was planned) and reports whether it found
// it. EXPLAIN shows the result and names the rules that fired;
// testdata/planner.lq asserts each rule's EXPLAIN.
type rule struct {
	name  string
	apply func(p *Planner, n exec.PlanNode) (exec.PlanNode, bool, error)
}

// rules, in the order they apply: subqueries become joins first, then
// filters go down through the joins to the scans, so that the index rules
// see every conjunct that concerns one table; the choice of the join's
// build side comes last, when the index rules have said which sides are
// small. (A function, not a variable: the rules plan subqueries, which
// apply the rules.)
func rules() []rule {
	return []rule{
		{"decorrelate subqueries", decorrelate},
		{"filter into join side", filterIntoJoinSide},
		{"filter into subquery", filterIntoSubquery},
		{"filter into scan", filterIntoScan},
		{"caption index", indexRule("match", "synset", "contains")},
		{"id lookup", indexRule("id")},
		{"vector range", indexRule("vrange")},
		{"correlated lookup", correlatedLookup},
		{"nearest via hnsw", nearestViaIndex},
		{"count from index", countFromIndex},
		{"top-k sort", topKSort},
		{"smaller side builds", smallerSideBuilds},
	}
}

// optimize applies the rules and returns the plan and the names of the
// rules that changed it.
func optimize(p *Planner, root exec.PlanNode) (exec.PlanNode, []string, error) {
	var fired []string
	for _, r := range rules() {
		var changed bool
		var err error
		if root, changed, err = r.apply(p, root); err != nil {
			return nil, nil, err
		}
		if changed {
			fired = append(fired, r.name)
		}
	}
	return root, fired, nil
}

// rewritePlan calls f on every node, inputs before the nodes above them,
// puts what f returns in the node's place, and reports whether f changed
// anything.
func rewritePlan(n exec.PlanNode, f func(exec.PlanNode) (exec.PlanNode, bool, error)) (exec.PlanNode, bool, error) {
	changed := false
	switch u := n.(type) {
	case exec.Unary:
		in, c, err := rewritePlan(u.Input(), f)
		if err != nil {
			return nil, false, err
		}
		u.SetInput(in)
		changed = c
	case exec.Branching:
		ins := append([]exec.PlanNode(nil), u.Inputs()...)
		for i, in := range ins {
			out, c, err := rewritePlan(in, f)
			if err != nil {
				return nil, false, err
			}
			ins[i] = out
			changed = changed || c
		}
		u.SetInputs(ins)
	}
	out, c, err := f(n)
	return out, changed || c, err
}

// scans lists the scans a plan reads its tables and sets with.
func scans(n exec.PlanNode) []*exec.ScanNode {
	switch x := n.(type) {
	case *exec.ScanNode:
		return []*exec.ScanNode{x}
	case *exec.KnnNode:
		return []*exec.ScanNode{x.Scan}
	case *exec.CountNode:
		return []*exec.ScanNode{x.Scan}
	case exec.Unary:
		return scans(x.Input())
	case exec.Branching:
		var out []*exec.ScanNode
		for _, in := range x.Inputs() {
			out = append(out, scans(in)...)
		}
		return out
	}
	return nil
}

// filterIntoScan: a filter right above a scan is applied inside the scan,
// before a row is handed on.
func filterIntoScan(_ *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		f, ok := n.(*exec.FilterNode)
		if !ok {
			return n, false, nil
		}
		scan, ok := f.In.(*exec.ScanNode)
		if !ok {
			return n, false, nil
		}
		scan.Filter = append(scan.Filter, f.Conds...)
		return scan, true, nil
	})
}

// filterIntoJoinSide: a condition that reads the columns of one side of a
// join only is applied to that side's rows before they are joined (and
// from there, by the rules after it, in that side's scan or index): a
// WHERE conjunct above an inner join goes to either side, one above a
// left join to the left side only (on the right it would also drop the
// rows the join fills with NULLs); a condition of ON goes to either side
// of an inner join, and to the right side of a left join (the left rows
// are kept whatever ON says of them). Semi and anti joins (decorrelated
// subqueries) take WHERE conjuncts on their left side, and conditions on
// the subquery's rows on their right.
func filterIntoJoinSide(p *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		switch x := n.(type) {
		case *exec.FilterNode:
			if j, ok := x.In.(*exec.JoinNode); ok {
				return p.pushThrough(j, x.Conds)
			}
		case *exec.JoinNode:
			return p.pushResidual(x)
		}
		return n, false, nil
	})
}

// pushThrough applies WHERE conditions over a join's rows: those that
// read one side's columns only (where allowed) on that side, the rest in a
// filter above.
func (p *Planner) pushThrough(j *exec.JoinNode, conds []exec.Cond) (exec.PlanNode, bool, error) {
	nl := j.Width()
	var stay, toL, toR []exec.Cond
	for _, c := range conds {
		switch sideOf(c.E, nl) {
		case sideLeft:
			toL = append(toL, c)
		case sideRight:
			if j.Kind == exec.JoinInner {
				toR = append(toR, c)
			} else {
				stay = append(stay, c)
			}
		default:
			stay = append(stay, c)
		}
	}
	if err := p.pushSides(j, toL, toR); err != nil {
		return nil, false, err
	}
	moved := len(toL)+len(toR) > 0
	if len(stay) == 0 {
		return j, moved, nil
	}
	return &exec.FilterNode{In: j, Conds: stay}, moved, nil
}

// pushResidual applies a join's own conditions that read one side only to
// that side, where that keeps the join's answer.
func (p *Planner) pushResidual(j *exec.JoinNode) (exec.PlanNode, bool, error) {
	if j.ResidualOuter {
		return j, false, nil // a subquery's conditions that read both rows
	}
	nl := j.Width()
	var stay, toL, toR []exec.Cond
	for _, c := range j.Residual {
		s := sideOf(c.E, nl)
		switch {
		case s == sideLeft && (j.Kind == exec.JoinInner || j.Kind == exec.JoinSemi):
			toL = append(toL, c)
		case s == sideRight:
			toR = append(toR, c)
		default:
			stay = append(stay, c)
		}
	}
	if len(toL)+len(toR) == 0 {
		return j, false, nil
	}
	j.Residual = stay
	if err := p.pushSides(j, toL, toR); err != nil {
		return nil, false, err
	}
	return j, true, nil
}

// pushSides puts conditions on the sides of a join, each compiled anew
// over its side's rows.
func (p *Planner) pushSides(j *exec.JoinNode, toL, toR []exec.Cond) error {
	var err error
	if len(toL) > 0 {
		if j.Left, err = p.into(j.Left, toL); err != nil {
			return err
		}
	}
	if len(toR) > 0 {
		if j.Right, err = p.into(j.Right, toR); err != nil {
			return err
		}
	}
	return nil
}

// into applies conditions to n's rows: through n if it is a join itself,
// else in a filter on it.
func (p *Planner) into(n exec.PlanNode, conds []exec.Cond) (exec.PlanNode, error) {
	c := p.compiler(n.Schema())
	re := make([]exec.Cond, len(conds))
	for i, cd := range conds {
		e, err := c.Compile(cd.Src)
		if err != nil {
			return nil, err
		}
		re[i] = exec.Cond{Src: cd.Src, E: e}
	}
	switch x := n.(type) {
	case *exec.JoinNode:
		out, _, err := p.pushThrough(x, re)
		return out, err
	case *exec.FilterNode:
		x.Conds = append(x.Conds, re...)
		return x, nil
	}
	return &exec.FilterNode{In: n, Conds: re}, nil
}

// indexRule returns the rule that answers the scan's conjuncts of the
// given kinds (see indexPredicate) from an index: the caption index for
// MATCHES and CONTAINS, the row ids for id = c and id IN (...), the HNSW
// range search for cos(col, target) > t. The conjunct leaves the filter,
// except a range search's, whose answer is approximate at the threshold:
// the exact comparison still runs on the rows it returns.
func indexRule(kinds ...string) func(p *Planner, n exec.PlanNode) (exec.PlanNode, bool, error) {
	return func(p *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
		changed := false
		for _, scan := range scans(root) {
			var keep []exec.Cond
			for _, c := range scan.Filter {
				ip, err := p.indexPredicate(scan.Src, c.Src)
				if err != nil {
					return nil, false, err
				}
				if ip == nil || !oneOf(ip.Kind, kinds) {
					keep = append(keep, c)
					continue
				}
				scan.Preds = append(scan.Preds, ip)
				changed = true
				if ip.Kind == "vrange" {
					keep = append(keep, c)
				}
			}
			scan.Filter = keep
		}
		return root, changed, nil
	}
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nearestViaIndex: ORDER BY cos(col, target) DESC LIMIT k (or dot) over
// a vector column with an HNSW index reads the k nearest rows from the
// index instead of sorting every row. The sort above stays: it orders the
// k rows by the exact score.
func nearestViaIndex(p *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		lim, ok := n.(*exec.LimitNode)
		if !ok || lim.Count < 0 {
			return n, false, nil
		}
		sort, ok := lim.In.(*exec.SortNode)
		if !ok || len(sort.Keys) != 1 || !sort.Keys[0].Desc {
			return n, false, nil
		}
		proj, ok := sort.In.(*exec.ProjectNode)
		if !ok {
			return n, false, nil
		}
		scan, ok := proj.In.(*exec.ScanNode)
		if !ok {
			return n, false, nil
		}
		vt := p.vectorTarget(scan.Src, sort.Src[0])
		if vt == nil || !p.useIndex(scan.Src, vt.Col) {
			return n, false, nil
		}
		proj.In = &exec.KnnNode{Scan: scan, Vt: vt, K: value.SaturatingAdd(lim.Count, lim.Offset), Ef: p.Sess.Setting("ef_search").I}
		return n, true, nil
	})
}

// countFromIndex: SELECT count(*) FROM t [WHERE index predicates] counts
// the selected ids without reading a row.
func countFromIndex(_ *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		proj, ok := n.(*exec.ProjectNode)
		if !ok || len(proj.Exprs) != 1 {
			return n, false, nil
		}
		agg, ok := proj.In.(*exec.AggNode)
		if !ok || len(agg.Agg.Keys) != 0 || len(agg.Agg.Calls) != 1 {
			return n, false, nil
		}
		call := agg.Agg.Calls[0]
		if call.Arg != nil || call.Distinct || !strings.EqualFold(call.Fn.Name, "count") {
			return n, false, nil
		}
		if ce, ok := proj.Exprs[0].(*exec.ColExpr); !ok || ce.Idx != 0 {
			return n, false, nil
		}
		scan, ok := agg.In.(*exec.ScanNode)
		if !ok || len(scan.Filter) > 0 {
			return n, false, nil
		}
		return &exec.CountNode{Scan: scan, Name: proj.Sch[0].Name}, true, nil
	})
}

// topKSort: a sort under a limit keeps only the first count+offset rows
// (a heap) instead of sorting them all.
func topKSort(_ *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		if lim, ok := n.(*exec.LimitNode); ok && lim.Count >= 0 {
			if sort, ok := lim.In.(*exec.SortNode); ok {
				sort.Limit = value.SaturatingAdd(lim.Count, lim.Offset)
				return n, true, nil
			}
		}
		return n, false, nil
	})
}

// smallerSideBuilds: an inner join keeps the smaller of its inputs in the
// hash table and streams the larger past it. The sizes are what the plan
// can tell before it runs (the rows of a table or set, the ids of an id
// lookup, a LIMIT, ...); the left side builds only when it is known to be
// less than half the right, as the right builds otherwise.
func smallerSideBuilds(_ *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		j, ok := n.(*exec.JoinNode)
		if !ok || j.Kind != exec.JoinInner || j.BuildLeft {
			return n, false, nil
		}
		l, lok := estimate(j.Left)
		r, rok := estimate(j.Right)
		if lok && rok && 2*l < r {
			j.BuildLeft = true
			return n, true, nil
		}
		return n, false, nil
	})
}

// estimate is an upper bound of the rows a plan returns, when the plan
// says (false: it cannot tell before it runs).
func estimate(n exec.PlanNode) (float64, bool) {
	switch x := n.(type) {
	case *exec.ScanNode:
		rows := float64(x.Src.Info.Table.Rows())
		if x.Src.Info.Set != nil {
			rows = float64(x.Src.Info.Set.Rows)
		}
		for _, p := range x.Preds {
			if p.Kind == "id" {
				rows = min(rows, float64(len(p.Ids)))
			}
		}
		return rows, true
	case *exec.KnnNode:
		return float64(x.K), true
	case *exec.CountNode, exec.OneRowNode:
		return 1, true
	case *exec.LimitNode:
		in, ok := estimate(x.In)
		if x.Count >= 0 && (!ok || float64(x.Count) < in) {
			return float64(x.Count), true
		}
		return in, ok
	case *exec.AggNode:
		if len(x.Agg.Keys) == 0 {
			return 1, true
		}
		return estimate(x.In)
	case *exec.RenameNode:
		return estimate(x.In)
	case *exec.JoinNode:
		l, lok := estimate(x.Left)
		if x.Kind != exec.JoinInner && x.Kind != exec.JoinLeft {
			return l, lok
		}
		r, rok := estimate(x.Right)
		return l * max(r, 1), lok && rok
	case *exec.UnionNode:
		sum := 0.0
		for _, in := range x.Ins {
			e, ok := estimate(in)
			if !ok {
				return 0, false
			}
			sum += e
		}
		return sum, true
	case exec.Unary:
		return estimate(x.Input())
	}
	return 0, false
}

// correlatedLookup: in a correlated subquery that the rules above could
// not turn into a join, a scan whose filter equates its columns with the
// outer row's (g.url = l.url) reads its table once into a hash table and
// looks the rows of each outer row up in it, instead of scanning the
// table again for every outer row. The filter's other conditions that
// read the outer row are applied to the rows looked up.
func correlatedLookup(_ *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
	return rewritePlan(root, func(n exec.PlanNode) (exec.PlanNode, bool, error) {
		scan, ok := n.(*exec.ScanNode)
		if !ok {
			return n, false, nil
		}
		look := &exec.LookupNode{In: scan}
		var keep, after []exec.Cond
		for _, c := range scan.Filter {
			if !correlated(c.E) {
				keep = append(keep, c)
				continue
			}
			if cmp, ok := c.E.(*exec.CmpExpr); ok && cmp.Op == ast.OpEq {
				inner, outer := cmp.X, cmp.Y
				if !onlyOuterAny(outer) {
					inner, outer = outer, inner
				}
				if onlyOuterAny(outer) && !correlated(inner) && !hasSubquery(inner) {
					look.Keys = append(look.Keys, inner)
					look.Probe = append(look.Probe, outer)
					look.Text = append(look.Text, c.Src.String())
					continue
				}
			}
			after = append(after, c)
		}
		if len(look.Keys) == 0 {
			return n, false, nil
		}
		scan.Filter = keep
		if len(after) == 0 {
			return look, true, nil
		}
		return &exec.FilterNode{In: look, Conds: after}, true, nil
	})
}

// correlated reports whether e reads a row of a query around its own.
func correlated(e exec.Expr) bool {
	found := false
	var walk func(e exec.Expr)
	walk = func(e exec.Expr) {
		var corr *exec.Correlation
		switch x := e.(type) {
		case *exec.OuterRef:
			found = true
		case *exec.SubqueryExpr:
			corr = &x.Corr
		case *exec.ExistsExpr:
			corr = &x.Corr
		case *exec.InQueryExpr:
			corr = &x.Corr
		}
		if corr != nil {
			for _, r := range corr.Params {
				found = found || r.Depth > 1
			}
		}
		for _, s := range exec.SubExprs(e) {
			walk(s)
		}
	}
	walk(e)
	return found
}

// onlyOuterAny reports whether e reads outer rows and nothing of its own
// row, and holds no subquery.
func onlyOuterAny(e exec.Expr) bool {
	return correlated(e) && !hasSubquery(e) && !readsRow(e)
}

func hasSubquery(e exec.Expr) bool {
	switch e.(type) {
	case *exec.SubqueryExpr, *exec.ExistsExpr, *exec.InQueryExpr:
		return true
	}
	for _, s := range exec.SubExprs(e) {
		if hasSubquery(s) {
			return true
		}
	}
	return false
}

func readsRow(e exec.Expr) bool {
	found := false
	rowCols(e, func(int) { found = true })
	return found
}
