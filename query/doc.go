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
// CREATE SET, COMPARE, ...).
//
// Every statement reads one snapshot of the database, taken when it starts
// and closed with its rows. Cancelling the context cancels the statement,
// not the session.
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
