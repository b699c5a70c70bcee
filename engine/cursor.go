package engine

import (
	"context"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/index/vec"
)

// Cursor walks rows of a Source: every row or a selection in id order
// (Scan), or given ids in the order given (Fetch). Only the columns asked
// for are read; the others stay NULL. Storage is read a block of rows at a
// time and the context is checked between blocks, so cancelling it stops
// a scan within one block.
//
// Row returns a slice that the next call to Next overwrites; the values in
// it stay valid: text is copied and vectors are decoded into memory that
// is not reused. A Cursor is not safe for concurrent use.
type Cursor struct {
	ctx  context.Context
	src  *Source
	want []bool // per source column

	// Where the ids come from: every row of the table (all), an id bitmap
	// (it), or a list (list).
	all      bool
	shardIdx int
	nextOrd  uint32
	it       roaring64.IntIterable64
	list     []uint64
	pending  uint64
	hasPend  bool
	setRanks *roaring64.Bitmap // a set's ids, to find a row's stored values

	// The current block: its shard, number and the ordinals of the rows
	// to return from it.
	sh    *Shard
	block uint32
	ords  []uint32
	pos   int
	cols  []*columnBlock // per table scalar column
	vecs  [][]float32    // per table vector column: the rows of ords, decoded

	row  []Value
	err  error
	done bool
}

// Scan returns a cursor over the rows of src in id order: all of them
// when ids is nil, else those of ids that src has. cols are positions in
// src.Columns to read.
func (s *Snapshot) Scan(ctx context.Context, src *Source, cols []int, ids *roaring64.Bitmap) (*Cursor, error) {
	c, err := s.cursor(ctx, src, cols)
	if err != nil {
		return nil, err
	}
	if ids, err = src.Restrict(ids); err != nil {
		return nil, err
	}
	if ids == nil {
		c.all = true
	} else {
		c.it = ids.Iterator()
	}
	return c, nil
}

// Fetch returns a cursor over the rows of src with the given ids, in the
// order given; ids src does not have are skipped.
func (s *Snapshot) Fetch(ctx context.Context, src *Source, cols []int, ids []uint64) (*Cursor, error) {
	c, err := s.cursor(ctx, src, cols)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		ok, err := src.Has(id)
		if err != nil {
			return nil, err
		}
		if ok {
			c.list = append(c.list, id)
		}
	}
	return c, nil
}

func (s *Snapshot) cursor(ctx context.Context, src *Source, cols []int) (*Cursor, error) {
	if src.s != s {
		return nil, fmt.Errorf("source %s belongs to another snapshot", src.Name)
	}
	c := &Cursor{ctx: ctx, src: src, want: make([]bool, len(src.Columns)), row: make([]Value, len(src.Columns)),
		cols: make([]*columnBlock, len(src.Table.Columns)), vecs: make([][]float32, len(src.Table.Vectors))}
	for _, i := range cols {
		if i < 0 || i >= len(src.Columns) {
			return nil, fmt.Errorf("source %s has no column %d", src.Name, i)
		}
		c.want[i] = true
		if src.Columns[i].Kind == KindStored {
			ids, err := src.ids()
			if err != nil {
				return nil, err
			}
			c.setRanks = ids
		}
	}
	return c, nil
}

// Row returns the current row: one value per source column.
func (c *Cursor) Row() []Value { return c.row }

// ID returns the id of the current row.
func (c *Cursor) ID() uint64 { return uint64(c.row[0].I) }

// Err returns the error that ended the walk, if any.
func (c *Cursor) Err() error { return c.err }

// Close ends the walk early.
func (c *Cursor) Close() { c.done = true }

// Next moves to the next row; false at the end or on an error.
func (c *Cursor) Next() bool {
	for !c.done {
		if c.pos < len(c.ords) {
			k := c.pos
			c.pos++
			if err := c.fill(k); err != nil {
				c.err, c.done = err, true
				return false
			}
			return true
		}
		if err := c.ctx.Err(); err != nil {
			c.err, c.done = err, true
			return false
		}
		more, err := c.loadBlock()
		if err != nil {
			c.err, c.done = err, true
			return false
		}
		if !more {
			c.done = true
		}
	}
	return false
}

// nextID returns the next id of a bitmap or list walk.
func (c *Cursor) nextID() (uint64, bool) {
	switch {
	case c.hasPend:
		c.hasPend = false
		return c.pending, true
	case c.it != nil && c.it.HasNext():
		return c.it.Next(), true
	case len(c.list) > 0:
		id := c.list[0]
		c.list = c.list[1:]
		return id, true
	}
	return 0, false
}

