// Package npy reads and writes NumPy .npy files of two-dimensional float
// arrays, the format of LAION's embedding shards.
//
// A Reader parses and checks the header at Open (magic, version, a
// little-endian float dtype, shape, file size) so that every problem with a
// file is found before any of its data is used. Rows are then read in
// chunks, in C or Fortran order alike, so memory stays bounded whatever the
// file size. Errors are *Error values naming the file and, for data
// problems, the row.
package npy
