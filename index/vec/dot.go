package vec

import (
	"math"
	"unsafe"
)

// Dot returns the dot product of two float32 vectors of equal length.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	if len(a) == 0 {
		return 0
	}
	var id [1]uint32
	var out [1]float32
	if simdGather(kF32F32, unsafe.Pointer(&b[0]), unsafe.Pointer(&a[0]), 0, id[:], out[:], len(a)) {
		return out[0]
	}
	return dotGeneric(a, b)
}

// DotF16 returns the dot product of a float16 vector (bytes) and a float32
// vector of len(b) values.
func DotF16(a []byte, b []float32) float32 {
	a = a[:2*len(b)]
	if len(b) == 0 {
		return 0
	}
	var id [1]uint32
	var out [1]float32
	if simdGather(kF16F32, unsafe.Pointer(&b[0]), unsafe.Pointer(&a[0]), 0, id[:], out[:], len(b)) {
		return out[0]
	}
	return dotF16Generic(a, b)
}

// DotF16F16 returns the dot product of two float16 vectors (bytes) of
// len(a)/2 values each; b must hold at least len(a) bytes.
func DotF16F16(a, b []byte) float32 {
	n := len(a) / 2
	a, b = a[:2*n], b[:2*n]
	if n == 0 {
		return 0
	}
	var id [1]uint32
	var out [1]float32
	if simdGather(kF16F16, unsafe.Pointer(&b[0]), unsafe.Pointer(&a[0]), 0, id[:], out[:], n) {
		return out[0]
	}
	return dotF16F16Generic(a, b)
}

// DotBatch sets out[i] to the dot product of q with the float32 vector
// number ids[i] of arena, where vector j is arena[j*len(q) : (j+1)*len(q)].
// It is the inner loop of a graph search: the next vector is prefetched
// while the current one is summed. out must hold len(ids) values.
func DotBatch(q []float32, arena []float32, ids []uint32, out []float32) {
	out = out[:len(ids)]
	d := len(q)
	if d == 0 {
		clear(out)
		return
	}
	for _, id := range ids {
		_ = arena[int(id)*d+d-1] // bounds: the kernel does not check
	}
	if len(ids) == 0 || simdGather(kF32F32, unsafe.Pointer(&q[0]), unsafe.Pointer(&arena[0]), uintptr(4*d), ids, out, d) {
		return
	}
	for i, id := range ids {
		out[i] = dotGeneric(arena[int(id)*d:int(id)*d+d], q)
	}
}

// DotBatchF16 is DotBatch over a float16 arena (bytes, 2*len(q) a vector)
// and a float32 query.
func DotBatchF16(q []float32, arena []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	d := len(q)
	if d == 0 {
		clear(out)
		return
	}
	s := 2 * d
	for _, id := range ids {
		_ = arena[int(id)*s+s-1]
	}
	if len(ids) == 0 || simdGather(kF16F32, unsafe.Pointer(&q[0]), unsafe.Pointer(&arena[0]), uintptr(s), ids, out, d) {
		return
	}
	for i, id := range ids {
		out[i] = dotF16Generic(arena[int(id)*s:int(id)*s+s], q)
	}
}

// DotBatchF16F16 is DotBatchF16 with a float16 query (bytes, len(q)/2
// values).
func DotBatchF16F16(q []byte, arena []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	d := len(q) / 2
	if d == 0 {
		clear(out)
		return
	}
	s := 2 * d
	for _, id := range ids {
		_ = arena[int(id)*s+s-1]
	}
	if len(ids) == 0 || simdGather(kF16F16, unsafe.Pointer(&q[0]), unsafe.Pointer(&arena[0]), uintptr(s), ids, out, d) {
		return
	}
	for i, id := range ids {
		out[i] = dotF16F16Generic(arena[int(id)*s:int(id)*s+s], q[:s])
	}
}

// AddF16 adds the float16 vector src (bytes) to acc element-wise.
func AddF16(acc []float32, src []byte) {
	src = src[:2*len(acc)]
	if simdAddF16(acc, src) {
		return
	}
	addF16Generic(acc, src)
}

// DotF64 returns the dot product of two float32 vectors summed in float64,
// one product at a time in index order. It gives the same bits on every CPU
// and build: each float32 product is exact in float64, so whether the
// compiler fuses the multiply and the add cannot change the result.
func DotF64(a, b []float32) float64 {
	b = b[:len(a)]
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// Cosine returns the cosine similarity of two float32 vectors of equal
// length, 0 when either is the zero vector. Everything that ranks rows by
// cosine calls it, so that the same vectors always get the same score.
func Cosine(a, b []float32) float64 {
	na, nb := Norm(a), Norm(b)
	if na == 0 || nb == 0 {
		return 0
	}
	return float64(Dot(a, b)) / (float64(na) * float64(nb))
}

// Norm returns the Euclidean norm of a.
func Norm(a []float32) float32 { return float32(math.Sqrt(float64(Dot(a, a)))) }

// Scale multiplies a by s in place.
func Scale(a []float32, s float32) {
	for i := range a {
		a[i] *= s
	}
}

// The pure Go kernels: the fallback on CPUs without AVX2/FMA/F16C and the
// reference the SIMD kernels are tested against.

func dotGeneric(a, b []float32) float32 {
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

func dotF16Generic(a []byte, b []float32) float32 {
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

func dotF16F16Generic(a, b []byte) float32 {
	b = b[:len(a)]
	var s0, s1 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += f16Table[uint16(a[i])|uint16(a[i+1])<<8] * f16Table[uint16(b[i])|uint16(b[i+1])<<8]
		s1 += f16Table[uint16(a[i+2])|uint16(a[i+3])<<8] * f16Table[uint16(b[i+2])|uint16(b[i+3])<<8]
	}
	for ; i+2 <= len(a); i += 2 {
		s0 += f16Table[uint16(a[i])|uint16(a[i+1])<<8] * f16Table[uint16(b[i])|uint16(b[i+1])<<8]
	}
	return s0 + s1
}

func addF16Generic(acc []float32, src []byte) {
	src = src[:2*len(acc)]
	for i := range acc {
		acc[i] += f16Table[uint16(src[2*i])|uint16(src[2*i+1])<<8]
	}
}
