package value

// Column describes a result column.
type Column struct {
	Name string
	Type Type
}

// Row is one result row, a value per column. A Row handed out by Rows is
// valid only until the next call to Next.
type Row []Value

// Rows is a stream of rows, pulled with Next.
type Rows interface {
	// Next advances to the next row; false at the end or on error.
	Next() bool
	// Row returns the current row.
	Row() Row
	// Err returns the error that ended the stream, if any.
	Err() error
	// Close releases the stream's resources; it may be called early.
	Close() error
}

// sliceRows serves rows from memory.
type sliceRows struct {
	rows []Row
	i    int
}

func NewSliceRows(rows []Row) *sliceRows { return &sliceRows{rows: rows, i: -1} }

func (s *sliceRows) Next() bool { s.i++; return s.i < len(s.rows) }

func (s *sliceRows) Row() Row { return s.rows[s.i] }

func (s *sliceRows) Err() error { return nil }

func (s *sliceRows) Close() error { s.i = len(s.rows); return nil }

// Collect reads every row of r (copying each) and closes it.
func Collect(r Rows) ([]Row, error) {
	defer r.Close()
	var out []Row
	for r.Next() {
		out = append(out, append(Row(nil), r.Row()...))
	}
	return out, r.Err()
}
