// Package vec holds the vector kernels every other layer uses: float16
// conversion, dot products and sums over CLIP-sized vectors.
//
// Float16 data is always passed as little-endian IEEE 754 half floats packed
// in a []byte (two bytes a value), the layout of LAION's npy files and of
// laiondb's storage. Kernels take []byte rather than []uint16 because stored
// bytes lent by the storage layer need not be 2-byte aligned.
//
// This is the one place for these loops: do not write a second float16
// decoder or cosine loop elsewhere.
package vec
