package vec

import (
	"encoding/binary"
	"math"
)

// DecodeF32 decodes len(dst) little-endian float32 values from src
// (4*len(dst) bytes, any alignment).
func DecodeF32(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// EncodeF32 encodes src as little-endian float32 into dst (4*len(src) bytes).
func EncodeF32(dst []byte, src []float32) {
	dst = dst[:4*len(src)]
	for i, f := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
	}
}
