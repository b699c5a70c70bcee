package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/index/vec"
)

// DType is an element type of an npy file that laiondb can read.
type DType string

// The dtypes laiondb reads: little-endian half and single floats.
const (
	Float16 DType = "<f2"
	Float32 DType = "<f4"
)

// Size returns the width of one element in bytes.
func (d DType) Size() int {
	if d == Float16 {
		return 2
	}
	return 4
}

// ErrFormat is wrapped by every error about a malformed or unsupported file.
var ErrFormat = errors.New("not a supported npy file")

// Error reports a problem with one npy file, and the row when it concerns data.
type Error struct {
	Path string
	Row  int // -1 when the problem is not in one row
	Err  error
}

func (e *Error) Error() string {
	if e.Row >= 0 {
		return fmt.Sprintf("%s: row %d: %v", e.Path, e.Row, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var magic = []byte("\x93NUMPY")

// Header is what an npy file says about its array.
type Header struct {
	DType   DType
	Fortran bool
	Rows    int
	Dim     int
	// DataOffset is where the array data starts in the file.
	DataOffset int64
}

// Reader reads rows of a two-dimensional float npy file.
type Reader struct {
	Header
	path string
	f    *os.File
}

// Open opens path, parses its header and checks that the file holds exactly
// the data the header promises.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h, err := ReadHeader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, &Error{Path: path, Row: -1, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	want := h.DataOffset + int64(h.Rows)*int64(h.Dim)*int64(h.DType.Size())
	if st.Size() < want {
		f.Close()
		return nil, &Error{Path: path, Row: -1, Err: fmt.Errorf("%w: truncated: the header promises %d×%d %s values (%d bytes) but the file has %d bytes; re-download or re-export it",
			ErrFormat, h.Rows, h.Dim, h.DType, want, st.Size())}
	}
	if st.Size() > want {
		f.Close()
		return nil, &Error{Path: path, Row: -1, Err: fmt.Errorf("%w: %d bytes after the %d×%d array the header describes", ErrFormat, st.Size()-want, h.Rows, h.Dim)}
	}
	return &Reader{Header: h, path: path, f: f}, nil
}

// Path returns the file's path.
func (r *Reader) Path() string { return r.path }

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// Transpose makes the reader read the transpose of the file's array: row
// i is then column i of the file, and Rows and Dim swap. The bytes of a
// C-order (r, c) array are those of a Fortran-order (c, r) array, so
// nothing is copied or re-read: only the header's view changes. It is for
// files written the other way round, such as CLIP zero-shot weights saved
// as (dim, classes).
func (r *Reader) Transpose() {
	r.Rows, r.Dim = r.Dim, r.Rows
	r.Fortran = !r.Fortran
}

// ReadRows reads rows [start, start+n) into dst as row-major little-endian
// values of the file's dtype (dst must hold n*Dim*DType.Size() bytes).
func (r *Reader) ReadRows(dst []byte, start, n int) error {
	es := r.DType.Size()
	if start < 0 || n < 0 || start+n > r.Rows || len(dst) < n*r.Dim*es {
		return &Error{Path: r.path, Row: start, Err: fmt.Errorf("read of %d rows out of range (file has %d)", n, r.Rows)}
	}
	if !r.Fortran || r.Dim == 1 || n == 0 {
		off := r.DataOffset + int64(start)*int64(r.Dim*es)
		if _, err := r.f.ReadAt(dst[:n*r.Dim*es], off); err != nil {
			return &Error{Path: r.path, Row: start, Err: err}
		}
		return nil
	}
	// Fortran order: column j of the array is contiguous; read the n-row
	// segment of each column and scatter it into row-major dst.
	seg := make([]byte, n*es)
	for j := 0; j < r.Dim; j++ {
		off := r.DataOffset + (int64(j)*int64(r.Rows)+int64(start))*int64(es)
		if _, err := r.f.ReadAt(seg, off); err != nil {
			return &Error{Path: r.path, Row: start, Err: err}
		}
		for i := 0; i < n; i++ {
			copy(dst[(i*r.Dim+j)*es:(i*r.Dim+j+1)*es], seg[i*es:(i+1)*es])
		}
	}
	return nil
}

// ReadHeader parses the magic, version and header dictionary.
func ReadHeader(br *bufio.Reader) (Header, error) {
	var h Header
	pre := make([]byte, 8)
	if _, err := io.ReadFull(br, pre); err != nil {
		return h, fmt.Errorf("%w: file too short for an npy header", ErrFormat)
	}
	if string(pre[:6]) != string(magic) {
		return h, fmt.Errorf("%w: bad magic %q (an npy file starts with \\x93NUMPY)", ErrFormat, pre[:6])
	}
	var hlen int
	switch pre[6] {
	case 1:
		b := make([]byte, 2)
		if _, err := io.ReadFull(br, b); err != nil {
			return h, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		hlen = int(binary.LittleEndian.Uint16(b))
		h.DataOffset = 10 + int64(hlen)
	case 2, 3:
		b := make([]byte, 4)
		if _, err := io.ReadFull(br, b); err != nil {
			return h, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		hlen = int(binary.LittleEndian.Uint32(b))
		h.DataOffset = 12 + int64(hlen)
	default:
		return h, fmt.Errorf("%w: unknown npy version %d.%d", ErrFormat, pre[6], pre[7])
	}
	if hlen > 1<<20 {
		return h, fmt.Errorf("%w: header length %d is implausible", ErrFormat, hlen)
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(br, dict); err != nil {
		return h, fmt.Errorf("%w: truncated header", ErrFormat)
	}
	fields, err := parseDict(string(dict))
	if err != nil {
		return h, fmt.Errorf("%w: header %q: %v", ErrFormat, strings.TrimSpace(string(dict)), err)
	}
	descr, ok := fields["descr"]
	if !ok {
		return h, fmt.Errorf("%w: header has no descr", ErrFormat)
	}
	switch descr {
	case "<f2", "|f2", "f2":
		h.DType = Float16
	case "<f4", "f4":
		h.DType = Float32
	default:
		return h, fmt.Errorf("%w: dtype %s; laiondb reads little-endian float16 (<f2) or float32 (<f4): convert with numpy, e.g. a.astype('<f4')", ErrFormat, descr)
	}
	switch fields["fortran_order"] {
	case "True":
		h.Fortran = true
	case "False":
	default:
		return h, fmt.Errorf("%w: fortran_order is %q", ErrFormat, fields["fortran_order"])
	}
	shape, err := parseShape(fields["shape"])
	if err != nil {
		return h, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	switch len(shape) {
	case 1:
		h.Rows, h.Dim = shape[0], 1
	case 2:
		h.Rows, h.Dim = shape[0], shape[1]
	default:
		return h, fmt.Errorf("%w: shape has %d dimensions; expected (rows, dim)", ErrFormat, len(shape))
	}
	if h.Dim == 0 {
		return h, fmt.Errorf("%w: vectors of dimension 0", ErrFormat)
	}
	if h.Dim > 1<<20 || h.Rows > 1<<40 || int64(h.Rows)*int64(h.Dim) > 1<<46 {
		return h, fmt.Errorf("%w: shape (%d, %d) is implausibly large", ErrFormat, h.Rows, h.Dim)
	}
	return h, nil
}

// parseDict reads the Python dict literal of an npy header; values are kept
// as their source text.
func parseDict(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, errors.New("not a dict literal")
	}
	s = s[1 : len(s)-1]
	out := map[string]string{}
	for len(strings.TrimSpace(s)) > 0 {
		s = strings.TrimSpace(s)
		key, rest, err := quoted(s)
		if err != nil {
			return nil, err
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return nil, fmt.Errorf("expected ':' after %q", key)
		}
		rest = strings.TrimSpace(rest[1:])
		var val string
		switch {
		case strings.HasPrefix(rest, "'") || strings.HasPrefix(rest, `"`):
			val, rest, err = quoted(rest)
			if err != nil {
				return nil, err
			}
		case strings.HasPrefix(rest, "("):
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return nil, errors.New("unterminated tuple")
			}
			val, rest = rest[:end+1], rest[end+1:]
		default:
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		out[key] = val
		rest = strings.TrimSpace(rest)
		rest = strings.TrimPrefix(rest, ",")
		s = rest
	}
	return out, nil
}

func quoted(s string) (string, string, error) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", "", fmt.Errorf("expected a quoted string at %q", s)
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", "", errors.New("unterminated string")
	}
	return s[1 : end+1], s[end+2:], nil
}

func parseShape(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("shape %q is not a tuple", s)
	}
	var dims []int
	for _, p := range strings.Split(s[1:len(s)-1], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(p, "L"))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("shape %q has a bad dimension %q", s, p)
		}
		dims = append(dims, n)
	}
	return dims, nil
}

