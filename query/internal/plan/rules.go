package plan

import (
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
)

// A rule rewrites a plan into one that returns the same rows, cheaper.
// The planner builds the naive plan and applies every rule once, in
// order; each rule looks for its pattern anywhere in the tree and reports
// whether it found it. EXPLAIN shows the result and names the rules that
// fired; testdata/planner.lq asserts each rule's EXPLAIN.
type rule struct {
	name  string
	apply func(p *Planner, n exec.PlanNode) (exec.PlanNode, bool, error)
}

// rules, in the order they apply: filters reach the scan first, so that
// the index rules see every conjunct of WHERE. (A function, not a
// variable: the rules plan subqueries, which apply the rules.)
func rules() []rule {
	return []rule{
		{"filter into scan", filterIntoScan},
		{"caption index", indexRule("match", "synset", "contains")},
		{"id lookup", indexRule("id")},
		{"vector range", indexRule("vrange")},
		{"nearest via hnsw", nearestViaIndex},
		{"count from index", countFromIndex},
		{"top-k sort", topKSort},
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
	if u, ok := n.(exec.Unary); ok {
		in, c, err := rewritePlan(u.Input(), f)
		if err != nil {
			return nil, false, err
		}
		u.SetInput(in)
		changed = c
	}
	out, c, err := f(n)
	return out, changed || c, err
}

// sourceScan returns the scan a plan reads its table or set with, if any.
func sourceScan(n exec.PlanNode) *exec.ScanNode {
	for {
		switch x := n.(type) {
		case *exec.ScanNode:
			return x
		case *exec.KnnNode:
			return x.Scan
		case *exec.CountNode:
			return x.Scan
		case *exec.RenameNode:
			return nil
		case exec.Unary:
			n = x.Input()
		default:
			return nil
		}
	}
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

// indexRule returns the rule that answers the scan's conjuncts of the
// given kinds (see indexPredicate) from an index: the caption index for
// MATCHES and CONTAINS, the row ids for id = c and id IN (...), the HNSW
// range search for cos(col, target) > t. The conjunct leaves the filter,
// except a range search's, whose answer is approximate at the threshold:
// the exact comparison still runs on the rows it returns.
func indexRule(kinds ...string) func(p *Planner, n exec.PlanNode) (exec.PlanNode, bool, error) {
	return func(p *Planner, root exec.PlanNode) (exec.PlanNode, bool, error) {
		scan := sourceScan(root)
		if scan == nil {
			return root, false, nil
		}
		var keep []exec.Cond
		changed := false
		for _, c := range scan.Filter {
			ip, err := p.indexPredicate(c.Src)
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
		vt := p.vectorTarget(sort.Src[0])
		if vt == nil || !p.useIndex(vt.Col) {
			return n, false, nil
		}
		proj.In = &exec.KnnNode{Scan: scan, Vt: vt, K: lim.Count + lim.Offset, Ef: p.Sess.Setting("ef_search").I}
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
				sort.Limit = lim.Count + lim.Offset
				return n, true, nil
			}
		}
		return n, false, nil
	})
}
