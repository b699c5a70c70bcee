package query

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"
)

// What a query reads decides what a partial run does with it:
//
//   - readsNone: no table (constants); laiondb merge computes it.
//   - readsOther: tables and sets other than the sharded table, the same
//     in every partial: a partial computes it, and every partial must
//     give the same answer.
//   - readsSharded: the sharded table's rows, row by row (filters,
//     computed columns, a SAMPLE p PERCENT): each partial has its own
//     rows, and the rows of all partials are the rows of one database.
//   - readsAll: rows that need every shard (an aggregate, a LIMIT, a
//     SAMPLE k over the sharded table): laiondb merge computes it from the
//     partials' states.
type reads int

const (
	readsNone reads = iota
	readsOther
	readsSharded
	readsAll
)

// stmtAction is what a partial run and laiondb merge do with a statement.
type stmtAction int

const (
	// actRun: the partial runs it (INGEST, CREATE SET, SET, IMPORT ...),
	// and the merge replays its effect on the schema-only database.
	actRun stmtAction = iota + 1
	// actPlan: the partial plans it, computing the states of its cut
	// query blocks; the merge runs it from the merged states (SELECT,
	// PLOT, ASSERT, COMPARE, EXPORT ...).
	actPlan
	// actMerge: only the merge runs it (it reads no table: SHOW SYNSET).
	actMerge
)

// stmtPlan is what the analysis found of one statement.
type stmtPlan struct {
	index  int
	stmt   ast.Stmt
	action stmtAction
	kind   string // INGEST, SELECT, ...
	// cuts are the query blocks cut, by the offset of their position;
	// sharded says whether the block reads the sharded table (its states
	// are merged) or only other tables (its states must agree).
	cuts map[int]bool
	// sharded are the names (lower case) that read as the sharded table
	// while the statement runs: the table and the sets made from it.
	sharded map[string]bool
	// ingestSharded: an INGEST into the sharded table; setSharded: a
	// CREATE SET of rows of the sharded table.
	ingestSharded, setSharded bool
}

// analysis is the plan of a partial run or a merge for a whole script.
type analysis struct {
	sharded string // the sharded table's name, lower case
	stmts   []*stmtPlan
	byStmt  map[ast.Stmt]*stmtPlan
	// ingests says the script ingests into the sharded table itself.
	ingests bool
}

// analyzer walks a script's statements, following which names read the
// sharded table.
type analyzer struct {
	s       *Session
	sharded string
	names   map[string]reads // tables and sets (lower case) → readsSharded or readsOther
	errs    []error
	cur     *stmtPlan
	// hoists are WHERE conjuncts to move to HAVING (see hoistable).
	hoists []hoist
}

// hoist is a WHERE conjunct of an aggregate block that reads only the
// block's GROUP BY columns, moved to HAVING.
type hoist struct {
	q    *ast.Select
	conj ast.Expr
}

func (a *analyzer) refuse(p ast.Pos, format string, args ...any) {
	a.errs = append(a.errs, value.ErrAt(p, "cannot run as a partial whose merge is exact: "+format, args...))
}

// analyze finds, before anything runs, what every statement of a partial
// run (or merge) does, refusing every statement whose answer a merge of
// partials cannot give exactly, with why. catalog gives the tables and
// sets there at the start: table name → sharded; set name → its table.
func (s *Session) analyze(stmts []ast.Stmt, sharded string, tables map[string]bool, sets map[string]reads) (*analysis, []error) {
	a := &analyzer{s: s, sharded: strings.ToLower(sharded), names: map[string]reads{}}
	for t := range tables {
		if strings.EqualFold(t, sharded) {
			a.names[strings.ToLower(t)] = readsSharded
		} else {
			a.names[strings.ToLower(t)] = readsOther
		}
	}
	for n, r := range sets {
		a.names[strings.ToLower(n)] = r
	}
	an := &analysis{sharded: a.sharded, byStmt: map[ast.Stmt]*stmtPlan{}}
	for i, st := range stmts {
		sp := &stmtPlan{index: i, stmt: st, cuts: map[int]bool{}, sharded: map[string]bool{}}
		for n, r := range a.names {
			if r == readsSharded {
				sp.sharded[n] = true
			}
		}
		a.cur = sp
		a.statement(sp)
		if sp.ingestSharded {
			an.ingests = true
		}
		an.stmts = append(an.stmts, sp)
		an.byStmt[st] = sp
	}
	if len(a.errs) > 0 {
		return nil, a.errs
	}
	for _, h := range a.hoists {
		h.apply()
	}
	return an, nil
}

