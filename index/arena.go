package index

import (
	"unsafe"

	"github.com/laiondb/laiondb/index/vec"
)

// arena holds vectors back to back, vector i at [i*dim, (i+1)*dim), in
// one slice so that a node's vector is found by multiplication and scans
// read memory in order.
type arena struct {
	dim  int
	elem Element
	f16  []byte    // Float16: 2*dim bytes a vector
	f32  []float32 // Float32: dim values a vector
}

func (a *arena) capacity() int {
	if a.elem == Float16 {
		return len(a.f16) / (2 * a.dim)
	}
	return len(a.f32) / a.dim
}

// grow reallocates the arena to hold capacity vectors, keeping its content.
func (a *arena) grow(capacity int) {
	if a.elem == Float16 {
		b := make([]byte, capacity*2*a.dim)
		copy(b, a.f16)
		a.f16 = b
	} else {
		b := make([]float32, capacity*a.dim)
		copy(b, a.f32)
		a.f32 = b
	}
}

func (a *arena) bytesPerVector() int { return a.dim * a.elem.size() }

// set stores v as vector i.
func (a *arena) set(i uint32, v []float32) {
	if a.elem == Float16 {
		vec.F32ToF16(a.f16[int(i)*2*a.dim:int(i+1)*2*a.dim], v)
	} else {
		copy(a.f32[int(i)*a.dim:int(i+1)*a.dim], v)
	}
}

// setF16 stores the float16 vector b (2*dim bytes) as vector i.
func (a *arena) setF16(i uint32, b []byte) {
	if a.elem == Float16 {
		copy(a.f16[int(i)*2*a.dim:int(i+1)*2*a.dim], b)
	} else {
		vec.F16ToF32(a.f32[int(i)*a.dim:int(i+1)*a.dim], b)
	}
}

// raw returns the stored bytes or values of vector i (one is nil).
func (a *arena) rawF16(i uint32) []byte { return a.f16[int(i)*2*a.dim : int(i+1)*2*a.dim] }
func (a *arena) rawF32(i uint32) []float32 {
	return a.f32[int(i)*a.dim : int(i+1)*a.dim]
}

// get decodes vector i into dst.
func (a *arena) get(i uint32, dst []float32) {
	if a.elem == Float16 {
		vec.F16ToF32(dst, a.rawF16(i))
	} else {
		copy(dst, a.rawF32(i))
	}
}

// dots sets out[j] = dot(q, vector ids[j]).
func (a *arena) dots(q []float32, ids []uint32, out []float32) {
	if a.elem == Float16 {
		vec.DotBatchF16(q, a.f16, ids, out)
	} else {
		vec.DotBatch(q, a.f32, ids, out)
	}
}

// dotsFrom sets out[j] = dot(vector x, vector ids[j]).
func (a *arena) dotsFrom(x uint32, ids []uint32, out []float32) {
	if a.elem == Float16 {
		vec.DotBatchF16F16(a.rawF16(x), a.f16, ids, out)
	} else {
		vec.DotBatch(a.rawF32(x), a.f32, ids, out)
	}
}

// prefetch hints that vector i will be read soon.
func (a *arena) prefetch(i uint32) {
	if a.elem == Float16 {
		prefetch(unsafe.Pointer(&a.f16[int(i)*2*a.dim]), prefetchLines)
	} else {
		prefetch(unsafe.Pointer(&a.f32[int(i)*a.dim]), prefetchLines)
	}
}

// prefetchLines is how much of a vector searches prefetch ahead of
// scoring it; more lines measured no faster (the hardware prefetcher
// follows on).
const prefetchLines = 2
