package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpAccuracyEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, mode := range kernelModes() {
		for _, n := range []int{0, 1, 7, 8, 9, 31, 1000} {
			x := make([]float32, n)
			for i := range x {
				x[i] = r.Float32()*180 - 90
			}
			if n > 3 {
				x[0], x[1], x[2] = 0, -87, 88
			}
			got := append([]float32(nil), x...)
			withMode(mode, func() { Exp(got) })
			for i, v := range x {
				c := math.Min(math.Max(float64(v), expLo), expHi)
				want := math.Exp(c)
				if rel := math.Abs(float64(got[i])-want) / want; rel > 3e-7 {
					t.Fatalf("%s n=%d: Exp(%v) = %v, want %v (relative error %.2g)", mode, n, v, got[i], want, rel)
				}
			}
		}
	}
}

func TestQuickGELUEveryPath(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	x := make([]float32, 1003)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 4)
	}
	x[0], x[1], x[2] = 0, 200, -200
	nan := float32(math.NaN())
	for _, mode := range kernelModes() {
		got := append([]float32(nil), x...)
		withMode(mode, func() {
			QuickGELU(got)
			e := []float32{1, nan, 2, 3, 4, 5, 6, 7, nan}
			Exp(e)
			if e[1] == e[1] || e[8] == e[8] || math.Abs(float64(e[0])-math.E) > 1e-6 {
				t.Errorf("%s: Exp of NaN gives %v, %v", mode, e[1], e[8])
			}
		})
		for i, v := range x {
			z := float64(v)
			want := z / (1 + math.Exp(-1.702*z))
			if math.Abs(float64(got[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s: QuickGELU(%v) = %v, want %v", mode, v, got[i], want)
			}
		}
	}
}

func BenchmarkQuickGELU(b *testing.B) {
	x := make([]float32, 2048*20)
	for i := range x {
		x[i] = float32(i%200)/20 - 5
	}
	benchModes(b, func(b *testing.B) {
		b.Run(fmt.Sprint(len(x)), func(b *testing.B) {
			for b.Loop() {
				QuickGELU(x)
			}
		})
	})
}
