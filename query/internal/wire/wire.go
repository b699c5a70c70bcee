// Package wire is the binary encoding of the states partial runs write
// and laiondb merge reads (package query's partial.go describes the
// format): varints, little-endian floats, length-prefixed text, and
// values with a type tag. A vector whose every element is a float16
// value (as vectors read from the store are) is written in 2 bytes an
// element, any other in 4: either way it reads back bit for bit.
//
// Caveats: a Decoder keeps the first error and returns zero values after
// it; check Err once at the end.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/index/vec"
)

// ErrCorrupt is the error of bytes that do not decode.
var ErrCorrupt = errors.New("partial state is damaged or not a partial state")

// value tags
const (
	tagNull byte = iota
	tagBool
	tagInt
	tagFloat
	tagString
	tagVecF32
	tagVecF16
)

// Encoder appends to a byte slice.
type Encoder struct{ B []byte }

func (e *Encoder) Uvarint(x uint64) { e.B = binary.AppendUvarint(e.B, x) }
func (e *Encoder) Varint(x int64)   { e.B = binary.AppendVarint(e.B, x) }
func (e *Encoder) Int(x int)        { e.Varint(int64(x)) }
func (e *Encoder) Byte(b byte)      { e.B = append(e.B, b) }
func (e *Encoder) Bool(b bool) {
	if b {
		e.Byte(1)
	} else {
		e.Byte(0)
	}
}
func (e *Encoder) Float(f float64) { e.B = binary.LittleEndian.AppendUint64(e.B, math.Float64bits(f)) }
func (e *Encoder) String(s string) { e.Uvarint(uint64(len(s))); e.B = append(e.B, s...) }
func (e *Encoder) Bytes(b []byte)  { e.Uvarint(uint64(len(b))); e.B = append(e.B, b...) }

// Floats writes float64s.
func (e *Encoder) Floats(fs []float64) {
	e.Uvarint(uint64(len(fs)))
	for _, f := range fs {
		e.Float(f)
	}
}

// Vector writes a float32 vector, as float16 when that loses nothing.
func (e *Encoder) Vector(v []float32) {
	half := true
	for _, x := range v {
		if math.Float32bits(vec.F16(vec.F32ToF16Bits(x))) != math.Float32bits(x) {
			half = false
			break
		}
	}
	if half {
		e.Byte(tagVecF16)
		e.Uvarint(uint64(len(v)))
		for _, x := range v {
			e.B = binary.LittleEndian.AppendUint16(e.B, vec.F32ToF16Bits(x))
		}
		return
	}
	e.Byte(tagVecF32)
	e.Uvarint(uint64(len(v)))
	for _, x := range v {
		e.B = binary.LittleEndian.AppendUint32(e.B, math.Float32bits(x))
	}
}

// Value writes a value with its type.
func (e *Encoder) Value(v engine.Value) {
	switch v.T {
	case engine.TypeNull:
		e.Byte(tagNull)
	case engine.TypeBool:
		e.Byte(tagBool)
		e.Bool(v.I != 0)
	case engine.TypeInt:
		e.Byte(tagInt)
		e.Varint(v.I)
	case engine.TypeFloat:
		e.Byte(tagFloat)
		e.Float(v.F)
	case engine.TypeString:
		e.Byte(tagString)
		e.String(v.S)
	case engine.TypeVector:
		e.Vector(v.V)
	default:
		panic(fmt.Sprintf("wire: cannot encode a value of type %v", v.T))
	}
}

// Values writes a row.
func (e *Encoder) Values(vs []engine.Value) {
	e.Uvarint(uint64(len(vs)))
	for _, v := range vs {
		e.Value(v)
	}
}

// Decoder reads what an Encoder wrote.
type Decoder struct {
	B   []byte
	err error
}

// NewDecoder reads b.
func NewDecoder(b []byte) *Decoder { return &Decoder{B: b} }

// Err is the first error met, nil if none.
func (d *Decoder) Err() error { return d.err }

// Fail records an error found by the caller (a value out of range).
func (d *Decoder) Fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	d.B = nil
}

// Done reports whether everything was read.
func (d *Decoder) Done() bool { return len(d.B) == 0 }

func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.B)
	if n <= 0 {
		d.Fail("bad unsigned varint")
		return 0
	}
	d.B = d.B[n:]
	return x
}

func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.B)
	if n <= 0 {
		d.Fail("bad varint")
		return 0
	}
	d.B = d.B[n:]
	return x
}

func (d *Decoder) Int() int { return int(d.Varint()) }

// Len reads a length and checks that at least size bytes per element
// remain, so that damaged input cannot ask for a huge allocation.
func (d *Decoder) Len(size int) int {
	n := d.Uvarint()
	if d.err != nil {
		return 0
	}
	if size < 1 {
		size = 1
	}
	if n > uint64(len(d.B)/size) {
		d.Fail("a length of %d does not fit in the %d bytes left", n, len(d.B))
		return 0
	}
	return int(n)
}

func (d *Decoder) Byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.B) < 1 {
		d.Fail("cut short")
		return 0
	}
	b := d.B[0]
	d.B = d.B[1:]
	return b
}

func (d *Decoder) Bool() bool { return d.Byte() != 0 }

func (d *Decoder) Float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.B) < 8 {
		d.Fail("cut short")
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.B))
	d.B = d.B[8:]
	return f
}

func (d *Decoder) String() string {
	n := d.Len(1)
	if d.err != nil {
		return ""
	}
	s := string(d.B[:n])
	d.B = d.B[n:]
	return s
}

func (d *Decoder) Bytes() []byte {
	n := d.Len(1)
	if d.err != nil {
		return nil
	}
	b := d.B[:n:n]
	d.B = d.B[n:]
	return b
}

// Floats reads float64s.
func (d *Decoder) Floats() []float64 {
	n := d.Len(8)
	if d.err != nil {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = d.Float()
	}
	return out
}

// Vector reads a vector written by Encoder.Vector.
func (d *Decoder) Vector() []float32 {
	return d.vectorTagged(d.Byte())
}

func (d *Decoder) vectorTagged(tag byte) []float32 {
	switch tag {
	case tagVecF16:
		n := d.Len(2)
		if d.err != nil {
			return nil
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = vec.F16(binary.LittleEndian.Uint16(d.B[2*i:]))
		}
		d.B = d.B[2*n:]
		return v
	case tagVecF32:
		n := d.Len(4)
		if d.err != nil {
			return nil
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.B[4*i:]))
		}
		d.B = d.B[4*n:]
		return v
	}
	d.Fail("tag %d is not a vector", tag)
	return nil
}

// Value reads a value.
func (d *Decoder) Value() engine.Value {
	switch tag := d.Byte(); tag {
	case tagNull:
		return engine.Value{}
	case tagBool:
		return engine.Bool(d.Bool())
	case tagInt:
		return engine.Int(d.Varint())
	case tagFloat:
		return engine.Float(d.Float())
	case tagString:
		return engine.String(d.String())
	case tagVecF16, tagVecF32:
		return engine.Vector(d.vectorTagged(tag))
	default:
		d.Fail("unknown value tag %d", tag)
	}
	return engine.Value{}
}

// Values reads a row.
func (d *Decoder) Values() []engine.Value {
	n := d.Len(1)
	if d.err != nil {
		return nil
	}
	out := make([]engine.Value, n)
	for i := range out {
		out[i] = d.Value()
	}
	return out
}
