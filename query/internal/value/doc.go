// Package value holds what every part of the language shares: values and
// their types (the engine's Value), comparison and grouping keys, rows and
// row streams (Row, Rows), the layout of an operator's rows (Schema), and
// statement errors placed at a line and column (Error, ErrAt).
//
// Caveats: a Row handed out by Rows is valid only until the next call to
// Next; Collect copies.
package value
