package funcs

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/laiondb/laiondb/index/vec"
)

// The standard error of a class's mean pairwise similarity
//
//	θ = Σ_{i<j} u_i·u_j / (n(n−1)/2) = (|S|² − n) / (n(n−1)),  S = Σ u_i,
//
// with the images, not the pairs, as the unit of sampling. The paper's
// interval, 1.96·std/sqrt(pairs − 1), treats the n(n−1)/2 pairs as
// independent draws; but each image is in n − 1 of them, so the pairs of
// a class carry far less information than their count says, and the
// interval is too narrow by a factor that grows with n. Both methods here
// resample images.

// unitRows returns the vectors normalised in float64, row-major.
func unitRows(vs [][]float32) ([]float64, int, error) {
	n := len(vs)
	if n == 0 {
		return nil, 0, nil
	}
	d := len(vs[0])
	u := make([]float64, n*d)
	for i, v := range vs {
		if len(v) != d {
			return nil, 0, fmt.Errorf("vectors of dimensions %d and %d in one group", d, len(v))
		}
		nn := vec.DotF64(v, v)
		if nn == 0 || math.IsNaN(nn) || math.IsInf(nn, 0) {
			return nil, 0, errZeroVector
		}
		inv := 1 / math.Sqrt(nn)
		for k, x := range v {
			u[i*d+k] = float64(x) * inv
		}
	}
	return u, d, nil
}

// Jackknife returns the delete-one-image jackknife standard error of the
// mean pairwise cosine θ of vs (NaN under 3 vectors). Leaving image i out
// gives, with a_i = S·u_i,
//
//	θ₋ᵢ = (|S − u_i|² − (n−1)) / ((n−1)(n−2)) = (|S|² − 2a_i + 1 − (n−1)) / ((n−1)(n−2)),
//
// so θ₋ᵢ − mean(θ₋) = −2(a_i − ā) / ((n−1)(n−2)) and
//
//	SE = sqrt((n−1)/n · Σ (θ₋ᵢ − mean(θ₋))²) = 2 / ((n−1)(n−2)) · sqrt((n−1)/n · Σ (a_i − ā)²):
//
// exact, in O(n·d) and float64, without a single pair.
func Jackknife(ctx context.Context, vs [][]float32) (float64, error) {
	n := len(vs)
	if n < 3 {
		return math.NaN(), nil
	}
	u, d, err := unitRows(vs)
	if err != nil {
		return 0, err
	}
	s := make([]float64, d)
	for i := 0; i < n; i++ {
		for k, x := range u[i*d : (i+1)*d] {
			s[k] += x
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	a := make([]float64, n)
	var mean float64
	for i := range a {
		var dot float64
		for k, x := range u[i*d : (i+1)*d] {
			dot += s[k] * x
		}
		a[i] = dot
		mean += dot
	}
	mean /= float64(n)
	var ss float64
	for _, x := range a {
		ss += (x - mean) * (x - mean)
	}
	nf := float64(n)
	return 2 / ((nf - 1) * (nf - 2)) * math.Sqrt((nf-1)/nf*ss), nil
}

// Bootstrap returns the bootstrap standard error of the mean pairwise
// cosine of vs over resamples resamples of the images (n drawn with
// replacement), the sample standard deviation of the resampled means. A
// resample with counts w_i (Σw = n) is scored by the mean over pairs of
// distinct draws of distinct images — pairs of an image with its own copy
// say nothing about the class:
//
//	θ* = (|Σ w_i u_i|² − Σ w_i²) / (n² − Σ w_i²)
//
// computed from the Gram matrix of the images when n ≤ d (O(n²) a
// resample), else from Σ w_i u_i (O(n·d)). The draws come from a PCG
// generator seeded with (seed, stream), so the answer depends on nothing
// else; resamples that drew one image n times are drawn again. NaN under
// 2 vectors.
func Bootstrap(ctx context.Context, vs [][]float32, resamples int, seed, stream uint64) (float64, error) {
	n := len(vs)
	if n < 2 || resamples < 2 {
		return math.NaN(), nil
	}
	u, d, err := unitRows(vs)
	if err != nil {
		return 0, err
	}
	var gram []float64
	if n <= d {
		gram = make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				var dot float64
				for k := 0; k < d; k++ {
					dot += u[i*d+k] * u[j*d+k]
				}
				gram[i*n+j], gram[j*n+i] = dot, dot
			}
		}
	}
	r := rand.New(rand.NewPCG(seed, stream))
	w := make([]float64, n)
	sum := make([]float64, d)
	var m, m2 float64 // Welford over the resampled means
	for b := 0; b < resamples; b++ {
		if b%64 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		var theta float64
		for {
			clear(w)
			for range n {
				w[r.IntN(n)]++
			}
			var ww float64
			for _, x := range w {
				ww += x * x
			}
			den := float64(n)*float64(n) - ww
			if den == 0 {
				continue // one image drawn n times: no pair
			}
			theta = (weightedNorm2(u, gram, w, sum, n, d) - ww) / den
			break
		}
		k := float64(b + 1)
		delta := theta - m
		m += delta / k
		m2 += delta * (theta - m)
	}
	return math.Sqrt(m2 / float64(resamples-1)), nil
}

// weightedNorm2 is |Σ w_i u_i|², from the Gram matrix when there is one.
func weightedNorm2(u, gram, w, sum []float64, n, d int) float64 {
	var s float64
	if gram != nil {
		for i, wi := range w {
			if wi == 0 {
				continue
			}
			row := gram[i*n : (i+1)*n]
			var t float64
			for j, wj := range w {
				t += wj * row[j]
			}
			s += wi * t
		}
		return s
	}
	clear(sum)
	for i, wi := range w {
		if wi == 0 {
			continue
		}
		for k, x := range u[i*d : (i+1)*d] {
			sum[k] += wi * x
		}
	}
	for _, x := range sum {
		s += x * x
	}
	return s
}
