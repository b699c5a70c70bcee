// Package repl is laiondb's front end for people and scripts: it reads
// statements and dot commands, runs them through a query.Session, and
// writes the results. It owns the terminal (only repl imports liner) and
// the output formats; it knows nothing of plans or storage.
//
// Printer writes a query.Result as a table, csv, jsonl or line records
// (see Format), streaming rows as they are pulled and checking the
// context between them. Shell is the interactive shell modelled on
// sqlite3's, and the reader of piped statements when stdin is not a
// terminal. RunScript runs a saved script for `laiondb run` and
// `laiondb query`, stopping at the first error. Locate gives any error
// from a statement its file:line:col and source excerpt. Progress and
// ProgressReporter draw progress bars on a terminal only.
//
// Caveats. With piped input the shell carries on after an error, like
// sqlite3, and reports the failure only in Run's result (ErrFailed);
// RunScript stops instead. In csv and jsonl, Result.Message goes to the
// Printer's Err, not Out, so Out holds only rows; in csv NULL is an empty
// field and the empty string a quoted "" (PostgreSQL's convention).
// Table mode reads up to Buffer rows ahead to size its columns; later
// rows are cut to those widths. A terminal Shell must own the process's
// standard input and output (liner reads and writes them directly) and
// handles SIGINT itself while it runs: Ctrl-C cancels the running
// statement, not the shell, so the context given to Run is not used for
// cancellation there.
package repl
