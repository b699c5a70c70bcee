package plot

import (
	"image/color"
	"math"
	"strconv"
	"strings"
)

// A figure is one plot laid out in points: title, axes with ticks, a
// light grid, the data marks and a legend. Histogram and Scatter fill one
// in; draw renders it on a canvas, so that SVG and PNG show the same.
type figure struct {
	w, h                  float64 // canvas size, points
	title, xLabel, yLabel string
	xr, yr                axisRange
	yIntegers             bool // y ticks at whole numbers (counts)
	marks                 []func(c canvas, fr frame)
	legend                []legendEntry
	legendLeft            bool // legend in the top left corner, not the right
	square                bool // a square plot area (equal axes: y = x at 45°)
}

type axisRange struct{ min, max float64 }

// padded widens r by frac of its span on each side (a span of 0 by 0.5).
func (r axisRange) padded(frac float64) axisRange {
	if r.min == r.max {
		return axisRange{r.min - 0.5, r.max + 0.5}
	}
	d := (r.max - r.min) * frac
	return axisRange{r.min - d, r.max + d}
}

type legendEntry struct {
	text string
	mark func(c canvas, x0, y0, x1, y1 float64) // the swatch, in its box
}

// frame maps data coordinates to the canvas: the plot area is
// [x0, x1] × [y0, y1] in points, y0 at the top.
type frame struct {
	x0, y0, x1, y1 float64
	xr, yr         axisRange
}

func (fr frame) x(v float64) float64 {
	return fr.x0 + (v-fr.xr.min)/(fr.xr.max-fr.xr.min)*(fr.x1-fr.x0)
}

func (fr frame) y(v float64) float64 {
	return fr.y1 - (v-fr.yr.min)/(fr.yr.max-fr.yr.min)*(fr.y1-fr.y0)
}

// Sizes, in points.
const (
	titleSize  = 13
	labelSize  = 12
	tickSize   = 10
	legendSize = 10
	margin     = 8
	tickLength = 4
)

var (
	black     = color.NRGBA{0, 0, 0, 0xff}
	gridColor = color.NRGBA{0xe0, 0xe0, 0xe0, 0xff}
)

// colorOf is series i's colour from the palette with the given alpha.
func colorOf(i int, alpha uint8) color.NRGBA {
	c := palette[i%len(palette)]
	c.A = alpha
	return c
}

func newFigure(w, h float64, l Labels, x, y string) *figure {
	return &figure{w: w, h: h, title: l.Title, xLabel: or(l.X, x), yLabel: or(l.Y, y)}
}

func (f *figure) draw(c canvas) {
	xt, xd := ticks(f.xr, 7, false)
	yt, yd := ticks(f.yr, 6, f.yIntegers)
	yw := 0.0
	for _, v := range yt {
		yw = max(yw, textWidth(tickText(v, yd), tickSize))
	}
	// Long texts wrap (the title) or shrink (the axis labels) to fit the
	// canvas, measured as a substitute font would draw them.
	titleLines, tSize := fitLines(f.title, titleSize, f.w-2*margin, 3)
	top := float64(margin)
	if len(titleLines) > 0 {
		top += float64(len(titleLines))*tSize*1.2 + 6
	} else {
		top += tickSize / 2 // the top y label reaches above its tick
	}
	fr := frame{
		x0: margin + labelSize + 8 + yw + 3 + tickLength,
		y0: top,
		x1: f.w - margin - 12, // half of an x label at the right end
		y1: f.h - margin - labelSize - 8 - tickSize - 3 - tickLength,
		xr: f.xr, yr: f.yr,
	}
	if f.square {
		side := min(fr.x1-fr.x0, fr.y1-fr.y0)
		fr.x1, fr.y0 = fr.x0+side, fr.y1-side
	}

	for _, v := range xt {
		c.line([]pt{{fr.x(v), fr.y0}, {fr.x(v), fr.y1}}, gridColor, 0.5, nil)
	}
	for _, v := range yt {
		c.line([]pt{{fr.x0, fr.y(v)}, {fr.x1, fr.y(v)}}, gridColor, 0.5, nil)
	}
	for _, m := range f.marks {
		m(c, fr)
	}

	// Axes: lines along the left and bottom of the plot area, ticks
	// outwards, their labels beyond them.
	c.line([]pt{{fr.x0, fr.y0}, {fr.x0, fr.y1}, {fr.x1, fr.y1}}, black, 0.75, nil)
	for _, v := range xt {
		x := fr.x(v)
		c.line([]pt{{x, fr.y1}, {x, fr.y1 + tickLength}}, black, 0.75, nil)
		c.text(x, fr.y1+tickLength+3+tickSize*0.8, tickText(v, xd), tickSize, middle, false)
	}
	for _, v := range yt {
		y := fr.y(v)
		c.line([]pt{{fr.x0 - tickLength, y}, {fr.x0, y}}, black, 0.75, nil)
		c.text(fr.x0-tickLength-3, y+tickSize*0.35, tickText(v, yd), tickSize, end, false)
	}
	xl := shrinkToFit(f.xLabel, labelSize, f.w-2*margin)
	c.text(f.w/2, f.h-margin-xl*0.25, f.xLabel, xl, middle, false)
	yl := shrinkToFit(f.yLabel, labelSize, f.h-2*margin)
	c.text(margin+yl*0.8, (fr.y0+fr.y1)/2, f.yLabel, yl, middle, true)
	for i, line := range titleLines {
		c.text(f.w/2, margin+tSize*(0.8+1.2*float64(i)), line, tSize, middle, false)
	}
	f.drawLegend(c, fr)
}

