package repl

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/laiondb/laiondb/query"
)

// Format is an output format for results.
type Format int

// The output formats.
const (
	// Table aligns columns under a header, truncating long values to
	// the width and abbreviating vectors; for people.
	Table Format = iota
	// CSV is RFC 4180 quoting with a header row; NULL is an empty field,
	// vectors are JSON arrays in a field. Lines end in LF.
	CSV
	// JSONL is one JSON object per row, keys in column order.
	JSONL
	// Line is sqlite's .mode line: "column = value" lines, a blank line
	// between rows.
	Line
)

var formatNames = [...]string{"table", "csv", "jsonl", "line"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Formats lists the format names ParseFormat accepts.
func Formats() []string { return formatNames[:] }

// ParseFormat reads a format name: table, csv, jsonl (or json) or line.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "table":
		return Table, nil
	case "csv":
		return CSV, nil
	case "jsonl", "json", "ndjson":
		return JSONL, nil
	case "line":
		return Line, nil
	}
	return 0, fmt.Errorf("unknown format %q: want table, csv, jsonl or line", s)
}

// ForMachines reports whether the format is meant to be parsed by programs:
// nothing but rows goes into it (messages go to the Printer's Err).
func (f Format) ForMachines() bool { return f == CSV || f == JSONL }

// DefaultWidth is the table width when the output is not a terminal.
const DefaultWidth = 120

// DefaultTableBuffer is how many rows table mode reads ahead to size its
// columns before it starts writing.
const DefaultTableBuffer = 2000

// Printer writes results in one format.
//
// Rows are streamed: csv, jsonl and line write each row as it comes
// (flushed at least every 200 ms while rows keep coming), table reads up
// to Buffer rows to choose column widths, then streams the rest with
// those widths. Messages (Result.Message) are lines on Out for table and
// line, and on Err for csv and jsonl, so that a program reading Out sees
// only rows.
type Printer struct {
	Out    io.Writer
	Err    io.Writer // messages in csv and jsonl; nil means Out
	Format Format
	// Width bounds a table's line width (0: DefaultWidth); values are
	// cut with … to fit.
	Width int
	// Buffer is how many rows a table reads ahead (0: DefaultTableBuffer).
	Buffer int
}

// Print writes res and consumes and closes its rows. It checks ctx
// between rows and returns ctx's error when cancelled. n is the number
// of rows written.
func (p *Printer) Print(ctx context.Context, res *query.Result) (n int64, err error) {
	if res.Rows != nil {
		defer res.Rows.Close()
		w := newFlusher(p.Out)
		switch p.Format {
		case CSV:
			n, err = writeCSV(ctx, w, res)
		case JSONL:
			n, err = writeJSONL(ctx, w, res)
		case Line:
			n, err = writeLines(ctx, w, res)
		default:
			n, err = p.writeTable(ctx, w, res)
		}
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
		if err != nil {
			return n, err
		}
	}
	if res.Message != "" {
		mw := p.Out
		if p.Format.ForMachines() && p.Err != nil {
			mw = p.Err
		}
		if _, err := fmt.Fprintln(mw, res.Message); err != nil {
			return n, err
		}
	}
	return n, nil
}

// next advances rows, checking ctx first. It returns false at the end,
// on a rows error or on cancellation; err says which.
func next(ctx context.Context, rows query.Rows) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if rows.Next() {
		return true, nil
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return false, ctx.Err()
}

// flusher is a buffered writer that also flushes when rows come slowly,
// so a person watching sees them, without a system call per row when
// they come fast.
type flusher struct {
	*bufio.Writer
	last time.Time
}

func newFlusher(w io.Writer) *flusher {
	return &flusher{Writer: bufio.NewWriterSize(w, 32<<10), last: time.Now()}
}

// rowDone is called after each row.
func (f *flusher) rowDone() error {
	if f.Buffered() == 0 {
		return nil
	}
	if now := time.Now(); now.Sub(f.last) >= 200*time.Millisecond {
		f.last = now
		return f.Flush()
	}
	return nil
}

// displayValue is a value as the table and line formats show it: NULL,
// integers exactly, floats to 6 significant digits (csv and jsonl keep
// every digit), text raw, vectors abbreviated.
func displayValue(v query.Value) string {
	switch v.T {
	case query.TypeVector:
		return query.FormatVector(v.V, 3)
	case query.TypeFloat:
		return strconv.FormatFloat(v.F, 'g', 6, 64)
	}
	return v.String()
}
