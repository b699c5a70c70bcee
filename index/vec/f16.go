package vec

import "math"

// f16Table maps every float16 bit pattern to its float32 value.
var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = f16BitsToF32(uint16(i))
	}
	return &t
}()

// f16BitsToF32 converts one float16 bit pattern exactly.
func f16BitsToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: renormalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// F16 returns the float32 value of one float16 bit pattern.
func F16(h uint16) float32 { return f16Table[h] }

// F32ToF16Bits converts a float32 to float16 bits, rounding to nearest even;
// values beyond the float16 range become ±Inf.
func F32ToF16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff { // Inf, NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		rest := mant & (1<<shift - 1)
		m := mant >> shift
		if rest > half || (rest == half && m&1 == 1) {
			m++
		}
		return sign | uint16(m)
	}
	m := mant >> 13
	rest := mant & 0x1fff
	h := uint32(e)<<10 | m
	if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, which is the correct rounding
	}
	return sign | uint16(h)
}

// F16ToF32 decodes len(dst) float16 values from src into dst.
// src must hold at least 2*len(dst) bytes.
func F16ToF32(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	if simdF16ToF32(dst, src) {
		return
	}
	f16ToF32Generic(dst, src)
}

func f16ToF32Generic(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = f16Table[uint16(src[2*i])|uint16(src[2*i+1])<<8]
	}
}

// F32ToF16 encodes src as float16 into dst, which must hold 2*len(src) bytes.
func F32ToF16(dst []byte, src []float32) {
	dst = dst[:2*len(src)]
	for i, f := range src {
		h := F32ToF16Bits(f)
		dst[2*i] = byte(h)
		dst[2*i+1] = byte(h >> 8)
	}
}
