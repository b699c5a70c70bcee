package funcs

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/query/internal/stats"
	"github.com/laiondb/laiondb/query/internal/value"
)

// The statistical aggregates and random(seed). Every one works in
// float64; NULLs are left out, and an empty group gives NULL.
//
//	stddev(x), variance(x)          sample (n − 1 in the denominator); NULL under 2 values
//	stddev_pop(x), variance_pop(x)  population (n), as numpy's std and var
//	median(x), quantile(x, q)       linear interpolation between order statistics
//	histogram(x, bins)              equal-width bin counts, as JSON text
//
// MaxHistogramBins bounds histogram's bins.
const MaxHistogramBins = 1000

func init() {
	num := func(arg value.Type) (value.Type, error) {
		if !value.IsNumeric(arg) {
			return 0, fmt.Errorf("needs numbers, got %s", value.TypeName(arg))
		}
		return value.TFloat, nil
	}
	text := func(arg value.Type) (value.Type, error) {
		if !value.IsNumeric(arg) {
			return 0, fmt.Errorf("needs numbers, got %s", value.TypeName(arg))
		}
		return value.TString, nil
	}
	for _, a := range []*Aggregate{
		{Name: "variance", Help: "variance(x): sample variance, Σ(x − mean)² / (n − 1); NULL under 2 values", Result: num,
			State: func() AggState { return &momentState{sample: true} }},
		{Name: "stddev", Help: "stddev(x): sample standard deviation, sqrt(variance(x)); NULL under 2 values", Result: num,
			State: func() AggState { return &momentState{sample: true, sqrt: true} }},
		{Name: "variance_pop", Help: "variance_pop(x): population variance, Σ(x − mean)² / n (numpy's var)", Result: num,
			State: func() AggState { return &momentState{} }},
		{Name: "stddev_pop", Help: "stddev_pop(x): population standard deviation (numpy's std)", Result: num,
			State: func() AggState { return &momentState{sqrt: true} }},
		{Name: "median", Help: "median(x): the middle value, the mean of the two middle values for an even count", Result: num,
			State: func() AggState { return &quantileState{q: 0.5} }},
		{Name: "quantile", Help: "quantile(x, q): the q-quantile, 0 ≤ q ≤ 1, interpolating linearly between order statistics (numpy's default, R's type 7)",
			Result: num, Params: []string{"q"}, Make: func(p []value.Value) (AggState, error) {
				q, ok := p[0].AsFloat()
				if !ok || !(q >= 0 && q <= 1) {
					return nil, fmt.Errorf("q must be a number from 0 to 1, not %s", value.DisplayValue(p[0]))
				}
				return &quantileState{q: q}, nil
			}},
		{Name: "histogram", Help: "histogram(x, bins): counts in equal-width bins from the group's minimum to its maximum, as JSON text {\"lo\": …, \"hi\": …, \"counts\": […]}",
			Result: text, Params: []string{"bins"}, Make: func(p []value.Value) (AggState, error) {
				if p[0].T != value.TInt || p[0].I < 1 || p[0].I > MaxHistogramBins {
					return nil, fmt.Errorf("bins must be an integer from 1 to %d, not %s", MaxHistogramBins, value.DisplayValue(p[0]))
				}
				return &histogramState{bins: int(p[0].I)}, nil
			}},
	} {
		Aggregates[a.Name] = a
	}
}

// momentState keeps the count, mean and sum of squared deviations with
// Welford's update, which loses no precision to cancellation the way
// Σx² − n·mean² does when the spread is small against the mean. The
// values are shifted by the first one (x − x₁ is exact for values within
// a factor of two of it), so that a running mean far from zero does not
// round away digits of a small spread: 1e6 ± 1e-4 keeps its variance to
// ten digits.
type momentState struct {
	sample, sqrt bool
	n            int64
	shift        float64
	mean, m2     float64
}

func (s *momentState) Add(v value.Value) error {
	x, ok := v.AsFloat()
	if v.T == value.TNull || !ok {
		if v.T != value.TNull {
			return fmt.Errorf("needs numbers, got %s", v.T)
		}
		return nil
	}
	if s.n == 0 {
		s.shift = x
	}
	x -= s.shift
	s.n++
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (x - s.mean)
	return nil
}

