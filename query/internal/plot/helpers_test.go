package plot

import (
	"math"
	"math/rand/v2"
)

// studyData imitates the paper's figure: per-class intra-class similarity
// for LAIONet (lower, wider) and ImageNet (higher, tighter), and the
// per-class pairs for the scatter plot.
func studyData() (laionet, imagenet []float64, pts []Point) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 900 {
		base := 0.62 + 0.06*rng.NormFloat64()
		l := base - 0.04 + 0.05*rng.NormFloat64()
		m := base + 0.03*rng.NormFloat64()
		laionet = append(laionet, l)
		imagenet = append(imagenet, m)
		if i < 300 {
			pts = append(pts, Point{X: l, Y: m})
		}
	}
	imagenet = append(imagenet, math.NaN(), math.Inf(1))
	laionet = append(laionet, math.Inf(-1))
	return laionet, imagenet, pts
}