// apply moves the conjunct from WHERE to HAVING: over rows that agree on
// the columns it reads it keeps or drops a whole group, so it does the
// same after grouping.
func (h hoist) apply() {
	var keep ast.Expr
	for _, c := range conjunctsOf(h.q.Where) {
		if c == h.conj {
			continue
		}
		if keep == nil {
			keep = c
		} else {
			keep = &ast.Binary{Op: ast.OpAnd, X: keep, Y: c}
		}
	}
	h.q.Where = keep
	if h.q.Having == nil {
		h.q.Having = h.conj
	} else {
		h.q.Having = &ast.Binary{Op: ast.OpAnd, X: h.conj, Y: h.q.Having}
	}
}

func conjunctsOf(e ast.Expr) []ast.Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*ast.Binary); ok && b.Op == ast.OpAnd {
		return append(conjunctsOf(b.X), conjunctsOf(b.Y)...)
	}
	return []ast.Expr{e}
}

func stmtKind(st ast.Stmt) string {
	w := strings.Fields(st.Span().Text + " ")
	if len(w) == 0 {
		return "statement"
	}
	k := strings.ToUpper(w[0])
	if len(w) > 1 && (k == "CREATE" || k == "DROP" || k == "IMPORT" || k == "SHOW" || k == "REFRESH" || k == "COMPARE") {
		k += " " + strings.ToUpper(w[1])
	}
	return k
}

