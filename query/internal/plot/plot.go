package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/laiondb/laiondb/query/internal/atomicfile"
	"github.com/laiondb/laiondb/query/internal/stats"
)

// Series is one distribution of a histogram, named in the legend.
type Series struct {
	Name   string
	Values []float64
}

// Point is one point of a scatter plot. Labels are drawn beside their
// points, at most MaxLabels of them and never over each other: with a
// diagonal, the points farthest from it first, otherwise in order.
type Point struct {
	X, Y  float64
	Label string
}

// Labels are the texts of a plot; an empty axis label gets a default
// ("value" and "count" for histograms, "x" and "y" for scatter plots).
type Labels struct {
	Title, X, Y string
}

const (
	// MaxBins is the largest bin count Histogram accepts.
	MaxBins = 1000
	// MaxLabels is the most point labels Scatter draws.
	MaxLabels = 30
	// pngDPI sets PNG resolution: an 8 × 5 in histogram is 1200 × 750 px.
	pngDPI = 150
	inch   = 72 // points
)

// palette is the Okabe–Ito set, told apart by colour-blind readers too.
var palette = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // green
	{0xCC, 0x79, 0xA7, 0xff}, // pink
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0xF0, 0xE4, 0x42, 0xff}, // yellow
}

// AutoBins is the bin count Histogram uses when asked for 0: the square
// root of the largest series' size, between 10 and 60.
func AutoBins(n int) int {
	return min(60, max(10, int(math.Ceil(math.Sqrt(float64(n))))))
}

// HistOptions are the options of a histogram.
type HistOptions struct {
	// Bins is the number of equal-width bins, 0 for AutoBins.
	Bins int
	// Density scales each series to area 1 (a bin's height is its share
	// of the series divided by the bin width), so that series of
	// different sizes compare by shape.
	Density bool
	// Range, when set, bins [Lo, Hi] (both included) instead of the
	// smallest to the largest value; values outside are left out and
	// counted.
	Range  bool
	Lo, Hi float64
}

// HistReport says what a histogram left out.
type HistReport struct {
	Skipped int // NaN and infinite values
	Outside int // finite values outside the Range
}

// Histogram draws the series as overlaid, semi-transparent histograms over
// the same bin edges (bins equal bins from the smallest to the largest
// value of all series; 0 chooses AutoBins), with a legend giving each
// series' name and count, and writes it to path as SVG or PNG by the
// extension. NaN and infinite values are left out; skipped says how many.
func Histogram(path string, series []Series, bins int, l Labels) (skipped int, err error) {
	r, err := HistogramWith(path, series, HistOptions{Bins: bins}, l)
	return r.Skipped, err
}

// HistogramWith is Histogram with all its options: the bins, their
// range, and counts or densities.
func HistogramWith(path string, series []Series, opt HistOptions, l Labels) (rep HistReport, err error) {
	fail := func(err error) (HistReport, error) { return rep, fmt.Errorf("plot %s: %w", path, err) }
	kind, err := formatOf(path)
	if err != nil {
		return fail(err)
	}
	if opt.Bins < 0 || opt.Bins > MaxBins {
		return fail(fmt.Errorf("%w: %d; use 1 to %d, or 0 to choose", ErrBins, opt.Bins, MaxBins))
	}
	if opt.Range && !(opt.Lo < opt.Hi && finite(opt.Lo) && finite(opt.Hi)) {
		return fail(fmt.Errorf("%w: [%v, %v]; give lo < hi", ErrRange, opt.Lo, opt.Hi))
	}
	if len(series) == 0 {
		return fail(fmt.Errorf("%w: no series", ErrNoData))
	}
	hs, rep, err := histograms(series, opt)
	if err != nil {
		return fail(err)
	}
	return rep, save(histogramFigure(series, hs, opt.Density, l), path, kind)
}

// bin is one bar of a histogram: values in [Min, Max) (the last bin
// includes Max), Weight of them.
type bin struct{ Min, Max, Weight float64 }

type hist struct{ Bins []bin }

