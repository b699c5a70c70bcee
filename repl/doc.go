// Package repl is laiondb's front end for people and scripts: it reads
// statements and dot commands, runs them through a query.Session, and
// writes the results. It owns the terminal (only repl imports liner) and
// the output formats; it knows nothing of plans or storage.
//
// Printer writes a query.Result in one of the formats (table, box,
// markdown, csv, tsv, json, jsonl, line; see Format), streaming rows as
// they are pulled and checking the context between them. Shell is the
// interactive shell modelled on sqlite3's, with its dot commands, and the
// reader of piped statements when stdin is not a terminal. RunScript runs
// a saved script for `laiondb run` and `laiondb query` once CheckScript
// has found nothing wrong in the whole of it, and stops at the first
// error. Conn is the database they run against: given an Opener, it
// keeps it read-only between statements and read-write only while a
// statement that writes runs (waiting up to BusyTimeout for other
// processes), creates a missing database only before the first statement
// that writes, and opens another for .open. Locate gives any error from a statement
// its file:line:col and source excerpt. Progress and ProgressReporter
// draw progress bars on a terminal only.
//
// Caveats. With piped input the shell carries on after an error, like
// sqlite3 (unless .bail on), and reports the failure only in Run's result
// (ErrFailed); RunScript stops instead. In the formats for machines
// (csv, tsv, json, jsonl) Result.Message goes to the Printer's Err, not
// Out, so Out holds only rows; in csv NULL is an empty field and the
// empty string a quoted "" (PostgreSQL's convention). The table formats
// fit Printer.Width by cutting text, then leaving columns out, never by
// cutting a number; they read up to Buffer rows ahead to size the
// columns, and later text is cut to those widths (a later, wider number
// widens its line). A terminal Shell must own the process's standard
// input and output (liner reads and writes them directly) and handles
// SIGINT itself while it runs: Ctrl-C cancels the running statement, not
// the shell, so the context given to Run is not used for cancellation
// there.
package repl
