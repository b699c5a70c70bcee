package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestF16RoundTripEveryValue(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16(uint16(h))
		if f != f { // NaN keeps being NaN
			if g := F16(F32ToF16Bits(f)); g == g {
				t.Fatalf("NaN %#04x did not stay NaN", h)
			}
			continue
		}
		if back := F32ToF16Bits(f); back != uint16(h) {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, back)
		}
	}
}

func TestF32ToF16RoundsToNearestEven(t *testing.T) {
	cases := []struct {
		in   float32
		want float32
	}{
		{1.0, 1.0},
		{1 + 1.0/2048, 1.0},           // halfway, ties to even (down)
		{1 + 3.0/2048, 1 + 2.0/1024},  // halfway, ties to even (up)
		{65504, 65504},                // largest finite
		{70000, float32(math.Inf(1))}, // overflow
		{-0.0001, -0.00010001659393310547},
		{5.960464477539063e-08, 5.960464477539063e-08}, // smallest subnormal
		{2e-8, 0},
	}
	for _, c := range cases {
		if got := F16(F32ToF16Bits(c.in)); got != c.want {
			t.Errorf("F32ToF16(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestKernelsAgreeWithFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 3, 8, 17, 512, 768} {
		a := make([]float32, n)
		b := make([]float32, n)
		for i := range a {
			a[i] = r.Float32()*2 - 1
			b[i] = r.Float32()*2 - 1
		}
		ah := make([]byte, 2*n)
		F32ToF16(ah, a)
		a16 := make([]float32, n)
		F16ToF32(a16, ah)
		var want, want16 float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
			want16 += float64(a16[i]) * float64(b[i])
		}
		if got := Dot(a, b); math.Abs(float64(got)-want) > 1e-4 {
			t.Errorf("Dot n=%d: %v want %v", n, got, want)
		}
		if got := DotF16(ah, b); math.Abs(float64(got)-want16) > 1e-4 {
			t.Errorf("DotF16 n=%d: %v want %v", n, got, want16)
		}
		acc := make([]float32, n)
		AddF16(acc, ah)
		AddF16(acc, ah)
		for i := range acc {
			if acc[i] != 2*a16[i] {
				t.Fatalf("AddF16 n=%d i=%d: %v want %v", n, i, acc[i], 2*a16[i])
			}
		}
	}
}

func TestBF16ToF32(t *testing.T) {
	// 1.0, -2.5, the largest finite bfloat16 and +Inf, at an odd offset.
	src := []byte{0, 0x80, 0x3f, 0x20, 0xc0, 0x7f, 0x7f, 0x80, 0x7f}[1:]
	got := make([]float32, 4)
	BF16ToF32(got, src)
	want := []float32{1, -2.5, math.Float32frombits(0x7f7f0000), float32(math.Inf(1))}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value %d: %v want %v", i, got[i], want[i])
		}
	}
}