func (a *analyzer) statement(sp *stmtPlan) {
	sp.kind = stmtKind(sp.stmt)
	switch x := sp.stmt.(type) {
	case *ast.SelectStmt:
		sp.action = actPlan
		a.block(x.Query, nil, true)
	case *ast.Nearest:
		sp.action = actPlan
		a.block(plan.NearestQuery(x), nil, true)
	case *ast.Plot:
		sp.action = actPlan
		for _, q := range x.Queries {
			a.block(q, nil, true)
		}
	case *ast.Assert:
		sp.action = actPlan
		a.exprAt(x.Cond, nil, true, false)
		if x.Message != nil {
			a.exprAt(x.Message, nil, true, false)
		}
	case *ast.Export:
		sp.action = actPlan
		q := x.Query
		switch {
		case x.Stmt != nil:
			q = &ast.Select{SelectPos: x.Pos(), Items: []*ast.SelectItem{{ItemPos: x.Stmt.Pos(), Star: true}},
				From: &ast.StmtSource{Lparen: x.Stmt.Pos(), Stmt: x.Stmt, Alias: ast.Ident{NamePos: x.Stmt.Pos(), Name: "rows"}}}
		case q == nil:
			q = &ast.Select{SelectPos: x.Pos(), Items: []*ast.SelectItem{{ItemPos: x.Name.Pos(), Star: true}},
				From: &ast.TableSource{Name: x.Name}}
		}
		a.block(q, nil, true)
	case *ast.CompareIntraclass:
		sp.action = actPlan
		for _, src := range []ast.Source{x.A, x.B} {
			a.block(compareSide(src, x.By, x.On), nil, true)
		}
	case *ast.Evaluate:
		sp.action = actPlan
		label := x.Label
		if label == nil {
			label = &ast.ColumnRef{Column: ast.Ident{NamePos: x.Source.Pos(), Name: "synset"}}
		}
		a.block(&ast.Select{SelectPos: x.Pos(), From: x.Source, Items: []*ast.SelectItem{{ItemPos: label.Pos(), Expr: label}}}, nil, true)
	case *ast.ShowSynset:
		sp.action = actMerge
	case *ast.Show:
		switch x.What {
		case ast.ShowSynsets, ast.ShowSettings:
			sp.action = actMerge
		default:
			a.refuse(x.Pos(), "%s describes one database (its tables, sets or indexes), not the merge of several; run it on a partial's database with laiondb query", sp.kind)
		}
	case *ast.Set:
		sp.action = actRun
	case *ast.Ingest:
		sp.action = actRun
		t := strings.ToLower(x.Table.Name)
		if t == a.sharded {
			sp.ingestSharded = true
			a.names[t] = readsSharded
		} else {
			if a.names[t] == readsSharded {
				a.refuse(x.Table.Pos(), "%s is a set of the sharded table", x.Table.Name)
			}
			a.names[t] = readsOther
		}
	case *ast.CreateSet:
		sp.action = actRun
		r, rowWise := a.classify(x.Query, nil)
		switch {
		case r == readsSharded && rowWise:
			sp.setSharded = true
			a.place(x.Query, nil, true)
			a.names[strings.ToLower(x.Name.Name)] = readsSharded
		case r == readsSharded || r == readsAll:
			a.refuse(x.Query.Pos(), "the set %s would need every shard's rows (%s), so each partial would make a different set; a set of the sharded table must keep or drop its rows one by one (WHERE, computed columns, SAMPLE p PERCENT)", x.Name.Name, a.why(x.Query))
		default:
			a.place(x.Query, nil, false)
			a.names[strings.ToLower(x.Name.Name)] = readsOther
		}
	case *ast.DropSet:
		sp.action = actRun
		delete(a.names, strings.ToLower(x.Name.Name))
	case *ast.ImportEmbeddings, *ast.ImportClassifier, *ast.ImportPredictions, *ast.DropClassifier:
		sp.action = actRun
	case *ast.CreateClassifier:
		sp.action = actRun
		r, _ := a.classify(x.Query, nil)
		if r == readsSharded || r == readsAll {
			a.refuse(x.Query.Pos(), "a classifier made from the sharded table's rows needs every shard, and the partials score rows with it one by one; make it from another table (such as the ImageNet set) or on one database")
			return
		}
		// Every partial makes it (later statements score rows with it),
		// and the merge makes it again from the query's state.
		a.block(x.Query, nil, true)
	case *ast.ShowClassifiers:
		sp.action = actMerge
	case *ast.Explain:
		a.refuse(x.Pos(), "EXPLAIN shows one database's plan; run it on a partial's database with laiondb query")
	case *ast.Describe:
		a.refuse(x.Pos(), "DESCRIBE counts one database's rows; run it on a partial's database with laiondb query")
	case *ast.CreateIndex:
		a.refuse(x.Pos(), "a partial run searches vectors exactly (so that the merged nearest neighbours are those of one database searched exactly), and an index would not be used; leave CREATE INDEX out of the script")
	case *ast.DropIndex:
		a.refuse(x.Pos(), "indexes are not used in partial runs (they search exactly); leave DROP INDEX out of the script")
	case *ast.RefreshSet:
		a.refuse(x.Pos(), "REFRESH SET runs a definition recorded in one database; DROP SET and CREATE SET it in the script instead")
	case *ast.Reindex, *ast.Vacuum:
		a.refuse(sp.stmt.Pos(), "%s maintains one database's storage; run it with laiondb on that database", sp.kind)
	default:
		a.refuse(sp.stmt.Pos(), "%s is not supported in partial runs", sp.kind)
	}
}

// compareSide is the query COMPARE INTRACLASS reads a side with.
func compareSide(src ast.Source, by ast.Expr, on ast.Ident) *ast.Select {
	col := "img"
	if !on.IsZero() {
		col = on.Name
	}
	return compareSelect(src, col, by, on.NamePos)
}

// withEnv is the WITH queries visible to a query, innermost first.
type withEnv struct {
	parent *withEnv
	w      *ast.WithQuery
	sees   *withEnv
}

func (e *withEnv) lookup(name string) *withEnv {
	for ; e != nil; e = e.parent {
		if strings.EqualFold(e.w.Name.Name, name) {
			return e
		}
	}
	return nil
}

func (e *withEnv) add(ws []*ast.WithQuery) *withEnv {
	cur := e
	for _, w := range ws {
		cur = &withEnv{parent: cur, w: w, sees: cur}
	}
	return cur
}

// shape is what a query block does besides reading its rows.
type shape struct {
	agg, sampleK, distinct, order, limit bool
}

func shapeOf(q *ast.Select) shape {
	sh := shape{distinct: q.Distinct, order: len(q.OrderBy) > 0, limit: q.Limit != nil}
	sh.sampleK = q.Sample != nil && !q.Sample.Percent
	sh.agg = len(q.GroupBy) > 0 || q.Having != nil
	for _, it := range q.Items {
		if !it.Star && hasAggregateCall(it.Expr) {
			sh.agg = true
		}
	}
	for _, o := range q.OrderBy {
		if hasAggregateCall(o.Expr) {
			sh.agg = true
		}
	}
	return sh
}

