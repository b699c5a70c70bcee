// Package exec runs plans: compiled expressions (Expr: constants, column
// references, operators, function calls, MATCHES, embed(), subqueries,
// columns of an outer query) and the operators of a plan (PlanNode: scan,
// nearest-neighbour search, filter, sample, project, aggregate, sort,
// limit, distinct, hash join, union, a statement's rows, ...), each opened
// into a pull-based row stream (value.Rows) that checks the context
// between rows, so cancelling a statement's context stops it.
//
// Rows come from the engine's snapshot API (Scan, Fetch, Nearest, Labels):
// exec knows rows, columns and ids, never the storage layout. Expressions
// reach the session through EvalHost. Every operator explains itself in one
// line (Explain), which EXPLAIN prints, followed by the plans of the
// subqueries in its expressions.
//
// Joins are hash joins (JoinNode): the build side is read into a hash
// table, the probe side streams past it, so a join's memory is its build
// side's. A correlated subquery reads the rows around it through OuterRef;
// the subquery expression puts them on the EvalCtx while its plan runs,
// and caches its result per distinct outer key (Correlation).
//
// Caveats: a Row handed out by an operator is valid only until the next
// call to Next; operators that keep rows (sort, aggregate, the build side
// of a join, a correlated lookup) copy them. The caches of a correlated
// subquery and a LookupNode live as long as the plan: one statement.
package exec
