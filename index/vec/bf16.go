package vec

import (
	"encoding/binary"
	"math"
)

// BF16ToF32 decodes len(dst) bfloat16 values (little-endian, two bytes a
// value, any alignment) from src into dst. A bfloat16 is the upper half of
// a float32, so the conversion is exact.
func BF16ToF32(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}
