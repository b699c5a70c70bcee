// Package query runs the language. A Session holds what persists between
// statements — settings (SET), variables ($name), the embedding provider
// and its cache — and Session.Exec runs one parsed statement (package ast)
// against the database, returning a Result whose rows are pulled with
// Next/Row/Err/Close.
//
// The work is split along its seams, under internal/: plan compiles
// expressions and plans a SELECT (a naive plan, then named rewrite rules);
// exec runs the plan's operators over the engine's snapshot API; funcs
// holds the scalar functions and aggregates; value the values, rows and
// errors they share; export and plot write EXPORT's files and PLOT's
// charts. This package executes the statements themselves (SHOW, INGEST,
// CREATE SET, COMPARE, IMPORT CLASSIFIER, EVALUATE, ...); COMPARE and
// EVALUATE return plain rows (Columns and Rows), like a query.
//
// Every statement reads one snapshot of the database, taken when it starts
// and closed with its rows. Cancelling the context cancels the statement,
// not the session.
//
// # Statements as sources
//
// A statement that returns rows can be read like a table — in FROM,
// (COMPARE INTRACLASS a, b BY synset) AS c; as a WITH query; by EXPORT —
// through one hook, Session.statementRows (source.go), which the planner
// calls for any statement in parentheses other than SELECT and NEAREST
// (it plans those itself). The hook lists the statements that return rows
// and change nothing, and runs each with its own exec function: the
// Result's Columns and Rows become the source's. A new statement of that
// kind (EVALUATE, say) needs one case there; if its columns are known
// without running it (COMPARE's follow from its sources' names), giving
// them lets EXPLAIN show the plan without running it, and the statement
// runs when the query reads it; otherwise it runs while the query is
// planned. Either way it runs once per statement that reads it, in that
// statement's snapshot. Any other statement in parentheses is an error
// that says it returns no rows.
//
// # Checking scripts
//
// Session.Check finds, before a script runs, the errors knowable without
// running it (unknown tables, sets, functions and settings, unset
// variables), and Writes tells the statements that write from those that
// only read, so that a caller can create a missing database only when
// something will be written to it.
//
// Caveats: a Row returned by Rows is valid only until the next call to
// Next. Errors about a statement are *Error values carrying the position
// and the source line with a caret.
package query
