package funcs

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"
)

// aggregate runs the named aggregate over vals (NaN stands for NULL).
func aggregate(t *testing.T, name string, params []value.Value, vals []float64) value.Value {
	t.Helper()
	st, err := Aggregates[name].NewState(params)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range vals {
		v := value.FloatV(x)
		if math.IsNaN(x) {
			v = value.Value{}
		}
		if err := st.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	r, err := st.Result(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestMomentsAgainstTwoPass checks variance and standard deviation against
// the definition computed in two passes, including data whose spread is
// tiny against its mean (where Σx² − n·mean² would cancel).
func TestMomentsAgainstTwoPass(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 100; trial++ {
		n := 2 + r.IntN(300)
		offset := []float64{0, 1e6, -3, 0.5}[trial%4]
		scale := []float64{1, 1e-4, 10, 1e-7}[trial%4]
		var vals []float64
		var kept []float64
		for i := 0; i < n; i++ {
			if r.IntN(10) == 0 {
				vals = append(vals, math.NaN()) // NULL, left out
				continue
			}
			x := offset + scale*r.NormFloat64()
			vals, kept = append(vals, x), append(kept, x)
		}
		if len(kept) < 2 {
			continue
		}
		var mean float64
		for _, x := range kept {
			mean += x
		}
		mean /= float64(len(kept))
		var ss float64
		for _, x := range kept {
			ss += (x - mean) * (x - mean)
		}
		want := map[string]float64{
			"variance": ss / float64(len(kept)-1), "stddev": math.Sqrt(ss / float64(len(kept)-1)),
			"variance_pop": ss / float64(len(kept)), "stddev_pop": math.Sqrt(ss / float64(len(kept))),
		}
		for name, w := range want {
			got := aggregate(t, name, nil, vals).F
			if math.Abs(got-w) > 1e-9*math.Abs(w)+1e-300 {
				t.Fatalf("trial %d: %s = %.17g, want %.17g", trial, name, got, w)
			}
		}
	}
	if v := aggregate(t, "stddev", nil, []float64{3}); v.T != value.TNull {
		t.Errorf("sample stddev of one value = %v, want NULL", v)
	}
	if v := aggregate(t, "stddev_pop", nil, []float64{3}); v.T != value.TFloat || v.F != 0 {
		t.Errorf("population stddev of one value = %v, want 0", v)
	}
	if v := aggregate(t, "variance", nil, nil); v.T != value.TNull {
		t.Errorf("variance of nothing = %v, want NULL", v)
	}
}

// TestQuantilesAgainstSort: median and quantile against an oracle that
// sorts and interpolates at position q·(n−1).
func TestQuantilesAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 100; trial++ {
		n := 1 + r.IntN(60)
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.Round(r.NormFloat64() * 5)
		}
		sorted := append([]float64(nil), vals...)
		sort.Float64s(sorted)
		for _, q := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 1, r.Float64()} {
			pos := q * float64(n-1)
			lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
			want := sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
			got := aggregate(t, "quantile", []value.Value{value.FloatV(q)}, vals).F
			if math.Abs(got-want) > 1e-12 {
				t.Fatalf("quantile(%v, %v) = %v, want %v", vals, q, got, want)
			}
		}
		want := sorted[(n-1)/2]
		if n%2 == 0 {
			want = (sorted[n/2-1] + sorted[n/2]) / 2
		}
		if got := aggregate(t, "median", nil, vals).F; math.Abs(got-want) > 1e-12 {
			t.Fatalf("median(%v) = %v, want %v", vals, got, want)
		}
	}
	if _, err := Aggregates["quantile"].NewState([]value.Value{value.FloatV(1.5)}); err == nil {
		t.Error("quantile with q = 1.5 accepted")
	}
}

func TestHistogramAggregate(t *testing.T) {
	v := aggregate(t, "histogram", []value.Value{value.IntV(4)}, []float64{0, 1, 1, 2, 3, 4, math.NaN()})
	var h struct {
		Lo, Hi float64
		Counts []int
	}
	if err := json.Unmarshal([]byte(v.S), &h); err != nil {
		t.Fatalf("%q is not JSON: %v", v.S, err)
	}
	// Width 1 from 0 to 4: [0,1) [1,2) [2,3) [3,4], the top edge in the last bin.
	if h.Lo != 0 || h.Hi != 4 || len(h.Counts) != 4 || h.Counts[0] != 1 || h.Counts[1] != 2 || h.Counts[2] != 1 || h.Counts[3] != 2 {
		t.Errorf("histogram = %s", v.S)
	}
	if v := aggregate(t, "histogram", []value.Value{value.IntV(3)}, []float64{7, 7}); v.S != `{"lo": 6.5, "hi": 7.5, "counts": [0, 2, 0]}` {
		t.Errorf("equal values: %s", v.S)
	}
	if _, err := Aggregates["histogram"].NewState([]value.Value{value.IntV(0)}); err == nil {
		t.Error("histogram with 0 bins accepted")
	}
}
