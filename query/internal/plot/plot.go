package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/laiondb/laiondb/query/internal/atomicfile"
)

// Series is one distribution of a histogram, named in the legend.
type Series struct {
	Name   string
	Values []float64
}

// Point is one point of a scatter plot. Labels are drawn beside the
// points when there are at most MaxLabels labelled points (a few classes),
// and left out otherwise (hundreds of classes would hide the points).
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

func colorOf(i int, alpha uint8) color.NRGBA {
	c := palette[i%len(palette)]
	c.A = alpha
	return c
}

// AutoBins is the bin count Histogram uses when asked for 0: the square
// root of the largest series' size, between 10 and 60.
func AutoBins(n int) int {
	return min(60, max(10, int(math.Ceil(math.Sqrt(float64(n))))))
}

// Histogram draws the series as overlaid, semi-transparent histograms over
// the same bin edges (bins equal bins from the smallest to the largest
// value of all series; 0 chooses AutoBins), with a legend giving each
// series' name and count, and writes it to path as SVG or PNG by the
// extension. NaN and infinite values are left out; skipped says how many.
func Histogram(path string, series []Series, bins int, l Labels) (skipped int, err error) {
	fail := func(err error) (int, error) { return skipped, fmt.Errorf("plot %s: %w", path, err) }
	kind, err := formatOf(path)
	if err != nil {
		return fail(err)
	}
	if bins < 0 || bins > MaxBins {
		return fail(fmt.Errorf("%w: %d; use 1 to %d, or 0 to choose", ErrBins, bins, MaxBins))
	}
	if len(series) == 0 {
		return fail(fmt.Errorf("%w: no series", ErrNoData))
	}
	hs, skipped, err := histograms(series, bins)
	if err != nil {
		return fail(err)
	}
	p := newPlot(l, "value", "count")
	p.Legend.Top = true
	tallest := 0.0
	for i, h := range hs {
		n := 0
		for _, b := range h.Bins {
			n += int(b.Weight)
			tallest = max(tallest, b.Weight)
		}
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s (n=%d)", series[i].Name, n), h)
	}
	lo, hi := hs[0].Bins[0].Min, hs[0].Bins[len(hs[0].Bins)-1].Max
	p.Y.Min, p.Y.Max = 0, tallest*1.2 // room for the legend above the bars
	p.X.Min, p.X.Max = lo, hi
	return skipped, save(p, path, kind, 8*vg.Inch, 5*vg.Inch)
}

