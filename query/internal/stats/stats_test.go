package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWilsonAgainstQuadratic checks the closed form against its
// definition: the interval's ends are the proportions p for which
// |p̂ − p| = z·sqrt(p(1−p)/n), the roots of
// (n + z²)p² − (2n·p̂ + z²)p + n·p̂² = 0.
func TestWilsonAgainstQuadratic(t *testing.T) {
	for _, c := range []struct{ k, n int64 }{{0, 1}, {1, 1}, {0, 7}, {7, 7}, {3, 10}, {50, 100}, {1, 1000}, {999, 1000}, {12345, 67890}} {
		lo, hi := Wilson(c.k, c.n, Z95)
		n, p, z2 := float64(c.n), float64(c.k)/float64(c.n), Z95*Z95
		a, b, cc := n+z2, -(2*n*p + z2), n*p*p
		disc := math.Sqrt(b*b - 4*a*cc)
		wantLo, wantHi := (-b-disc)/(2*a), (-b+disc)/(2*a)
		if math.Abs(lo-wantLo) > 1e-12 || math.Abs(hi-wantHi) > 1e-12 {
			t.Errorf("Wilson(%d, %d) = [%v, %v], want [%v, %v]", c.k, c.n, lo, hi, wantLo, wantHi)
		}
		if lo < 0 || hi > 1 || lo > p || hi < p {
			t.Errorf("Wilson(%d, %d) = [%v, %v] does not hold %v within [0, 1]", c.k, c.n, lo, hi, p)
		}
	}
	if lo, hi := Wilson(0, 0, Z95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson(0, 0) = [%v, %v], want NaN", lo, hi)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4}
	// numpy.quantile([1, 2, 3, 4], q) with the default linear method.
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {0.9, 3.7}, {1, 4}} {
		if got := Quantile(xs, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%v, %v) = %v, want %v", xs, c.q, got, c.want)
		}
	}
	if got := Quantile([]float64{5}, 0.3); got != 5 {
		t.Errorf("one value: %v", got)
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("no values: want NaN")
	}
	// The definition, h = q(n−1), against an oracle over random data.
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(50)
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Round(r.NormFloat64()*10) / 4 // ties happen
		}
		SortFloats(v)
		q := r.Float64()
		h := q * float64(n-1)
		lo, hi := int(math.Floor(h)), int(math.Ceil(h))
		want := v[lo] + (h-float64(lo))*(v[hi]-v[lo])
		if got := Quantile(v, q); math.Abs(got-want) > 1e-12 {
			t.Fatalf("Quantile(%v, %v) = %v, want %v", v, q, got, want)
		}
	}
}

func TestBinOfEdges(t *testing.T) {
	lo, width, bins := 0.1, 0.1, 7 // edges that float64 cannot hold exactly
	for k := 0; k <= bins; k++ {
		edge := lo + float64(k)*width
		want := min(k, bins-1)
		if got := BinOf(edge, lo, width, bins); got != want {
			t.Errorf("edge %d (%v) in bin %d, want %d", k, edge, got, want)
		}
		if k > 0 {
			below := math.Nextafter(edge, math.Inf(-1))
			if got := BinOf(below, lo, width, bins); got != k-1 {
				t.Errorf("just below edge %d in bin %d, want %d", k, got, k-1)
			}
		}
	}
}

// TestHash: the hash is a fixed function (the same bits everywhere), and
// Unit of it is uniform enough that SAMPLE's percentages come out right.
func TestHash(t *testing.T) {
	if Hash(1, 2) == Hash(2, 1) || Hash(0, 0) == Hash(0, 1) || Hash(0, 0) == 0 {
		t.Error("hash collides on trivial inputs")
	}
	const n, buckets = 200000, 20
	var counts [buckets]int
	for id := uint64(0); id < n; id++ {
		u := Unit(Hash(42, id))
		if u < 0 || u >= 1 {
			t.Fatalf("Unit = %v", u)
		}
		counts[int(u*buckets)]++
	}
	// Chi-square with 19 degrees of freedom: 43.8 is its 0.999 quantile.
	var chi2 float64
	e := float64(n) / buckets
	for _, c := range counts {
		chi2 += (float64(c) - e) * (float64(c) - e) / e
	}
	if chi2 > 43.8 {
		t.Errorf("chi-square %.1f over %d buckets: not uniform", chi2, buckets)
	}
	// Consecutive ids under consecutive seeds are unrelated: the share
	// below 1/2 agrees for seeds 0 and 1 about half the time.
	agree := 0
	for id := uint64(0); id < 10000; id++ {
		if (Unit(Hash(0, id)) < 0.5) == (Unit(Hash(1, id)) < 0.5) {
			agree++
		}
	}
	if agree < 4700 || agree > 5300 {
		t.Errorf("seeds 0 and 1 agree on %d of 10000 rows", agree)
	}
}
