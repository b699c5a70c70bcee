package repl

import (
	"context"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
)

// writeCSV writes a header row and one record per row. NULL is an empty
// field and the empty string a quoted empty field (""), as PostgreSQL's
// CSV does, so the two stay apart.
func writeCSV(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	var b []byte
	for i, c := range res.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, c.Name)
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
			switch v.T {
			case engine.TypeNull:
			case engine.TypeString:
				b = appendCSVField(b, v.S)
			case engine.TypeVector:
				b = appendCSVField(b, string(appendJSONValue(nil, v)))
			default:
				b = appendJSONValue(b, v) // numbers and booleans need no quotes
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

// appendCSVField quotes s when RFC 4180 requires it (a comma, quote or
// line break), when it is empty (to tell it from NULL), and when it has
// leading or trailing spaces, which some readers drop.
func appendCSVField(b []byte, s string) []byte {
	quote := s == "" || strings.ContainsAny(s, ",\"\r\n") ||
		s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t'
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
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
			b = appendJSONValue(b, v)
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
		keys[i] = string(appendJSONString(nil, name))
	}
	return keys
}

// appendJSONValue appends v as JSON: NULL as null, numbers in their
// shortest exact form, vectors as arrays of float32s. NaN and infinities,
// which JSON cannot write, become null.
func appendJSONValue(b []byte, v engine.Value) []byte {
	switch v.T {
	case engine.TypeBool:
		return strconv.AppendBool(b, v.I != 0)
	case engine.TypeInt:
		return strconv.AppendInt(b, v.I, 10)
	case engine.TypeFloat:
		return appendJSONFloat(b, v.F, 64)
	case engine.TypeString:
		return appendJSONString(b, v.S)
	case engine.TypeVector:
		b = append(b, '[')
		for i, x := range v.V {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONFloat(b, float64(x), 32)
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// appendJSONFloat writes the shortest decimal that reads back as the same
// float of the given size, in plain notation for everyday magnitudes and
// exponent notation outside them (as encoding/json does).
func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 → 1e-7
		n := len(b)
		if n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; U+2028 and U+2029 are escaped so the line is also valid
// JavaScript.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&15])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
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