// rowWise reports whether a block keeps or drops its rows one by one.
func (sh shape) rowWise() bool {
	return !sh.agg && !sh.sampleK && !sh.distinct && !sh.order && !sh.limit
}

// hasAggregateCall reports whether e calls an aggregate at its own level
// (not inside a subquery).
func hasAggregateCall(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Subquery, *ast.Exists, *ast.Select:
			return false
		case *ast.Call:
			if funcs.Aggregates[strings.ToLower(x.Name.Name)] != nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// classify says what a block reads, and whether it keeps its rows one by
// one (for a block reading the sharded table: whether it is itself a
// filter of the sharded rows).
func (a *analyzer) classify(q *ast.Select, env *withEnv) (reads, bool) {
	env = env.add(q.With)
	if len(q.Unions) > 0 {
		r := readsNone
		first := *q
		first.With, first.Unions, first.OrderBy, first.Limit = nil, nil, nil, nil
		arms := []*ast.Select{&first}
		for _, u := range q.Unions {
			arms = append(arms, u.Query)
		}
		for _, arm := range arms {
			ar, _ := a.classify(arm, env)
			r = max(r, ar)
		}
		if r == readsSharded {
			r = readsAll
		}
		return r, false
	}
	r := a.sourceReads(q.From, env)
	sh := shapeOf(q)
	if r == readsSharded && !sh.rowWise() {
		return readsAll, false
	}
	return r, r == readsSharded
}

// sourceReads says what a FROM clause reads.
func (a *analyzer) sourceReads(s ast.Source, env *withEnv) reads {
	switch x := s.(type) {
	case nil:
		return readsNone
	case *ast.TableSource:
		if w := env.lookup(x.Name.Name); w != nil {
			return a.withReads(w)
		}
		if r, ok := a.names[strings.ToLower(x.Name.Name)]; ok {
			return r
		}
		return readsOther // unknown names are Check's errors
	case *ast.SubquerySource:
		r, _ := a.classify(x.Query, env)
		return r
	case *ast.StmtSource:
		return a.stmtReads(x.Stmt, env)
	case *ast.Join:
		return max(a.sourceReads(x.Left, env), a.sourceReads(x.Right, env))
	}
	return readsOther
}

func (a *analyzer) withReads(w *withEnv) reads {
	if w.w.Query != nil {
		r, _ := a.classify(w.w.Query, w.sees)
		return r
	}
	return a.stmtReads(w.w.Stmt, w.sees)
}

// stmtReads says what a statement read as a source reads.
func (a *analyzer) stmtReads(st ast.Stmt, env *withEnv) reads {
	switch x := st.(type) {
	case *ast.SelectStmt:
		r, _ := a.classify(x.Query, env)
		return r
	case *ast.Nearest:
		r, _ := a.classify(plan.NearestQuery(x), env)
		return r
	case *ast.CompareIntraclass:
		r := max(a.sourceReads(x.A, env), a.sourceReads(x.B, env))
		if r == readsSharded {
			r = readsAll
		}
		return r
	case *ast.Evaluate:
		r := a.sourceReads(x.Source, env)
		if r == readsSharded {
			r = readsAll
		}
		return r
	case *ast.Show:
		if x.What == ast.ShowSynsets || x.What == ast.ShowSettings {
			return readsNone
		}
	case *ast.ShowSynset:
		return readsNone
	}
	return readsOther
}

// why says in a few words why a block needs every shard.
func (a *analyzer) why(q *ast.Select) string {
	sh := shapeOf(q)
	switch {
	case len(q.Unions) > 0:
		return "a UNION"
	case sh.agg:
		return "an aggregate"
	case sh.sampleK:
		return "SAMPLE k"
	case sh.limit:
		return "LIMIT"
	case sh.order:
		return "ORDER BY"
	case sh.distinct:
		return "DISTINCT"
	}
	return "a subquery that needs every shard"
}

// block places a query block whose rows are used atMerge (by laiondb
// merge: a statement's own query, an upper part's subquery) or in a
// partial's computation (local).
func (a *analyzer) block(q *ast.Select, env *withEnv, atMerge bool) {
	r, _ := a.classify(q, env)
	switch {
	case atMerge && (r == readsOther || r == readsSharded || (r == readsAll && a.readsTablesDirectly(q, env))):
		a.cut(q, env, r)
	case atMerge:
		a.mergeTime(q, env)
	default:
		a.place(q, env, false) // an expression's subquery: never the sharded rows
	}
}

// readsTablesDirectly reports whether a block that needs every shard does
// so itself (an aggregate or LIMIT over the sharded rows) rather than
// through a subquery in FROM that does.
func (a *analyzer) readsTablesDirectly(q *ast.Select, env *withEnv) bool {
	if len(q.Unions) > 0 {
		return false
	}
	r := a.sourceReads(q.From, env.add(q.With))
	return r == readsSharded || r == readsOther
}

// cut makes q a cut block: a partial computes the rows under its cut (all
// of its FROM, and the parts the cut's kind puts below), laiondb merge the
// rest from the merged states.
func (a *analyzer) cut(q *ast.Select, env *withEnv, r reads) {
	a.cur.cuts[q.Pos().Offset] = true
	env2 := env.add(q.With)
	if len(q.Unions) > 0 {
		if r == readsAll {
			a.refuse(q.Pos(), "a UNION of queries over the sharded table is not supported in partial runs; merge each part in a statement of its own")
			return
		}
		a.place(q, env, false) // computed whole by every partial
		return
	}
	sh := shapeOf(q)
	a.fromLocal(q.From, env2)
	a.checkJoins(q.From, env2)
	// WHERE runs in the partial, unless a conjunct that needs every shard
	// can move above the aggregate.
	for _, c := range conjunctsOf(q.Where) {
		if !a.needsAll(c, env2) {
			a.exprAt(c, env2, false, false)
			continue
		}
		if a.hoistable(q, sh, c) {
			a.hoists = append(a.hoists, hoist{q: q, conj: c})
			a.exprAt(c, env2, true, false)
			continue
		}
		a.refuseRowWise(c, env2, "WHERE")
	}
	if q.Sample != nil {
		a.local(q.Sample.Per, env2, "SAMPLE ... PER")
	}
	switch {
	case sh.sampleK:
		// Everything after the sample is computed by the merge.
		for _, g := range q.GroupBy {
			a.exprAt(g, env2, true, false)
		}
		for _, it := range q.Items {
			a.exprAt(it.Expr, env2, true, false)
		}
		a.exprAt(q.Having, env2, true, false)
		for _, o := range q.OrderBy {
			a.exprAt(o.Expr, env2, true, false)
		}
		if q.Limit != nil {
			a.exprAt(q.Limit.Per, env2, true, false)
		}
		a.checkAggregates(q, env2, true)
	case sh.agg:
		for _, g := range q.GroupBy {
			a.local(g, env2, "GROUP BY")
		}
		for _, it := range q.Items {
			a.exprAt(it.Expr, env2, true, true)
		}
		a.exprAt(q.Having, env2, true, true)
		for _, o := range q.OrderBy {
			a.exprAt(o.Expr, env2, true, true)
		}
		if q.Limit != nil {
			a.exprAt(q.Limit.Per, env2, true, true)
		}
		a.checkAggregates(q, env2, false)
	default:
		for _, it := range q.Items {
			a.local(it.Expr, env2, "the select list")
		}
		for _, o := range q.OrderBy {
			a.local(o.Expr, env2, "ORDER BY")
		}
		if q.Limit != nil {
			a.local(q.Limit.Per, env2, "LIMIT ... PER")
		}
	}
}

// checkAggregates refuses aggregates whose states do not merge, and (for
// aggregates computed in the partial) subqueries in their arguments that
// need every shard.
func (a *analyzer) checkAggregates(q *ast.Select, env *withEnv, atMerge bool) {
	var exprs []ast.Expr
	for _, it := range q.Items {
		exprs = append(exprs, it.Expr)
	}
	exprs = append(exprs, q.Having)
	for _, o := range q.OrderBy {
		exprs = append(exprs, o.Expr)
	}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		ast.Inspect(e, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Subquery, *ast.Exists, *ast.Select:
				return false
			case *ast.Call:
				ag := funcs.Aggregates[strings.ToLower(x.Name.Name)]
				if ag == nil {
					return true
				}
				if !atMerge && !ag.CanMerge(nil) {
					a.refuse(x.Pos(), "the states of %s do not merge", x.Name.Name)
				}
				if !atMerge {
					for _, arg := range x.Args {
						a.local(arg, env, "an aggregate's argument")
					}
				}
				return false
			}
			return true
		})
	}
}

