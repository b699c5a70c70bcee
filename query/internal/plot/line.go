package plot

import (
	"fmt"
	"math"
	"sort"
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
	f := newFigure(8*inch, 5*inch, l, "x", "y")
	xr, yr := axisRange{math.Inf(1), math.Inf(-1)}, axisRange{math.Inf(1), math.Inf(-1)}
	drawn := 0
	for i, cv := range curves {
		var kept []Point
		for _, p := range cv.Points {
			if !finite(p.X) || !finite(p.Y) {
				skipped++
				continue
			}
			kept = append(kept, p)
			xr = axisRange{min(xr.min, p.X), max(xr.max, p.X)}
			yr = axisRange{min(yr.min, p.Y), max(yr.max, p.Y)}
		}
		if len(kept) == 0 {
			continue
		}
		sort.SliceStable(kept, func(a, b int) bool { return kept[a].X < kept[b].X })
		col := colorOf(i, 0xff)
		f.marks = append(f.marks, func(c canvas, fr frame) {
			line := make([]pt, len(kept))
			for k, p := range kept {
				line[k] = pt{fr.x(p.X), fr.y(p.Y)}
			}
			c.line(line, col, 1.5, nil)
			for _, q := range line {
				c.circle(q.x, q.y, 2.5, col)
			}
		})
		f.legend = append(f.legend, legendEntry{
			text: cv.Name,
			mark: func(c canvas, x0, y0, x1, y1 float64) {
				c.line([]pt{{x0, (y0 + y1) / 2}, {x1, (y0 + y1) / 2}}, col, 1.5, nil)
				c.circle((x0+x1)/2, (y0+y1)/2, 2.5, col)
			},
		})
		drawn++
	}
	if drawn == 0 {
		if skipped == 0 {
			return fail(fmt.Errorf("%w: no points", ErrNoData))
		}
		return fail(noData(skipped))
	}
	f.xr = xr.padded(0.03)
	f.yr = yr.padded(0.05)
	// Room above the curves for the legend: a line per curve.
	f.yr.max += (f.yr.max - f.yr.min) * 0.12 * float64(drawn)
	return skipped, save(f, path, kind)
}
