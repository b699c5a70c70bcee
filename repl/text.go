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
func writeCSV(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	var b []byte
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
		b = append(b[:0], '{')
		for i, v := range res.Rows.Row() {
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
		b = append(b, '}', '\n')
		if _, err := w.Write(b); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
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
func writeLines(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
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
			b.WriteString(displayValue(v))
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
