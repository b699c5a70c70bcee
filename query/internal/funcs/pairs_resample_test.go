package funcs

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// pairMatrix is every pair's cosine, from vectors normalised in float64.
func pairMatrix(vs [][]float32) [][]float64 {
	n := len(vs)
	u := make([][]float64, n)
	for i, v := range vs {
		var nn float64
		for _, x := range v {
			nn += float64(x) * float64(x)
		}
		u[i] = make([]float64, len(v))
		for k, x := range v {
			u[i][k] = float64(x) / math.Sqrt(nn)
		}
	}
	c := make([][]float64, n)
	for i := range c {
		c[i] = make([]float64, n)
		for j := range c {
			for k := range u[i] {
				c[i][j] += u[i][k] * u[j][k]
			}
		}
	}
	return c
}

// TestJackknifeAgainstDeleteOne: the O(n·d) jackknife equals deleting each
// image in turn and averaging the cosines of the pairs that remain.
func TestJackknifeAgainstDeleteOne(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	for _, c := range []struct{ n, d int }{{3, 8}, {5, 16}, {40, 64}, {130, 16}} {
		vs := clustered(r, c.n, c.d, 0.6)
		pm := pairMatrix(vs)
		thetas := make([]float64, c.n)
		var mean float64
		for i := range thetas {
			var s float64
			pairs := 0
			for j := 0; j < c.n; j++ {
				for k := j + 1; k < c.n; k++ {
					if j != i && k != i {
						s += pm[j][k]
						pairs++
					}
				}
			}
			thetas[i] = s / float64(pairs)
			mean += thetas[i] / float64(c.n)
		}
		var ss float64
		for _, th := range thetas {
			ss += (th - mean) * (th - mean)
		}
		want := math.Sqrt(float64(c.n-1) / float64(c.n) * ss)
		got, err := Jackknife(context.Background(), vs)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-12+1e-9*want {
			t.Errorf("n=%d d=%d: jackknife SE %.17g, delete-one %.17g", c.n, c.d, got, want)
		}
	}
	if se, _ := Jackknife(context.Background(), clustered(r, 2, 4, 0.5)); !math.IsNaN(se) {
		t.Errorf("two vectors: %v, want NaN", se)
	}
}

// TestBootstrapResampleMean: a resample's mean, from the Gram matrix or
// from Σ w·u, is the mean cosine over pairs of draws of distinct images.
func TestBootstrapResampleMean(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	for _, c := range []struct{ n, d int }{{6, 16}, {30, 8}} { // Gram path, then Σ w·u
		vs := clustered(r, c.n, c.d, 0.5)
		pm := pairMatrix(vs)
		u, d, err := unitRows(vs)
		if err != nil {
			t.Fatal(err)
		}
		var gram []float64
		if c.n <= d {
			gram = make([]float64, c.n*c.n)
			for i := 0; i < c.n; i++ {
				for j := 0; j < c.n; j++ {
					gram[i*c.n+j] = pm[i][j]
				}
			}
		}
		for trial := 0; trial < 20; trial++ {
			draws := make([]int, c.n)
			w := make([]float64, c.n)
			for p := range draws {
				draws[p] = r.IntN(c.n)
				w[draws[p]]++
			}
			var s float64
			pairs := 0
			for p := range draws {
				for q := p + 1; q < len(draws); q++ {
					if draws[p] != draws[q] {
						s += pm[draws[p]][draws[q]]
						pairs++
					}
				}
			}
			var ww float64
			for _, x := range w {
				ww += x * x
			}
			got := (weightedNorm2(u, gram, w, make([]float64, d), c.n, d) - ww) / (float64(c.n*c.n) - ww)
			if want := s / float64(pairs); math.Abs(got-want) > 1e-12 {
				t.Fatalf("n=%d: resample mean %.17g, direct %.17g", c.n, got, want)
			}
		}
	}
}

func TestBootstrapSeededAndSound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	vs := clustered(r, 60, 32, 0.5)
	ctx := context.Background()
	a, err := Bootstrap(ctx, vs, 400, 7, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Bootstrap(ctx, vs, 400, 7, 1)
	c, _ := Bootstrap(ctx, vs, 400, 7, 2)
	if a != b || a == c {
		t.Errorf("seed 7 stream 1 twice: %v %v; stream 2: %v", a, b, c)
	}
	// Both estimate the sampling spread of θ over images: they agree to
	// the bootstrap's own noise (about 1/sqrt(2·400) relative) plus the
	// small-sample difference of the two.
	jk, _ := Jackknife(ctx, vs)
	if math.Abs(a-jk) > 0.25*jk {
		t.Errorf("bootstrap SE %.5f vs jackknife SE %.5f", a, jk)
	}
	// And both dwarf the paper's interval, which counts pairs as draws.
	ps, _ := PairStats(ctx, vs)
	paper := ps.Std / math.Sqrt(float64(ps.Pairs-1))
	if jk < 3*paper {
		t.Errorf("jackknife SE %.5f is not well above the pair-count SE %.5f", jk, paper)
	}
}
