package export

import (
	"errors"
	"fmt"
)

// Sentinel errors. Write wraps them with the file name and, for row
// problems, a *RowError naming the row and column; test with errors.Is.
var (
	// ErrFormat: the file name's extension names no supported format.
	ErrFormat = errors.New("unsupported export format")
	// ErrColumns: the column list cannot be written (empty, a name empty or
	// repeated, an unknown type, LAIONET names without a model).
	ErrColumns = errors.New("bad export columns")
	// ErrValue: a row does not fit the columns (wrong width, a value of
	// another type, a vector of another dimension).
	ErrValue = errors.New("value does not fit its column")
)

// RowError says which row (1-based, in the order the rows came) and which
// column could not be written.
type RowError struct {
	Row    int64
	Column string // empty when the whole row is wrong (its width)
	Err    error
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("row %d, column %s: %v", e.Row, e.Column, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }
