package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	histLabels    = Labels{Title: "Intra-class similarity per class", X: "mean pairwise cosine", Y: "classes"}
	scatterLabels = Labels{Title: "Per-class intra-class similarity", X: "LAIONet", Y: "ImageNet"}
)

// svgContent parses an SVG file as XML and returns its texts and the
// style attributes of its paths.
func svgContent(t *testing.T, path string) (texts, styles []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	inText := false
	sawSVG := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not valid XML: %v", path, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch tok.Name.Local {
			case "svg":
				sawSVG = true
			case "text":
				inText = true
			case "path":
				for _, a := range tok.Attr {
					if a.Name.Local == "style" {
						styles = append(styles, a.Value)
					}
				}
			}
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		}
	}
	if !sawSVG {
		t.Fatalf("%s has no <svg> element", path)
	}
	return texts, styles
}

func count(list []string, sub string) int {
	n := 0
	for _, s := range list {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func TestHistogramSVG(t *testing.T) {
	l, m, _ := studyData()
	path := filepath.Join(t.TempDir(), "hist.svg")
	skipped, err := Histogram(path, []Series{{"LAIONet", l}, {"ImageNet", m}}, 30, histLabels)
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 3 {
		t.Errorf("skipped %d, want 3 (NaN, +Inf, -Inf)", skipped)
	}
	texts, styles := svgContent(t, path)
	for _, want := range []string{histLabels.Title, histLabels.X, histLabels.Y, "LAIONet (n=900)", "ImageNet (n=900)"} {
		if count(texts, want) == 0 {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	// One outlined bar per bin and series, plus the legend's swatch; the
	// fills are semi-transparent.
	for _, c := range []string{"stroke:#0072B2", "stroke:#E69F00"} {
		if n := count(styles, c); n < 30 {
			t.Errorf("%d paths with %s, want a bar per bin", n, c)
		}
	}
	if n := count(styles, "fill-opacity"); n < 60 {
		t.Errorf("%d semi-transparent fills, want a bar per bin and series", n)
	}
}

func TestHistogramsShareBins(t *testing.T) {
	hs, rep, err := histograms([]Series{{"a", []float64{0, 0.25, 1, math.NaN()}}, {"b", []float64{0.5, 2, 2}}}, HistOptions{Bins: 4})
	if err != nil || rep.Skipped != 1 {
		t.Fatalf("skipped %d, %v", rep.Skipped, err)
	}
	want := [][3]float64{{0, 0.5, 2}, {0.5, 1, 0}, {1, 1.5, 1}, {1.5, 2, 0}}
	wantB := []float64{0, 1, 0, 2}
	for i, b := range hs[0].Bins {
		if b.Min != want[i][0] || b.Max != want[i][1] || b.Weight != want[i][2] {
			t.Errorf("a bin %d: %+v, want %v", i, b, want[i])
		}
		if c := hs[1].Bins[i]; c.Min != b.Min || c.Max != b.Max || c.Weight != wantB[i] {
			t.Errorf("b bin %d: %+v, want edges of a's and weight %v", i, c, wantB[i])
		}
	}
	// A single value gets a bin of width 1 around it.
	hs, _, _ = histograms([]Series{{"c", []float64{3, 3}}}, HistOptions{})
	if n := len(hs[0].Bins); n != AutoBins(2) || hs[0].Bins[0].Min != 2.5 || hs[0].Bins[n-1].Max != 3.5 {
		t.Errorf("constant series: %d bins from %v to %v", n, hs[0].Bins[0].Min, hs[0].Bins[n-1].Max)
	}
}

func TestBinOfEdges(t *testing.T) {
	// (0.3-0.1)/0.2 rounds below 1; the bin must still follow the edges.
	lo, width, bins := 0.1, 0.2, 4
	for _, v := range []float64{0.1, 0.29999, 0.3, 0.30000000000000004, 0.5, 0.7, 0.9} {
		i := binOf(v, lo, width, bins)
		lower, upper := lo+float64(i)*width, lo+float64(i+1)*width
		if v < lower || (v >= upper && i != bins-1) {
			t.Errorf("%v in bin %d [%v, %v)", v, i, lower, upper)
		}
	}
}

func TestHistogramPNG(t *testing.T) {
	l, m, _ := studyData()
	path := filepath.Join(t.TempDir(), "hist.PNG")
	if _, err := Histogram(path, []Series{{"LAIONet", l}, {"ImageNet", m}}, 0, histLabels); err != nil {
		t.Fatal(err)
	}
	blue, orange := pngColors(t, path, 1200, 750)
	if blue < 1000 || orange < 1000 {
		t.Errorf("%d blue and %d orange pixels: the two series are not both drawn", blue, orange)
	}
}

// pngColors decodes a PNG, checks its size, and counts bluish and orange
// pixels (the first two series' colours, blended on white).
func pngColors(t *testing.T, path string, w, h int) (blue, orange int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s is %d×%d, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			switch {
			case b > r+60 && b > g:
				blue++
			case r > b+80 && g > b+20:
				orange++
			}
		}
	}
	return blue, orange
}

func TestScatter(t *testing.T) {
	_, _, pts := studyData()
	pts = append(pts, Point{X: math.NaN(), Y: 1}, Point{X: 0.5, Y: math.Inf(1)})
	dir := t.TempDir()
	for _, name := range []string{"scatter.svg", "scatter.png"} {
		skipped, err := Scatter(filepath.Join(dir, name), pts, true, scatterLabels)
		if err != nil || skipped != 2 {
			t.Fatalf("%s: skipped %d, %v", name, skipped, err)
		}
	}
	texts, styles := svgContent(t, filepath.Join(dir, "scatter.svg"))
	for _, want := range []string{scatterLabels.Title, scatterLabels.X, scatterLabels.Y, "y = x"} {
		if count(texts, want) == 0 {
			t.Errorf("no text %q", want)
		}
	}
	if n := count(styles, "fill:#0072B2;fill-opacity"); n < 300 {
		t.Errorf("%d point paths, want 300", n)
	}
	if count(styles, "stroke-dasharray") == 0 {
		t.Error("no dashed diagonal")
	}
	blue, _ := pngColors(t, filepath.Join(dir, "scatter.png"), 900, 900)
	if blue < 1000 {
		t.Errorf("%d blue pixels: points missing", blue)
	}

	// With the diagonal both axes cover the same range, which holds every point.
	f, _, err := scatterPlot(pts, true, scatterLabels)
	if err != nil {
		t.Fatal(err)
	}
	if f.xr != f.yr || f.w != f.h {
		t.Errorf("axes x [%v, %v], y [%v, %v], canvas %v × %v", f.xr.min, f.xr.max, f.yr.min, f.yr.max, f.w, f.h)
	}
	for _, pt := range pts[:300] {
		if pt.X < f.xr.min || pt.X > f.xr.max || pt.Y < f.yr.min || pt.Y > f.yr.max {
			t.Errorf("point %v outside the axes", pt)
		}
	}
}

func TestScatterLabels(t *testing.T) {
	few := []Point{{X: 0.6, Y: 0.7, Label: "goldfish"}, {X: 0.5, Y: 0.65, Label: "tench"}}
	path := filepath.Join(t.TempDir(), "few.svg")
	if _, err := Scatter(path, few, false, Labels{}); err != nil {
		t.Fatal(err)
	}
	texts, _ := svgContent(t, path)
	for _, want := range []string{"goldfish", "tench", "x", "y"} {
		if count(texts, want) == 0 {
			t.Errorf("no text %q", want)
		}
	}
	// With many points, the ones farthest from the diagonal are labelled
	// first, labels never overlap, and at most MaxLabels are drawn.
	var many []Point
	for i := range 200 {
		x := 0.3 + 0.5*float64(i)/200
		many = append(many, Point{X: x, Y: x + 0.01*math.Sin(float64(i)), Label: fmt.Sprintf("class%03d", i)})
	}
	many = append(many, Point{X: 0.4, Y: 0.75, Label: "outlier"})
	if _, err := Scatter(path, many, true, Labels{}); err != nil {
		t.Fatal(err)
	}
	texts, _ = svgContent(t, path)
	if n := count(texts, "class"); n == 0 || n > MaxLabels-1 {
		t.Errorf("%d class labels drawn, want 1 to %d", n, MaxLabels-1)
	}
	if count(texts, "outlier") != 1 {
		t.Error("the point farthest from the diagonal is not labelled")
	}
}

// TestHistogramOptions: DENSITY scales each series to area 1, RANGE bins a
// fixed interval and counts what falls outside it.
func TestHistogramOptions(t *testing.T) {
	a := []float64{0.1, 0.2, 0.2, 0.3, 0.9, 5}
	b := []float64{0.25, 0.5}
	hs, rep, err := histograms([]Series{{"a", a}, {"b", b}}, HistOptions{Bins: 4, Range: true, Lo: 0, Hi: 1})
	if err != nil || rep.Outside != 1 || rep.Skipped != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if hs[0].Bins[0].Min != 0 || hs[0].Bins[3].Max != 1 || hs[0].Bins[0].Weight != 3 || hs[0].Bins[1].Weight != 1 || hs[1].Bins[1].Weight != 1 || hs[1].Bins[2].Weight != 1 {
		t.Errorf("bins %+v / %+v", hs[0].Bins, hs[1].Bins)
	}
	path := filepath.Join(t.TempDir(), "d.svg")
	rep, err = HistogramWith(path, []Series{{"a", a}, {"b", b}}, HistOptions{Bins: 4, Density: true, Range: true, Lo: 0, Hi: 1}, Labels{X: "similarity"})
	if err != nil || rep.Outside != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	texts, _ := svgContent(t, path)
	for _, want := range []string{"density", "similarity", "a (n=5)", "b (n=2)"} {
		if count(texts, want) == 0 {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	if _, err := HistogramWith(path, []Series{{"a", a}}, HistOptions{Range: true, Lo: 1, Hi: 1}, Labels{}); !errors.Is(err, ErrRange) {
		t.Errorf("empty range: %v", err)
	}
	if _, err := HistogramWith(path, []Series{{"a", []float64{7, 8}}}, HistOptions{Range: true, Lo: 0, Hi: 1}, Labels{}); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "all 2 finite values lie outside") {
		t.Errorf("nothing inside the range: %v", err)
	}
}

func TestLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.svg")
	curves := []Curve{
		{"a", []Point{{X: 3, Y: 1}, {X: 1, Y: 2}, {X: 2, Y: math.NaN()}}},
		{"b", []Point{{X: 1, Y: 0.5}, {X: 2, Y: 0.7}}},
	}
	skipped, err := Lines(path, curves, Labels{Title: "sweep", X: "k"})
	if err != nil || skipped != 1 {
		t.Fatalf("skipped %d, %v", skipped, err)
	}
	texts, styles := svgContent(t, path)
	for _, want := range []string{"sweep", "k", "a", "b"} {
		if count(texts, want) == 0 {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	if count(styles, "stroke:#0072B2") == 0 || count(styles, "stroke:#E69F00") == 0 {
		t.Error("the two lines are not drawn in the first two colours")
	}
	if _, err := Lines(path, []Curve{{"x", []Point{{X: math.NaN(), Y: 1}}}}, Labels{}); !errors.Is(err, ErrNoData) {
		t.Errorf("only NaN: %v", err)
	}
}

func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	good := []Series{{"a", []float64{1, 2}}}
	for _, tc := range []struct {
		name string
		err  error
		is   error
		msg  string
	}{
		{"pdf", second(Histogram(filepath.Join(dir, "h.pdf"), good, 0, Labels{})), ErrFormat, "(extension .pdf): name the file .svg or .png"},
		{"no ext", second(Scatter(filepath.Join(dir, "s"), []Point{{X: 1, Y: 1}}, true, Labels{})), ErrFormat, "(no extension)"},
		{"no series", second(Histogram(filepath.Join(dir, "h.svg"), nil, 0, Labels{})), ErrNoData, "no series"},
		{"empty series", second(Histogram(filepath.Join(dir, "h.svg"), []Series{{"a", nil}}, 0, Labels{})), ErrNoData, "no finite values (0 NaN or infinite skipped)"},
		{"all NaN", second(Histogram(filepath.Join(dir, "h.svg"), []Series{{"a", []float64{math.NaN(), math.Inf(1)}}, {"b", []float64{math.NaN()}}}, 0, Labels{})), ErrNoData, "no finite values (3 NaN or infinite skipped)"},
		{"no points", second(Scatter(filepath.Join(dir, "s.png"), nil, true, Labels{})), ErrNoData, "no points"},
		{"all points NaN", second(Scatter(filepath.Join(dir, "s.png"), []Point{{X: math.NaN()}, {Y: math.Inf(-1)}}, true, Labels{})), ErrNoData, "(2 NaN or infinite skipped)"},
		{"bins", second(Histogram(filepath.Join(dir, "h.svg"), good, -1, Labels{})), ErrBins, "-1; use 1 to 1000, or 0 to choose"},
		{"too many bins", second(Histogram(filepath.Join(dir, "h.svg"), good, 5000, Labels{})), ErrBins, "5000"},
		{"missing dir", second(Histogram(filepath.Join(dir, "no", "h.svg"), good, 0, Labels{})), fs.ErrNotExist, "directory " + filepath.Join(dir, "no") + " does not exist"},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(tc.err, tc.is) || !strings.Contains(tc.err.Error(), tc.msg) || !strings.HasPrefix(tc.err.Error(), "plot "+dir) {
			t.Errorf("%s: %v; want %v saying %q", tc.name, tc.err, tc.is, tc.msg)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed plots left %d files", len(ents))
	}
}

func second(_ int, err error) error { return err }

func TestTextHistogram(t *testing.T) {
	values := []float64{0.12, 0.2, 0.25, 0.33, 0.35, 0.36, 0.5, 0.9, math.NaN()}
	got := TextHistogram(values, 4, 16)
	want := "" +
		"n=8  min=0.12  max=0.9  mean=0.3762  (1 NaN or infinite skipped)\n" +
		"[0.120, 0.315)  ████████████      3\n" +
		"[0.315, 0.510)  ████████████████  4\n" +
		"[0.510, 0.705)                    0\n" +
		"[0.705, 0.900]  ████              1\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if again := TextHistogram(values, 4, 16); again != got {
		t.Error("output changes between calls")
	}
	for _, tc := range []struct {
		values      []float64
		bins, width int
		want        string
	}{
		{nil, 4, 10, "no values\n"},
		{[]float64{math.Inf(1)}, 4, 10, "no values (1 NaN or infinite skipped)\n"},
		{[]float64{3, 3, 3}, 5, 6, "n=3  min=3  max=3  mean=3\n[3, 3]  ██████  3\n"},
		{[]float64{0, 1000, 1, 2, 3}, 2, 8, "n=5  min=0  max=1000  mean=201.2\n[0, 500)     ████████  4\n[500, 1000]  ██        1\n"},
		{[]float64{-1, 1}, 0, 0, "n=2  min=-1  max=1  mean=0\n"},
	} {
		got := TextHistogram(tc.values, tc.bins, tc.width)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("TextHistogram(%v, %d, %d) =\n%s\nwant\n%s", tc.values, tc.bins, tc.width, got, tc.want)
		}
	}
	// Defaults: 10 bins, bars up to 40 cells, and a non-empty bin never
	// vanishes.
	vals := []float64{-1, 1}
	for range 1000 {
		vals = append(vals, 0.05)
	}
	lines := strings.Split(strings.TrimSuffix(TextHistogram(vals, 0, 0), "\n"), "\n")
	if len(lines) != 11 || !strings.Contains(lines[1], "▏") || !strings.Contains(lines[6], strings.Repeat("█", 40)) {
		t.Errorf("defaults:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.HasPrefix(lines[6], "[0.0, 0.2)") || strings.Contains(strings.Join(lines, ""), "-0.0,") {
		t.Errorf("edges around zero:\n%s", strings.Join(lines, "\n"))
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		r        axisRange
		n        int
		integers bool
		want     string
	}{
		{axisRange{0.25, 0.84}, 7, false, "0.3 0.4 0.5 0.6 0.7 0.8"},
		{axisRange{0, 120}, 6, true, "0 20 40 60 80 100 120"},
		{axisRange{0, 3.6}, 6, true, "0 1 2 3"},
		{axisRange{0.5, 0.6}, 6, false, "0.50 0.52 0.54 0.56 0.58 0.60"},
		{axisRange{-0.1, 0.1}, 4, false, "-0.10 -0.05 0.00 0.05 0.10"},
		{axisRange{0, 10}, 4, false, "0.0 2.5 5.0 7.5 10.0"},
		{axisRange{1, 1}, 4, false, "1.00"},
	} {
		vals, dec := ticks(c.r, c.n, c.integers)
		var got []string
		for _, v := range vals {
			got = append(got, tickText(v, dec))
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("ticks(%v, %d, %v) = %s, want %s", c.r, c.n, c.integers, s, c.want)
		}
	}
}

// Labels come from the data: the SVG escapes what XML does not allow.
func TestSVGEscapesText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.svg")
	pts := []Point{{X: 0, Y: 0, Label: `<b>fish & "chips"</b>` + "\x01"}, {X: 1, Y: 1}}
	if _, err := Scatter(path, pts, false, Labels{Title: "a < b & c"}); err != nil {
		t.Fatal(err)
	}
	texts, _ := svgContent(t, path) // fails on invalid XML
	for _, want := range []string{`<b>fish & "chips"</b>`, "a < b & c"} {
		if count(texts, want) == 0 {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
}