// histograms bins every series over the same edges: bins equal bins from
// the smallest to the largest finite value of all series, or over the
// option's range (0 bins chooses AutoBins); NaN and infinite values, and
// values outside the range, are left out and counted.
func histograms(series []Series, opt HistOptions) (hs []hist, rep HistReport, err error) {
	bins := opt.Bins
	lo, hi, largest := math.Inf(1), math.Inf(-1), 0
	inside := func(v float64) bool { return !opt.Range || v >= opt.Lo && v <= opt.Hi }
	for _, s := range series {
		n := 0
		for _, v := range s.Values {
			switch {
			case !finite(v):
				rep.Skipped++
				continue
			case !inside(v):
				rep.Outside++
				continue
			}
			lo, hi, n = min(lo, v), max(hi, v), n+1
		}
		largest = max(largest, n)
	}
	if largest == 0 {
		if rep.Outside > 0 {
			return nil, rep, fmt.Errorf("%w: all %d finite values lie outside the range [%v, %v]", ErrNoData, rep.Outside, opt.Lo, opt.Hi)
		}
		return nil, rep, noData(rep.Skipped)
	}
	if bins == 0 {
		bins = AutoBins(largest)
	}
	if opt.Range {
		lo, hi = opt.Lo, opt.Hi
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(bins)
	for _, s := range series {
		h := hist{Bins: make([]bin, bins)}
		for b := range h.Bins {
			h.Bins[b].Min = lo + float64(b)*width
			h.Bins[b].Max = lo + float64(b+1)*width
		}
		h.Bins[bins-1].Max = hi
		for _, v := range s.Values {
			if finite(v) && inside(v) {
				h.Bins[binOf(v, lo, width, bins)].Weight++
			}
		}
		hs = append(hs, h)
	}
	return hs, rep, nil
}

// binOf is stats.BinOf: the one rule for equal-width bins, shared with
// the histogram aggregate.
func binOf(v, lo, width float64, bins int) int { return stats.BinOf(v, lo, width, bins) }

// histogramFigure lays out the bars of hs (one hist per series) on
// 8 × 5 in, with room above the tallest bar for the legend (a line per
// series). With density, each series is scaled to area 1.
func histogramFigure(series []Series, hs []hist, density bool, l Labels) *figure {
	yLabel := "count"
	if density {
		yLabel = "density"
	}
	f := newFigure(8*inch, 5*inch, l, "value", yLabel)
	tallest := 0.0
	for i, h := range hs {
		n := 0
		for _, b := range h.Bins {
			n += int(b.Weight)
		}
		if density && n > 0 {
			for b := range h.Bins {
				h.Bins[b].Weight /= float64(n) * (h.Bins[b].Max - h.Bins[b].Min)
			}
		}
		for _, b := range h.Bins {
			tallest = max(tallest, b.Weight)
		}
		fill, line := colorOf(i, 0x70), colorOf(i, 0xff)
		f.legend = append(f.legend, legendEntry{
			text: fmt.Sprintf("%s (n=%d)", series[i].Name, n),
			mark: func(c canvas, x0, y0, x1, y1 float64) { c.rect(x0, y0, x1, y1, fill, line, 0.75) },
		})
		f.marks = append(f.marks, func(c canvas, fr frame) {
			for _, b := range h.Bins { // empty bins too: a flat outline on the axis
				c.rect(fr.x(b.Min), fr.y(b.Weight), fr.x(b.Max), fr.y(0), fill, line, 0.75)
			}
		})
	}
	f.xr = axisRange{hs[0].Bins[0].Min, hs[0].Bins[len(hs[0].Bins)-1].Max}
	f.yr = axisRange{0, tallest * (1.1 + 0.1*float64(len(hs)))} // room for the legend
	f.yIntegers = !density
	return f
}

// Scatter draws the points and writes the plot to path as SVG or PNG by
// the extension. With diagonal, it adds the line y = x and gives both axes
// the same range on a square canvas, so a point above the line has y > x.
// Points with a NaN or infinite coordinate are left out; skipped says how
// many.
func Scatter(path string, pts []Point, diagonal bool, l Labels) (skipped int, err error) {
	kind, err := formatOf(path)
	if err != nil {
		return 0, fmt.Errorf("plot %s: %w", path, err)
	}
	f, skipped, err := scatterPlot(pts, diagonal, l)
	if err != nil {
		return skipped, fmt.Errorf("plot %s: %w", path, err)
	}
	return skipped, save(f, path, kind)
}

// scatterPlot lays out Scatter's figure: 8 × 5 in, or 6 × 6 in with the
// diagonal. Axes span the points with 3% to spare on each side.
func scatterPlot(pts []Point, diagonal bool, l Labels) (f *figure, skipped int, err error) {
	var kept []Point
	for _, pt := range pts {
		if !finite(pt.X) || !finite(pt.Y) {
			skipped++
			continue
		}
		kept = append(kept, pt)
	}
	if len(kept) == 0 {
		if skipped == 0 {
			return nil, 0, fmt.Errorf("%w: no points", ErrNoData)
		}
		return nil, skipped, noData(skipped)
	}
	f = newFigure(8*inch, 5*inch, l, "x", "y")
	xr, yr := axisRange{math.Inf(1), math.Inf(-1)}, axisRange{math.Inf(1), math.Inf(-1)}
	for _, p := range kept {
		xr = axisRange{min(xr.min, p.X), max(xr.max, p.X)}
		yr = axisRange{min(yr.min, p.Y), max(yr.max, p.Y)}
	}
	if diagonal {
		xr = axisRange{min(xr.min, yr.min), max(xr.max, yr.max)}
		yr = xr
		f.w, f.h, f.square = 6*inch, 6*inch, true
	}
	f.xr, f.yr = xr.padded(0.03), yr.padded(0.03)
	dot := colorOf(0, 0xa0)
	f.marks = append(f.marks, func(c canvas, fr frame) {
		for _, p := range kept {
			c.circle(fr.x(p.X), fr.y(p.Y), 2.5, dot)
		}
		placeLabels(c, fr, f.w, f.h, kept, diagonal)
	})
	if diagonal {
		gray := color.NRGBA{0x60, 0x60, 0x60, 0xff}
		dashes := []float64{5, 3}
		r := f.xr
		f.marks = append(f.marks, func(c canvas, fr frame) {
			c.line([]pt{{fr.x(r.min), fr.y(r.min)}, {fr.x(r.max), fr.y(r.max)}}, gray, 1, dashes)
		})
		f.legend = append(f.legend, legendEntry{
			text: "y = x",
			mark: func(c canvas, x0, y0, x1, y1 float64) {
				c.line([]pt{{x0, (y0 + y1) / 2}, {x1, (y0 + y1) / 2}}, gray, 1, dashes)
			},
		})
		f.legendLeft = true
	}
	return f, skipped, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func noData(skipped int) error {
	return fmt.Errorf("%w: no finite values (%d NaN or infinite skipped)", ErrNoData, skipped)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// formatOf returns "svg" or "png" for the path's extension.
func formatOf(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".svg", ".png":
		return ext[1:], nil
	case "":
		return "", fmt.Errorf("%w (no extension): name the file .svg or .png", ErrFormat)
	default:
		return "", fmt.Errorf("%w (extension %s): name the file .svg or .png", ErrFormat, ext)
	}
}

// save draws f and replaces path with it: the file appears whole or not
// at all (atomicfile: a temporary file beside it, renamed at the end).
func save(f *figure, path, kind string) error {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("plot %s: directory %s does not exist; create it first: %w", path, dir, fs.ErrNotExist)
		}
		return fmt.Errorf("plot %s: %w", path, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("plot %s: %s is not a directory", path, dir)
	}
	var c canvas
	if kind == "png" {
		c = newPNG(f.w, f.h, pngDPI)
	} else {
		c = newSVG(f.w, f.h)
	}
	f.draw(c)
	b, err := c.encode()
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	t, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("plot %s: cannot write in directory %s: %w", path, dir, err)
	}
	defer t.Cleanup()
	if _, err := t.Write(b); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := t.Chmod(0o644); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
