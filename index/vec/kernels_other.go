//go:build !amd64 || purego

package vec

import "unsafe"

var useAVX2 = false

const (
	kF16F32 = iota
	kF32F32
	kF16F16
)

func simdGather(kind int, q, base unsafe.Pointer, stride uintptr, ids []uint32, out []float32, dim int) bool {
	return false
}

func simdF16ToF32(dst []float32, src []byte) bool { return false }

func simdAddF16(acc []float32, src []byte) bool { return false }
