// Package plan turns a parsed SELECT into a plan of exec operators. The
// Compiler type-checks expressions against a row layout and compiles them
// (folding constants); the Planner builds the naive plan — FROM (tables,
// sets, subqueries, WITH queries, statements, joins) → filter → aggregate
// → filter (HAVING) → project → distinct → sort → limit, or the arms of a
// UNION and the sort and limit of the whole — and applies its rewrite
// rules in order (rules.go): decorrelate subqueries, filter into join
// side, filter into subquery, filter into scan, caption index, id
// lookup, vector range, correlated lookup, nearest via hnsw, count from
// index, top-k sort, smaller side builds. PlanWithRules reports which rules fired, for
// EXPLAIN.
//
// A subquery in an expression gets its own Planner, which knows the query
// around it: a name that is no column of its own may be one of the outer
// query's (a correlated subquery); the Compiler records such reads, at
// the depth they reach, in the subquery's exec.Correlation. A WITH query
// is planned where it is used, like a view, seeing the WITH queries
// before it; a WITH name hides a table or set of the same name. A
// statement other than SELECT read as a source is planned by the host
// (Host.StatementRows).
//
// Planning reaches the session through Host (settings, $variables, the
// synset catalog, the statement's snapshot, statements as sources).
// Errors are *value.Error at the offending expression.
package plan
