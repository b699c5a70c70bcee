package query

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/plot"
)

// numbers runs a query and returns its rows' values in column col as
// numbers (NULLs left out), and the column's name.
func (s *Session) queryValues(ctx context.Context, q *ast.Select) ([]value.Row, value.Schema, error) {
	p, err := plan.PlanQuery(s.host(), ctx, q)
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
	return out, p.Schema(), nil
}

func (s *Session) execPlot(ctx context.Context, st *ast.Plot) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	to, err := c.Constant(st.To, "the file of PLOT")
	if err != nil {
		return nil, err
	}
	if to.T != value.TString {
		return nil, value.ErrAt(st.To.Pos(), "PLOT ... TO takes a file name, e.g. 'intraclass.svg'")
	}
	labels := plot.Labels{}
	if st.Title != nil {
		t, err := c.Constant(st.Title, "the TITLE")
		if err != nil {
			return nil, err
		}
		labels.Title = value.AsText(t)
	}
	numeric := func(v value.Value) (float64, bool) {
		if v.T == value.TNull {
			return 0, false
		}
		return v.AsFloat()
	}
	var skipped, outside int
	if st.Kind != ast.PlotHistogram && (st.Density || st.RangeLo != nil || st.Bins != nil) {
		return nil, value.ErrAt(st.Pos(), "BINS, DENSITY and RANGE are options of PLOT HISTOGRAM")
	}
	if st.Kind == ast.PlotScatter && st.XLabel != nil || st.Kind != ast.PlotLine && st.YLabel != nil {
		return nil, value.ErrAt(st.Pos(), "XLABEL is an option of PLOT HISTOGRAM and PLOT LINE, YLABEL of PLOT LINE")
	}
	switch st.Kind {
	case ast.PlotHistogram:
		opt := plot.HistOptions{Density: st.Density}
		if st.RangeLo != nil {
			lo, err := c.Constant(st.RangeLo, "the RANGE's low end")
			if err != nil {
				return nil, err
			}
			hi, err := c.Constant(st.RangeHi, "the RANGE's high end")
			if err != nil {
				return nil, err
			}
			l, okl := lo.AsFloat()
			h, okh := hi.AsFloat()
			if !okl || !okh || lo.T == value.TBool || hi.T == value.TBool || !(l < h) {
				return nil, value.ErrAt(st.RangeLo.Pos(), "RANGE takes two numbers lo, hi with lo < hi, not %s, %s", value.DisplayValue(lo), value.DisplayValue(hi))
			}
			opt.Range, opt.Lo, opt.Hi = true, l, h
		}
		bins := 0
		if st.Bins != nil {
			b, err := c.Constant(st.Bins, "BINS")
			if err != nil {
				return nil, err
			}
			if b.T != value.TInt || b.I < 1 || b.I > plot.MaxBins {
				return nil, value.ErrAt(st.Bins.Pos(), "BINS takes an integer from 1 to %d", plot.MaxBins)
			}
			bins = int(b.I)
		}
		var series []plot.Series
		for _, q := range st.Queries {
			rows, sch, err := s.queryValues(ctx, q)
			if err != nil {
				return nil, err
			}
			if !value.IsNumeric(sch[0].Typ) {
				return nil, value.ErrAt(q.Pos(), "PLOT HISTOGRAM plots the first column, which is %s here; select a number", value.TypeName(sch[0].Typ))
			}
			se := plot.Series{Name: sch[0].Name}
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
		if st.XLabel != nil {
			x, err := c.Constant(st.XLabel, "the XLABEL")
			if err != nil {
				return nil, err
			}
			labels.X = value.AsText(x)
		}
		opt.Bins = bins
		var rep plot.HistReport
		rep, err = plot.HistogramWith(to.S, series, opt, labels)
		skipped, outside = rep.Skipped, rep.Outside
	case ast.PlotScatter:
		var pts []plot.Point
		if len(st.Queries) == 1 {
			q := st.Queries[0]
			rows, sch, err := s.queryValues(ctx, q)
			if err != nil {
				return nil, err
			}
			if len(sch) < 2 || !value.IsNumeric(sch[0].Typ) || !value.IsNumeric(sch[1].Typ) {
				return nil, value.ErrAt(q.Pos(), "PLOT SCATTER (SELECT x, y ...) needs two numeric columns (a third names the points)")
			}
			labels.X, labels.Y = sch[0].Name, sch[1].Name
			for _, r := range rows {
				x, okx := numeric(r[0])
				y, oky := numeric(r[1])
				if okx && oky {
					p := plot.Point{X: x, Y: y}
					if len(r) > 2 && r[2].T != value.TNull {
						p.Label = s.pointLabel(value.AsText(r[2]))
					}
					pts = append(pts, p)
				}
			}
		} else {
			// Two (key, value) queries paired by key: x from the first.
			var maps [2]map[value.ValueKey]float64
			var order []value.ValueKey
			var names [2]string
			keyText := map[value.ValueKey]string{}
			for i, q := range st.Queries {
				rows, sch, err := s.queryValues(ctx, q)
				if err != nil {
					return nil, err
				}
				if len(sch) != 2 || !value.IsNumeric(sch[1].Typ) {
					return nil, value.ErrAt(q.Pos(), "with two queries, PLOT SCATTER pairs (key, value) rows by key: select a key and a number")
				}
				names[i] = sch[1].Name
				maps[i] = map[value.ValueKey]float64{}
				for _, r := range rows {
					if f, ok := numeric(r[1]); ok && r[0].T != value.TNull {
						k := value.KeyOf(r[0])
						if i == 0 {
							order = append(order, k)
							keyText[k] = value.AsText(r[0])
						}
						maps[i][k] = f
					}
				}
			}
			labels.X, labels.Y = names[0], names[1]
			for _, k := range order {
				if y, ok := maps[1][k]; ok {
					pts = append(pts, plot.Point{X: maps[0][k], Y: y, Label: s.pointLabel(keyText[k])})
				}
			}
		}
		skipped, err = plot.Scatter(to.S, pts, true, labels)
	case ast.PlotLine:
		var curves []plot.Curve
		for _, q := range st.Queries {
			rows, sch, err := s.queryValues(ctx, q)
			if err != nil {
				return nil, err
			}
			if len(sch) != 2 || !value.IsNumeric(sch[0].Typ) || !value.IsNumeric(sch[1].Typ) {
				return nil, value.ErrAt(q.Pos(), "PLOT LINE draws each query's (x, y) rows: select two numbers; the second column names the line")
			}
			cv := plot.Curve{Name: sch[1].Name}
			for _, r := range rows {
				x, okx := numeric(r[0])
				y, oky := numeric(r[1])
				if okx && oky {
					cv.Points = append(cv.Points, plot.Point{X: x, Y: y})
				}
			}
			curves = append(curves, cv)
			labels.X = sch[0].Name
		}
		if len(curves) == 1 {
			labels.Y = curves[0].Name
		}
		for _, opt := range []struct {
			e    ast.Expr
			dst  *string
			what string
		}{{st.XLabel, &labels.X, "the XLABEL"}, {st.YLabel, &labels.Y, "the YLABEL"}} {
			if opt.e == nil {
				continue
			}
			v, err := c.Constant(opt.e, opt.what)
			if err != nil {
				return nil, err
			}
			*opt.dst = value.AsText(v)
		}
		skipped, err = plot.Lines(to.S, curves, labels)
	}
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "PLOT: %v", err)
	}
	msg := fmt.Sprintf("wrote %s", filepath.Base(to.S))
	if skipped > 0 {
		msg += fmt.Sprintf(" (%d NaN or infinite values left out)", skipped)
	}
	if outside > 0 {
		msg += fmt.Sprintf(" (%d values outside the RANGE left out)", outside)
	}
	return &Result{Message: msg}, nil
}

// pointLabel is how a scatter plot labels a point: an ImageNet class by
// its name (n02909870 → bucket), anything else as it is.
func (s *Session) pointLabel(key string) string {
	if looksLikeWNID(key) {
		if syn, err := s.cat.Resolve(key); err == nil {
			return syn.Head
		}
	}
	return key
}

func looksLikeWNID(s string) bool {
	if len(s) != 9 || s[0] != 'n' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// TextHistogram draws values as a text histogram for a terminal (the
// shell's .hist): a summary line, then one line per bin with its edges,
// a bar and its count. See the PLOT statement for pictures.
func TextHistogram(values []float64, bins, width int) string {
	return plot.TextHistogram(values, bins, width)
}
