package funcs

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/index/vec"
)

// aggregate is an aggregate function of the language.
type Aggregate struct {
	Name   string
	Help   string
	Star   bool // count(*) allowed
	Result func(arg value.Type) (value.Type, error)
	State  func() AggState
}

// aggState accumulates one group.
type AggState interface {
	Add(v value.Value) error
	Result() (value.Value, error)
}

var Aggregates = map[string]*Aggregate{}

func init() {
	num := func(arg value.Type) (value.Type, error) {
		if !value.IsNumeric(arg) {
			return 0, fmt.Errorf("needs numbers, got %s", value.TypeName(arg))
		}
		return value.TFloat, nil
	}
	vecArg := func(res value.Type) func(value.Type) (value.Type, error) {
		return func(arg value.Type) (value.Type, error) {
			if arg != value.TVector && arg != value.TAny {
				return 0, fmt.Errorf("needs a vector column such as img or txt, got %s", value.TypeName(arg))
			}
			return res, nil
		}
	}
	for _, a := range []*Aggregate{
		{Name: "count", Star: true, Help: "count(*), count(x), count(DISTINCT x)", Result: func(value.Type) (value.Type, error) { return value.TInt, nil },
			State: func() AggState { return &CountState{} }},
		{Name: "sum", Help: "sum(x)", Result: func(arg value.Type) (value.Type, error) {
			if arg == value.TInt {
				return value.TInt, nil
			}
			return num(arg)
		}, State: func() AggState { return &sumState{} }},
		{Name: "avg", Help: "avg(x)", Result: num, State: func() AggState { return &sumState{avg: true} }},
		{Name: "min", Help: "min(x)", Result: func(arg value.Type) (value.Type, error) { return arg, nil }, State: func() AggState { return &minMaxState{min: true} }},
		{Name: "max", Help: "max(x)", Result: func(arg value.Type) (value.Type, error) { return arg, nil }, State: func() AggState { return &minMaxState{} }},
		{Name: "centroid", Help: "centroid(v): the mean vector of a group", Result: vecArg(value.TVector), State: func() AggState { return &centroidState{} }},
		{Name: "intraclass", Help: "intraclass(v): mean cosine similarity over all pairs of distinct rows (the paper's intra-class similarity); NULL under 2 rows",
			Result: vecArg(value.TFloat), State: func() AggState { return &intraclassState{} }},
		{Name: "intraclass_std", Help: "intraclass_std(v): standard deviation of the pairwise cosine similarities (population, as numpy's std)",
			Result: vecArg(value.TFloat), State: func() AggState { return &pairsState{std: true} }},
		{Name: "intraclass_pairs", Help: "intraclass_pairs(v): number of unordered pairs, n(n-1)/2",
			Result: vecArg(value.TInt), State: func() AggState { return &CountState{pairs: true} }},
	} {
		Aggregates[a.Name] = a
	}
}

type CountState struct {
	n     int64
	Star  bool
	pairs bool
}

func (s *CountState) Add(v value.Value) error {
	if s.Star || v.T != value.TNull {
		s.n++
	}
	return nil
}

func (s *CountState) Result() (value.Value, error) {
	if s.pairs {
		if s.n < 2 {
			return value.Value{}, nil
		}
		return value.IntV(s.n * (s.n - 1) / 2), nil
	}
	return value.IntV(s.n), nil
}

type sumState struct {
	avg    bool
	n      int64
	isInt  bool
	i      int64
	f      float64
	anyRow bool
}

func (s *sumState) Add(v value.Value) error {
	switch v.T {
	case value.TNull:
		return nil
	case value.TInt, value.TBool:
		if !s.anyRow {
			s.isInt = true
		}
		s.i += v.I
		s.f += float64(v.I)
	case value.TFloat:
		s.isInt = false
		s.f += v.F
	default:
		return fmt.Errorf("cannot add up %s values", v.T)
	}
	s.anyRow = true
	s.n++
	return nil
}

func (s *sumState) Result() (value.Value, error) {
	if s.n == 0 {
		return value.Value{}, nil
	}
	if s.avg {
		return value.FloatV(s.f / float64(s.n)), nil
	}
	if s.isInt {
		return value.IntV(s.i), nil
	}
	return value.FloatV(s.f), nil
}

type minMaxState struct {
	min bool
	v   value.Value
}

func (s *minMaxState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	if s.v.T == value.TNull {
		s.v = v
		return nil
	}
	c, err := value.CompareValues(v, s.v)
	if err != nil {
		return err
	}
	if (s.min && c < 0) || (!s.min && c > 0) {
		s.v = v
	}
	return nil
}

func (s *minMaxState) Result() (value.Value, error) { return s.v, nil }

type centroidState struct {
	sum []float64
	n   int
}

func (s *centroidState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	if s.sum == nil {
		s.sum = make([]float64, len(v.V))
	} else if len(v.V) != len(s.sum) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(s.sum), len(v.V))
	}
	for i, x := range v.V {
		s.sum[i] += float64(x)
	}
	s.n++
	return nil
}

func (s *centroidState) Result() (value.Value, error) {
	if s.n == 0 {
		return value.Value{}, nil
	}
	out := make([]float32, len(s.sum))
	for i, x := range s.sum {
		out[i] = float32(x / float64(s.n))
	}
	return value.VectorV(out), nil
}

// intraclassState computes the mean pairwise cosine with the identity
// mean = (|Σu|² − n) / (n(n−1)) over unit vectors u, in O(n·d): each vector
// is normalised exactly (in float64) and added to a running sum.
type intraclassState struct {
	sum []float64
	n   int64
}

