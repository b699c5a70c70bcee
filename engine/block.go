package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// BlockRows is the number of rows in a storage block: every column of a
// shard is stored as blocks of this many rows (the last one shorter), one
// badger value each, so scans read large contiguous values and a row's
// value is found by arithmetic.
const BlockRows = 4096

// MaxBlockBytes bounds one stored block. A block is one badger value, and
// badger refuses values near its value-log file size (1 GiB) with a hex
// dump of the key; far below that, a block this large means values no
// LAION column has (256 MiB is 64 KiB per row).
const MaxBlockBytes = 256 << 20

// maxBlockBytes is MaxBlockBytes, lowered by tests that would otherwise
// need gigabytes of input.
var maxBlockBytes = MaxBlockBytes

// mib formats a byte count for messages.
func mib(n int) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// Column block encoding:
//
//	type(1) rows(4) flags(1) [null bitmap ceil(rows/8), bit set = NULL] payload
//	payload BOOL:  rows bytes
//	        INT:   rows × int64 LE
//	        FLOAT: rows × float64 LE
//	        TEXT:  (rows+1) × uint32 LE offsets into the bytes that follow
const blockHeader = 6

// columnBlock is a decoded view of one column block. It reads straight
// from the encoded bytes it was given and is valid as long as they are.
type columnBlock struct {
	typ   Type
	rows  int
	nulls []byte
	data  []byte
	offs  []byte // TEXT: (rows+1)×4 bytes
}

// decodeColumnBlock checks and wraps an encoded block. Every length and
// offset is checked against the bytes there are, so that no accessor of
// the result can index outside them: damaged bytes are an error wrapping
// ErrCorrupt, never a panic later.
func decodeColumnBlock(b []byte) (*columnBlock, error) {
	if len(b) < blockHeader {
		return nil, fmt.Errorf("%w: column block of %d bytes", ErrCorrupt, len(b))
	}
	c := &columnBlock{typ: Type(b[0]), rows: int(binary.LittleEndian.Uint32(b[1:]))}
	if c.rows > BlockRows {
		return nil, fmt.Errorf("%w: column block of %d rows, at most %d", ErrCorrupt, c.rows, BlockRows)
	}
	if b[5]&^1 != 0 {
		return nil, fmt.Errorf("%w: column block flags %#x", ErrCorrupt, b[5])
	}
	p := b[blockHeader:]
	if b[5]&1 != 0 {
		nb := (c.rows + 7) / 8
		if len(p) < nb {
			return nil, fmt.Errorf("%w: column block null bitmap truncated", ErrCorrupt)
		}
		c.nulls, p = p[:nb], p[nb:]
	}
	var need int
	switch c.typ {
	case TypeBool:
		need = c.rows
	case TypeInt, TypeFloat:
		need = 8 * c.rows
	case TypeString:
		need = 4 * (c.rows + 1)
		if len(p) < need {
			return nil, fmt.Errorf("%w: text block offsets truncated", ErrCorrupt)
		}
		c.offs = p[:need]
		p = p[need:]
		// Offsets start at 0, never decrease and end at the bytes' end.
		prev := uint32(0)
		for i := 0; i <= c.rows; i++ {
			o := binary.LittleEndian.Uint32(c.offs[4*i:])
			if o < prev || i == 0 && o != 0 {
				return nil, fmt.Errorf("%w: text block offset %d of row %d is before the previous one (%d)", ErrCorrupt, o, i, prev)
			}
			prev = o
		}
		if uint64(len(p)) != uint64(prev) {
			return nil, fmt.Errorf("%w: text block holds %d bytes, offsets say %d", ErrCorrupt, len(p), prev)
		}
		need = int(prev)
	default:
		return nil, fmt.Errorf("%w: column block of type %d", ErrCorrupt, c.typ)
	}
	if len(p) != need {
		return nil, fmt.Errorf("%w: column block payload of %d bytes for %d rows, want %d", ErrCorrupt, len(p), c.rows, need)
	}
	c.data = p
	return c, nil
}

// check tells whether a decoded block is what its column and place say
// it is: rows rows, of the column's type (an INT block in a FLOAT column
// is a block from before the column was widened).
func (c *columnBlock) check(typ Type, rows int) error {
	if c.rows != rows {
		return fmt.Errorf("%w: block of %d rows where %d belong", ErrCorrupt, c.rows, rows)
	}
	if c.typ != typ && !(c.typ == TypeInt && typ == TypeFloat) {
		return fmt.Errorf("%w: %s block in a %s column", ErrCorrupt, c.typ, typ)
	}
	return nil
}

// Rows returns the number of rows in the block.
func (c *columnBlock) Rows() int { return c.rows }

// IsNull reports whether row i is NULL.
func (c *columnBlock) IsNull(i int) bool {
	return c.nulls != nil && c.nulls[i>>3]&(1<<(i&7)) != 0
}

