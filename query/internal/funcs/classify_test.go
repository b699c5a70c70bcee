package funcs

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// TestTopKIsTheFloat64Ranking: TopK equals ranking every class by its
// float64 score (ties to the lower class), also when scores tie exactly
// (duplicated weight rows) or differ in the last bits (rows one float32
// ulp apart), where float32 scores with any summation order could swap
// them.
func TestTopKIsTheFloat64Ranking(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 7))
	const classes, dim = 300, 96
	w := make([]float32, classes*dim)
	for i := range w {
		w[i] = float32(r.NormFloat64() / 10)
	}
	// Class 7 = class 3 (exact ties); class 11 = class 5 nudged by an ulp.
	copy(w[7*dim:8*dim], w[3*dim:4*dim])
	copy(w[11*dim:12*dim], w[5*dim:6*dim])
	w[11*dim] = nextUp(w[11*dim])
	labels := make([]string, classes)
	for i := range labels {
		labels[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	c := &Classifier{Classifier: &engine.Classifier{Name: "t", Classes: labels, Dim: dim}, Weights: w, index: map[string]int{}}
	c.ids = make([]uint32, classes)
	for i := range c.ids {
		c.ids[i] = uint32(i)
		row := w[i*dim : (i+1)*dim]
		var s float64
		for _, x := range row {
			s += float64(x) * float64(x)
		}
		c.bound = max(c.bound, s)
	}
	c.bound = math.Sqrt(c.bound)
	for trial := 0; trial < 300; trial++ {
		v := make([]float32, dim)
		switch trial % 3 {
		case 0: // near class 3/7
			copy(v, w[3*dim:4*dim])
		case 1: // near class 5/11
			copy(v, w[5*dim:6*dim])
		}
		for j := range v {
			v[j] += float32(r.NormFloat64() / 100)
		}
		idx := make([]int, classes)
		score := make([]float64, classes)
		for k := range idx {
			idx[k] = k
			score[k] = c.Score(v, k)
		}
		sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
		for _, k := range []int{1, 2, 5, 17} {
			if got := c.TopK(v, k, nil); !slices.Equal(got, idx[:k]) {
				t.Fatalf("trial %d: TopK(%d) = %v, float64 ranking %v", trial, k, got, idx[:k])
			}
		}
	}
}

func nextUp(x float32) float32 {
	if x >= 0 {
		return math.Float32frombits(math.Float32bits(x) + 1)
	}
	return math.Float32frombits(math.Float32bits(x) - 1)
}
