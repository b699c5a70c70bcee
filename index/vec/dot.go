package vec

import "math"

// Dot returns the dot product of two float32 vectors of equal length.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// DotF16 returns the dot product of a float16 vector (bytes) and a float32
// vector of len(b) values.
func DotF16(a []byte, b []float32) float32 {
	a = a[:2*len(b)]
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(b); i += 2 {
		s0 += f16Table[uint16(a[2*i])|uint16(a[2*i+1])<<8] * b[i]
		s1 += f16Table[uint16(a[2*i+2])|uint16(a[2*i+3])<<8] * b[i+1]
	}
	for ; i < len(b); i++ {
		s0 += f16Table[uint16(a[2*i])|uint16(a[2*i+1])<<8] * b[i]
	}
	return s0 + s1
}

// AddF16 adds the float16 vector src (bytes) to acc element-wise.
func AddF16(acc []float32, src []byte) {
	src = src[:2*len(acc)]
	for i := range acc {
		acc[i] += f16Table[uint16(src[2*i])|uint16(src[2*i+1])<<8]
	}
}

// Norm returns the Euclidean norm of a.
func Norm(a []float32) float32 { return float32(math.Sqrt(float64(Dot(a, a)))) }

// Scale multiplies a by s in place.
func Scale(a []float32, s float32) {
	for i := range a {
		a[i] *= s
	}
}
