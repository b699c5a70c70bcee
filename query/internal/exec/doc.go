// Package exec runs plans: compiled expressions (Expr: constants, column
// references, operators, function calls, MATCHES, embed(), subqueries)
// and the operators of a plan (PlanNode: scan, nearest-neighbour search,
// filter, sample, project, aggregate, sort, limit, distinct, ...), each
// opened into a pull-based row stream (value.Rows) that checks the context
// between rows, so cancelling a statement's context stops it.
//
// Rows come from the engine's snapshot API (Scan, Fetch, Nearest, Labels):
// exec knows rows, columns and ids, never the storage layout. Expressions
// reach the session through EvalHost. Every operator explains itself in one
// line (Explain), which EXPLAIN prints.
//
// Caveats: a Row handed out by an operator is valid only until the next
// call to Next; operators that keep rows (sort, aggregate) copy them.
package exec
