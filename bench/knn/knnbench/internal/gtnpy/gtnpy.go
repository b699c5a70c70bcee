// Package gtnpy reads the integer ground-truth arrays of k-NN benchmarks:
// two-dimensional npy files of little-endian int64 (<i8) or int32 (<i4),
// C or Fortran order. laiondb's engine/npy reads only float arrays; fold
// this into it if the engine ever needs integer arrays.
package gtnpy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ErrFormat is wrapped by every error about a malformed or unsupported file.
var ErrFormat = errors.New("not a supported integer npy file")

var (
	descrRE   = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	fortranRE = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	shapeRE   = regexp.MustCompile(`'shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)`)
)

// Read returns the rows×cols array of path as int64 values, row-major.
func Read(path string) (vals []int64, rows, cols int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	vals, rows, cols, err = read(bufio.NewReader(f))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return vals, rows, cols, nil
}

func read(r *bufio.Reader) ([]int64, int, int, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return nil, 0, 0, fmt.Errorf("%w: no npy magic", ErrFormat)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, 0, 0, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, 0, 0, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, 0, 0, fmt.Errorf("%w: npy version %d", ErrFormat, pre[6])
	}
	if hlen > 1<<20 {
		return nil, 0, 0, fmt.Errorf("%w: header of %d bytes", ErrFormat, hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: truncated header", ErrFormat)
	}
	h := string(hdr)
	d, fo, sh := descrRE.FindStringSubmatch(h), fortranRE.FindStringSubmatch(h), shapeRE.FindStringSubmatch(h)
	if d == nil || fo == nil || sh == nil {
		return nil, 0, 0, fmt.Errorf("%w: header %q is not a 2-d array", ErrFormat, strings.TrimSpace(h))
	}
	var size int
	switch d[1] {
	case "<i8", "i8":
		size = 8
	case "<i4", "i4":
		size = 4
	default:
		return nil, 0, 0, fmt.Errorf("%w: dtype %s, want <i8 or <i4", ErrFormat, d[1])
	}
	rows, err1 := strconv.Atoi(sh[1])
	cols, err2 := strconv.Atoi(sh[2])
	if err1 != nil || err2 != nil || rows < 0 || cols < 0 || rows*cols > 1<<31 {
		return nil, 0, 0, fmt.Errorf("%w: shape (%s, %s)", ErrFormat, sh[1], sh[2])
	}
	raw := make([]byte, rows*cols*size)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: data truncated", ErrFormat)
	}
	vals := make([]int64, rows*cols)
	for i := range vals {
		var v int64
		if size == 8 {
			v = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		} else {
			v = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		// element i of the file is (i/cols, i%cols) in C order and
		// (i%rows, i/rows) in Fortran order.
		if fo[1] == "True" {
			vals[(i%rows)*cols+i/rows] = v
		} else {
			vals[i] = v
		}
	}
	return vals, rows, cols, nil
}
