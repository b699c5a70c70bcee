// Package plan turns a parsed SELECT into a plan of exec operators. The
// Compiler type-checks expressions against a row layout and compiles them
// (folding constants); the Planner builds the naive plan — source →
// filter → aggregate → filter (HAVING) → project → distinct → sort →
// limit — and applies its rewrite rules in order (rules.go): filter into
// scan, caption index, id lookup, vector range, nearest via hnsw, count
// from index, top-k sort. PlanWithRules reports which rules fired, for
// EXPLAIN.
//
// Planning reaches the session through Host (settings, $variables, the
// synset catalog, the statement's snapshot). Errors are *value.Error at the
// offending expression.
package plan
