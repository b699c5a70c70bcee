package npy

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/index/vec"
)

func TestRealClipFilesBothOrders(t *testing.T) {
	// testdata holds the same kind of vectors in both layouts: ViT-B/32 as
	// <f2 C-order (512, 1000), ViT-L/14 as <f4 Fortran-order (1000, 768).
	b32, err := Open("../../testdata/clip-vit-b32-imagenet-zeroshot.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer b32.Close()
	if b32.DType != Float16 || b32.Fortran || b32.Rows != 512 || b32.Dim != 1000 {
		t.Fatalf("b32 header %+v", b32.Header)
	}
	l14, err := Open("../../testdata/clip-vit-l14-imagenet-zeroshot.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer l14.Close()
	if l14.DType != Float32 || !l14.Fortran || l14.Rows != 1000 || l14.Dim != 768 {
		t.Fatalf("l14 header %+v", l14.Header)
	}
	// Every class vector has unit norm: reading Fortran order row by row must
	// reassemble whole vectors.
	buf := make([]byte, 3*768*4)
	if err := l14.ReadRows(buf, 997, 3); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		var s float64
		for j := 0; j < 768; j++ {
			v := math.Float32frombits(binary.LittleEndian.Uint32(buf[(i*768+j)*4:]))
			s += float64(v) * float64(v)
		}
		if math.Abs(math.Sqrt(s)-1) > 1e-3 {
			t.Errorf("row %d norm %v", 997+i, math.Sqrt(s))
		}
	}
	// cos(tench, goldfish) = 0.799 in the B/32 file, whose columns are classes.
	all := make([]byte, 512*1000*2)
	if err := b32.ReadRows(all, 0, 512); err != nil {
		t.Fatal(err)
	}
	var dot float64
	for d := 0; d < 512; d++ {
		a := vec.F16(binary.LittleEndian.Uint16(all[(d*1000+0)*2:]))
		b := vec.F16(binary.LittleEndian.Uint16(all[(d*1000+1)*2:]))
		dot += float64(a) * float64(b)
	}
	if math.Abs(dot-0.799) > 0.001 {
		t.Errorf("cos(tench, goldfish) = %.4f, want 0.799", dot)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.npy")
	w, err := Create(p, Float16, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]float32, 15)
	for i := range vals {
		vals[i] = float32(i) / 4
	}
	if err := w.WriteFloat32(vals); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.DataOffset%64 != 0 {
		t.Errorf("data offset %d not 64-aligned", r.DataOffset)
	}
	got := make([]byte, 2*5)
	if err := r.ReadRows(got, 2, 1); err != nil {
		t.Fatal(err)
	}
	dec := make([]float32, 5)
	vec.F16ToF32(dec, got)
	for j, v := range dec {
		if v != vals[10+j] {
			t.Fatalf("row 2 col %d = %v want %v", j, v, vals[10+j])
		}
	}
}

func TestBadFilesSayWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	good := EncodeHeader(Float16, false, 4, 2)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"magic", append([]byte("PK\x03\x04zip!"), make([]byte, 64)...), "bad magic"},
		{"short", []byte("\x93NUM"), "too short"},
		{"truncated", append(good, make([]byte, 4*2*2-3)...), "truncated"},
		{"int64", []byte(strings.Replace(string(EncodeHeader(Float16, false, 1, 1)), "<f2", "<i8", 1)), "dtype <i8"},
		{"bigendian", []byte(strings.Replace(string(EncodeHeader(Float32, false, 1, 1)), "<f4", ">f4", 1)), "dtype >f4"},
		{"trailing", append(good, make([]byte, 4*2*2+7)...), "after the"},
		{"3d", []byte(strings.Replace(string(EncodeHeader(Float16, false, 1, 1)), "(1, 1)", "(1,1,1)", 1)), "3 dimensions"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".npy")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q should name the file, wrap ErrFormat and say %q", c.name, err, c.want)
		}
	}
}

func FuzzHeader(f *testing.F) {
	f.Add(EncodeHeader(Float16, false, 10, 512))
	f.Add(EncodeHeader(Float32, true, 3, 768))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'descr': '<f4'}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.npy")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
			}
			return
		}
		defer r.Close()
		if r.Rows > 0 {
			buf := make([]byte, r.Dim*r.DType.Size())
			if err := r.ReadRows(buf, r.Rows-1, 1); err != nil {
				t.Fatalf("header accepted but last row unreadable: %v", err)
			}
		}
	})
}

// TestTranspose reads both real zero-shot files as (classes, dim): the
// B/32 file is C-order (512, 1000), so its transpose is read in Fortran
// order, and the L/14 file is Fortran (1000, 768), whose transpose is read
// in C order. Each element must be the file's element (j, i).
func TestTranspose(t *testing.T) {
	b32, err := Open("../../testdata/clip-vit-b32-imagenet-zeroshot.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer b32.Close()
	orig := make([]byte, 512*1000*2)
	if err := b32.ReadRows(orig, 0, 512); err != nil {
		t.Fatal(err)
	}
	b32.Transpose()
	if b32.Rows != 1000 || b32.Dim != 512 || !b32.Fortran {
		t.Fatalf("transposed header %+v", b32.Header)
	}
	rows := make([]byte, 7*512*2)
	if err := b32.ReadRows(rows, 993, 7); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		for j := 0; j < 512; j++ {
			got := binary.LittleEndian.Uint16(rows[(i*512+j)*2:])
			want := binary.LittleEndian.Uint16(orig[(j*1000+993+i)*2:])
			if got != want {
				t.Fatalf("transposed (%d, %d) = %#x, want the file's (%d, %d) = %#x", 993+i, j, got, j, 993+i, want)
			}
		}
	}

	l14, err := Open("../../testdata/clip-vit-l14-imagenet-zeroshot.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer l14.Close()
	orig = make([]byte, 1000*768*4)
	if err := l14.ReadRows(orig, 0, 1000); err != nil {
		t.Fatal(err)
	}
	l14.Transpose()
	if l14.Rows != 768 || l14.Dim != 1000 || l14.Fortran {
		t.Fatalf("transposed header %+v", l14.Header)
	}
	rows = make([]byte, 3*1000*4)
	if err := l14.ReadRows(rows, 765, 3); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 1000; j++ {
			got := binary.LittleEndian.Uint32(rows[(i*1000+j)*4:])
			want := binary.LittleEndian.Uint32(orig[(j*768+765+i)*4:])
			if got != want {
				t.Fatalf("transposed (%d, %d) differs from the file's (%d, %d)", 765+i, j, j, 765+i)
			}
		}
	}
}