func (s *momentState) Result(context.Context) (value.Value, error) {
	den := float64(s.n)
	if s.sample {
		den--
	}
	if den <= 0 {
		return value.Value{}, nil
	}
	v := max(s.m2, 0) / den
	if s.sqrt {
		v = math.Sqrt(v)
	}
	return value.FloatV(v), nil
}

// quantileState keeps a group's values to sort them at the end.
type quantileState struct {
	q    float64
	vals []float64
}

func (s *quantileState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	x, ok := v.AsFloat()
	if !ok {
		return fmt.Errorf("needs numbers, got %s", v.T)
	}
	s.vals = append(s.vals, x)
	return nil
}

func (s *quantileState) Result(context.Context) (value.Value, error) {
	if len(s.vals) == 0 {
		return value.Value{}, nil
	}
	stats.SortFloats(s.vals)
	return value.FloatV(stats.Quantile(s.vals, s.q)), nil
}

// histogramState keeps a group's values to bin them between the group's
// minimum and maximum.
type histogramState struct {
	bins int
	vals []float64
}

func (s *histogramState) Add(v value.Value) error {
	if v.T == value.TNull {
		return nil
	}
	x, ok := v.AsFloat()
	if !ok {
		return fmt.Errorf("needs numbers, got %s", v.T)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil // cannot be placed in a bin, as in PLOT HISTOGRAM
	}
	s.vals = append(s.vals, x)
	return nil
}

func (s *histogramState) Result(context.Context) (value.Value, error) {
	if len(s.vals) == 0 {
		return value.Value{}, nil
	}
	counts, lo, hi := Histogram(s.vals, s.bins)
	var b strings.Builder
	b.WriteString(`{"lo": `)
	b.WriteString(strconv.FormatFloat(lo, 'g', -1, 64))
	b.WriteString(`, "hi": `)
	b.WriteString(strconv.FormatFloat(hi, 'g', -1, 64))
	b.WriteString(`, "counts": [`)
	for i, c := range counts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(c))
	}
	b.WriteString("]}")
	return value.StringV(b.String()), nil
}

// Histogram counts finite values in bins equal-width bins from their
// minimum to their maximum (both edges included; one value, or all equal,
// gives the range [v − 0.5, v + 0.5], as PLOT HISTOGRAM draws it).
func Histogram(vals []float64, bins int) (counts []int, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(bins)
	counts = make([]int, bins)
	for _, v := range vals {
		counts[stats.BinOf(v, lo, width, bins)]++
	}
	return counts, lo, hi
}

// Random is random(seed): a number in [0, 1) that depends only on the
// seed and the row's id (stats.Hash), so the same rows get the same
// numbers in every run, in any order, on any machine. The planner passes
// the row id as a second, hidden argument.
var Random = &Function{Name: "random", Min: 1, Max: 1, Pure: true,
	Help: "random(seed): a number in [0, 1) that is a function of the seed and the row id (the same in every run); WHERE random(7) < 0.1 keeps the rows SAMPLE 10 PERCENT SEED 7 keeps",
	Result: func(args []value.Type) (value.Type, error) {
		if !TypeFits(args[0], value.TInt) {
			return 0, fmt.Errorf("the seed is %s, expected an integer", value.TypeName(args[0]))
		}
		return value.TFloat, nil
	},
	Eval: func(_ Env, a []value.Value) (value.Value, error) {
		if a[0].T == value.TNull || a[1].T == value.TNull {
			return value.Value{}, nil
		}
		if a[0].T != value.TInt || a[1].T != value.TInt {
			return value.Value{}, fmt.Errorf("random(seed) takes an integer seed over rows with integer ids, not %s", value.DisplayValue(a[0]))
		}
		return value.FloatV(stats.Unit(stats.Hash(uint64(a[0].I), uint64(a[1].I)))), nil
	}}

func init() { Functions[Random.Name] = Random }
