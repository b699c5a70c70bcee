package gtnpy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func npyFile(descr string, fortran bool, rows, cols int, data any) []byte {
	fo := "False"
	if fortran {
		fo = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }", descr, fo, rows, cols)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	binary.Write(&b, binary.LittleEndian, data)
	return b.Bytes()
}

func TestRead(t *testing.T) {
	want := []int64{0, 1, 2, 10, 11, 12} // 2×3
	cases := []struct {
		name string
		file []byte
	}{
		{"i8 C", npyFile("<i8", false, 2, 3, []int64{0, 1, 2, 10, 11, 12})},
		{"i4 C", npyFile("<i4", false, 2, 3, []int32{0, 1, 2, 10, 11, 12})},
		{"i8 Fortran", npyFile("<i8", true, 2, 3, []int64{0, 10, 1, 11, 2, 12})},
	}
	for _, c := range cases {
		got, r, k, err := read(bufio.NewReader(bytes.NewReader(c.file)))
		if err != nil || r != 2 || k != 3 || !slices.Equal(got, want) {
			t.Errorf("%s: %v %d×%d %v", c.name, got, r, k, err)
		}
	}
	good := cases[0].file
	for _, bad := range [][]byte{good[:len(good)-1], good[:20], []byte("nope"), npyFile("<f4", false, 1, 1, []float32{1})} {
		if _, _, _, err := read(bufio.NewReader(bytes.NewReader(bad))); !errors.Is(err, ErrFormat) {
			t.Errorf("bad input gave %v", err)
		}
	}
}
