package funcs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// pairOracle is the definition: every pair's cosine in float64 (vectors
// normalised in float64), then the mean and the population standard
// deviation in two passes.
func pairOracle(vs [][]float32) (mean, std float64) {
	unit := make([][]float64, len(vs))
	for i, v := range vs {
		var nn float64
		for _, x := range v {
			nn += float64(x) * float64(x)
		}
		u := make([]float64, len(v))
		for k, x := range v {
			u[k] = float64(x) / math.Sqrt(nn)
		}
		unit[i] = u
	}
	var cs []float64
	for i := range unit {
		for j := i + 1; j < len(unit); j++ {
			var c float64
			for k := range unit[i] {
				c += unit[i][k] * unit[j][k]
			}
			cs = append(cs, c)
		}
	}
	for _, c := range cs {
		mean += c
	}
	mean /= float64(len(cs))
	for _, c := range cs {
		std += (c - mean) * (c - mean)
	}
	return mean, math.Sqrt(std / float64(len(cs)))
}

// clustered returns n vectors of dimension d at cosine about rho from a
// common direction, not normalised (norms between 0.5 and 2).
func clustered(r *rand.Rand, n, d int, rho float64) [][]float32 {
	c := make([]float64, d)
	for k := range c {
		c[k] = r.NormFloat64()
	}
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, d)
		scale := 0.5 + 1.5*r.Float64()
		for k := range v {
			v[k] = float32(scale * (rho*c[k] + (1-rho)*r.NormFloat64()))
		}
		out[i] = v
	}
	return out
}

func TestPairStatsEqualsThePairwiseDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	for _, c := range []struct{ n, d int }{{2, 8}, {3, 512}, {40, 16}, {17, 17}, {300, 512}, {600, 512}, {200, 24}} {
		for _, rho := range []float64{0.1, 0.5, 0.9, 0.999, 1} {
			vs := clustered(r, c.n, c.d, rho)
			wantMean, wantStd := pairOracle(vs)
			got, err := PairStats(ctx, vs)
			if err != nil {
				t.Fatal(err)
			}
			if got.Pairs != int64(c.n*(c.n-1)/2) || got.N != c.n {
				t.Errorf("n=%d: %d pairs of %d", c.n, got.Pairs, got.N)
			}
			// Both exact forms, whichever PairStats would choose.
			inv := make([]float64, len(vs))
			for i, v := range vs {
				var nn float64
				for _, x := range v {
					nn += float64(x) * float64(x)
				}
				inv[i] = 1 / math.Sqrt(nn)
			}
			d1, d2, _ := pairSumsDirect(ctx, vs, inv)
			g1, g2, _ := pairSumsGram(ctx, vs, inv)
			p := float64(got.Pairs)
			forms := []struct {
				name      string
				mean, std float64
			}{{"PairStats", got.Mean, got.Std}}
			// The moment forms alone, where float64 resolves the spread
			// (PairStats sums squared deviations below that).
			if wantStd > 1e-4 {
				forms = append(forms, []struct {
					name      string
					mean, std float64
				}{
					{"direct", d1 / p, math.Sqrt(max(d2/p-(d1/p)*(d1/p), 0))},
					{"gram", g1 / p, math.Sqrt(max(g2/p-(g1/p)*(g1/p), 0))},
				}...)
			}
			for _, f := range forms {
				if math.Abs(f.mean-wantMean) > 1e-9 || math.Abs(f.std-wantStd) > 1e-9 {
					t.Errorf("n=%d d=%d rho=%v %s: mean %.15f std %.15f, definition %.15f %.15f",
						c.n, c.d, rho, f.name, f.mean, f.std, wantMean, wantStd)
				}
			}
		}
	}
}

func TestPairStatsRefusesZeroVectors(t *testing.T) {
	vs := [][]float32{{1, 0}, {0, 0}, {0, 1}}
	if _, err := PairStats(context.Background(), vs); !errors.Is(err, errZeroVector) {
		t.Errorf("a zero vector: %v", err)
	}
}

// countingCtx is cancelled once Err has been asked limit times; it counts
// every question, so a test can see how much work ran between checks.
type countingCtx struct {
	context.Context
	calls, limit atomic.Int64
}

func (c *countingCtx) Err() error {
	if c.calls.Add(1) > c.limit.Load() {
		return context.Canceled
	}
	return nil
}

// PairStats checks the context after every vector, so a cancelled
// statement stops within one vector's work (d² multiply-adds at most)
// however large the group.
func TestPairStatsStopsWhenCancelled(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{400, 3000} { // the direct form, then the Gram form
		vs := clustered(r, n, 256, 0.5)
		ctx := &countingCtx{Context: context.Background()}
		ctx.limit.Store(10)
		_, err := PairStats(ctx, vs)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("n=%d: %v", n, err)
		}
		// Every worker asks once more and stops: no vector after the tenth
		// question is worked on.
		if calls := ctx.calls.Load(); calls > 10+int64(nworkers(n)) {
			t.Errorf("n=%d: %d questions to the context, want at most %d", n, calls, 10+nworkers(n))
		}
	}
}

// BenchmarkPairStats times intraclass_std's work on one class: the pairs
// themselves below the dimension, the second-moment matrix above it.
func BenchmarkPairStats(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{500, 2000, 8000} {
		vs := clustered(r, n, 512, 0.6)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := PairStats(context.Background(), vs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
