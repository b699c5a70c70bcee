package value

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The INT operations agree with exact (big.Int) arithmetic: the result
// when it fits in 64 bits, !ok when it does not; at the edges of the
// range and on random operands.
func TestIntArithmeticIsExactOrFails(t *testing.T) {
	edges := []int64{math.MinInt64, math.MinInt64 + 1, -3037000500, -3037000499, -2, -1, 0, 1, 2, 3037000499, 3037000500, math.MaxInt64 - 1, math.MaxInt64}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		edges = append(edges, int64(r.Uint64()), int64(r.Uint64()>>uint(r.IntN(64))))
	}
	minI, maxI := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	check := func(op string, x, y int64, got int64, ok bool, exact *big.Int) {
		t.Helper()
		fits := exact.Cmp(minI) >= 0 && exact.Cmp(maxI) <= 0
		if ok != fits || ok && got != exact.Int64() {
			t.Fatalf("%d %s %d = %d, ok %v; exact %s", x, op, y, got, ok, exact)
		}
	}
	for i, x := range edges {
		bx := big.NewInt(x)
		n, ok := NegInt(x)
		check("neg", x, 0, n, ok, new(big.Int).Neg(bx))
		for _, y := range edges[max(0, i-40):min(len(edges), i+40)] {
			by := big.NewInt(y)
			s, ok := AddInt(x, y)
			check("+", x, y, s, ok, new(big.Int).Add(bx, by))
			d, ok := SubInt(x, y)
			check("-", x, y, d, ok, new(big.Int).Sub(bx, by))
			p, ok := MulInt(x, y)
			check("*", x, y, p, ok, new(big.Int).Mul(bx, by))
			if y != 0 {
				q, ok := DivInt(x, y)
				check("/", x, y, q, ok, new(big.Int).Quo(bx, by))
			}
		}
	}
	for _, c := range [][3]int64{{1, 2, 3}, {math.MaxInt64, 1, math.MaxInt64}, {math.MaxInt64, math.MaxInt64, math.MaxInt64}, {0, math.MaxInt64, math.MaxInt64}} {
		if got := SaturatingAdd(c[0], c[1]); got != c[2] {
			t.Errorf("SaturatingAdd(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}
