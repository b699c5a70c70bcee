package funcs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/laiondb/laiondb/index/vec"
)

// PairwiseStats are the statistics of the cosines of all unordered pairs
// of distinct vectors of a group.
type PairwiseStats struct {
	N     int
	Pairs int64
	Mean  float64
	Std   float64 // population standard deviation, as numpy's std
}

// errZeroVector is the error for a vector without a direction.
var errZeroVector = errors.New("a zero vector has no direction; intraclass needs non-zero vectors")

// PairStats computes the mean and standard deviation of the n(n−1)/2
// cosines of pairs of distinct vectors, without materialising the pairs,
// in float64 throughout (each vector normalised exactly, every product
// summed in float64), so the result equals the pairwise definition to
// about 1e-12 and is the same on every CPU. Of the two exact forms it takes
// the cheaper: the pairs themselves (n²·d/2) while n ≤ d, else the
// second-moment matrix G = Σ uuᵀ of the unit vectors (n·d²/2), since
//
//	Σ_{i<j} u_i·u_j      = (|Σ u|² − n) / 2
//	Σ_{i<j} (u_i·u_j)²   = (‖G‖_F² − n) / 2
//
// for unit vectors. Work is spread over the cores; the context is checked
// after every vector, so cancelling it stops the computation within one
// vector's share of the work (at most d² or n·d multiply-adds).
func PairStats(ctx context.Context, vs [][]float32) (PairwiseStats, error) {
	n := len(vs)
	st := PairwiseStats{N: n, Pairs: int64(n) * int64(n-1) / 2}
	if n < 2 {
		return st, nil
	}
	d := len(vs[0])
	inv := make([]float64, n)
	for i, v := range vs {
		if len(v) != d {
			return st, fmt.Errorf("vectors of dimensions %d and %d in one group", d, len(v))
		}
		nn := vec.DotF64(v, v)
		if nn == 0 || math.IsNaN(nn) || math.IsInf(nn, 0) {
			return st, errZeroVector
		}
		inv[i] = 1 / math.Sqrt(nn)
	}
	var s1, s2 float64
	var err error
	if n <= d {
		s1, s2, err = pairSumsDirect(ctx, vs, inv)
	} else {
		s1, s2, err = pairSumsGram(ctx, vs, inv)
	}
	if err != nil {
		return st, err
	}
	p := float64(st.Pairs)
	st.Mean = s1 / p
	v := s2/p - st.Mean*st.Mean
	if v < 1e-12 {
		// The spread is below what E[c²] − E[c]² resolves in float64 (a
		// standard deviation under 1e-6, vectors nearly identical): sum
		// the squared deviations from the mean over the pairs instead.
		if v, err = pairDeviations(ctx, vs, inv, st.Mean); err != nil {
			return st, err
		}
		v /= p
	}
	st.Std = math.Sqrt(max(v, 0))
	return st, nil
}

// nworkers is how many goroutines share the rows of an n-vector group.
func nworkers(n int) int { return min(runtime.GOMAXPROCS(0), max(1, n/16)) }

