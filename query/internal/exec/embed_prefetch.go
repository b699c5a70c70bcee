package exec

import (
	"github.com/laiondb/laiondb/query/internal/value"
)

// Batching embed() across rows. A filter such as
// cos(txt, embed(synset_text(synset))) > 0.82 is evaluated row by row,
// which would ask the provider for one text at a time. Before a plan
// runs, each scan whose rows embed() reads is walked once in a dry run
// that evaluates the scan's filter (and the expressions of the operator
// right above it) with the calls of embed() collecting their texts instead
// of embedding them; the distinct texts then go to the provider in one
// batch (split into requests of 64 by the HTTP provider, run in batches by
// the CLIP encoder), and the real run finds every vector in memory.
//
// The dry run is skipped where it would cost more than it saves: with no
// embedder set (imported embeddings are only looked up), when no call's
// text depends on the row (embed('a red fox') is one lookup anyway), and
// under a LIMIT that may stop the scan early (those rows are embedded as
// they come).

// embedCollector is the state of a dry run.
type embedCollector struct {
	exprs  map[*EmbedExpr]bool // the calls that collect
	texts  map[string][]string // model → distinct texts, in order of first use
	seen   map[string]bool     // model + "\x00" + text
	missed bool                // a collecting call had no vector yet
}

// collect returns the vector of text when the session has it, else
// records the text and returns NULL.
func (c *embedCollector) collect(h EvalHost, model, text string) value.Value {
	if v, ok := h.CachedEmbedding(model, text); ok {
		return value.VectorV(v)
	}
	c.missed = true
	key := model + "\x00" + text
	if !c.seen[key] {
		c.seen[key] = true
		c.texts[model] = append(c.texts[model], text)
	}
	return value.Value{}
}

// scanEmbeds is a scan whose rows embed() reads: in its filter, or in
// the expressions of the operator above it.
type scanEmbeds struct {
	scan  *ScanNode
	above []Expr
}

// PrefetchEmbeds embeds, before p runs, the distinct texts its scans will
// ask embed() for, each provider call taking many texts.
func PrefetchEmbeds(ec *EvalCtx, p PlanNode) error {
	if ec.host.Setting("embedder").S == "" {
		return nil
	}
	var scans []scanEmbeds
	var walk func(n, parent PlanNode, limited bool)
	walk = func(n, parent PlanNode, limited bool) {
		switch x := n.(type) {
		case *LimitNode:
			limited = limited || x.Count >= 0
		case *SortNode, *AggNode:
			limited = false // they read all their input
		case *ScanNode:
			if !limited {
				scans = append(scans, scanEmbeds{scan: x, above: exprsOver(parent, x)})
			}
		}
		for _, c := range n.Children() {
			walk(c, n, limited)
		}
	}
	walk(p, nil, false)
	for _, se := range scans {
		if err := prefetchScan(ec, se); err != nil {
			return err
		}
	}
	return nil
}

// exprsOver returns the expressions parent evaluates on each row of scan.
func exprsOver(parent PlanNode, scan *ScanNode) []Expr {
	switch x := parent.(type) {
	case *FilterNode:
		if x.In == scan {
			return []Expr{conjunction(x.Conds)}
		}
	case *ProjectNode:
		if x.In == scan {
			return x.Exprs
		}
	case *AggNode:
		if x.In == scan {
			out := append([]Expr{}, x.Agg.Keys...)
			for _, c := range x.Agg.Calls {
				if c.Arg != nil {
					out = append(out, c.Arg)
				}
			}
			return out
		}
	}
	return nil
}

// prefetchScan runs the dry run of one scan and embeds what it collects.
// A row whose filter waits for a text's vector cannot tell yet whether
// the expressions above it will be evaluated: when there are such rows
// and embed() calls above, a second dry run follows, with the filter's
// vectors known.
func prefetchScan(ec *EvalCtx, se scanEmbeds) error {
	c := &embedCollector{exprs: map[*EmbedExpr]bool{}}
	need := make([]bool, len(se.scan.Src.Sch))
	need[0] = true
	aboveEmbeds, perRow := false, false
	var mark func(e Expr, above bool)
	mark = func(e Expr, above bool) {
		switch x := e.(type) {
		case *ColExpr:
			if x.Idx < len(need) {
				need[x.Idx] = true
			}
		case *EmbedExpr:
			c.exprs[x] = true
			aboveEmbeds = aboveEmbeds || above
			perRow = perRow || readsRow(x.Arg)
		}
		for _, sub := range SubExprs(e) {
			mark(sub, above)
		}
	}
	filter := conjunction(se.scan.Filter)
	if filter != nil {
		mark(filter, false)
	}
	for _, e := range se.above {
		mark(e, true)
	}
	if !perRow {
		return nil
	}
	dry := *se.scan
	dry.Filter, dry.Need = nil, need
	dryCtx := *ec
	dryCtx.collect = c
	for pass := 0; pass < 2; pass++ {
		c.texts, c.seen = map[string][]string{}, map[string]bool{}
		undecided, ok := dryRun(&dryCtx, &dry, filter, se.above, c)
		if !ok {
			return nil // an expression failed: the real run reports it
		}
		for model, texts := range c.texts {
			if err := ec.host.EmbedBatch(ec.ctx, model, texts); err != nil {
				return err
			}
		}
		if !undecided || !aboveEmbeds {
			return nil
		}
	}
	return nil
}

// readsRow reports whether an expression reads a column of the row.
func readsRow(e Expr) bool {
	if _, ok := e.(*ColExpr); ok {
		return true
	}
	for _, sub := range SubExprs(e) {
		if readsRow(sub) {
			return true
		}
	}
	return false
}

// dryRun evaluates the filter and the expressions above over the rows of
// dry in collect mode. It reports whether some row's filter waited for a
// vector, and false when an expression failed.
func dryRun(ec *EvalCtx, dry *ScanNode, filter Expr, above []Expr, c *embedCollector) (undecided, ok bool) {
	rows, err := dry.Open(ec)
	if err != nil {
		return false, false
	}
	defer rows.Close()
	for rows.Next() {
		row := rows.Row()
		if filter != nil {
			c.missed = false
			v, err := filter.Eval(ec, row)
			if err != nil {
				return false, false
			}
			if !value.Truth(v) {
				undecided = undecided || c.missed
				continue
			}
		}
		for _, e := range above {
			if _, err := e.Eval(ec, row); err != nil {
				return false, false
			}
		}
	}
	return undecided, rows.Err() == nil
}
