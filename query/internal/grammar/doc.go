// Package grammar is the query language's concrete syntax: the scanner,
// the participle grammar structs (one per production, expressions one
// type per precedence level as a head plus an (operator, operand) tail),
// and the error reporting, and it is the only package that imports
// participle. The Scanner keeps every token's exact source text and
// position; reserved words (IsReserved) lex as Keyword, every other
// keyword is an Ident matched by spelling where the grammar expects it,
// so names like synset or min stay usable. ParseStatement and
// ParseExpression return the grammar structs, which package ast lowers
// into its own tree; nothing else should read them. On a syntax error an
// exact Earley recogniser over participle's own EBNF (expect.go) finds
// the first token that fits nowhere and names what would have fitted,
// in the user's terms ("expression", "table or set name", GROUP BY).
// Caveats: the parsers are built lazily on first use; participle's
// lookahead is 2, and a test checks it never rejects what the exact
// recogniser accepts.
package grammar
