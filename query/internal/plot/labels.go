package plot

import (
	"math"
	"sort"
)

// pointLabelSize is the size of point labels, in points.
const pointLabelSize = 8

// box is a rectangle on the canvas, y down.
type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlaps(b box) bool {
	return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

// placeLabels writes the labels of pts beside their points, at most
// MaxLabels, none over another or off the canvas: each label tries the
// right of its point, then the left, above and below, and is left out when
// none is free. The points farthest from the diagonal y = x are labelled
// first when there is one (they are the story of the plot), else the
// points in their order. Labels are measured wider than the font says, so
// that a viewer's substitute font does not make them touch.
func placeLabels(c canvas, fr frame, w, h float64, pts []Point, diagonal bool) {
	order := make([]int, 0, len(pts))
	for i, p := range pts {
		if p.Label != "" {
			order = append(order, i)
		}
	}
	if diagonal {
		sort.SliceStable(order, func(a, b int) bool {
			pa, pb := pts[order[a]], pts[order[b]]
			return math.Abs(pa.Y-pa.X) > math.Abs(pb.Y-pb.X)
		})
	}
	// The points themselves are taken: a label does not hide a point.
	var taken []box
	for _, p := range pts {
		x, y := fr.x(p.X), fr.y(p.Y)
		taken = append(taken, box{x - 2.5, y - 2.5, x + 2.5, y + 2.5})
	}
	drawn := 0
	for _, i := range order {
		if drawn == MaxLabels {
			break
		}
		p := pts[i]
		x, y := fr.x(p.X), fr.y(p.Y)
		tw, th := textWidth(p.Label, pointLabelSize)*textSlack, float64(pointLabelSize)
		type try struct {
			b      box
			tx, ty float64
			anchor anchor
		}
		for _, t := range []try{
			{box{x + 4, y - th/2, x + 4 + tw, y + th/2}, x + 4, y + th*0.35, start},
			{box{x - 4 - tw, y - th/2, x - 4, y + th/2}, x - 4, y + th*0.35, end},
			{box{x - tw/2, y - 4 - th, x + tw/2, y - 4}, x, y - 4 - th*0.2, middle},
			{box{x - tw/2, y + 4, x + tw/2, y + 4 + th}, x, y + 4 + th*0.8, middle},
		} {
			if t.b.x0 < margin || t.b.y0 < margin || t.b.x1 > w-margin || t.b.y1 > h-margin {
				continue
			}
			free := true
			for j, o := range taken {
				if j != i && o.overlaps(t.b) {
					free = false
					break
				}
			}
			if free {
				c.text(t.tx, t.ty, p.Label, pointLabelSize, t.anchor, false)
				taken = append(taken, t.b)
				drawn++
				break
			}
		}
	}
}
