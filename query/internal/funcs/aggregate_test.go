package funcs

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"
)

func sumOf(t *testing.T, vals ...value.Value) (value.Value, error) {
	t.Helper()
	st, err := Aggregates["sum"].NewState(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		if err := st.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	return st.Result(context.Background())
}

// sum() over INTs is exact or an error wrapping ErrOverflow, never a
// wrapped number; a sum that leaves the range on the way and comes back
// is exact, and a FLOAT among the values makes it a FLOAT sum.
func TestSumOverflow(t *testing.T) {
	i := value.IntV
	for _, c := range []struct {
		vals []value.Value
		want int64
		err  bool
	}{
		{vals: []value.Value{i(math.MaxInt64), i(1)}, err: true},
		{vals: []value.Value{i(math.MinInt64), i(-1)}, err: true},
		{vals: []value.Value{i(math.MaxInt64), i(math.MaxInt64), i(math.MaxInt64)}, err: true},
		{vals: []value.Value{i(math.MaxInt64), i(1), i(-2)}, want: math.MaxInt64 - 1},
		{vals: []value.Value{i(math.MinInt64), i(-1), i(1)}, want: math.MinInt64},
		{vals: []value.Value{i(math.MaxInt64), i(math.MaxInt64), i(math.MinInt64), i(math.MinInt64)}, want: -2},
	} {
		got, err := sumOf(t, c.vals...)
		if c.err != (err != nil) || c.err && !errors.Is(err, value.ErrOverflow) || !c.err && (got.T != value.TInt || got.I != c.want) {
			t.Errorf("sum%v = %v, %v; want %d (error %v)", c.vals, got, err, c.want, c.err)
		}
	}
	got, err := sumOf(t, i(math.MaxInt64), i(1), value.FloatV(0.5))
	if err != nil || got.T != value.TFloat || got.F < 9.2e18 {
		t.Errorf("sum with a FLOAT: %v, %v", got, err)
	}
}

// intraclass_pairs is n(n-1)/2 exactly wherever that fits.
func TestPairsCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want int64
		err  bool
	}{
		{0, 0, false}, {2, 1, false}, {5, 10, false},
		{4294967296, 9223372034707292160, false}, // 2³²: n² would not fit
		{4294967297, 0, true},
	} {
		st := &CountState{pairs: true, n: c.n}
		got, err := st.Result(context.Background())
		switch {
		case c.err:
			if !errors.Is(err, value.ErrOverflow) {
				t.Errorf("pairs of %d: %v, %v; want an overflow", c.n, got, err)
			}
		case c.n < 2:
			if err != nil || got.T != value.TNull {
				t.Errorf("pairs of %d: %v, %v; want NULL", c.n, got, err)
			}
		case err != nil || got.I != c.want:
			t.Errorf("pairs of %d: %v, %v; want %d", c.n, got, err, c.want)
		}
	}
}

// round(x, digits) never makes NaN of a number: digits beyond float64's
// range leave x as it is, or round it all away.
func TestRoundFarDigits(t *testing.T) {
	for _, c := range []struct{ x, d, want float64 }{
		{3.14159, 2, 3.14}, {2.5, 0, 3}, {1234, -2, 1200}, {2.5, -400, 0}, {-2.5, -400, 0},
		{1e300, 400, 1e300}, {-1.5, 1e30, -1.5}, {1.5, -1e30, 0}, {1e300, 10, 1e300},
	} {
		if got := roundTo(c.x, c.d); got != c.want && math.Abs(got-c.want) > 1e-9*math.Abs(c.want) {
			t.Errorf("round(%g, %g) = %g, want %g", c.x, c.d, got, c.want)
		}
	}
}
