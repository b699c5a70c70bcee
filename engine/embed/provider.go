package embed

import (
	"context"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/laiondb/laiondb/index/vec"
)

// Provider turns texts into embedding vectors.
type Provider interface {
	// Model is the name of the model the vectors come from, e.g.
	// "clip-vit-b32"; the cache keys vectors by it.
	Model() string
	// Dim is the vectors' dimension, 0 while unknown (an HTTP provider
	// learns it from its first answer).
	Dim() int
	// Embed returns one unit-normalised vector per text, in order. The
	// vectors may be shared with the provider: callers must not modify them.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// normalize scales v to unit length in place. It reports why it cannot:
// a NaN or infinite component (its index) or a zero vector.
func normalize(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("component %d is %v", i, x)
		}
	}
	n := vec.Norm(v)
	if n == 0 || math.IsInf(float64(n), 0) || math.IsNaN(float64(n)) {
		// A norm that overflows or underflows float32 is computed in float64.
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if s == 0 {
			return fmt.Errorf("it is the zero vector")
		}
		r := math.Sqrt(s)
		for i, x := range v {
			v[i] = float32(float64(x) / r)
		}
		return nil
	}
	vec.Scale(v, 1/n)
	return nil
}

// excerpt quotes s for an error message, cut to about n bytes on a rune
// boundary.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return fmt.Sprintf("%q", s)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}
