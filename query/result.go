package query

// Result is what a statement returns: rows with their columns (queries,
// SHOW, DESCRIBE, EXPLAIN, COMPARE), or only a message (INGEST, SET,
// CREATE SET), or both (COMPARE's summary line).
type Result struct {
	Columns []Column
	Rows    Rows   // nil when the statement returns no rows
	Message string // a line for the user, e.g. "created set laionet (12,345 rows)"
}

// Collect reads every row of r (copying each) and closes it.
func Collect(r Rows) ([]Row, error) {
	defer r.Close()
	var out []Row
	for r.Next() {
		out = append(out, append(Row(nil), r.Row()...))
	}
	return out, r.Err()
}
