package funcs

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// BenchmarkTopK: the top 5 of 1000 classes for one 512-d vector, as
// predict_topk and EVALUATE compute it.
func BenchmarkTopK(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const classes, dim = 1000, 512
	w := make([]float32, classes*dim)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	c := &Classifier{Classifier: &engine.Classifier{Name: "b", Classes: make([]string, classes), Dim: dim}, Weights: w, bound: 30}
	c.ids = make([]uint32, classes)
	for i := range c.ids {
		c.ids[i] = uint32(i)
	}
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	scratch := make([]float32, classes)
	b.ResetTimer()
	for b.Loop() {
		c.TopK(v, 5, scratch)
	}
}

// BenchmarkJackknife and BenchmarkBootstrap: a class of 300 images of
// 512-d, COMPARE's METHOD jackknife and bootstrap (100 resamples).
func BenchmarkJackknife(b *testing.B) {
	vs := clustered(rand.New(rand.NewPCG(2, 2)), 300, 512, 0.5)
	for b.Loop() {
		if _, err := Jackknife(context.Background(), vs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBootstrap(b *testing.B) {
	vs := clustered(rand.New(rand.NewPCG(2, 2)), 300, 512, 0.5)
	for b.Loop() {
		if _, err := Bootstrap(context.Background(), vs, 100, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
}
