package query

import (
	"strings"
)

// A rule rewrites a plan into one that returns the same rows, cheaper.
// The planner builds the naive plan and applies every rule once, in
// order; each rule looks for its pattern anywhere in the tree and reports
// whether it found it. EXPLAIN shows the result and names the rules that
// fired; testdata/planner.lq asserts each rule's EXPLAIN.
type rule struct {
	name  string
	apply func(p *planner, n planNode) (planNode, bool, error)
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
func optimize(p *planner, root planNode) (planNode, []string, error) {
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
func rewritePlan(n planNode, f func(planNode) (planNode, bool, error)) (planNode, bool, error) {
	changed := false
	if u, ok := n.(unary); ok {
		in, c, err := rewritePlan(u.input(), f)
		if err != nil {
			return nil, false, err
		}
		u.setInput(in)
		changed = c
	}
	out, c, err := f(n)
	return out, changed || c, err
}

// sourceScan returns the scan a plan reads its table or set with, if any.
func sourceScan(n planNode) *scanNode {
	for {
		switch x := n.(type) {
		case *scanNode:
			return x
		case *knnNode:
			return x.scan
		case *countNode:
			return x.scan
		case *renameNode:
			return nil
		case unary:
			n = x.input()
		default:
			return nil
		}
	}
}

// filterIntoScan: a filter right above a scan is applied inside the scan,
// before a row is handed on.
func filterIntoScan(_ *planner, root planNode) (planNode, bool, error) {
	return rewritePlan(root, func(n planNode) (planNode, bool, error) {
		f, ok := n.(*filterNode)
		if !ok {
			return n, false, nil
		}
		scan, ok := f.in.(*scanNode)
		if !ok {
			return n, false, nil
		}
		scan.filter = append(scan.filter, f.conds...)
		return scan, true, nil
	})
}

// indexRule returns the rule that answers the scan's conjuncts of the
// given kinds (see indexPredicate) from an index: the caption index for
// MATCHES and CONTAINS, the row ids for id = c and id IN (...), the HNSW
// range search for cos(col, target) > t. The conjunct leaves the filter,
// except a range search's, whose answer is approximate at the threshold:
// the exact comparison still runs on the rows it returns.
func indexRule(kinds ...string) func(p *planner, n planNode) (planNode, bool, error) {
	return func(p *planner, root planNode) (planNode, bool, error) {
		scan := sourceScan(root)
		if scan == nil {
			return root, false, nil
		}
		var keep []cond
		changed := false
		for _, c := range scan.filter {
			ip, err := p.indexPredicate(c.src)
			if err != nil {
				return nil, false, err
			}
			if ip == nil || !oneOf(ip.kind, kinds) {
				keep = append(keep, c)
				continue
			}
			scan.preds = append(scan.preds, ip)
			changed = true
			if ip.kind == "vrange" {
				keep = append(keep, c)
			}
		}
		scan.filter = keep
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
func nearestViaIndex(p *planner, root planNode) (planNode, bool, error) {
	return rewritePlan(root, func(n planNode) (planNode, bool, error) {
		lim, ok := n.(*limitNode)
		if !ok || lim.count < 0 {
			return n, false, nil
		}
		sort, ok := lim.in.(*sortNode)
		if !ok || len(sort.keys) != 1 || !sort.keys[0].desc {
			return n, false, nil
		}
		proj, ok := sort.in.(*projectNode)
		if !ok {
			return n, false, nil
		}
		scan, ok := proj.in.(*scanNode)
		if !ok {
			return n, false, nil
		}
		vt := p.vectorTarget(sort.src[0])
		if vt == nil || !p.useIndex(vt.col) {
			return n, false, nil
		}
		proj.in = &knnNode{scan: scan, vt: vt, k: lim.count + lim.offset, ef: p.sess.Setting("ef_search").I}
		return n, true, nil
	})
}

// countFromIndex: SELECT count(*) FROM t [WHERE index predicates] counts
// the selected ids without reading a row.
func countFromIndex(_ *planner, root planNode) (planNode, bool, error) {
	return rewritePlan(root, func(n planNode) (planNode, bool, error) {
		proj, ok := n.(*projectNode)
		if !ok || len(proj.exprs) != 1 {
			return n, false, nil
		}
		agg, ok := proj.in.(*aggNode)
		if !ok || len(agg.agg.keys) != 0 || len(agg.agg.calls) != 1 {
			return n, false, nil
		}
		call := agg.agg.calls[0]
		if call.arg != nil || call.distinct || !strings.EqualFold(call.fn.name, "count") {
			return n, false, nil
		}
		if ce, ok := proj.exprs[0].(*colExpr); !ok || ce.idx != 0 {
			return n, false, nil
		}
		scan, ok := agg.in.(*scanNode)
		if !ok || len(scan.filter) > 0 {
			return n, false, nil
		}
		return &countNode{scan: scan, name: proj.sch[0].name}, true, nil
	})
}

// topKSort: a sort under a limit keeps only the first count+offset rows
// (a heap) instead of sorting them all.
func topKSort(_ *planner, root planNode) (planNode, bool, error) {
	return rewritePlan(root, func(n planNode) (planNode, bool, error) {
		if lim, ok := n.(*limitNode); ok && lim.count >= 0 {
			if sort, ok := lim.in.(*sortNode); ok {
				sort.limit = lim.count + lim.offset
				return n, true, nil
			}
		}
		return n, false, nil
	})
}
