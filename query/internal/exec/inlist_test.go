package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"
)

// inValues are values where hashing and comparing could part ways:
// 2 and 2.0, -0.0, NaN, integers past 2⁵³ and their float neighbours,
// booleans against 0 and 1, texts, NULL.
var inValues = []value.Value{
	{}, value.IntV(0), value.IntV(1), value.IntV(2), value.IntV(-7), value.FloatV(2), value.FloatV(2.5),
	value.FloatV(math.Copysign(0, -1)), value.FloatV(math.NaN()), value.FloatV(math.Inf(1)),
	value.IntV(1 << 60), value.FloatV(1 << 60), value.IntV(1<<53 + 1), value.FloatV(1 << 53),
	value.BoolV(true), value.BoolV(false), value.StringV(""), value.StringV("a"), value.StringV("2"),
}

// IN with its lookup set answers exactly as the comparisons one by one:
// the same value, NULL or error, for lists of every mix.
func TestInListSetEqualsComparisons(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	hashed := 0
	for trial := 0; trial < 3000; trial++ {
		var list []Expr
		for n := 1 + r.IntN(6); n > 0; n-- {
			list = append(list, &ConstExpr{V: inValues[r.IntN(len(inValues))]})
		}
		not := r.IntN(2) == 0
		fast := NewInList(&ColExpr{Idx: 0}, list, not)
		slow := &InListExpr{X: &ColExpr{Idx: 0}, List: list, Not: not}
		if fast.Hashed() {
			hashed++
		}
		for _, x := range inValues {
			row := value.Row{x}
			a, aerr := fast.Eval(nil, row)
			b, berr := slow.Eval(nil, row)
			if (aerr != nil) != (berr != nil) || a.T != b.T || a.I != b.I {
				t.Fatalf("%v IN %v (not %v): set gives %v, %v; comparisons give %v, %v", x, slow, not, a, aerr, b, berr)
			}
		}
	}
	if hashed < 500 {
		t.Fatalf("only %d of 3000 lists used the set", hashed)
	}
}
