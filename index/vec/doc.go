// Package vec holds the vector kernels every other layer uses: float16
// conversion, dot products and sums over CLIP-sized vectors, and the
// blocked, multi-threaded matrix multiply (PackedMatrix, MulAddT) of the
// CLIP text encoder.
//
// Float16 data is always passed as little-endian IEEE 754 half floats packed
// in a []byte (two bytes a value), the layout of LAION's npy files and of
// laiondb's storage. Kernels take []byte rather than []uint16 because stored
// bytes lent by the storage layer need not be 2-byte aligned.
//
// On amd64 the dot products, DotBatch* gathers, F16ToF32, AddF16 and the
// matrix multiply's micro-kernel run hand-written AVX2+FMA+F16C kernels,
// chosen once at start-up by a CPU check; elsewhere, or built with the purego tag, they run the pure Go
// loops that the tests compare the SIMD paths against. SIMD sums add in a
// different order, so results may differ from the pure Go ones in the last
// bits; F16ToF32 and AddF16 are exact on every path. Where the same bits
// are needed on every CPU and build (data generation, oracles), DotF64
// sums in float64 in a fixed order. The kernels never retain the slices
// they are given.
//
// This is the one place for these loops: do not write a second float16
// decoder or cosine loop elsewhere.
package vec
