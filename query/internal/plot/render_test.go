package plot

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var (
	svgPaths   = regexp.MustCompile(`(?s)<path[^>]*/>`)
	svgViewBox = regexp.MustCompile(`width="([0-9.]+)pt" height="([0-9.]+)pt" viewBox="0 0 ([0-9.]+) ([0-9.]+)"`)
)

// textExtent renders only the texts of an SVG file with rsvg-convert, on
// a canvas enlarged by pad on every side, and returns the box the drawn
// pixels cover, in the file's own units, and the file's width and height.
// rsvg-convert draws with the fonts this machine has (without Liberation
// Sans, DejaVu Sans: wider), which is the point.
func textExtent(t *testing.T, path string) (minX, minY, maxX, maxY, w, h float64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := svgViewBox.FindSubmatch(raw)
	if m == nil {
		t.Fatalf("%s: no width, height and viewBox", path)
	}
	w, _ = strconv.ParseFloat(string(m[3]), 64)
	h, _ = strconv.ParseFloat(string(m[4]), 64)
	const pad = 100
	texts := svgPaths.ReplaceAll(raw, nil)
	texts = svgViewBox.ReplaceAll(texts, []byte(fmt.Sprintf(`width="%gpt" height="%gpt" viewBox="%d %d %g %g"`, w+2*pad, h+2*pad, -pad, -pad, w+2*pad, h+2*pad)))
	dir := t.TempDir()
	in, out := filepath.Join(dir, "texts.svg"), filepath.Join(dir, "texts.png")
	if err := os.WriteFile(in, texts, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("rsvg-convert", "-z", "2", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("rsvg-convert: %v\n%s", err, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	scale := float64(b.Dx()) / (w + 2*pad)
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0x2000 {
				fx, fy := float64(x)/scale-pad, float64(y)/scale-pad
				minX, minY = min(minX, fx), min(minY, fy)
				maxX, maxY = max(maxX, fx+1/scale), max(maxY, fy+1/scale)
			}
		}
	}
	if math.IsInf(minX, 1) {
		t.Fatalf("%s: rsvg-convert drew no text", path)
	}
	return minX, minY, maxX, maxY, w, h
}

// TestTextIsNeverClipped renders plots with long titles, legends and
// labels through rsvg-convert, whose fallback font is wider than the one
// the plots are laid out with, and checks that every drawn text pixel is
// inside the canvas.
func TestTextIsNeverClipped(t *testing.T) {
	if _, err := exec.LookPath("rsvg-convert"); err != nil {
		t.Skip("rsvg-convert not found: apt-get install librsvg2-bin")
	}
	dir := t.TempDir()
	l, m, pts := studyData()
	var named []Point
	for i, p := range pts[:120] {
		p.Label = fmt.Sprintf("Chesapeake Bay retriever %d", i)
		named = append(named, p)
	}
	cases := map[string]func(path string) error{
		"histogram": func(path string) error {
			_, err := Histogram(path, []Series{{"LAIONet, classes with at least five images", l}, {"ImageNet-like set, the same classes", m}}, 40,
				Labels{Title: "Intra-class similarity per class: the mean cosine over all pairs of a class's images, LAIONet against the ImageNet-like set", X: "mean pairwise cosine similarity"})
			return err
		},
		"density": func(path string) error {
			_, err := HistogramWith(path, []Series{{"a very long series name that goes on and on", l}}, HistOptions{Density: true, Range: true, Lo: 0.3, Hi: 0.9}, Labels{Title: "Density"})
			return err
		},
		"line": func(path string) error {
			var a, b []Point
			for k := 1; k <= 10; k++ {
				a = append(a, Point{X: float64(k), Y: 0.5 + 0.02*float64(k)})
				b = append(b, Point{X: float64(k), Y: 0.5})
			}
			_, err := Lines(path, []Curve{{"selected by image similarity to the class centroid", a}, {"selected by caption similarity", b}},
				Labels{Title: "Mean intra-class similarity of the top k images per class, by how they were selected", X: "k", Y: "mean pairwise cosine"})
			return err
		},
		"scatter": func(path string) error {
			_, err := Scatter(path, named, true, Labels{Title: "Per-class intra-class similarity: LAIONet against ImageNet, one point per class", X: "ImageNet", Y: "LAIONet"})
			return err
		},
	}
	for name, draw := range cases {
		path := filepath.Join(dir, name+".svg")
		if err := draw(path); err != nil {
			t.Fatal(err)
		}
		x0, y0, x1, y1, w, h := textExtent(t, path)
		t.Logf("%s: text within [%.1f, %.1f] × [%.1f, %.1f] of %g × %g", name, x0, x1, y0, y1, w, h)
		if x0 < 0 || y0 < 0 || x1 > w || y1 > h {
			t.Errorf("%s: text drawn over [%.1f, %.1f] × [%.1f, %.1f], outside the %g × %g canvas", name, x0, x1, y0, y1, w, h)
		}
	}
}
