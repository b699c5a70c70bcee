package repl

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/laiondb/laiondb/query"
)

// cellWidth measures terminal cells. East Asian ambiguous characters
// count one cell whatever the locale says, so output does not depend on
// the environment.
var cellWidth = &runewidth.Condition{EastAsianWidth: false}

// minColumnWidth is the narrowest a column is cut to when a table is too
// wide (narrower columns keep their natural width).
const minColumnWidth = 6

type cell struct {
	s     string
	w     int  // width in terminal cells
	right bool // numbers are right-aligned
}

// makeCell formats v. Numbers are right-aligned, and so is everything in
// a numeric column (NULL under numbers).
func makeCell(v query.Value, numericColumn bool) cell {
	s := escapeControls(displayValue(v))
	return cell{s: s, w: cellWidth.StringWidth(s), right: numericColumn || isNumber(v.T)}
}

func isNumber(t query.Type) bool { return t == query.TypeInt || t == query.TypeFloat }

// escapeControls makes a value fit on one table line: newlines, tabs and
// other control characters are shown as \n, \t, \xNN, and invalid UTF-8
// as U+FFFD.
func escapeControls(s string) string {
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			clean = false
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fitWidths narrows the widest columns, one cell at a time, until the
// line (columns joined by " | ") fits in limit or every column is at
// its minimum.
func fitWidths(widths []int, limit int) {
	total := func() int {
		t := 3 * (len(widths) - 1)
		for _, w := range widths {
			t += w
		}
		return t
	}
	mins := make([]int, len(widths))
	for i, w := range widths {
		mins[i] = min(w, minColumnWidth)
	}
	for t := total(); t > limit; t-- {
		widest := -1
		for i, w := range widths {
			if w > mins[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		widths[widest]--
	}
}

// fit cuts or pads c to exactly w cells.
func fit(c cell, w int) string {
	s, cw := c.s, c.w
	if cw > w {
		s = cellWidth.Truncate(s, w, "…")
		cw = cellWidth.StringWidth(s)
	}
	pad := strings.Repeat(" ", max(0, w-cw))
	if c.right {
		return pad + s
	}
	return s + pad
}

func (p *Printer) writeTable(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	limit := p.Width
	if limit <= 0 {
		limit = DefaultWidth
	}
	ahead := p.Buffer
	if ahead <= 0 {
		ahead = DefaultTableBuffer
	}
	cols := res.Columns
	header := make([]cell, len(cols))
	widths := make([]int, len(cols))
	for i, c := range cols {
		s := escapeControls(c.Name)
		header[i] = cell{s: s, w: cellWidth.StringWidth(s), right: isNumber(c.Type)}
		widths[i] = header[i].w
	}
	var n int64
	var buffered [][]cell
	var err error
	more := true
	for len(buffered) < ahead {
		if more, err = next(ctx, res.Rows); !more {
			break
		}
		row := rowCells(res.Rows.Row(), cols)
		for i, c := range row {
			widths[i] = max(widths[i], c.w)
		}
		buffered = append(buffered, row)
	}
	if err != nil && len(buffered) == 0 {
		return 0, err // nothing to show: no header either
	}
	fitWidths(widths, limit)

	line := func(cells []cell) error {
		parts := make([]string, len(cells))
		for i, c := range cells {
			parts[i] = fit(c, widths[i])
		}
		_, err := w.WriteString(strings.TrimRight(strings.Join(parts, " | "), " ") + "\n")
		return err
	}
	if err := line(header); err != nil {
		return n, err
	}
	dashes := make([]string, len(widths))
	for i, wd := range widths {
		dashes[i] = strings.Repeat("-", wd)
	}
	if _, err := w.WriteString(strings.Join(dashes, "-+-") + "\n"); err != nil {
		return n, err
	}
	for _, row := range buffered {
		if err := line(row); err != nil {
			return n, err
		}
		n++
	}
	if err != nil || !more {
		return n, err
	}
	for {
		if more, err = next(ctx, res.Rows); !more {
			return n, err
		}
		if err := line(rowCells(res.Rows.Row(), cols)); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}

// rowCells formats a row, padding a short one with empty cells.
func rowCells(row query.Row, cols []query.Column) []cell {
	cells := make([]cell, len(cols))
	for i := range cells {
		if i < len(row) {
			cells[i] = makeCell(row[i], isNumber(cols[i].Type))
		}
	}
	return cells
}
