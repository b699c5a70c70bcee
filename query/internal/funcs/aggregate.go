package funcs

import (
	"context"
	"fmt"
	"math"

	"github.com/laiondb/laiondb/query/internal/value"
)

// aggregate is an aggregate function of the language.
type Aggregate struct {
	Name   string
	Help   string
	Star   bool // count(*) allowed
	Result func(arg value.Type) (value.Type, error)
	State  func() AggState
	// Params name the constant arguments after the first, e.g. q of
	// quantile(x, q); an aggregate with Params makes its states with
	// Make, which checks them.
	Params []string
	Make   func(params []value.Value) (AggState, error)
}

// NewState returns a fresh state of the aggregate for the given
// constant parameters (none for most aggregates).
func (a *Aggregate) NewState(params []value.Value) (AggState, error) {
	if a.Make != nil {
		return a.Make(params)
	}
	return a.State(), nil
}

// aggState accumulates one group.
type AggState interface {
	Add(v value.Value) error
	// Result is the group's value; long computations stop when ctx is
	// cancelled.
	Result(ctx context.Context) (value.Value, error)
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

func (s *CountState) Result(_ context.Context) (value.Value, error) {
	if s.pairs {
		if s.n < 2 {
			return value.Value{}, nil
		}
		// n(n-1)/2 with the halving first, so that it fits whenever the
		// result does.
		a, b := s.n, s.n-1
		if a%2 == 0 {
			a /= 2
		} else {
			b /= 2
		}
		p, ok := value.MulInt(a, b)
		if !ok {
			return value.Value{}, value.ErrOverflow
		}
		return value.IntV(p), nil
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
	// wraps counts the times the INT sum i wrapped around the 64-bit
	// range, up (+1) or down (-1): the exact sum is i + wraps·2⁶⁴, which
	// is INT only when wraps is 0 (a FLOAT value later makes it a FLOAT
	// sum, which cannot overflow).
	wraps int64
}

func (s *sumState) Add(v value.Value) error {
	switch v.T {
	case value.TNull:
		return nil
	case value.TInt, value.TBool:
		if !s.anyRow {
			s.isInt = true
		}
		sum, ok := value.AddInt(s.i, v.I)
		if !ok && v.I > 0 {
			s.wraps++
		} else if !ok {
			s.wraps--
		}
		s.i = sum
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

func (s *sumState) Result(_ context.Context) (value.Value, error) {
	if s.n == 0 {
		return value.Value{}, nil
	}
	if s.avg {
		if s.isInt {
			// From the exact sum, i + wraps·2⁶⁴, not a running float
			// sum: the same in whatever order (and parts) the values came.
			return value.FloatV((float64(s.i) + float64(s.wraps)*0x1p64) / float64(s.n)), nil
		}
		return value.FloatV(s.f / float64(s.n)), nil
	}
	if s.isInt {
		if s.wraps != 0 {
			return value.Value{}, fmt.Errorf("%w: the sum is beyond the INT range (%d to %d); sum(x * 1.0) gives it as a FLOAT", value.ErrOverflow, int64(math.MinInt64), int64(math.MaxInt64))
		}
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

func (s *minMaxState) Result(_ context.Context) (value.Value, error) { return s.v, nil }

// vecSum is the state of the aggregates that add vectors up (centroid,
// intraclass): their count and Σv, in float64.
type vecSum struct {
	sum []float64
	n   int64
}

// add adds v·scale.
func (s *vecSum) add(v []float32, scale float64) error {
	if s.sum == nil {
		s.sum = make([]float64, len(v))
	} else if len(v) != len(s.sum) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(s.sum), len(v))
	}
	for i, x := range v {
		s.sum[i] += float64(x) * scale
	}
	s.n++
	return nil
}

type centroidState struct{ vecSum }

func (s *centroidState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	return s.add(v.V, 1)
}

func (s *centroidState) Result(_ context.Context) (value.Value, error) {
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
type intraclassState struct{ vecSum }

func (s *intraclassState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	var nn float64
	for _, x := range v.V {
		nn += float64(x) * float64(x)
	}
	if nn == 0 {
		return fmt.Errorf("a zero vector has no direction; intraclass needs non-zero vectors")
	}
	return s.add(v.V, 1/math.Sqrt(nn))
}

func (s *intraclassState) Result(_ context.Context) (value.Value, error) {
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

// pairsState keeps a group's vectors to compute statistics of all
// pairwise cosines when the group is complete.
type pairsState struct {
	std  bool
	vecs [][]float32
	// moments replace vecs in a state merged from partial runs when the
	// group is larger than the vectors' dimension (see merge.go); err is
	// an error met while making them, reported by Result.
	moments *Moments
	err     error
}

func (s *pairsState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	if len(s.vecs) > 0 && len(v.V) != len(s.vecs[0]) {
		return fmt.Errorf("vectors of dimensions %d and %d in one group", len(s.vecs[0]), len(v.V))
	}
	// Scan rows lend vectors from memory that is not reused: keep them.
	s.vecs = append(s.vecs, v.V)
	return nil
}

func (s *pairsState) Result(ctx context.Context) (value.Value, error) {
	if s.err != nil {
		return value.Value{}, s.err
	}
	if s.moments != nil {
		st, err := s.moments.Stats()
		if err != nil || st.N < 2 {
			return value.Value{}, err
		}
		return value.FloatV(st.Std), nil
	}
	if len(s.vecs) < 2 {
		return value.Value{}, nil
	}
	st, err := PairStats(ctx, s.vecs)
	if err != nil {
		return value.Value{}, err
	}
	return value.FloatV(st.Std), nil
}
