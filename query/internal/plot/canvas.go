package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// A canvas is what a figure draws on: an SVG document or a PNG image.
// Coordinates are in points (1/72 inch) from the top left corner; sizes
// and line widths are in points too.
type canvas interface {
	// rect fills the rectangle with fill and outlines it with stroke of
	// the given width; a colour with alpha 0 is left out.
	rect(x0, y0, x1, y1 float64, fill, stroke color.NRGBA, width float64)
	// line strokes the polyline through pts, dashed (on, off, ... lengths)
	// when dashes is not empty.
	line(pts []pt, c color.NRGBA, width float64, dashes []float64)
	// circle fills a disc.
	circle(x, y, r float64, fill color.NRGBA)
	// text writes s in the plot font at size points with its baseline
	// through y, anchored at x by its start, middle or end; vertical text
	// reads upwards, its baseline the line through x.
	text(x, y float64, s string, size float64, a anchor, vertical bool)
	// encode returns the file's bytes.
	encode() ([]byte, error)
}

type pt struct{ x, y float64 }

type anchor int

const (
	start anchor = iota
	middle
	end
)

// The plot font is Go Regular (golang.org/x/image/font/gofont), a
// sans-serif drawn for screens: PNGs are rendered with it and every
// layout is measured with it. SVGs name it first and fall back to the
// viewer's sans-serif, whose widths are close; text that must line up is
// anchored (text-anchor), so a substitute font moves nothing.
const svgFontFamily = "Go, 'DejaVu Sans', Arial, Helvetica, sans-serif"

var plotFont = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic("plot: the embedded Go Regular font does not parse: " + err.Error())
	}
	return f
})

type faceKey struct{ size, dpi float64 }

var (
	facesMu sync.Mutex
	faces   = map[faceKey]font.Face{}
)

// face returns the plot font at size points for dpi dots per inch.
func face(size, dpi float64) font.Face {
	facesMu.Lock()
	defer facesMu.Unlock()
	k := faceKey{size, dpi}
	if f := faces[k]; f != nil {
		return f
	}
	f, err := opentype.NewFace(plotFont(), &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingFull})
	if err != nil {
		panic("plot: " + err.Error())
	}
	faces[k] = f
	return f
}

// textWidth is the advance of s at size points, in points.
// textSlack is how much wider than the plot font a viewer's substitute
// font may draw a text: an SVG names its font, and a viewer without Go
// Regular draws in another (DejaVu Sans, the usual fallback on Linux, is
// about 15% wider). Layout that must not clip or overlap measures with it.
const textSlack = 1.2

func textWidth(s string, size float64) float64 {
	return fix(font.MeasureString(face(size, 72), s))
}

func fix(x fixed.Int26_6) float64 { return float64(x) / 64 }

// svgCanvas writes SVG 1.1 with user units of one point, every shape a
// path with a style attribute.
type svgCanvas struct {
	b bytes.Buffer
}

func newSVG(w, h float64) *svgCanvas {
	c := &svgCanvas{}
	fmt.Fprintf(&c.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"+
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%gpt\" height=\"%gpt\" viewBox=\"0 0 %g %g\">\n", w, h, w, h)
	fmt.Fprintf(&c.b, "<path d=\"M0,0H%gV%gH0Z\" style=\"fill:#FFFFFF\"/>\n", w, h)
	return c
}

func num(f float64) string { return trimFloat(fmt.Sprintf("%.2f", f)) }

