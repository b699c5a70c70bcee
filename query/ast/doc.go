// Package ast is the query language's syntax tree and its front door:
// ParseScript, ParseStatement and ParseExpr turn text into statements
// (Stmt: *SelectStmt, *CreateSet, *Nearest, *CompareIntraclass, ...),
// queries (*Select, with its WITH queries and UNION arms), sources
// (Source: *TableSource, *SubquerySource, *StmtSource — any statement in
// parentheses — and *Join) and expressions (Expr: *Binary, *Call,
// *ColumnRef, *Matches, ...), every node with its Pos and every parsed
// statement, a statement in parentheses too, with its Span (start, end,
// original text). String on any node prints canonical text that
// parses back to an equal tree; Walk and Inspect traverse it;
// SplitStatements and Complete serve the shell and the script runner.
// Bad input gives a *SyntaxError with file:line:col, what was found and
// expected, and the source line with a caret. The grammar itself lives
// in query/internal/grammar, the only user of participle. Caveats: the
// tree is purely syntactic: names, functions, types, constant-ness of
// the values statements take (paths, counts, titles), output ordinals in
// GROUP BY / ORDER BY and variables are all left to the planner; Idents
// keep the source's spelling.
package ast