// drawLegend writes the entries in a box in a top corner of the plot
// area, swatch beside text, on a white ground that lets the data show
// faintly through.
func (f *figure) drawLegend(c canvas, fr frame) {
	if len(f.legend) == 0 {
		return
	}
	const line, swatchW, swatchH, gap, inset = legendSize * 1.5, 18, 9, 5, 6
	tw := 0.0
	for _, e := range f.legend {
		tw = max(tw, textWidth(e.text, legendSize))
	}
	tw *= textSlack // room for an SVG viewer's substitute font
	bw, bh := gap+swatchW+gap+tw+gap, gap+line*float64(len(f.legend))+gap/2
	bx := fr.x1 - inset - bw
	if f.legendLeft {
		bx = fr.x0 + inset
	}
	by := fr.y0 + inset
	c.rect(bx, by, bx+bw, by+bh, color.NRGBA{0xff, 0xff, 0xff, 0xd0}, gridColor, 0.5)
	for i, e := range f.legend {
		mid := by + gap + line*(float64(i)+0.5)
		sx := bx + gap
		e.mark(c, sx, mid-swatchH/2, sx+swatchW, mid+swatchH/2)
		c.text(sx+swatchW+gap, mid+legendSize*0.35, e.text, legendSize, start, false)
	}
}

// ticks chooses at most about n tick values in r, at steps of 1, 2, 2.5
// or 5 times a power of ten (whole numbers when integers), and the
// decimals that print them.
func ticks(r axisRange, n int, integers bool) (vals []float64, decimals int) {
	span := r.max - r.min
	if !(span > 0) || math.IsInf(span, 0) {
		return []float64{r.min}, 2
	}
	mag := math.Pow(10, math.Floor(math.Log10(span/float64(n))))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if span/(m*mag) <= float64(n) {
			step = m * mag
			break
		}
	}
	if integers {
		step = max(step, 1)
	}
	decimals = max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if m := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); math.Abs(m-2.5) < 1e-9 {
		decimals++
	}
	first := math.Ceil(r.min/step - 1e-9)
	for i := first; i*step <= r.max+step*1e-9; i++ {
		vals = append(vals, i*step)
	}
	return vals, decimals
}

func tickText(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if s[0] == '-' && strconv.FormatFloat(-v, 'f', decimals, 64) == s[1:] && math.Abs(v) < math.Pow(10, -float64(decimals))/2 {
		s = s[1:] // -0.00 → 0.00
	}
	return s
}

// fitLines breaks s into at most maxLines lines that fit width at size
// points, measured with textSlack; when they do not, the size shrinks
// (to 60% at most, then lines may overflow by that much).
func fitLines(s string, size, width float64, maxLines int) ([]string, float64) {
	if s == "" {
		return nil, size
	}
	for sz := size; ; sz *= 0.9 {
		var lines []string
		cur := ""
		for _, w := range strings.Fields(s) {
			next := w
			if cur != "" {
				next = cur + " " + w
			}
			if cur != "" && textWidth(next, sz)*textSlack > width {
				lines = append(lines, cur)
				next = w
			}
			cur = next
		}
		lines = append(lines, cur)
		fits := len(lines) <= maxLines
		for _, l := range lines {
			fits = fits && textWidth(l, sz)*textSlack <= width
		}
		if fits || sz < 0.6*size {
			return lines, sz
		}
	}
}

// shrinkToFit returns the size at which s, measured with textSlack, fits
// width: size, or smaller for a long text (not below 60% of size).
func shrinkToFit(s string, size, width float64) float64 {
	if w := textWidth(s, size) * textSlack; w > width {
		return max(size*width/w, 0.6*size)
	}
	return size
}
