package funcs

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"
	"github.com/laiondb/laiondb/query/internal/wire"
)

// close reports whether two results agree to 1e-9 relative (vectors
// element by element).
func closeValues(a, b value.Value) bool {
	if a.T != b.T {
		return false
	}
	near := func(x, y float64) bool {
		return x == y || math.Abs(x-y) <= 1e-9*max(math.Abs(x), math.Abs(y))
	}
	switch a.T {
	case value.TFloat:
		return near(a.F, b.F)
	case value.TVector:
		if len(a.V) != len(b.V) {
			return false
		}
		for i := range a.V {
			// centroid is float32: its last bit may round either way.
			if !near(float64(a.V[i]), float64(b.V[i])) && math.Abs(float64(a.V[i]-b.V[i])) > 1e-7*math.Abs(float64(a.V[i])) {
				return false
			}
		}
		return true
	}
	return a.S == b.S && a.I == b.I
}

// TestMergedStatesEqualOneState splits each aggregate's input at random
// into parts, writes each part's state down, reads it back, merges the
// parts in order and compares the result with one state over all rows.
func TestMergedStatesEqualOneState(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	vecs := func(n, d int) []value.Value {
		out := make([]value.Value, n)
		for i := range out {
			v := make([]float32, d)
			for k := range v {
				v[k] = float32(rng.NormFloat64())
			}
			if rng.IntN(3) == 0 { // some as the store gives them: float16 values
				for k := range v {
					v[k] = float32(int(v[k]*1024)) / 1024
				}
			}
			out[i] = value.VectorV(v)
		}
		return out
	}
	nums := func(n int, ints bool) []value.Value {
		out := make([]value.Value, n)
		for i := range out {
			switch {
			case rng.IntN(10) == 0:
				out[i] = value.Value{}
			case ints:
				out[i] = value.IntV(int64(rng.IntN(1000)))
			default:
				out[i] = value.FloatV(1e6 + rng.Float64())
			}
		}
		return out
	}
	cases := []struct {
		agg    string
		params []value.Value
		vals   []value.Value
	}{
		{"count", nil, nums(100, true)},
		{"sum", nil, nums(100, true)},
		{"sum", nil, nums(100, false)},
		{"avg", nil, nums(100, false)},
		{"min", nil, nums(100, false)},
		{"max", nil, nums(100, true)},
		{"stddev", nil, nums(200, false)},
		{"variance_pop", nil, nums(200, false)},
		{"median", nil, nums(101, false)},
		{"quantile", []value.Value{value.FloatV(0.9)}, nums(101, false)},
		{"histogram", []value.Value{value.IntV(7)}, nums(101, false)},
		{"centroid", nil, vecs(40, 16)},
		{"intraclass", nil, vecs(40, 16)},
		{"intraclass_pairs", nil, vecs(40, 16)},
		{"intraclass_std", nil, vecs(12, 16)}, // stays vectors
		{"intraclass_std", nil, vecs(60, 16)}, // becomes moments
	}
	for _, c := range cases {
		a := Aggregates[c.agg]
		if !a.CanMerge(c.params) {
			t.Errorf("%s: states are not mergeable", c.agg)
			continue
		}
		for trial := 0; trial < 5; trial++ {
			one, _ := a.NewState(c.params)
			for _, v := range c.vals {
				if err := one.Add(v); err != nil {
					t.Fatal(err)
				}
			}
			want, err := one.Result(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// Split into 1..4 parts at random points, in order.
			cuts := []int{0}
			for k := rng.IntN(4); k > 0; k-- {
				cuts = append(cuts, rng.IntN(len(c.vals)+1))
			}
			cuts = append(cuts, len(c.vals))
			slices.Sort(cuts)
			var merged AggState
			for i := 0; i+1 < len(cuts); i++ {
				part, _ := a.NewState(c.params)
				for _, v := range c.vals[cuts[i]:cuts[i+1]] {
					part.Add(v)
				}
				var e wire.Encoder
				part.(Mergeable).Encode(&e)
				back, _ := a.NewState(c.params)
				d := wire.NewDecoder(e.B)
				back.(Mergeable).Decode(d)
				if d.Err() != nil || !d.Done() {
					t.Fatalf("%s: state does not read back: %v", c.agg, d.Err())
				}
				if merged == nil {
					merged = back
				} else if err := merged.(Mergeable).Merge(back); err != nil {
					t.Fatal(err)
				}
			}
			got, err := merged.Result(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !closeValues(got, want) {
				t.Errorf("%s split at %v: merged %v, one state %v", c.agg, cuts, value.DisplayValue(got), value.DisplayValue(want))
			}
		}
	}
}

// An INT sum overflows after a merge exactly when it does over all the
// rows at once: parts in range whose total is not, a part that wrapped on
// its own, and wraps that cancel out all give one state's answer.
func TestMergedIntSumOverflowsAsOneState(t *testing.T) {
	const big = math.MaxInt64 / 2
	cases := []struct {
		name  string
		parts [][]int64
	}{
		{"parts in range, total not", [][]int64{{big, 1}, {big, 2}}},
		{"a part wraps on its own", [][]int64{{big, big, big}, {1}}},
		{"down", [][]int64{{-big, -big}, {-big}}},
		{"wraps that cancel", [][]int64{{big, big, big}, {-big, -big, -big}}},
		{"in range", [][]int64{{big}, {-big, 5}}},
	}
	for _, c := range cases {
		for _, agg := range []string{"sum", "avg"} {
			a := Aggregates[agg]
			one, _ := a.NewState(nil)
			var merged AggState
			for _, part := range c.parts {
				st, _ := a.NewState(nil)
				for _, v := range part {
					one.Add(value.IntV(v))
					st.Add(value.IntV(v))
				}
				var e wire.Encoder
				st.(Mergeable).Encode(&e)
				back, _ := a.NewState(nil)
				back.(Mergeable).Decode(wire.NewDecoder(e.B))
				if merged == nil {
					merged = back
				} else if err := merged.(Mergeable).Merge(back); err != nil {
					t.Fatal(err)
				}
			}
			want, wantErr := one.Result(context.Background())
			got, gotErr := merged.Result(context.Background())
			if (wantErr != nil) != (gotErr != nil) || (wantErr == nil && !closeValues(got, want)) {
				t.Errorf("%s, %s: merged %v (%v), one state %v (%v)", c.name, agg, value.DisplayValue(got), gotErr, value.DisplayValue(want), wantErr)
			}
		}
	}
}