// hoistable reports whether a WHERE conjunct of an aggregate block reads
// only columns the block groups by (and, with SAMPLE k PER e, samples
// by): such a condition keeps or drops whole groups, and can be applied
// to the groups instead.
func (a *analyzer) hoistable(q *ast.Select, sh shape, c ast.Expr) bool {
	if !sh.agg || len(q.GroupBy) == 0 {
		return false
	}
	keys := map[string]bool{}
	for _, g := range q.GroupBy {
		if name := groupColumn(q, g); name != "" {
			keys[name] = true
		}
	}
	per := ""
	if sh.sampleK {
		if q.Sample.Per == nil {
			return false
		}
		per = groupColumn(q, q.Sample.Per)
		if per == "" {
			return false
		}
	}
	ok, any := true, false
	ast.Inspect(c, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Subquery, *ast.Exists, *ast.Select:
			return false
		case *ast.ColumnRef:
			name := strings.ToLower(x.Column.Name)
			any = true
			if !keys[name] || (per != "" && name != per) {
				ok = false
			}
		}
		return ok
	})
	return ok && any
}

// groupColumn is the column a GROUP BY entry names (through an ordinal or
// an output alias), "" when it is not a plain column.
func groupColumn(q *ast.Select, g ast.Expr) string {
	switch x := g.(type) {
	case *ast.IntLit:
		if x.Value >= 1 && int(x.Value) <= len(q.Items) && !q.Items[x.Value-1].Star {
			return groupColumn(q, q.Items[x.Value-1].Expr)
		}
	case *ast.ColumnRef:
		for _, it := range q.Items {
			if !it.Star && strings.EqualFold(it.Alias.Name, x.Column.Name) {
				if ref, ok := it.Expr.(*ast.ColumnRef); ok {
					return strings.ToLower(ref.Column.Name)
				}
				return ""
			}
		}
		return strings.ToLower(x.Column.Name)
	}
	return ""
}

