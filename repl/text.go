package repl

import (
	"context"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/query"
)

// writeCSV writes a header row and one record per row, values as EXPORT
// writes them (query.AppendCSV): NULL is an empty field and the empty
// string a quoted empty field (""), as PostgreSQL's CSV does, so the two
// stay apart.
func (p *Printer) writeCSV(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	var b []byte
	if !p.NoHeader {
		for i, c := range res.Columns {
			if i > 0 {
				b = append(b, ',')
			}
			b = query.AppendCSVField(b, c.Name)
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return 0, err
		}
	}
	var n int64
	for {
		more, err := next(ctx, res.Rows)
		if !more {
			return n, err
		}
		b = b[:0]
		for i, v := range res.Rows.Row() {
			if i > 0 {
				b = append(b, ',')
			}
			b = query.AppendCSV(b, v)
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}

// writeJSONL writes one object per row, keys in column order. A name
// that repeats an earlier column gets a suffix (count, count_2) so every
// key is unique.
func writeJSONL(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	keys := jsonKeys(res.Columns)
	var b []byte
	var n int64
	for {
		more, err := next(ctx, res.Rows)
		if !more {
			return n, err
		}
		b = append(appendObject(b[:0], keys, res.Rows.Row()), '\n')
		if _, err := w.Write(b); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}

// writeJSON writes the rows as one JSON array of objects, one object a
// line, as sqlite3's .mode json does: [] when there are none.
func writeJSON(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	keys := jsonKeys(res.Columns)
	var b []byte
	var n int64
	for {
		more, err := next(ctx, res.Rows)
		if !more {
			if err == nil {
				if n == 0 {
					_, err = w.WriteString("[]\n")
				} else {
					_, err = w.WriteString("]\n")
				}
			}
			return n, err
		}
		b = b[:0]
		if n == 0 {
			b = append(b, '[')
		} else {
			b = append(b, ",\n"...)
		}
		b = appendObject(b, keys, res.Rows.Row())
		if _, err := w.Write(b); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}

// appendObject appends a row as a JSON object with the given keys.
func appendObject(b []byte, keys []string, row query.Row) []byte {
	b = append(b, '{')
	for i, v := range row {
		if i >= len(keys) {
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, keys[i]...)
		b = append(b, ':')
		b = query.AppendJSON(b, v)
	}
	return append(b, '}')
}

// writeTSV writes a header line (unless NoHeader) and one line per row,
// fields separated by tabs. Text escapes what would break the format
// (\t, \n, \r, \\); NULL is an empty field; numbers and vectors are
// written as in csv and json.
func (p *Printer) writeTSV(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	var b []byte
	if !p.NoHeader {
		for i, c := range res.Columns {
			if i > 0 {
				b = append(b, '\t')
			}
			b = appendTSVText(b, c.Name)
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return 0, err
		}
	}
	var n int64
	for {
		more, err := next(ctx, res.Rows)
		if !more {
			return n, err
		}
		b = b[:0]
		for i, v := range res.Rows.Row() {
			if i > 0 {
				b = append(b, '\t')
			}
			switch v.T {
			case query.TypeNull:
			case query.TypeString:
				b = appendTSVText(b, v.S)
			case query.TypeVector:
				b = query.AppendJSON(b, v)
			default:
				b = query.AppendCSV(b, v) // numbers and booleans: never quoted
			}
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}

func appendTSVText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\\':
			b = append(b, `\\`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// jsonKeys returns each column's quoted key, made unique.
func jsonKeys(cols []query.Column) []string {
	seen := map[string]bool{}
	keys := make([]string, len(cols))
	for i, c := range cols {
		name := c.Name
		for k := 2; seen[name]; k++ {
			name = c.Name + "_" + strconv.Itoa(k)
		}
		seen[name] = true
		keys[i] = string(query.AppendJSONString(nil, name))
	}
	return keys
}

// writeLines writes "name = value" per column, names right-aligned, and
// a blank line between rows, as sqlite's .mode line.
func (p *Printer) writeLines(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	width := 0
	for _, c := range res.Columns {
		width = max(width, cellWidth.StringWidth(c.Name))
	}
	var n int64
	var b strings.Builder
	for {
		more, err := next(ctx, res.Rows)
		if !more {
			return n, err
		}
		b.Reset()
		if n > 0 {
			b.WriteByte('\n')
		}
		for i, v := range res.Rows.Row() {
			if i >= len(res.Columns) {
				break
			}
			name := res.Columns[i].Name
			b.WriteString(strings.Repeat(" ", width-cellWidth.StringWidth(name)))
			b.WriteString(name)
			b.WriteString(" = ")
			b.WriteString(p.display(v))
			b.WriteByte('\n')
		}
		if _, err := w.WriteString(b.String()); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}
