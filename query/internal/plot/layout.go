package plot

import (
	"math"
	"sort"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Text that is never clipped. Plots are laid out with the metrics of
// Liberation Sans, the font gonum carries, but an SVG file names its font
// and the viewer draws the text in whatever it has: Arial and Helvetica
// match Liberation Sans, while DejaVu Sans, the usual fallback on Linux
// (and what rsvg-convert uses without Liberation), is about 15% wider.
// So every text is measured widerSlack times wider and tallerSlack times
// taller than Liberation Sans says, aligned by that measure, and the plot
// is drawn inside a margin: a legend or a title then fits with any of
// these fonts (tested by rendering the SVG with rsvg-convert).
const (
	widerSlack  = 1.2
	tallerSlack = 1.1
	// margin is the blank border around every plot.
	margin = 6 // points
)

// roomyText is gonum's plain text handler with the slack above: a
// box is wider and taller than the font says, and right- or
// centre-aligned text is placed by that wider box.
type roomyText struct{ text.Plain }

var textHandler = roomyText{text.Plain{Fonts: font.DefaultCache}}

func (h roomyText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	w, ht, d := h.Plain.Box(txt, fnt)
	return w * widerSlack, ht * tallerSlack, d * tallerSlack
}

// Draw is text.Plain's Draw with the horizontal alignment measured by Box.
func (h roomyText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if len(txt) == 0 {
		return
	}
	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos, sin := vg.Length(cos64), vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin
	lines := h.Lines(txt)
	ht := sty.Height(txt)
	pt.Y += ht*vg.Length(sty.YAlign) - fnt.Extents().Ascent
	for i, line := range lines {
		w, _, _ := h.Box(line, sty.Font)
		xoffs := vg.Length(sty.XAlign) * w
		n := vg.Length(len(lines) - i)
		c.FillString(fnt, pt.Add(vg.Point{X: xoffs, Y: n * sty.Font.Size}), line)
	}
	if sty.Rotation != 0 {
		c.Pop()
	}
}

// styleText gives a text style the plots' font (Liberation Sans) and
// handler.
func styleText(sty *text.Style) {
	sty.Font.Typeface = "Liberation"
	sty.Font.Variant = "Sans"
	sty.Handler = textHandler
}

// styleAll applies styleText to every text of a plot.
func styleAll(p *gplot.Plot) {
	for _, sty := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		styleText(sty)
	}
	p.Title.Padding = vg.Points(8)
}

// pointLabels labels points of a scatter plot, most important first, each
// to the right of its point or else to its left, and leaves out a label
// that would cover one already placed: with hundreds of classes, the ones
// that matter most stay legible. Every labelled point reserves room for
// its label on both sides (GlyphBoxes), so gonum shrinks the data area
// until either placement lies inside the axes.
type pointLabels struct {
	xys    plotter.XYs
	labels []string
	order  []int // indices into xys, most important first
	style  text.Style
}

func newPointLabels(xys plotter.XYs, labels []string, importance []float64) *pointLabels {
	pl := &pointLabels{xys: xys, labels: labels, style: text.Style{Font: font.From(gplot.DefaultFont, 8), XAlign: draw.XLeft, YAlign: draw.YCenter}}
	styleText(&pl.style)
	for i, l := range labels {
		if l != "" {
			pl.order = append(pl.order, i)
		}
	}
	sort.SliceStable(pl.order, func(a, b int) bool { return importance[pl.order[a]] > importance[pl.order[b]] })
	return pl
}

// GlyphBoxes implements gonum's plot.GlyphBoxer.
func (pl *pointLabels) GlyphBoxes(p *gplot.Plot) []gplot.GlyphBox {
	gap := vg.Points(4)
	var out []gplot.GlyphBox
	for _, i := range pl.order {
		w, ht, d := textHandler.Box(pl.labels[i], pl.style.Font)
		out = append(out, gplot.GlyphBox{X: p.X.Norm(pl.xys[i].X), Y: p.Y.Norm(pl.xys[i].Y),
			Rectangle: vg.Rectangle{Min: vg.Point{X: -gap - w, Y: -(ht + d) / 2}, Max: vg.Point{X: gap + w, Y: (ht + d) / 2}}})
	}
	return out
}

// Plot implements gonum's plot.Plotter.
func (pl *pointLabels) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	gap := vg.Points(4)
	var placed []vg.Rectangle
	drawn := 0
	for _, i := range pl.order {
		if drawn == MaxLabels {
			return
		}
		x, y := trX(pl.xys[i].X), trY(pl.xys[i].Y)
		w, ht, d := textHandler.Box(pl.labels[i], pl.style.Font)
		for _, right := range []bool{true, false} {
			box := vg.Rectangle{Min: vg.Point{X: x + gap, Y: y - (ht+d)/2}, Max: vg.Point{X: x + gap + w, Y: y + (ht+d)/2}}
			sty := pl.style
			at := vg.Point{X: x + gap, Y: y}
			if !right {
				box.Min.X, box.Max.X = x-gap-w, x-gap
				sty.XAlign = draw.XRight
				at.X = x - gap
			}
			if overlapsAny(box, placed) {
				continue
			}
			c.FillText(sty, at, pl.labels[i])
			placed = append(placed, box)
			drawn++
			break
		}
	}
}

func overlapsAny(r vg.Rectangle, rs []vg.Rectangle) bool {
	for _, o := range rs {
		if r.Min.X < o.Max.X && o.Min.X < r.Max.X && r.Min.Y < o.Max.Y && o.Min.Y < r.Max.Y {
			return true
		}
	}
	return false
}

// fitTitle breaks a title that is wider than the plot, less its margins,
// into lines at spaces (a word longer than the line keeps a line of its
// own).
func fitTitle(p *gplot.Plot, w vg.Length) {
	limit := w - 2*vg.Points(margin)
	sty := p.Title.TextStyle
	width := func(s string) vg.Length { b, _, _ := textHandler.Box(s, sty.Font); return b }
	if p.Title.Text == "" || width(p.Title.Text) <= limit {
		return
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(p.Title.Text) {
		switch {
		case line == "":
			line = word
		case width(line+" "+word) <= limit:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	p.Title.Text = strings.Join(append(lines, line), "\n")
}
