package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// histBins is the number of bins of .hist.
const histBins = 20

// histBarWidth is the length of the longest bar.
const histBarWidth = 40

// dotHist runs the query after .hist and draws a histogram of its first
// numeric column.
func (sh *Shell) dotHist(ctx context.Context, in *input, arg string) (bool, error) {
	if arg == "" {
		return false, errors.New(".hist needs a query, e.g. .hist SELECT intraclass(img) FROM laionet GROUP BY synset;")
	}
	// Blank ".hist " so error columns match the typed line; errors show
	// the line as typed.
	typed := ".hist " + arg
	src := strings.Repeat(" ", len(".hist ")) + arg
	chunks := ast.SplitStatements(src)
	if len(chunks) != 1 {
		return false, errors.New(".hist takes one query")
	}
	c := chunks[0]
	locate := func(err error) error {
		var se *ast.SyntaxError
		if errors.As(err, &se) {
			se.Source = typed
		}
		return Locate(err, in.file, typed, c.Start, in.line-1)
	}
	stmt, err := ast.ParseChunk(in.file, c)
	if err != nil {
		return false, locate(err)
	}
	ctx, done := sh.cancellable(ctx)
	defer done()
	defer sh.release(ctx)
	sess, err := sh.prepare(ctx, stmt, locate)
	if err != nil {
		if ctx.Err() != nil {
			return false, context.Canceled
		}
		return false, err
	}
	res, err := sess.Exec(ctx, stmt)
	if err != nil {
		if ctx.Err() != nil {
			return false, context.Canceled
		}
		return false, locate(err)
	}
	var label string
	var values []float64
	nulls := 0
	if res.Rows != nil {
		label, values, nulls, err = numericColumn(ctx, res)
		if err != nil {
			if ctx.Err() != nil {
				return false, context.Canceled
			}
			return false, locate(err)
		}
	}
	if res.Rows == nil {
		return false, errors.New(".hist: the statement returned no rows")
	}
	return false, writeHistogram(sh.out, label, values, nulls)
}

// numericColumn reads the first column of res holding numbers: by its
// type, or, for columns of unknown type, by the first non-NULL value.
func numericColumn(ctx context.Context, res *query.Result) (string, []float64, int, error) {
	defer res.Rows.Close()
	col := -1
	for i, c := range res.Columns {
		if c.Type == query.TypeInt || c.Type == query.TypeFloat {
			col = i
			break
		}
	}
	var values []float64
	nulls := 0
	for {
		more, err := next(ctx, res.Rows)
		if !more {
			if err != nil {
				return "", nil, 0, err
			}
			break
		}
		row := res.Rows.Row()
		if col < 0 {
			for i, v := range row {
				if v.T == query.TypeInt || v.T == query.TypeFloat {
					col = i
					break
				}
			}
			if col < 0 {
				continue
			}
		}
		if col >= len(row) || row[col].IsNull() {
			nulls++
			continue
		}
		f, ok := row[col].AsFloat()
		if !ok {
			return "", nil, 0, fmt.Errorf(".hist: column %s holds %s, not a number", res.Columns[col].Name, row[col].T)
		}
		values = append(values, f)
	}
	if col < 0 {
		return "", nil, 0, errors.New(".hist: the query has no numeric column")
	}
	return res.Columns[col].Name, values, nulls, nil
}

// writeHistogram draws the values of a column: a line naming it (and its
// NULLs), then query.TextHistogram's summary and bins.
func writeHistogram(w io.Writer, label string, values []float64, nulls int) error {
	head := label
	if nulls > 0 {
		head += fmt.Sprintf(" (%d NULL left out)", nulls)
	}
	if len(values) == 0 {
		_, err := fmt.Fprintf(w, "%s: no values\n", head)
		return err
	}
	_, err := io.WriteString(w, head+"\n"+query.TextHistogram(values, histBins, histBarWidth))
	return err
}