// mergeTime places a block that laiondb merge computes (it reads rows
// made from every shard, or no table): everything in it is needed at the
// merge.
func (a *analyzer) mergeTime(q *ast.Select, env *withEnv) {
	env = env.add(q.With)
	if len(q.Unions) > 0 {
		first := *q
		first.With, first.Unions, first.OrderBy, first.Limit = nil, nil, nil, nil
		arms := []*ast.Select{&first}
		for _, u := range q.Unions {
			arms = append(arms, u.Query)
		}
		for _, arm := range arms {
			if r, _ := a.classify(arm, env); r != readsNone && a.readsTablesDirectly(arm, env) {
				a.refuse(arm.Pos(), "a UNION that needs every shard can only join queries that are computed from every shard through subqueries; merge each part in a statement of its own")
				continue
			}
			a.mergeTime(arm, env)
		}
		for _, o := range q.OrderBy {
			a.exprAt(o.Expr, env, true, false)
		}
		return
	}
	a.fromAtMerge(q.From, env)
	ast.Inspect(q, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Select:
			return x == q
		case ast.Source:
			return false
		case ast.Expr:
			a.exprAt(x, env, true, false)
			return false
		}
		return true
	})
}

// fromAtMerge places the sources of a block the merge computes.
func (a *analyzer) fromAtMerge(s ast.Source, env *withEnv) {
	switch x := s.(type) {
	case *ast.TableSource:
		if w := env.lookup(x.Name.Name); w != nil {
			if w.w.Query != nil {
				a.block(w.w.Query, w.sees, true)
			} else {
				a.stmtAtMerge(w.w.Stmt, w.sees)
			}
			return
		}
		if a.names[strings.ToLower(x.Name.Name)] != readsNone {
			a.refuse(x.Pos(), "the merge has rows made from every shard here, and no rows of %s to join them with: read %s in a subquery of its own, e.g. (SELECT ... FROM %s GROUP BY ...)", x.Name.Name, x.Name.Name, x.Name.Name)
		}
	case *ast.SubquerySource:
		a.block(x.Query, env, true)
	case *ast.StmtSource:
		a.stmtAtMerge(x.Stmt, env)
	case *ast.Join:
		a.fromAtMerge(x.Left, env)
		a.fromAtMerge(x.Right, env)
		if x.On != nil {
			a.exprAt(x.On, env, true, false)
		}
	}
}

