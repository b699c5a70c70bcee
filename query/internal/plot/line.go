package plot

import (
	"fmt"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Curve is one line of a line plot: its points joined in order of x.
type Curve struct {
	Name   string
	Points []Point // labels are not drawn
}

// Lines draws each curve as a line through its points (sorted by x, each
// point marked), one colour per curve with a legend, and writes the plot
// to path as SVG or PNG by the extension: for a sweep, such as a
// statistic against a threshold. Points with a NaN or infinite coordinate
// are left out; skipped says how many.
func Lines(path string, curves []Curve, l Labels) (skipped int, err error) {
	fail := func(err error) (int, error) { return skipped, fmt.Errorf("plot %s: %w", path, err) }
	kind, err := formatOf(path)
	if err != nil {
		return fail(err)
	}
	if len(curves) == 0 {
		return fail(fmt.Errorf("%w: no curves", ErrNoData))
	}
	p := newPlot(l, "x", "y")
	p.Legend.Top = true
	drawn := 0
	for i, c := range curves {
		var xys plotter.XYs
		for _, pt := range c.Points {
			if !finite(pt.X) || !finite(pt.Y) {
				skipped++
				continue
			}
			xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
		}
		if len(xys) == 0 {
			continue
		}
		sort.SliceStable(xys, func(a, b int) bool { return xys[a].X < xys[b].X })
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fail(err)
		}
		line.LineStyle = draw.LineStyle{Color: colorOf(i, 0xff), Width: vg.Points(1.5)}
		points.GlyphStyle = draw.GlyphStyle{Color: colorOf(i, 0xff), Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(line, points)
		p.Legend.Add(c.Name, line, points)
		drawn++
	}
	if drawn == 0 {
		if skipped == 0 {
			return fail(fmt.Errorf("%w: no points", ErrNoData))
		}
		return fail(noData(skipped))
	}
	// Room above the curves for the legend.
	if p.Y.Max > p.Y.Min {
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.12 * float64(drawn)
	}
	return skipped, save(p, path, kind, 8*vg.Inch, 5*vg.Inch)
}
