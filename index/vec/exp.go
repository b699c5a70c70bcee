package vec

import "math"

// expConsts are the constants of the exponential, shared with the AVX2
// kernels: the clamp, log2(e), ln 2 in two parts (Cody–Waite), Cephes'
// expf polynomial, one, one half, and QuickGELU's 1.702.
var expConsts = [...]float32{
	expLo, expHi, 1.44269504088896341, 0.693359375, -2.12194440e-4,
	1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
	1, 0.5, 1.702,
}

// The domain Exp computes on: outside it the result is that of the
// bound, which keeps every result a normal float32.
const (
	expLo = -87
	expHi = 88
)

// Exp sets x[i] = e^x[i] in place, within 2 ulp (Cephes' expf: x = n·ln2
// + r, a degree-6 polynomial of r, scaled by 2^n). Inputs are clamped to
// [-87, 88] first, so e^-100 is given as e^-87 ≈ 1.6e-38 and e^100 as
// e^88 ≈ 1.7e38: what a softmax or a sigmoid needs, not a general exp.
// NaN stays NaN.
func Exp(x []float32) {
	n := simdExp(x)
	for i := n; i < len(x); i++ {
		x[i] = expGeneric(x[i])
	}
}

// QuickGELU sets x[i] = x[i]·σ(1.702·x[i]) in place, the activation of
// OpenAI CLIP's MLPs.
func QuickGELU(x []float32) {
	n := simdQuickGELU(x)
	for i := n; i < len(x); i++ {
		x[i] = quickGELUGeneric(x[i])
	}
}

func quickGELUGeneric(z float32) float32 {
	return z / (1 + expGeneric(-expConsts[13]*z))
}

// expGeneric is one exponential in pure Go, step by step as the AVX2
// kernel computes eight, with the same constants.
func expGeneric(x float32) float32 {
	c := &expConsts
	if x != x {
		return x
	}
	x = min(max(x, c[0]), c[1])
	n := float32(math.Floor(float64(x*c[2] + c[12])))
	r := x - n*c[3]
	r -= n * c[4]
	z := r * r
	p := ((((c[5]*r+c[6])*r+c[7])*r+c[8])*r+c[9])*r + c[10]
	y := p*z + r + c[11]
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}