// Int returns row i of an INT or BOOL column.
func (c *columnBlock) Int(i int) int64 {
	if c.typ == TypeBool {
		return int64(c.data[i])
	}
	return int64(binary.LittleEndian.Uint64(c.data[8*i:]))
}

// Float returns row i of a FLOAT column.
func (c *columnBlock) Float(i int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(c.data[8*i:]))
}

// Bytes returns row i of a TEXT column, aliasing the block.
func (c *columnBlock) Bytes(i int) []byte {
	a := binary.LittleEndian.Uint32(c.offs[4*i:])
	b := binary.LittleEndian.Uint32(c.offs[4*i+4:])
	return c.data[a:b:b]
}

// Str returns row i of a TEXT column without copying; the string shares
// the block's memory, so it is valid only as long as the block is.
func (c *columnBlock) Str(i int) string {
	b := c.Bytes(i)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Value returns row i as a Value; TEXT values are copied.
func (c *columnBlock) Value(i int) Value {
	if c.IsNull(i) {
		return Value{}
	}
	switch c.typ {
	case TypeBool:
		return Bool(c.data[i] != 0)
	case TypeInt:
		return Int(c.Int(i))
	case TypeFloat:
		return Float(c.Float(i))
	case TypeString:
		return String(string(c.Bytes(i)))
	}
	return Value{}
}

// columnBuilder accumulates one block of one column.
type columnBuilder struct {
	typ   Type
	rows  int
	nulls []byte
	any   bool
	data  []byte
	offs  []byte
}

func newColumnBuilder(t Type) *columnBuilder {
	b := &columnBuilder{typ: t}
	if t == TypeString {
		b.offs = binary.LittleEndian.AppendUint32(nil, 0)
	}
	return b
}

func (b *columnBuilder) reset() {
	b.rows, b.any = 0, false
	b.nulls, b.data = b.nulls[:0], b.data[:0]
	if b.typ == TypeString {
		b.offs = binary.LittleEndian.AppendUint32(b.offs[:0], 0)
	}
}

func (b *columnBuilder) markNull(isNull bool) {
	if b.rows%8 == 0 {
		b.nulls = append(b.nulls, 0)
	}
	if isNull {
		b.nulls[b.rows/8] |= 1 << (b.rows % 8)
		b.any = true
	}
	b.rows++
}

func (b *columnBuilder) appendNull() {
	b.markNull(true)
	switch b.typ {
	case TypeBool:
		b.data = append(b.data, 0)
	case TypeInt, TypeFloat:
		b.data = binary.LittleEndian.AppendUint64(b.data, 0)
	case TypeString:
		b.offs = binary.LittleEndian.AppendUint32(b.offs, uint32(len(b.data)))
	}
}

func (b *columnBuilder) appendBool(v bool) {
	b.markNull(false)
	if v {
		b.data = append(b.data, 1)
	} else {
		b.data = append(b.data, 0)
	}
}

func (b *columnBuilder) appendInt(v int64) {
	b.markNull(false)
	b.data = binary.LittleEndian.AppendUint64(b.data, uint64(v))
}

func (b *columnBuilder) appendFloat(v float64) {
	b.markNull(false)
	b.data = binary.LittleEndian.AppendUint64(b.data, math.Float64bits(v))
}

func (b *columnBuilder) appendBytes(v []byte) {
	b.markNull(false)
	b.data = append(b.data, v...)
	b.offs = binary.LittleEndian.AppendUint32(b.offs, uint32(len(b.data)))
}

// appendValue appends a Value of the builder's type (or NULL).
func (b *columnBuilder) appendValue(v Value) {
	switch {
	case v.T == TypeNull:
		b.appendNull()
	case b.typ == TypeBool:
		b.appendBool(v.I != 0)
	case b.typ == TypeInt:
		b.appendInt(v.I)
	case b.typ == TypeFloat:
		f, _ := v.AsFloat()
		b.appendFloat(f)
	case b.typ == TypeString:
		b.appendBytes([]byte(v.S))
	}
}

// size is the encoded size of the block so far.
func (b *columnBuilder) size() int {
	return blockHeader + len(b.nulls) + len(b.offs) + len(b.data)
}

// encode returns the block's bytes (a new slice).
func (b *columnBuilder) encode() []byte {
	n := blockHeader + len(b.data) + len(b.offs)
	if b.any {
		n += len(b.nulls)
	}
	out := make([]byte, blockHeader, n)
	out[0] = byte(b.typ)
	binary.LittleEndian.PutUint32(out[1:], uint32(b.rows))
	if b.any {
		out[5] = 1
		out = append(out, b.nulls...)
	}
	out = append(out, b.offs...)
	return append(out, b.data...)
}
