package query

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/plot"
)

// numbers runs a query and returns its rows' values in column col as
// numbers (NULLs left out), and the column's name.
func (s *Session) queryValues(ctx context.Context, q *ast.Select) ([]Row, schema, error) {
	p, err := planQuery(s.host(), ctx, q)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.run(ctx, p)
	if err != nil {
		return nil, nil, atStatement(err, q.Pos())
	}
	out, err := Collect(rows)
	if err != nil {
		return nil, nil, atStatement(err, q.Pos())
	}
	return out, p.schema(), nil
}

func (s *Session) execPlot(ctx context.Context, st *ast.Plot) (*Result, error) {
	c := &compiler{sess: s.host(), ctx: ctx}
	to, err := c.constant(st.To, "the file of PLOT")
	if err != nil {
		return nil, err
	}
	if to.T != tString {
		return nil, errAt(st.To.Pos(), "PLOT ... TO takes a file name, e.g. 'intraclass.svg'")
	}
	labels := plot.Labels{}
	if st.Title != nil {
		t, err := c.constant(st.Title, "the TITLE")
		if err != nil {
			return nil, err
		}
		labels.Title = asText(t)
	}
	numeric := func(v Value) (float64, bool) {
		if v.T == tNull {
			return 0, false
		}
		return v.AsFloat()
	}
	var skipped int
	switch st.Kind {
	case ast.PlotHistogram:
		bins := 0
		if st.Bins != nil {
			b, err := c.constant(st.Bins, "BINS")
			if err != nil {
				return nil, err
			}
			if b.T != tInt || b.I < 1 || b.I > plot.MaxBins {
				return nil, errAt(st.Bins.Pos(), "BINS takes an integer from 1 to %d", plot.MaxBins)
			}
			bins = int(b.I)
		}
		var series []plot.Series
		for _, q := range st.Queries {
			rows, sch, err := s.queryValues(ctx, q)
			if err != nil {
				return nil, err
			}
			if !isNumeric(sch[0].typ) {
				return nil, errAt(q.Pos(), "PLOT HISTOGRAM plots the first column, which is %s here; select a number", typeName(sch[0].typ))
			}
			se := plot.Series{Name: sch[0].name}
			for _, r := range rows {
				if f, ok := numeric(r[0]); ok {
					se.Values = append(se.Values, f)
				}
			}
			series = append(series, se)
		}
		if len(series) == 1 {
			labels.X = series[0].Name
		}
		skipped, err = plot.Histogram(to.S, series, bins, labels)
	case ast.PlotScatter:
		var pts []plot.Point
		if len(st.Queries) == 1 {
			q := st.Queries[0]
			rows, sch, err := s.queryValues(ctx, q)
			if err != nil {
				return nil, err
			}
			if len(sch) < 2 || !isNumeric(sch[0].typ) || !isNumeric(sch[1].typ) {
				return nil, errAt(q.Pos(), "PLOT SCATTER (SELECT x, y ...) needs two numeric columns (a third names the points)")
			}
			labels.X, labels.Y = sch[0].name, sch[1].name
			for _, r := range rows {
				x, okx := numeric(r[0])
				y, oky := numeric(r[1])
				if okx && oky {
					p := plot.Point{X: x, Y: y}
					if len(r) > 2 {
						p.Label = asText(r[2])
					}
					pts = append(pts, p)
				}
			}
		} else {
			// Two (key, value) queries paired by key: x from the first.
			var maps [2]map[valueKey]float64
			var order []valueKey
			var names [2]string
			keyText := map[valueKey]string{}
			for i, q := range st.Queries {
				rows, sch, err := s.queryValues(ctx, q)
				if err != nil {
					return nil, err
				}
				if len(sch) != 2 || !isNumeric(sch[1].typ) {
					return nil, errAt(q.Pos(), "with two queries, PLOT SCATTER pairs (key, value) rows by key: select a key and a number")
				}
				names[i] = sch[1].name
				maps[i] = map[valueKey]float64{}
				for _, r := range rows {
					if f, ok := numeric(r[1]); ok && r[0].T != tNull {
						k := keyOf(r[0])
						if i == 0 {
							order = append(order, k)
							keyText[k] = asText(r[0])
						}
						maps[i][k] = f
					}
				}
			}
			labels.X, labels.Y = names[0], names[1]
			for _, k := range order {
				if y, ok := maps[1][k]; ok {
					pts = append(pts, plot.Point{X: maps[0][k], Y: y, Label: keyText[k]})
				}
			}
		}
		skipped, err = plot.Scatter(to.S, pts, true, labels)
	}
	if err != nil {
		return nil, errAt(st.Pos(), "PLOT: %v", err)
	}
	msg := fmt.Sprintf("wrote %s", filepath.Base(to.S))
	if skipped > 0 {
		msg += fmt.Sprintf(" (%d NaN or infinite values left out)", skipped)
	}
	return &Result{Message: msg}, nil
}

// TextHistogram draws values as a text histogram for a terminal (the
// shell's .hist): a summary line, then one line per bin with its edges,
// a bar and its count. See the PLOT statement for pictures.
func TextHistogram(values []float64, bins, width int) string {
	return plot.TextHistogram(values, bins, width)
}
