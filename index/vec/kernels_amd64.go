//go:build amd64 && !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Which SIMD kernels this CPU runs. AVX2 kernels need FMA and F16C too
// (VCVTPH2PS); AVX-512 kernels need only AVX-512F. Tests flip these to
// compare every path against the pure Go one.
var (
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C
	useAVX512 = useAVX2 && cpu.X86.HasAVX512F
)

//go:noescape
func gatherF16F32AVX512(q unsafe.Pointer, base unsafe.Pointer, stride uintptr, ids *uint32, n int, out *float32, dim int)

//go:noescape
func gatherF32F32AVX512(q unsafe.Pointer, base unsafe.Pointer, stride uintptr, ids *uint32, n int, out *float32, dim int)

//go:noescape
func gatherF16F16AVX512(q unsafe.Pointer, base unsafe.Pointer, stride uintptr, ids *uint32, n int, out *float32, dim int)

//go:noescape
func gatherF16F32AVX2(q unsafe.Pointer, base unsafe.Pointer, stride uintptr, ids *uint32, n int, out *float32, dim int)

//go:noescape
func gatherF32F32AVX2(q unsafe.Pointer, base unsafe.Pointer, stride uintptr, ids *uint32, n int, out *float32, dim int)

//go:noescape
func gatherF16F16AVX2(q unsafe.Pointer, base unsafe.Pointer, stride uintptr, ids *uint32, n int, out *float32, dim int)

//go:noescape
func f16ToF32AVX2(dst *float32, src *byte, n int)

//go:noescape
func addF16AVX2(acc *float32, src *byte, n int)

// kind of the gather kernels: arena element, query element.
const (
	kF16F32 = iota
	kF32F32
	kF16F16
)

// simdGather runs the SIMD gather kernel of the given kind and reports
// whether one exists on this CPU. The caller has checked every bound.
func simdGather(kind int, q, base unsafe.Pointer, stride uintptr, ids []uint32, out []float32, dim int) bool {
	if len(ids) == 0 {
		return true
	}
	switch {
	case useAVX512:
		switch kind {
		case kF16F32:
			gatherF16F32AVX512(q, base, stride, &ids[0], len(ids), &out[0], dim)
		case kF32F32:
			gatherF32F32AVX512(q, base, stride, &ids[0], len(ids), &out[0], dim)
		default:
			gatherF16F16AVX512(q, base, stride, &ids[0], len(ids), &out[0], dim)
		}
		return true
	case useAVX2:
		switch kind {
		case kF16F32:
			gatherF16F32AVX2(q, base, stride, &ids[0], len(ids), &out[0], dim)
		case kF32F32:
			gatherF32F32AVX2(q, base, stride, &ids[0], len(ids), &out[0], dim)
		default:
			gatherF16F16AVX2(q, base, stride, &ids[0], len(ids), &out[0], dim)
		}
		return true
	}
	return false
}

func simdF16ToF32(dst []float32, src []byte) bool {
	if !useAVX2 {
		return false
	}
	if len(dst) > 0 {
		f16ToF32AVX2(&dst[0], &src[0], len(dst))
	}
	return true
}

func simdAddF16(acc []float32, src []byte) bool {
	if !useAVX2 {
		return false
	}
	if len(acc) > 0 {
		addF16AVX2(&acc[0], &src[0], len(acc))
	}
	return true
}