func trimFloat(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

func opacity(c color.NRGBA) string { return trimFloat(fmt.Sprintf("%.3f", float64(c.A)/255)) }

func fillStyle(c color.NRGBA) string {
	if c.A == 0 {
		return "fill:none"
	}
	s := "fill:" + hex(c)
	if c.A < 255 {
		s += ";fill-opacity:" + opacity(c)
	}
	return s
}

func strokeStyle(c color.NRGBA, width float64) string {
	s := "stroke:" + hex(c) + ";stroke-width:" + num(width)
	if c.A < 255 {
		s += ";stroke-opacity:" + opacity(c)
	}
	return s
}

func (c *svgCanvas) rect(x0, y0, x1, y1 float64, fill, stroke color.NRGBA, width float64) {
	style := fillStyle(fill)
	if stroke.A > 0 && width > 0 {
		style += ";" + strokeStyle(stroke, width)
	}
	fmt.Fprintf(&c.b, "<path d=\"M%s,%sH%sV%sH%sZ\" style=\"%s\"/>\n", num(x0), num(y0), num(x1), num(y1), num(x0), style)
}

func (c *svgCanvas) line(pts []pt, col color.NRGBA, width float64, dashes []float64) {
	var d strings.Builder
	for i, p := range pts {
		if i == 0 {
			d.WriteByte('M')
		} else {
			d.WriteByte('L')
		}
		d.WriteString(num(p.x) + "," + num(p.y))
	}
	style := "fill:none;" + strokeStyle(col, width)
	if len(dashes) > 0 {
		ds := make([]string, len(dashes))
		for i, x := range dashes {
			ds[i] = num(x)
		}
		style += ";stroke-dasharray:" + strings.Join(ds, ",")
	}
	fmt.Fprintf(&c.b, "<path d=\"%s\" style=\"%s\"/>\n", d.String(), style)
}

func (c *svgCanvas) circle(x, y, r float64, fill color.NRGBA) {
	fmt.Fprintf(&c.b, "<path d=\"M%s,%sa%s,%s 0 1,0 %s,0a%s,%s 0 1,0 %s,0Z\" style=\"%s\"/>\n",
		num(x-r), num(y), num(r), num(r), num(2*r), num(r), num(r), num(-2*r), fillStyle(fill))
}

func (c *svgCanvas) text(x, y float64, s string, size float64, a anchor, vertical bool) {
	ta := [...]string{"start", "middle", "end"}[a]
	rot := ""
	if vertical {
		rot = fmt.Sprintf(" transform=\"rotate(-90 %s %s)\"", num(x), num(y))
	}
	fmt.Fprintf(&c.b, "<text x=\"%s\" y=\"%s\"%s text-anchor=\"%s\" style=\"font-family:%s;font-size:%spx;fill:#000000\">",
		num(x), num(y), rot, ta, svgFontFamily, num(size))
	var esc bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			esc.WriteString("&amp;")
		case '<':
			esc.WriteString("&lt;")
		case '>':
			esc.WriteString("&gt;")
		default:
			if r < 0x20 && r != '\t' { // not allowed in XML 1.0
				r = ' '
			}
			esc.WriteRune(r)
		}
	}
	c.b.Write(esc.Bytes())
	c.b.WriteString("</text>\n")
}

func (c *svgCanvas) encode() ([]byte, error) {
	c.b.WriteString("</svg>\n")
	return c.b.Bytes(), nil
}

// pngCanvas rasterizes at dpi dots per inch, antialiased, on white.
type pngCanvas struct {
	img   *image.RGBA
	scale float64 // pixels per point
	dpi   float64
	z     vector.Rasterizer
}

func newPNG(w, h, dpi float64) *pngCanvas {
	scale := dpi / 72
	img := image.NewRGBA(image.Rect(0, 0, int(math.Round(w*scale)), int(math.Round(h*scale))))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return &pngCanvas{img: img, scale: scale, dpi: dpi}
}

// fill draws the polygons (in points; each closed) in c. The rasterizer
// covers only their bounding box, so that small shapes cost little.
func (c *pngCanvas) fill(col color.NRGBA, polys ...[]pt) {
	if col.A == 0 {
		return
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range polys {
		for _, p := range poly {
			x0, y0 = min(x0, p.x*c.scale), min(y0, p.y*c.scale)
			x1, y1 = max(x1, p.x*c.scale), max(y1, p.y*c.scale)
		}
	}
	r := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1))).Intersect(c.img.Bounds())
	if r.Empty() {
		return
	}
	c.z.Reset(r.Dx(), r.Dy())
	c.z.DrawOp = draw.Over
	for _, poly := range polys {
		for i, p := range poly {
			x, y := float32(p.x*c.scale-float64(r.Min.X)), float32(p.y*c.scale-float64(r.Min.Y))
			if i == 0 {
				c.z.MoveTo(x, y)
			} else {
				c.z.LineTo(x, y)
			}
		}
		c.z.ClosePath()
	}
	c.z.Draw(c.img, r, image.NewUniform(col), image.Point{})
}

