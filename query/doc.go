// Package query runs the language: it checks parsed statements (package
// ast) against the database, plans each query as a chain of small
// operators, and executes them by pulling rows.
//
// A Session holds what persists between statements: settings (SET),
// variables ($name), the embedding provider and its cache. Session.Exec
// runs one statement and returns a Result whose rows are pulled with
// Next/Row/Err/Close; scans check the context between blocks of rows, so
// cancelling the context cancels the statement. Plans print themselves
// one operator per line (EXPLAIN), naming the access path: caption index,
// id lookup, vector index or full scan.
//
// Caveats: a Row returned by an iterator is valid only until the next
// call to Next; operators that keep rows (sort, aggregate) copy them.
// Errors about a statement are *Error values carrying the position and
// the source line with a caret.
package query