// eachRow runs f(w, i) for every row i on nw goroutines, rows interleaved
// (row i to worker i mod nw), stopping every worker before its next row
// once ctx is cancelled.
func eachRow(ctx context.Context, n, nw int, f func(w, i int)) error {
	var wg sync.WaitGroup
	errs := make([]error, nw)
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += nw {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				f(w, i)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pairSumsDirect sums c and c² over the pairs i < j.
func pairSumsDirect(ctx context.Context, vs [][]float32, inv []float64) (float64, float64, error) {
	n := len(vs)
	nw := nworkers(n)
	s1s, s2s := make([]float64, nw), make([]float64, nw)
	err := eachRow(ctx, n, nw, func(w, i int) {
		for j := i + 1; j < n; j++ {
			c := vec.DotF64(vs[i], vs[j]) * inv[i] * inv[j]
			s1s[w] += c
			s2s[w] += c * c
		}
	})
	var s1, s2 float64
	for w := range s1s {
		s1 += s1s[w]
		s2 += s2s[w]
	}
	return s1, s2, err
}

// pairDeviations sums (c − mean)² over the pairs i < j.
func pairDeviations(ctx context.Context, vs [][]float32, inv []float64, mean float64) (float64, error) {
	n := len(vs)
	nw := nworkers(n)
	sums := make([]float64, nw)
	err := eachRow(ctx, n, nw, func(w, i int) {
		for j := i + 1; j < n; j++ {
			c := vec.DotF64(vs[i], vs[j])*inv[i]*inv[j] - mean
			sums[w] += c * c
		}
	})
	var s float64
	for _, x := range sums {
		s += x
	}
	return s, err
}

// pairSumsGram sums c and c² over the pairs from Σu and G = Σ uuᵀ (each
// worker keeps the upper triangle of its own G).
func pairSumsGram(ctx context.Context, vs [][]float32, inv []float64) (float64, float64, error) {
	m, err := gramMoments(ctx, vs, inv)
	if err != nil {
		return 0, 0, err
	}
	s1, s2 := m.pairSums()
	return s1, s2, nil
}

// Moments are what the pairwise statistics of a group need of its unit
// vectors u: their number, Σu, the upper triangle of G = Σ uuᵀ (row-major
// d×d, entries below the diagonal unused) and Σ|u|⁴. Moments of two
// groups add up to those of their union, which is how laiondb merge
// combines large groups of partial runs.
type Moments struct {
	N     int64
	Sum   []float64
	Gram  []float64
	Self4 float64
}

// gramMoments computes the moments of vs (inv: each vector's inverse
// norm), rows shared among the cores.
func gramMoments(ctx context.Context, vs [][]float32, inv []float64) (*Moments, error) {
	n, d := len(vs), len(vs[0])
	nw := nworkers(n)
	grams := make([][]float64, nw)
	sums := make([][]float64, nw)
	rows := make([][]float64, nw)
	for w := range grams {
		grams[w], sums[w], rows[w] = make([]float64, d*d), make([]float64, d), make([]float64, d)
	}
	err := eachRow(ctx, n, nw, func(w, i int) {
		g, sum, row := grams[w], sums[w], rows[w]
		for k, x := range vs[i] {
			row[k] = float64(x) * inv[i]
			sum[k] += row[k]
		}
		for a := 0; a < d; a++ {
			ra := row[a]
			ga := g[a*d+a : a*d+d]
			for b, rb := range row[a:] {
				ga[b] += ra * rb
			}
		}
	})
	if err != nil {
		return nil, err
	}
	m := &Moments{N: int64(n), Sum: sums[0], Gram: grams[0]}
	for w := 1; w < nw; w++ {
		for a, x := range sums[w] {
			m.Sum[a] += x
		}
		for a := 0; a < d; a++ {
			for b := a; b < d; b++ {
				m.Gram[a*d+b] += grams[w][a*d+b]
			}
		}
	}
	// Σ|u_i|⁴ is n up to rounding; the exact value keeps the result exact.
	for i, v := range vs {
		nn := vec.DotF64(v, v) * inv[i] * inv[i]
		m.Self4 += nn * nn
	}
	return m, nil
}

// pairSums returns Σ_{i<j} u_i·u_j and Σ_{i<j} (u_i·u_j)².
func (m *Moments) pairSums() (float64, float64) {
	d := len(m.Sum)
	var frob, sq, self float64
	for a := 0; a < d; a++ {
		sq += m.Sum[a] * m.Sum[a]
		for b := a; b < d; b++ {
			gab := m.Gram[a*d+b]
			if a == b {
				frob += gab * gab
				self += gab // Σ_i u_ia², summing to Σ|u_i|² = n up to rounding
			} else {
				frob += 2 * gab * gab
			}
		}
	}
	return (sq - self) / 2, (frob - m.Self4) / 2
}

// Add adds the moments of another group of the same dimension.
func (m *Moments) Add(o *Moments) error {
	if len(o.Sum) != len(m.Sum) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(m.Sum), len(o.Sum))
	}
	m.N += o.N
	m.Self4 += o.Self4
	for i, x := range o.Sum {
		m.Sum[i] += x
	}
	d := len(m.Sum)
	for a := 0; a < d; a++ {
		for b := a; b < d; b++ {
			m.Gram[a*d+b] += o.Gram[a*d+b]
		}
	}
	return nil
}

// MomentsOf computes the moments of a group's vectors.
func MomentsOf(ctx context.Context, vs [][]float32) (*Moments, error) {
	if len(vs) == 0 {
		return nil, errors.New("no vectors")
	}
	d := len(vs[0])
	inv := make([]float64, len(vs))
	for i, v := range vs {
		if len(v) != d {
			return nil, fmt.Errorf("vectors of dimensions %d and %d in one group", d, len(v))
		}
		nn := vec.DotF64(v, v)
		if nn == 0 || math.IsNaN(nn) || math.IsInf(nn, 0) {
			return nil, errZeroVector
		}
		inv[i] = 1 / math.Sqrt(nn)
	}
	return gramMoments(ctx, vs, inv)
}

// Stats are the pairwise statistics of the group the moments describe,
// as PairStats computes them from the vectors (to rounding). A spread too
// small for the second moment to resolve (a standard deviation under
// 1e-6) is an error: PairStats sums the squared deviations pair by pair
// there, which needs the vectors.
func (m *Moments) Stats() (PairwiseStats, error) {
	st := PairwiseStats{N: int(m.N), Pairs: m.N * (m.N - 1) / 2}
	if m.N < 2 {
		return st, nil
	}
	s1, s2 := m.pairSums()
	p := float64(st.Pairs)
	st.Mean = s1 / p
	v := s2/p - st.Mean*st.Mean
	if v < 1e-12 {
		return st, errors.New("the pairwise cosines of this group are nearly all equal (standard deviation under 1e-6), which merged second moments cannot resolve; run the statement on one database")
	}
	st.Std = math.Sqrt(v)
	return st, nil
}
