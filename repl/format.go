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
	// Table aligns columns under a header, separated by " | ", fitting
	// the width (see Printer); for people.
	Table Format = iota
	// Box is Table drawn with box-drawing lines.
	Box
	// Markdown is a GitHub-flavoured markdown table.
	Markdown
	// CSV is RFC 4180 quoting with a header row; NULL is an empty field,
	// vectors are JSON arrays in a field. Lines end in LF.
	CSV
	// TSV is tab-separated values with a header row; tabs, line breaks
	// and backslashes in text are written \t, \n, \r and \\, NULL is
	// an empty field, vectors JSON arrays.
	TSV
	// JSON is one JSON array of objects per result, keys in column
	// order, as sqlite3's and duckdb's json modes.
	JSON
	// JSONL is one JSON object per row, keys in column order.
	JSONL
	// Line is sqlite's .mode line: "column = value" lines, a blank line
	// between rows.
	Line
)

var formatNames = [...]string{"table", "box", "markdown", "csv", "tsv", "json", "jsonl", "line"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Formats lists the format names ParseFormat accepts.
func Formats() []string { return formatNames[:] }

// ParseFormat reads a format name (any case): table, box, markdown, csv,
// tsv (or tabs), json, jsonl (or ndjson) or line.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "tabs":
		return TSV, nil
	case "ndjson":
		return JSONL, nil
	}
	for i, n := range formatNames {
		if strings.EqualFold(s, n) {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q: want %s", s, strings.Join(formatNames[:], ", "))
}

// ForMachines reports whether the format is meant to be parsed by programs:
// nothing but rows goes into it (messages go to the Printer's Err).
func (f Format) ForMachines() bool { return f == CSV || f == TSV || f == JSON || f == JSONL }

// DefaultTableBuffer is how many rows table mode reads ahead to size its
// columns before it starts writing.
const DefaultTableBuffer = 2000

// Printer writes results in one format.
//
// Rows are streamed: csv, tsv, json, jsonl and line write each row as it
// comes (flushed at least every 200 ms while rows keep coming), the table
// formats read up to Buffer rows to choose column widths, then stream the
// rest with those widths. Messages (Result.Message) are lines on Out for
// the formats for people and on Err for the formats for machines, so that
// a program reading Out sees only rows.
//
// Tables fit Width: text is cut with … and vectors lose elements first;
// numbers are never cut; if the columns still do not fit, columns are
// left out from the middle and a … column marks where (Hidden counts
// them). With Width 0 nothing is cut.
type Printer struct {
	Out    io.Writer
	Err    io.Writer // messages in the formats for machines; nil means Out
	Format Format
	// Width bounds a table's line width: the terminal's. 0, for output
	// that is not a terminal, means no bound: values are never cut.
	Width int
	// Buffer is how many rows a table reads ahead (0: DefaultTableBuffer).
	Buffer int
	// NoHeader leaves out the header of table, box, csv and tsv (sqlite's
	// .headers off); markdown keeps it, json and line have none.
	NoHeader bool
	// Null, when set, is how table, box, markdown and line show NULL
	// (sqlite's .nullvalue); otherwise they show NULL. csv and tsv write
	// an empty field, json null.
	Null *string
	// Widths fixes the width of the first columns of a table (sqlite's
	// .width): 0 leaves a column's width to the table, a negative width
	// right-aligns. Text is cut to it; a wider number widens it.
	Widths []int

	// Hidden is set by Print: how many columns the last table left out
	// to fit Width.
	Hidden int
}

// Print writes res and consumes and closes its rows. It checks ctx
// between rows and returns ctx's error when cancelled. n is the number
// of rows written.
func (p *Printer) Print(ctx context.Context, res *query.Result) (n int64, err error) {
	if res.Rows != nil {
		defer res.Rows.Close()
		w := newFlusher(p.Out)
		p.Hidden = 0
		switch p.Format {
		case CSV:
			n, err = p.writeCSV(ctx, w, res)
		case TSV:
			n, err = p.writeTSV(ctx, w, res)
		case JSON:
			n, err = writeJSON(ctx, w, res)
		case JSONL:
			n, err = writeJSONL(ctx, w, res)
		case Line:
			n, err = p.writeLines(ctx, w, res)
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

// display is a value as the formats for people show it: NULL (or
// Printer.Null), integers exactly, floats to 6 significant digits (the
// formats for machines keep every digit), text raw, vectors abbreviated.
func (p *Printer) display(v query.Value) string {
	switch v.T {
	case query.TypeNull:
		if p.Null != nil {
			return *p.Null
		}
	case query.TypeVector:
		return query.FormatVector(v.V, vectorElements)
	case query.TypeFloat:
		return strconv.FormatFloat(v.F, 'g', 6, 64)
	}
	return v.String()
}