// Writer writes a C-order two-dimensional npy file row by row.
type Writer struct {
	f        *os.File
	w        *bufio.Writer
	dtype    DType
	rows     int
	dim      int
	written  int
	rowBytes int
}

// Create writes the header of a rows×dim array of dtype to path; rows must
// then be supplied with WriteRows, exactly rows of them, before Close.
func Create(path string, dtype DType, rows, dim int) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.Write(EncodeHeader(dtype, false, rows, dim)); err != nil {
		f.Close()
		return nil, err
	}
	return &Writer{f: f, w: w, dtype: dtype, rows: rows, dim: dim, rowBytes: dim * dtype.Size()}, nil
}

// EncodeHeader returns a version 1.0 npy header padded to 64 bytes.
func EncodeHeader(dtype DType, fortran bool, rows, dim int) []byte {
	fo := "False"
	if fortran {
		fo = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }", dtype, fo, rows, dim)
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	out := append([]byte{}, magic...)
	out = append(out, 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(dict)))
	return append(out, dict...)
}

// WriteRows appends whole rows given as raw little-endian values.
func (w *Writer) WriteRows(data []byte) error {
	if len(data)%w.rowBytes != 0 {
		return fmt.Errorf("npy: %d bytes is not a whole number of %d-byte rows", len(data), w.rowBytes)
	}
	w.written += len(data) / w.rowBytes
	if w.written > w.rows {
		return fmt.Errorf("npy: more than the %d rows declared", w.rows)
	}
	_, err := w.w.Write(data)
	return err
}

// WriteFloat32 appends rows given as float32 values, encoding them in the
// file's dtype.
func (w *Writer) WriteFloat32(vals []float32) error {
	if w.dtype == Float32 {
		buf := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		return w.WriteRows(buf)
	}
	buf := make([]byte, 2*len(vals))
	vec.F32ToF16(buf, vals)
	return w.WriteRows(buf)
}

// Close flushes the file and checks that every declared row was written.
func (w *Writer) Close() error {
	err := w.w.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && w.written != w.rows {
		err = fmt.Errorf("npy: %s: %d rows written, %d declared", w.f.Name(), w.written, w.rows)
	}
	return err
}