// stmtAtMerge places a statement read as a source by the merge.
func (a *analyzer) stmtAtMerge(st ast.Stmt, env *withEnv) {
	switch x := st.(type) {
	case *ast.SelectStmt:
		a.block(x.Query, env, true)
	case *ast.Nearest:
		a.block(plan.NearestQuery(x), env, true)
	case *ast.CompareIntraclass:
		for _, src := range []ast.Source{x.A, x.B} {
			a.block(compareSide(src, x.By, x.On), env, true)
		}
	case *ast.Evaluate:
		label := x.Label
		if label == nil {
			label = &ast.ColumnRef{Column: ast.Ident{NamePos: x.Source.Pos(), Name: "synset"}}
		}
		a.block(&ast.Select{SelectPos: x.Pos(), From: x.Source, Items: []*ast.SelectItem{{ItemPos: label.Pos(), Expr: label}}}, env, true)
	case *ast.Show, *ast.ShowSynset:
		if a.stmtReads(st, env) != readsNone {
			a.refuse(st.Pos(), "SHOW describes one database, not the merge of several")
		}
	default:
		a.refuse(st.Pos(), "this statement cannot be read as a source in a partial run")
	}
}

// place checks a block a partial computes whole: it must read no rows
// that need every shard, and the sharded table only where allowSharded
// (the FROM of a block over the sharded rows).
func (a *analyzer) place(q *ast.Select, env *withEnv, allowSharded bool) {
	r, rowWise := a.classify(q, env)
	if r == readsAll || (r == readsSharded && (!allowSharded || !rowWise)) {
		a.refuse(q.Pos(), "this query reads the sharded table %s (%s) where each partial must compute it alone; it can only be used where laiondb merge combines the partials' answers (a statement's own query, or the select list or HAVING of an aggregate)", a.sharded, a.why(q))
		return
	}
	env = env.add(q.With)
	a.fromLocal(q.From, env)
	a.checkJoins(q.From, env)
	ast.Inspect(q, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Select:
			return x == q
		case ast.Source:
			return false
		case ast.Expr:
			a.exprAt(x, env, false, false)
			return false
		}
		return true
	})
	if len(q.Unions) > 0 {
		for _, u := range q.Unions {
			a.place(u.Query, env, false)
		}
	}
}

// fromLocal places the sources of a block a partial computes: subqueries
// in FROM are part of it (they may read the sharded rows row by row).
func (a *analyzer) fromLocal(s ast.Source, env *withEnv) {
	switch x := s.(type) {
	case *ast.TableSource:
		if w := env.lookup(x.Name.Name); w != nil {
			if w.w.Query != nil {
				a.place(w.w.Query, w.sees, true)
			} else {
				a.stmtLocal(w.w.Stmt, w.sees)
			}
		}
	case *ast.SubquerySource:
		a.place(x.Query, env, true)
	case *ast.StmtSource:
		a.stmtLocal(x.Stmt, env)
	case *ast.Join:
		a.fromLocal(x.Left, env)
		a.fromLocal(x.Right, env)
		if x.On != nil {
			a.exprAt(x.On, env, false, false)
		}
	}
}

func (a *analyzer) stmtLocal(st ast.Stmt, env *withEnv) {
	switch x := st.(type) {
	case *ast.SelectStmt:
		a.place(x.Query, env, true)
	case *ast.Nearest:
		a.place(plan.NearestQuery(x), env, true)
	default:
		if r := a.stmtReads(st, env); r == readsSharded || r == readsAll {
			a.refuse(st.Pos(), "this statement reads the sharded table %s where each partial must compute it alone", a.sharded)
		}
	}
}

// checkJoins refuses joins with the sharded rows: the order a join gives
// its rows depends on which side it reads into memory, which depends on
// how many rows each side has, so a partial's rows would not come in the
// order one database's do.
func (a *analyzer) checkJoins(s ast.Source, env *withEnv) {
	j, ok := s.(*ast.Join)
	if !ok {
		return
	}
	if a.sourceReads(j.Left, env) == readsSharded || a.sourceReads(j.Right, env) == readsSharded {
		a.refuse(j.Pos(), "a JOIN with rows of the sharded table %s is not supported in partial runs: keep the rows that match another table with WHERE ... IN (SELECT ...) or WHERE EXISTS (SELECT ...) instead", a.sharded)
	}
	a.checkJoins(j.Left, env)
	a.checkJoins(j.Right, env)
}