func (s *intraclassState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	if s.sum == nil {
		s.sum = make([]float64, len(v.V))
	} else if len(v.V) != len(s.sum) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(s.sum), len(v.V))
	}
	var nn float64
	for _, x := range v.V {
		nn += float64(x) * float64(x)
	}
	if nn == 0 {
		return fmt.Errorf("a zero vector has no direction; intraclass needs non-zero vectors")
	}
	inv := 1 / math.Sqrt(nn)
	for i, x := range v.V {
		s.sum[i] += float64(x) * inv
	}
	s.n++
	return nil
}

func (s *intraclassState) Result() (value.Value, error) {
	if s.n < 2 {
		return value.Value{}, nil
	}
	var sq float64
	for _, x := range s.sum {
		sq += x * x
	}
	n := float64(s.n)
	return value.FloatV((sq - n) / (n * (n - 1))), nil
}

// pairsState keeps a group's unit vectors to compute statistics of all
// pairwise cosines.
type pairsState struct {
	std  bool
	vecs [][]float32
}

func (s *pairsState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	if len(s.vecs) > 0 && len(v.V) != len(s.vecs[0]) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(s.vecs[0]), len(v.V))
	}
	u, err := unitVector(v.V)
	if err != nil {
		return err
	}
	s.vecs = append(s.vecs, u)
	return nil
}

// unitVector returns a unit-length copy of v.
func unitVector(v []float32) ([]float32, error) {
	u := append([]float32(nil), v...)
	n := vec.Norm(u)
	if n == 0 {
		return nil, fmt.Errorf("a zero vector has no direction; intraclass needs non-zero vectors")
	}
	vec.Scale(u, 1/n)
	return u, nil
}

func (s *pairsState) Result() (value.Value, error) {
	if len(s.vecs) < 2 {
		return value.Value{}, nil
	}
	st := PairStats(s.vecs)
	return value.FloatV(st.Std), nil
}

// PairwiseStats are the statistics of the cosines of all unordered pairs
// of distinct vectors of a group.
type PairwiseStats struct {
	N     int
	Pairs int64
	Mean  float64
	Std   float64 // population standard deviation, as numpy's std
}

// PairStats computes the mean and standard deviation of the n(n−1)/2
// pairwise dot products of unit vectors, blocked over the cores, without
// materialising the pairs. For n ≤ d it sums the pairs directly; for
// larger groups it uses the d×d Gram matrix G = Σ uuᵀ, since
// Σ_{i<j} (u_i·u_j)² = (‖G‖_F² − Σ_i |u_i|⁴) / 2, which costs n·d² instead
// of n²·d.
func PairStats(vs [][]float32) PairwiseStats {
	n := len(vs)
	st := PairwiseStats{N: n, Pairs: int64(n) * int64(n-1) / 2}
	if n < 2 {
		return st
	}
	d := len(vs[0])
	var s1, s2 float64
	if n <= d {
		s1, s2 = pairSumsDirect(vs)
	} else {
		s1, s2 = pairSumsGram(vs)
	}
	p := float64(st.Pairs)
	st.Mean = s1 / p
	v := s2/p - st.Mean*st.Mean
	if v < 0 {
		v = 0
	}
	st.Std = math.Sqrt(v)
	return st
}

// pairSumsDirect sums c and c² over i<j, rows split across the cores.
func pairSumsDirect(vs [][]float32) (float64, float64) {
	n := len(vs)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/32))
	s1s := make([]float64, workers)
	s2s := make([]float64, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Interleave rows so each worker gets a similar share of pairs.
			for i := w; i < n; i += workers {
				for j := i + 1; j < n; j++ {
					c := float64(vec.Dot(vs[i], vs[j]))
					s1s[w] += c
					s2s[w] += c * c
				}
			}
		}()
	}
	wg.Wait()
	var s1, s2 float64
	for w := range s1s {
		s1 += s1s[w]
		s2 += s2s[w]
	}
	return s1, s2
}

// pairSumsGram uses Σu and G = Σ uuᵀ (upper triangle, float64).
func pairSumsGram(vs [][]float32) (float64, float64) {
	n, d := len(vs), len(vs[0])
	workers := runtime.GOMAXPROCS(0)
	grams := make([][]float64, workers)
	sums := make([][]float64, workers)
	self := make([]float64, workers) // Σ |u|⁴
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := make([]float64, d*d)
			sum := make([]float64, d)
			row := make([]float64, d)
			for i := w; i < n; i += workers {
				u := vs[i]
				var nn float64
				for k, x := range u {
					row[k] = float64(x)
					sum[k] += row[k]
					nn += row[k] * row[k]
				}
				self[w] += nn * nn
				for a := 0; a < d; a++ {
					ra := row[a]
					ga := g[a*d:]
					for b := a; b < d; b++ {
						ga[b] += ra * row[b]
					}
				}
			}
			grams[w], sums[w] = g, sum
		}()
	}
	wg.Wait()
	var frob, sq, selfAll float64
	for a := 0; a < d; a++ {
		var sa float64
		for w := range sums {
			sa += sums[w][a]
		}
		sq += sa * sa
		for b := a; b < d; b++ {
			var gab float64
			for w := range grams {
				gab += grams[w][a*d+b]
			}
			if a == b {
				frob += gab * gab
			} else {
				frob += 2 * gab * gab
			}
		}
	}
	for _, x := range self {
		selfAll += x
	}
	var selfDot float64 // Σ |u|²
	for _, u := range vs {
		var nn float64
		for _, x := range u {
			nn += float64(x) * float64(x)
		}
		selfDot += nn
	}
	return (sq - selfDot) / 2, (frob - selfAll) / 2
}
