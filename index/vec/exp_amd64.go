//go:build amd64 && !purego

package vec

// expBias is the float32 exponent bias, eight times, for VPADDD.
//
//lint:ignore U1000 read by exp_amd64.s
var expBias = [8]int32{127, 127, 127, 127, 127, 127, 127, 127}

//go:noescape
func expAVX2(x *float32, n int)

//go:noescape
func quickGELUAVX2(x *float32, n int)

// simdExp runs the AVX2 exponential on the longest multiple of 8 values
// of x and returns how many it did (0 without AVX2).
func simdExp(x []float32) int {
	n := len(x) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	expAVX2(&x[0], n)
	return n
}

func simdQuickGELU(x []float32) int {
	n := len(x) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	quickGELUAVX2(&x[0], n)
	return n
}
