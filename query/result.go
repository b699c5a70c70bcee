package query

import (
	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/internal/value"
)

// Result is what a statement returns: rows with their columns (queries,
// SHOW, DESCRIBE, EXPLAIN, COMPARE), or only a message (INGEST, SET,
// CREATE SET), or both (COMPARE's summary line).
type Result struct {
	Columns []Column
	Rows    Rows   // nil when the statement returns no rows
	Message string // a line for the user, e.g. "created set laionet (12,345 rows)"
	// Changes counts the rows the statement wrote to or removed from the
	// database: rows ingested, rows of a set made, refreshed or dropped,
	// embeddings imported (the shell's .changes).
	Changes int64
}

// The language's values, rows and errors.
type (
	// Value is one typed value; the zero Value is NULL.
	Value = engine.Value
	// Type is the type of a value or column.
	Type = engine.Type
	// Column describes a result column.
	Column = value.Column
	// Row is one result row, a value per column. A Row handed out by Rows
	// is valid only until the next call to Next.
	Row = value.Row
	// Rows is a stream of rows, pulled with Next/Row/Err/Close.
	Rows = value.Rows
	// Error is a problem with a statement: where it is (file:line:col),
	// what is wrong, and the source line with a caret under the column.
	Error = value.Error
)

// Collect reads every row of r (copying each) and closes it.
func Collect(r Rows) ([]Row, error) { return value.Collect(r) }

// RowsOf returns rows held in memory as Rows.
func RowsOf(rows []Row) Rows { return value.NewSliceRows(rows) }