func (c *pngCanvas) rect(x0, y0, x1, y1 float64, fill, stroke color.NRGBA, width float64) {
	c.fill(fill, []pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}})
	if stroke.A > 0 && width > 0 {
		c.line([]pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}, stroke, width, nil)
	}
}

func (c *pngCanvas) line(pts []pt, col color.NRGBA, width float64, dashes []float64) {
	var quads [][]pt
	// dash state: index into dashes, length left in it, drawing or not
	di, left, on := 0, 0.0, true
	if len(dashes) > 0 {
		left = dashes[0]
	}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		l := math.Hypot(b.x-a.x, b.y-a.y)
		if l == 0 {
			continue
		}
		ux, uy := (b.x-a.x)/l, (b.y-a.y)/l
		// Segments are extended by half the width at both ends (square
		// caps), so that corners of outlines close.
		seg := func(s0, s1 float64) {
			s0, s1 = s0-width/2, s1+width/2
			nx, ny := -uy*width/2, ux*width/2
			p0 := pt{a.x + ux*s0, a.y + uy*s0}
			p1 := pt{a.x + ux*s1, a.y + uy*s1}
			quads = append(quads, []pt{{p0.x + nx, p0.y + ny}, {p1.x + nx, p1.y + ny}, {p1.x - nx, p1.y - ny}, {p0.x - nx, p0.y - ny}})
		}
		if len(dashes) == 0 {
			seg(0, l)
			continue
		}
		for s := 0.0; s < l; {
			step := min(left, l-s)
			if on {
				seg(s, s+step)
			}
			s += step
			if left -= step; left <= 0 {
				di = (di + 1) % len(dashes)
				left, on = dashes[di], !on
			}
		}
	}
	// One pass per quad: overlapping quads of a translucent line would
	// otherwise darken where they meet, and one rasterization of many
	// quads would cover the whole line's bounding box.
	for _, q := range quads {
		c.fill(col, q)
	}
}

func (c *pngCanvas) circle(x, y, r float64, fill color.NRGBA) {
	const n = 32
	poly := make([]pt, n)
	for i := range poly {
		t := 2 * math.Pi * float64(i) / n
		poly[i] = pt{x + r*math.Cos(t), y + r*math.Sin(t)}
	}
	c.fill(fill, poly)
}

func (c *pngCanvas) text(x, y float64, s string, size float64, a anchor, vertical bool) {
	f := face(size, c.dpi)
	w := font.MeasureString(f, s)
	m := f.Metrics()
	// Draw into a mask first: the anchor needs the width, and vertical
	// text is drawn horizontally and then turned.
	mask := image.NewAlpha(image.Rect(0, 0, w.Ceil()+2, (m.Ascent+m.Descent).Ceil()+2))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: f, Dot: fixed.Point26_6{X: fixed.I(1), Y: m.Ascent + fixed.I(1)}}
	d.DrawString(s)
	shift := [...]float64{0, fix(w) / 2, fix(w)}[a] + 1
	asc := fix(m.Ascent) + 1
	px, py := x*c.scale, y*c.scale
	if vertical {
		b := mask.Bounds()
		turned := image.NewAlpha(image.Rect(0, 0, b.Dy(), b.Dx()))
		for yy := 0; yy < b.Dy(); yy++ {
			for xx := 0; xx < b.Dx(); xx++ {
				turned.SetAlpha(yy, b.Dx()-1-xx, mask.AlphaAt(xx, yy))
			}
		}
		// The text's start is at the bottom; its baseline is the column
		// asc pixels from the left.
		at := image.Pt(int(math.Round(px-asc)), int(math.Round(py-float64(b.Dx())+shift)))
		draw.DrawMask(c.img, turned.Bounds().Add(at), image.Black, image.Point{}, turned, image.Point{}, draw.Over)
		return
	}
	at := image.Pt(int(math.Round(px-shift)), int(math.Round(py-asc)))
	draw.DrawMask(c.img, mask.Bounds().Add(at), image.Black, image.Point{}, mask, image.Point{}, draw.Over)
}

func (c *pngCanvas) encode() ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, c.img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