// needsAll reports whether an expression holds a subquery that needs
// every shard (or reads the sharded table).
func (a *analyzer) needsAll(e ast.Expr, env *withEnv) bool {
	found := false
	eachSubquery(e, func(q *ast.Select, _ ast.Pos) {
		if r, _ := a.classify(q, env); r == readsSharded || r == readsAll {
			found = true
		}
	})
	return found
}

func (a *analyzer) refuseRowWise(e ast.Expr, env *withEnv, where string) {
	eachSubquery(e, func(q *ast.Select, at ast.Pos) {
		if r, _ := a.classify(q, env); r == readsSharded || r == readsAll {
			a.refuse(at, "this subquery reads the sharded table %s, and its answer needs every shard, but %s uses it row by row; compute it in a statement of its own and pass the value with --var, or run the script on one database", a.sharded, where)
		}
	})
}

// local places the subqueries of an expression a partial evaluates.
func (a *analyzer) local(e ast.Expr, env *withEnv, where string) {
	if e == nil {
		return
	}
	if a.needsAll(e, env) {
		a.refuseRowWise(e, env, where)
		return
	}
	a.exprAt(e, env, false, false)
}

// exprAt places the subqueries of an expression: evaluated by the merge
// (atMerge) or by a partial. With aggArgsLocal, the arguments of
// aggregates are a partial's (an aggregate block's upper part).
func (a *analyzer) exprAt(e ast.Expr, env *withEnv, atMerge, aggArgsLocal bool) {
	if e == nil {
		return
	}
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Call:
			if aggArgsLocal && funcs.Aggregates[strings.ToLower(x.Name.Name)] != nil {
				return false // checked by checkAggregates
			}
		case *ast.Subquery:
			a.block(x.Query, env, atMerge)
			return false
		case *ast.Exists:
			a.block(x.Query, env, atMerge)
			return false
		case *ast.In:
			if x.Query != nil {
				a.exprAt(x.X, env, atMerge, aggArgsLocal)
				a.block(x.Query, env, atMerge)
				return false
			}
		}
		return true
	})
}

// eachSubquery calls f with the subqueries of e at its own level.
func eachSubquery(e ast.Expr, f func(q *ast.Select, at ast.Pos)) {
	if e == nil {
		return
	}
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Subquery:
			f(x.Query, x.Pos())
			return false
		case *ast.Exists:
			f(x.Query, x.Pos())
			return false
		case *ast.In:
			if x.Query != nil {
				eachSubquery(x.X, f)
				f(x.Query, x.Query.Pos())
				return false
			}
		}
		return true
	})
}

// setReads says what reading a set that exists before the script reads:
// the sharded rows when it holds rows of the sharded table and was made
// row by row (its recorded definition says), other rows otherwise; a set
// of the sharded table made otherwise is an error.
func (s *Session) setReads(set *engine.Set, sharded string) (reads, error) {
	if !strings.EqualFold(set.Table, sharded) {
		return readsOther, nil
	}
	if set.Definition == nil {
		return 0, fmt.Errorf("set %s holds rows of the sharded table %s but was made before definitions were recorded; make it again in the script (DROP SET, CREATE SET) so that every partial makes it", set.Name, sharded)
	}
	st, err := ast.ParseStatement("", set.Definition.Statement)
	if err != nil {
		return 0, fmt.Errorf("set %s: its recorded definition does not parse: %v", set.Name, err)
	}
	cs, ok := st.(*ast.CreateSet)
	if !ok {
		return 0, fmt.Errorf("set %s: its recorded definition is not a CREATE SET", set.Name)
	}
	a := &analyzer{s: s, sharded: strings.ToLower(sharded), names: map[string]reads{strings.ToLower(sharded): readsSharded}}
	if r, rowWise := a.classify(cs.Query, nil); r == readsSharded && rowWise {
		return readsSharded, nil
	}
	return 0, fmt.Errorf("set %s holds rows of the sharded table %s chosen with %s, which needs every shard; make it in the script, row by row, or run on one database", set.Name, sharded, a.why(cs.Query))
}