// nextBlockOrds finds the next block with rows to return and their
// ordinals.
func (c *Cursor) nextBlockOrds() bool {
	t := c.src.Table
	c.ords, c.pos = c.ords[:0], 0
	if c.all {
		for c.shardIdx < len(t.Shards) {
			sh := t.Shards[c.shardIdx]
			if c.nextOrd >= sh.Rows {
				c.shardIdx++
				c.nextOrd = 0
				continue
			}
			c.sh, c.block = sh, c.nextOrd/BlockRows
			end := min(sh.Rows, (c.block+1)*BlockRows)
			for o := c.nextOrd; o < end; o++ {
				c.ords = append(c.ords, o)
			}
			c.nextOrd = end
			return true
		}
		return false
	}
	for {
		id, ok := c.nextID()
		if !ok {
			return len(c.ords) > 0
		}
		shard, ord, ok := splitRowID(id)
		if !ok {
			continue // not a row of any table
		}
		if len(c.ords) > 0 && (shard != c.sh.Number || ord/BlockRows != c.block) {
			c.pending, c.hasPend = id, true
			return true
		}
		if len(c.ords) == 0 {
			sh := t.Shard(shard)
			if sh == nil || ord >= sh.Rows {
				continue // not a row of the table: nothing to return
			}
			c.sh, c.block = sh, ord/BlockRows
		}
		c.ords = append(c.ords, ord)
	}
}

// loadBlock reads the next block's columns.
func (c *Cursor) loadBlock() (bool, error) {
	if !c.nextBlockOrds() {
		return false, nil
	}
	s, src, t := c.src.s, c.src, c.src.Table
	clear(c.cols)
	clear(c.vecs)
	for i, col := range src.Columns {
		if !c.want[i] {
			continue
		}
		switch col.Kind {
		case KindScalar:
			cb, err := s.shardColumnBlock(t, c.sh, c.block, col.index)
			if err != nil {
				return false, err
			}
			c.cols[col.index] = cb
		case KindVector:
			vc := t.Vectors[col.index]
			slab := make([]float32, len(c.ords)*vc.Dim)
			found := false
			err := s.vectorBlock(t, c.sh, c.block, col.index, func(data []byte) error {
				found = true
				for k, ord := range c.ords {
					decodeVector(slab[k*vc.Dim:(k+1)*vc.Dim], data, int(ord%BlockRows), vc)
				}
				return nil
			})
			if err != nil {
				return false, err
			}
			if found {
				c.vecs[col.index] = slab
			}
		}
	}
	return true, nil
}

// fill builds the row of the k-th ordinal of the current block.
func (c *Cursor) fill(k int) error {
	ord := c.ords[k]
	id := rowID(c.sh.Number, ord)
	i := int(ord % BlockRows)
	for p, col := range c.src.Columns {
		if !c.want[p] && col.Kind != KindID {
			continue
		}
		switch col.Kind {
		case KindID:
			c.row[p] = Int(int64(id))
		case KindScalar:
			c.row[p] = cellValue(c.cols[col.index], i, col.Type)
		case KindVector:
			c.row[p] = Value{}
			if slab := c.vecs[col.index]; slab != nil {
				d := col.Dim
				c.row[p] = Vector(slab[k*d : (k+1)*d : (k+1)*d])
			}
		case KindStored:
			v, err := c.storedValue(id, col.index)
			if err != nil {
				return err
			}
			c.row[p] = v
		}
	}
	return nil
}

// storedValue reads a set's stored column for row id: the set keeps its
// columns in blocks of BlockRows values in id order.
func (c *Cursor) storedValue(id uint64, col int) (Value, error) {
	rank := c.setRanks.Rank(id) - 1
	cb, err := c.src.s.setColumnBlock(c.src.Set, col, uint32(rank/BlockRows))
	if err != nil {
		return Value{}, err
	}
	i := int(rank % BlockRows)
	if i >= cb.Rows() {
		return Value{}, fmt.Errorf("%w: set %s column %s: block %d has %d values, row %d needs %d", ErrCorrupt, c.src.Set.Name, c.src.Set.Columns[col].Name, rank/BlockRows, cb.Rows(), id, i+1)
	}
	return cb.Value(i), nil
}

// cellValue reads row i of a column block as the column's type (NULL when
// the shard has no block for the column); INT blocks of a column widened
// to FLOAT read as floats.
func cellValue(cb *columnBlock, i int, want Type) Value {
	if cb == nil {
		return Value{}
	}
	v := cb.Value(i)
	if v.T == TypeInt && want == TypeFloat {
		v = Float(float64(v.I))
	}
	return v
}

// decodeVector decodes row i of a vector block into dst.
func decodeVector(dst []float32, block []byte, i int, vc VectorColumn) {
	es := vc.ElemSize() * vc.Dim
	raw := block[i*es : (i+1)*es]
	if vc.ElemSize() == 2 {
		vec.F16ToF32(dst, raw)
	} else {
		vec.DecodeF32(dst, raw)
	}
}
