package funcs

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/index/vec"
)

// Classifier is a stored classifier ready to score: class weight vectors
// (Weights) or predictions made elsewhere (Preds). A weights classifier
// scores a vector v by the dot product w_c·v with each class's weight
// vector — for CLIP's unit-norm zero-shot weights and unit image vectors
// the cosine, CLIP's logit over its temperature — and ranks classes by
// score, ties to the lower class number. Scores are computed in float64
// (vec.DotF64), so the ranking is the same on every CPU and build.
// Immutable; safe for concurrent use.
type Classifier struct {
	*engine.Classifier
	Weights []float32 // classes × Dim, row-major; nil for predictions
	Preds   *engine.Predictions
	index   map[string]int // class label → class number
	ids     []uint32       // 0..classes−1, for vec.DotBatch
	// bound is the largest |w_c|, for the error bound of float32 scores.
	bound float64
}

// LoadClassifier reads the named classifier from the snapshot.
func LoadClassifier(s *engine.Snapshot, name string) (*Classifier, error) {
	c, err := s.Classifier(name)
	if err != nil {
		return nil, err
	}
	out := &Classifier{Classifier: c, index: make(map[string]int, len(c.Classes))}
	for i, l := range c.Classes {
		if _, dup := out.index[l]; !dup {
			out.index[l] = i
		}
	}
	switch c.Kind {
	case engine.ClassifierWeights:
		if out.Weights, err = s.ClassifierWeights(c); err != nil {
			return nil, err
		}
		out.ids = make([]uint32, len(c.Classes))
		for i := range out.ids {
			out.ids[i] = uint32(i)
			w := out.Weights[i*c.Dim : (i+1)*c.Dim]
			out.bound = max(out.bound, math.Sqrt(vec.DotF64(w, w)))
		}
	default:
		if out.Preds, err = s.Predictions(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ClassOf returns the class number of a label, or -1.
func (c *Classifier) ClassOf(label string) int {
	if i, ok := c.index[label]; ok {
		return i
	}
	return -1
}

// Score is w_class·v in float64.
func (c *Classifier) Score(v []float32, class int) float64 {
	return vec.DotF64(c.Weights[class*c.Dim:(class+1)*c.Dim], v)
}

// TopK returns the k best classes for v, best first (fewer when the
// classifier has fewer classes). scratch, if it has room for one value
// per class, is used for the float32 scores.
//
// Every class is first scored in float32 with the SIMD kernels, whose
// rounding differs between CPUs; then the classes that could be among the
// k best — those within twice the float32 error bound of the k-th best
// score, the bound being γ_d·max|w|·|v| with γ_d = (d+2)·2⁻²⁴ for any
// summation order — are scored again exactly in float64 and ranked by
// that. So the answer is exact and portable at the cost of a few float64
// dot products.
func (c *Classifier) TopK(v []float32, k int, scratch []float32) []int {
	n := len(c.Classes)
	k = min(k, n)
	if cap(scratch) < n {
		scratch = make([]float32, n)
	}
	scratch = scratch[:n]
	s := scratch[:n]
	vec.DotBatch(v, c.Weights, c.ids, s)
	// The k-th largest float32 score.
	kth := kthLargest(s, k)
	eps := 2 * float64(c.Dim+2) * 0x1p-24 * c.bound * math.Sqrt(vec.DotF64(v, v))
	type cand struct {
		class int
		score float64
	}
	var cands []cand
	for i, x := range s {
		if float64(x) >= kth-eps || math.IsNaN(float64(x)) {
			cands = append(cands, cand{i, c.Score(v, i)})
		}
	}
	sort.Slice(cands, func(a, b int) bool {
		if cands[a].score != cands[b].score {
			return cands[a].score > cands[b].score
		}
		return cands[a].class < cands[b].class
	})
	out := make([]int, 0, k)
	for _, x := range cands[:min(k, len(cands))] {
		out = append(out, x.class)
	}
	return out
}

// kthLargest returns the k-th largest value of s (k ≥ 1) without
// reordering s.
func kthLargest(s []float32, k int) float64 {
	if k == 1 {
		best := float32(math.Inf(-1))
		for _, x := range s {
			best = max(best, x)
		}
		return float64(best)
	}
	top := make([]float32, 0, k+1) // ascending, at most k values
	for _, x := range s {
		if len(top) == k && x <= top[0] {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return top[i] >= x })
		top = append(top, 0)
		copy(top[i+1:], top[i:])
		top[i] = x
		if len(top) > k {
			top = top[1:]
		}
	}
	return float64(top[0])
}

// Labels returns the labels of class numbers, comma-separated.
func (c *Classifier) Labels(classes []int) string {
	var b strings.Builder
	for i, k := range classes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.Classes[k])
	}
	return b.String()
}

// Predicted returns the imported predictions of row id, best first, or
// nil when the row has none.
func (c *Classifier) Predicted(id uint64) []int {
	p := c.Preds.Lookup(id)
	if p == nil {
		return nil
	}
	out := make([]int, len(p))
	for i, k := range p {
		out[i] = int(k)
	}
	return out
}

// TopKAll returns TopK(vs[i], k) for every vector, on every core; the
// answer does not depend on how the work is split. ctx is checked every
// few hundred vectors.
func (c *Classifier) TopKAll(ctx context.Context, vs [][]float32, k int) ([][]int, error) {
	out := make([][]int, len(vs))
	nw := min(runtime.GOMAXPROCS(0), max(1, len(vs)/64))
	var wg sync.WaitGroup
	errs := make([]error, nw)
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scratch := make([]float32, len(c.Classes))
			for i := w; i < len(vs); i += nw {
				if (i/nw)%256 == 0 {
					if err := ctx.Err(); err != nil {
						errs[w] = err
						return
					}
				}
				out[i] = c.TopK(vs[i], k, scratch)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CheckVector says why v cannot be scored by the classifier, or nil.
func (c *Classifier) CheckVector(v []float32) error {
	if c.Weights == nil {
		return fmt.Errorf("classifier %s holds predictions made elsewhere, not weights: it scores row ids, not vectors", c.Name)
	}
	if len(v) != c.Dim {
		return fmt.Errorf("classifier %s scores %d-d vectors, not %d-d", c.Name, c.Dim, len(v))
	}
	return nil
}
