package repl

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/laiondb/laiondb/query"
)

// cellWidth measures terminal cells. East Asian ambiguous characters
// count one cell whatever the locale says, so output does not depend on
// the environment.
var cellWidth = &runewidth.Condition{EastAsianWidth: false}

// minTextWidth is the narrowest a column of text is cut to when a table
// is too wide (narrower text keeps its natural width). Numbers are never
// cut, and vectors shrink to "[…] (512)".
const minTextWidth = 6

// vectorElements is how many elements of a vector a table shows when
// there is room.
const vectorElements = 3

// cell is one value as a table shows it.
type cell struct {
	s     string
	w     int       // width of s in terminal cells
	right bool      // numbers are right-aligned
	whole bool      // a number: never cut
	vec   []float32 // a vector: shown with as many elements as fit
	isVec bool
}

// textCell makes a cell of text: control characters escaped, and in
// markdown | too.
func (p *Printer) textCell(s string, right bool) cell {
	s = escapeControls(s)
	if p.Format == Markdown {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return cell{s: s, w: cellWidth.StringWidth(s), right: right}
}

// minWidth is the narrowest c may be shown.
func (c cell) minWidth() int {
	switch {
	case c.whole:
		return c.w
	case c.isVec:
		return cellWidth.StringWidth(vectorText(c.vec, 0))
	}
	return min(c.w, minTextWidth)
}

// vectorText shows the first n elements of v and its length.
func vectorText(v []float32, n int) string {
	if n == 0 && len(v) > 0 {
		return "[…] (" + strconv.Itoa(len(v)) + ")"
	}
	return query.FormatVector(v, n)
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

// show cuts or pads c to exactly w cells: a vector drops elements, text
// is cut with …, a number is never cut (a number wider than w, met after
// the rows that sized the column, widens its line).
func (c cell) show(w int, right bool) string {
	s, cw := c.s, c.w
	if c.isVec {
		for n := vectorElements - 1; cw > w && n >= 0; n-- {
			s = vectorText(c.vec, n)
			cw = cellWidth.StringWidth(s)
		}
	}
	if cw > w && !c.whole {
		s = cellWidth.Truncate(s, w, "…")
		cw = cellWidth.StringWidth(s)
	}
	pad := strings.Repeat(" ", max(0, w-cw))
	if right || c.right {
		return pad + s
	}
	return s + pad
}

// tableColumn is a column's layout.
type tableColumn struct {
	head  cell
	width int  // as shown
	min   int  // the narrowest it may be cut to
	fixed bool // width set by .width
	right bool // .width with a negative number, or a numeric column
	// vec[k] is the width of the column's widest vector shown with k
	// elements: a column of vectors narrows by whole elements, so that
	// its rows show as many elements each.
	vec [vectorElements + 1]int
}

// narrower is the next width of c when the table is too wide.
func (c *tableColumn) narrower() int {
	if c.vec[0] == 0 {
		return c.width - 1
	}
	for k := vectorElements; k >= 0; k-- {
		if w := max(c.vec[k], c.min); w < c.width {
			return w
		}
	}
	return c.min
}

// tableLayout places the columns of one table: their widths, and which
// are shown when not all fit.
type tableLayout struct {
	format Format
	cols   []*tableColumn
	shown  []int // indices of the columns shown, in order
	marker int   // a … column goes before shown[marker]; -1: every column is shown
}

// overhead is the width of a line's borders and separators for n cells.
func (l *tableLayout) overhead(n int) int {
	if n == 0 {
		return 0
	}
	if l.format == Table {
		return 3 * (n - 1) // a | b
	}
	return 3*(n-1) + 4 // │ a │ b │
}

func (l *tableLayout) total() int {
	n, t := len(l.shown), 0
	for _, i := range l.shown {
		t += l.cols[i].width
	}
	if l.marker >= 0 {
		n, t = n+1, t+1
	}
	return t + l.overhead(n)
}

// narrow cuts the widest cuttable column by one cell at a time until the
// line fits in limit or nothing more can be cut.
func (l *tableLayout) narrow(limit int) {
	for l.total() > limit {
		best := -1
		for _, i := range l.shown {
			c := l.cols[i]
			if !c.fixed && c.width > c.min && (best < 0 || c.width > l.cols[best].width) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		l.cols[best].width = l.cols[best].narrower()
	}
}

// fit makes the table fit in limit cells (0: no limit). Text is cut first
// and vectors lose elements; if the columns at their narrowest still do
// not fit, columns are left out from the middle, keeping the first and
// the last (duckdb's way), and a … column marks where they were.
func (l *tableLayout) fit(limit int) {
	l.shown, l.marker = l.shown[:0], -1
	for i := range l.cols {
		l.shown = append(l.shown, i)
	}
	if limit <= 0 {
		return
	}
	natural := make([]int, len(l.cols))
	for i, c := range l.cols {
		natural[i] = c.width
	}
	l.narrow(limit)
	if l.total() <= limit {
		return
	}
	for _, c := range l.cols {
		c.width = c.min
	}
	// First, last, second, second to last, ... while they fit.
	n := len(l.cols)
	var left, right []int
	for k := 0; k < n; k++ {
		var i int
		if k%2 == 0 {
			i = k / 2
		} else {
			i = n - 1 - k/2
		}
		tryLeft, tryRight := left, right
		if k%2 == 0 {
			tryLeft = append(append([]int(nil), left...), i)
		} else {
			tryRight = append([]int{i}, right...)
		}
		l.place(tryLeft, tryRight)
		if l.total() > limit && k > 0 {
			break
		}
		left, right = tryLeft, tryRight
	}
	l.place(left, right)
	for _, i := range l.shown {
		l.cols[i].width = natural[i]
	}
	l.narrow(limit)
}

func (l *tableLayout) place(left, right []int) {
	l.shown = append(append(l.shown[:0], left...), right...)
	l.marker = -1
	if len(l.shown) < len(l.cols) {
		l.marker = len(left)
	}
}

// Hidden is how many columns are left out.
func (l *tableLayout) hidden() int { return len(l.cols) - len(l.shown) }

// line draws one row of cells.
func (l *tableLayout) line(cells []cell) string {
	parts := make([]string, 0, len(l.shown)+1)
	for k, i := range l.shown {
		if k == l.marker {
			parts = append(parts, "…")
		}
		c := cell{}
		if i < len(cells) {
			c = cells[i]
		}
		parts = append(parts, c.show(l.cols[i].width, l.cols[i].right))
	}
	if l.marker == len(l.shown) {
		parts = append(parts, "…")
	}
	switch l.format {
	case Box:
		return "│ " + strings.Join(parts, " │ ") + " │\n"
	case Markdown:
		return "| " + strings.Join(parts, " | ") + " |\n"
	}
	return strings.TrimRight(strings.Join(parts, " | "), " ") + "\n"
}

// rule draws a horizontal line: under the header (mid), or a box's top
// and bottom.
func (l *tableLayout) rule(kind byte) string {
	var parts []string
	for k, i := range l.shown {
		if k == l.marker {
			parts = append(parts, l.dashes(1, false))
		}
		parts = append(parts, l.dashes(l.cols[i].width, l.cols[i].right))
	}
	if l.marker == len(l.shown) {
		parts = append(parts, l.dashes(1, false))
	}
	switch l.format {
	case Box:
		ends := map[byte][3]string{'t': {"┌─", "─┬─", "─┐"}, 'm': {"├─", "─┼─", "─┤"}, 'b': {"└─", "─┴─", "─┘"}}[kind]
		return ends[0] + strings.Join(parts, ends[1]) + ends[2] + "\n"
	case Markdown:
		return "|" + strings.Join(parts, "|") + "|\n"
	}
	return strings.Join(parts, "-+-") + "\n"
}

func (l *tableLayout) dashes(w int, right bool) string {
	switch l.format {
	case Box:
		return strings.Repeat("─", w)
	case Markdown:
		// The alignment row: one more dash on each side, : for numbers.
		if right {
			return strings.Repeat("-", w+1) + ":"
		}
		return strings.Repeat("-", w+2)
	}
	return strings.Repeat("-", w)
}

// writeTable writes a result as Table, Box or Markdown.
func (p *Printer) writeTable(ctx context.Context, w *flusher, res *query.Result) (int64, error) {
	ahead := p.Buffer
	if ahead <= 0 {
		ahead = DefaultTableBuffer
	}
	l := &tableLayout{format: p.Format}
	header := !p.NoHeader || p.Format == Markdown // a markdown table needs its header
	for i, c := range res.Columns {
		col := &tableColumn{head: p.textCell(c.Name, false), right: isNumber(c.Type)}
		if header {
			col.width, col.min = col.head.w, col.head.minWidth()
		}
		if i < len(p.Widths) && p.Widths[i] != 0 {
			col.fixed, col.width, col.min = true, abs(p.Widths[i]), abs(p.Widths[i])
			col.right = col.right || p.Widths[i] < 0
		}
		l.cols = append(l.cols, col)
	}
	var n int64
	var buffered [][]cell
	var err error
	more := true
	for len(buffered) < ahead {
		if more, err = next(ctx, res.Rows); !more {
			break
		}
		row := p.rowCells(res.Rows.Row(), res.Columns)
		for i, c := range row {
			col := l.cols[i]
			if col.fixed {
				if c.whole {
					col.width = max(col.width, c.w) // numbers are never cut
					col.min = col.width
				}
				continue
			}
			col.width = max(col.width, c.w)
			col.min = max(col.min, c.minWidth())
			if c.isVec {
				for k := range col.vec {
					col.vec[k] = max(col.vec[k], cellWidth.StringWidth(vectorText(c.vec, k)))
				}
			}
		}
		buffered = append(buffered, row)
	}
	if err != nil && len(buffered) == 0 {
		return 0, err // nothing to show: no header either
	}
	for _, c := range l.cols {
		c.min = min(c.min, c.width)
	}
	l.fit(p.Width)
	p.Hidden = l.hidden()

	write := func(s string) error {
		_, err := w.WriteString(s)
		return err
	}
	head := make([]cell, len(l.cols))
	for i, c := range l.cols {
		head[i] = c.head
	}
	lines := []string{}
	if p.Format == Box {
		lines = append(lines, l.rule('t'))
	}
	if header {
		lines = append(lines, l.line(head), l.rule('m'))
	}
	for _, s := range lines {
		if err := write(s); err != nil {
			return 0, err
		}
	}
	end := func(err error) (int64, error) {
		if err == nil && p.Format == Box {
			err = write(l.rule('b'))
		}
		return n, err
	}
	for _, row := range buffered {
		if err := write(l.line(row)); err != nil {
			return n, err
		}
		n++
	}
	if err != nil || !more {
		return end(err)
	}
	for {
		if more, err = next(ctx, res.Rows); !more {
			return end(err)
		}
		if err := write(l.line(p.rowCells(res.Rows.Row(), res.Columns))); err != nil {
			return n, err
		}
		n++
		if err := w.rowDone(); err != nil {
			return n, err
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// rowCells formats a row, padding a short one with empty cells. Numbers
// are right-aligned, and so is everything in a numeric column (NULL under
// numbers).
func (p *Printer) rowCells(row query.Row, cols []query.Column) []cell {
	cells := make([]cell, len(cols))
	for i := range cells {
		if i >= len(row) {
			continue
		}
		v := row[i]
		switch {
		case v.T == query.TypeVector:
			s := vectorText(v.V, vectorElements)
			cells[i] = cell{s: s, w: cellWidth.StringWidth(s), vec: v.V, isVec: true}
		case isNumber(v.T):
			c := p.textCell(p.display(v), true)
			c.whole = true
			cells[i] = c
		default:
			cells[i] = p.textCell(p.display(v), isNumber(cols[i].Type))
		}
	}
	return cells
}