// histograms bins every series over the same edges: bins equal bins
// from the smallest to the largest finite value of all series (0 bins
// chooses AutoBins), NaN and infinite values counted in skipped.
func histograms(series []Series, bins int) (hs []*plotter.Histogram, skipped int, err error) {
	lo, hi, largest := math.Inf(1), math.Inf(-1), 0
	for _, s := range series {
		n := 0
		for _, v := range s.Values {
			if !finite(v) {
				skipped++
				continue
			}
			lo, hi, n = min(lo, v), max(hi, v), n+1
		}
		largest = max(largest, n)
	}
	if largest == 0 {
		return nil, skipped, noData(skipped)
	}
	if bins == 0 {
		bins = AutoBins(largest)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(bins)
	for i, s := range series {
		h := &plotter.Histogram{
			Bins:      make([]plotter.HistogramBin, bins),
			Width:     width,
			FillColor: colorOf(i, 0x70),
			LineStyle: draw.LineStyle{Color: colorOf(i, 0xff), Width: vg.Points(0.75)},
		}
		for b := range h.Bins {
			h.Bins[b].Min = lo + float64(b)*width
			h.Bins[b].Max = lo + float64(b+1)*width
		}
		h.Bins[bins-1].Max = hi
		for _, v := range s.Values {
			if finite(v) {
				h.Bins[binOf(v, lo, width, bins)].Weight++
			}
		}
		hs = append(hs, h)
	}
	return hs, skipped, nil
}

// binOf is the bin of v among bins of the given width from lo, whose
// edges are lo + k·width; the top edge belongs to the last bin.
func binOf(v, lo, width float64, bins int) int {
	i := min(bins-1, max(0, int((v-lo)/width)))
	// The division can round v into a neighbour of the bin its edges say.
	if i < bins-1 && v >= lo+float64(i+1)*width {
		i++
	} else if i > 0 && v < lo+float64(i)*width {
		i--
	}
	return i
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
	p, w, h, skipped, err := scatterPlot(pts, diagonal, l)
	if err != nil {
		return skipped, fmt.Errorf("plot %s: %w", path, err)
	}
	return skipped, save(p, path, kind, w, h)
}

// scatterPlot lays out Scatter's plot and its size.
func scatterPlot(pts []Point, diagonal bool, l Labels) (p *gplot.Plot, w, h vg.Length, skipped int, err error) {
	fail := func(err error) (*gplot.Plot, vg.Length, vg.Length, int, error) { return nil, 0, 0, skipped, err }
	var xys plotter.XYs
	var labels []string
	labelled := 0
	for _, pt := range pts {
		if !finite(pt.X) || !finite(pt.Y) {
			skipped++
			continue
		}
		xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
		labels = append(labels, pt.Label)
		if pt.Label != "" {
			labelled++
		}
	}
	if len(xys) == 0 {
		if skipped == 0 {
			return fail(fmt.Errorf("%w: no points", ErrNoData))
		}
		return fail(noData(skipped))
	}
	p = newPlot(l, "x", "y")
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return fail(err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: colorOf(0, 0xa0), Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	if labelled > 0 && labelled <= MaxLabels {
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return fail(err)
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font.Size = vg.Points(8)
			lb.TextStyle[i].XAlign = draw.XLeft
		}
		lb.Offset = vg.Point{X: vg.Points(4)}
		p.Add(lb)
	}
	w, h = 8*vg.Inch, 5*vg.Inch
	if diagonal {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, xy := range xys {
			lo, hi = min(lo, xy.X, xy.Y), max(hi, xy.X, xy.Y)
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		pad := (hi - lo) * 0.03
		lo, hi = lo-pad, hi+pad
		line, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
		if err != nil {
			return fail(err)
		}
		line.LineStyle = draw.LineStyle{Color: color.Gray{Y: 0x60}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		p.Add(line)
		p.Legend.Add("y = x", line)
		p.Legend.Top = true
		p.Legend.Left = true
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
		w, h = 6*vg.Inch, 6*vg.Inch
	}
	return p, w, h, skipped, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func noData(skipped int) error {
	return fmt.Errorf("%w: no finite values (%d NaN or infinite skipped)", ErrNoData, skipped)
}

// newPlot makes a plot with a title, axis labels and a light grid.
func newPlot(l Labels, x, y string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = l.Title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = or(l.X, x)
	p.Y.Label.Text = or(l.Y, y)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe0}
	grid.Horizontal.Color = color.Gray{Y: 0xe0}
	p.Add(grid)
	return p
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

// save draws p at w × h and replaces path with it: the file appears whole
// or not at all (atomicfile: a temporary file beside it, renamed at the end).
func save(p *gplot.Plot, path, kind string, w, h vg.Length) error {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("plot %s: directory %s does not exist; create it first: %w", path, dir, fs.ErrNotExist)
		}
		return fmt.Errorf("plot %s: %w", path, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("plot %s: %s is not a directory", path, dir)
	}
	var out io.WriterTo
	if kind == "png" {
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
		p.Draw(draw.New(c))
		out = vgimg.PngCanvas{Canvas: c}
	} else {
		c := vgsvg.New(w, h)
		p.Draw(draw.New(c))
		out = c
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("plot %s: cannot write in directory %s: %w", path, dir, err)
	}
	defer f.Cleanup()
	if _, err := out.WriteTo(f); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
