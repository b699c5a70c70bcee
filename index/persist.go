package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"

	"github.com/laiondb/laiondb/index/vec"
)

// The persisted graph: a stream of little-endian words.
//
//	magic "LDBHNSW\x00", version uint32
//	dim u32, element u8, M u32, efConstruction u32, efSearch u32, seed u64
//	nodes u32, entry u64 (level<<32 | node, or all ones), tombstones u32
//	per node: id u64, level u8, state u8 (0 live, 1 tombstone, 2 detached),
//	          unless detached: for each level 0..level: count u32,
//	          count × neighbour u32, and, for a tombstone only, its vector
//	          (dim × element size)
//	"END\x00", CRC-32C of everything before it (u32)
//
// Live nodes' vectors are not written: the caller keeps them in its own
// storage and hands them back to a Loader. Tombstones' vectors are, since
// nothing else keeps them (a replaced id's old vector or a deleted row),
// except for detached ones (see Repair), which no search reaches. Version
// 1 had no detached state; it is still read.
const (
	graphMagic   = "LDBHNSW\x00"
	graphVersion = 2
	graphEnd     = "END\x00"
)

// Node states in the persisted graph.
const (
	stateLive      = 0
	stateTombstone = 1
	stateDetached  = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type encoder struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	buf [8]byte
	err error
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	var m int
	m, e.err = e.w.Write(b)
	e.crc.Write(b[:m])
	e.n += int64(m)
}

func (e *encoder) u8(v uint8) { e.buf[0] = v; e.bytes(e.buf[:1]) }
func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.bytes(e.buf[:4])
}
func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.bytes(e.buf[:8])
}

// WriteGraph writes the graph (parameters, levels, neighbour lists, id
// mapping, tombstones with their vectors, a format version and a
// checksum) to w, without the live vectors. It blocks inserts while it
// runs so that the stream is one consistent state. It returns the bytes
// written.
func (h *HNSW) WriteGraph(w io.Writer) (int64, error) {
	h.grow.Lock()
	defer h.grow.Unlock()
	e := &encoder{w: bufio.NewWriterSize(w, 1<<16), crc: crc32.New(castagnoli)}
	o := h.Options()
	e.bytes([]byte(graphMagic))
	e.u32(graphVersion)
	e.u32(uint32(o.Dim))
	e.u8(uint8(o.Element))
	e.u32(uint32(o.M))
	e.u32(uint32(o.EfConstruction))
	e.u32(uint32(o.EfSearch))
	e.u64(o.Seed)
	n := h.nodes.Load()
	e.u32(n)
	e.u64(h.ep.Load())
	e.u32(uint32(h.tombstones))
	var raw []byte
	for node := uint32(0); node < n; node++ {
		m := h.meta[node]
		lvl := int(m & metaLevel)
		e.u64(h.ids[node])
		e.u8(uint8(lvl))
		del := m&metaDeleted != 0
		switch {
		case m&metaDetached != 0:
			e.u8(stateDetached)
			continue
		case del:
			e.u8(stateTombstone)
		default:
			e.u8(stateLive)
		}
		for l := 0; l <= lvl; l++ {
			blk := h.list(node, l)
			c := blk[0]
			e.u32(c)
			for _, nb := range blk[1 : 1+c] {
				e.u32(nb)
			}
		}
		if del {
			if h.arena.elem == Float16 {
				e.bytes(h.arena.rawF16(node))
			} else {
				raw = growBytes(raw, h.arena.bytesPerVector())
				vec.EncodeF32(raw, h.arena.rawF32(node))
				e.bytes(raw)
			}
		}
	}
	e.bytes([]byte(graphEnd))
	if e.err == nil {
		sum := e.crc.Sum32()
		e.u32(sum)
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	if e.err != nil {
		return e.n, fmt.Errorf("index: writing graph: %w", e.err)
	}
	return e.n, nil
}

type decoder struct {
	r   *bufio.Reader
	crc hash.Hash32
	buf [8]byte
	err error
}

func (d *decoder) bytes(b []byte) {
	if d.err != nil {
		return
	}
	if _, err := io.ReadFull(d.r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrFormat)
		}
		d.err = err
		return
	}
	d.crc.Write(b)
}

func (d *decoder) u8() uint8 { d.bytes(d.buf[:1]); return d.buf[0] }
func (d *decoder) u32() uint32 {
	d.bytes(d.buf[:4])
	return binary.LittleEndian.Uint32(d.buf[:4])
}
func (d *decoder) u64() uint64 {
	d.bytes(d.buf[:8])
	return binary.LittleEndian.Uint64(d.buf[:8])
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
}

// Loader rebuilds an HNSW from a persisted graph and the caller's vectors.
// Use it as:
//
//	ld, err := index.ReadGraph(r)        // graph only, validated
//	for each row (id, vector) the caller stores:
//	    err = ld.SetF16(id, vector)       // or Set; ErrUnknownID if not in the graph
//	h, err := ld.Finish()                // ErrMissingVectors if a graph id got none
//
// A Loader is not safe for concurrent use.
type Loader struct {
	h    *HNSW
	have []bool
	set  int
	live int
}

// ReadGraph reads a graph written by WriteGraph. Corrupt, truncated or
// foreign input gives an error wrapping ErrFormat (or the reader's error),
// never a panic; memory grows with the data actually read, not with the
// counts the header claims.
func ReadGraph(r io.Reader) (*Loader, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.New(castagnoli)}
	var mg [8]byte
	d.bytes(mg[:])
	if d.err == nil && string(mg[:]) != graphMagic {
		d.fail("not an HNSW graph (bad magic)")
	}
	version := d.u32()
	if d.err == nil && (version < 1 || version > graphVersion) {
		d.fail("graph format version %d, this build reads 1 to %d: rebuild the index", version, graphVersion)
	}
	o := Options{
		Dim:            int(d.u32()),
		Element:        Element(d.u8()),
		M:              int(d.u32()),
		EfConstruction: int(d.u32()),
		EfSearch:       int(d.u32()),
		Seed:           d.u64(),
	}
	n := d.u32()
	ep := d.u64()
	tomb := int(d.u32())
	if d.err != nil {
		return nil, d.err
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if n == math.MaxUint32 {
		d.fail("node count %d", n)
		return nil, d.err
	}
	h, _ := NewHNSW(o)
	capN := int(min(n, 1<<16))
	h.growLocked(capN, 64*(h.maxM+1))
	var vbuf []byte
	deleted, detached := 0, 0
	maxLvl := -1
	for node := uint32(0); node < n && d.err == nil; node++ {
		if int(node) >= h.capNodes {
			h.growLocked(int(min(uint64(n), 2*uint64(h.capNodes))), 0)
		}
		id := d.u64()
		lvl := int(d.u8())
		del := d.u8()
		if d.err != nil {
			break
		}
		if lvl > maxLevelCap || del > stateDetached || del == stateDetached && version < 2 {
			d.fail("node %d: level %d, state %d", node, lvl, del)
			break
		}
		need := h.upperLen + lvl*(h.maxM+1)
		if need > len(h.upper) {
			h.growLocked(0, max(need, 2*len(h.upper)))
		}
		h.ids[node] = id
		h.upperOff[node] = uint32(h.upperLen)
		h.upperLen = need
		m := uint32(lvl) | metaReady
		if del == stateDetached {
			h.meta[node] = m | metaDeleted | metaDetached
			h.anyDeleted.Store(true)
			deleted++
			detached++
			continue
		}
		maxLvl = max(maxLvl, lvl)
		for l := 0; l <= lvl && d.err == nil; l++ {
			blk := h.list(node, l)
			c := d.u32()
			if d.err == nil && int(c) > len(blk)-1 {
				d.fail("node %d level %d: %d neighbours, at most %d", node, l, c, len(blk)-1)
			}
			if d.err != nil {
				break
			}
			blk[0] = c
			for i := 1; i <= int(c); i++ {
				nb := d.u32()
				if d.err == nil && (nb >= n || nb == node) {
					d.fail("node %d level %d: neighbour %d out of range or itself", node, l, nb)
				}
				blk[i] = nb
			}
		}
		if del == stateTombstone {
			m |= metaDeleted
			h.anyDeleted.Store(true)
			deleted++
			vbuf = growBytes(vbuf, h.arena.bytesPerVector())
			d.bytes(vbuf)
			if d.err == nil {
				if o.Element == Float16 {
					copy(h.arena.rawF16(node), vbuf)
				} else {
					vec.DecodeF32(h.arena.rawF32(node), vbuf)
				}
			}
		} else {
			if _, dup := h.idmap[id]; dup {
				d.fail("id %d appears twice as a live node", id)
			}
			h.idmap[id] = node
		}
		h.meta[node] = m
	}
	if d.err != nil {
		return nil, d.err
	}
	// Neighbours must exist on the level they are linked at, and not be
	// detached.
	for node := uint32(0); node < n; node++ {
		lvl := int(h.meta[node] & metaLevel)
		for l := 0; l <= lvl; l++ {
			blk := h.list(node, l)
			for _, nb := range blk[1 : 1+blk[0]] {
				if int(h.meta[nb]&metaLevel) < l || h.meta[nb]&metaDetached != 0 {
					return nil, fmt.Errorf("%w: node %d level %d links node %d of level %d (state %#x)", ErrFormat, node, l, nb, h.meta[nb]&metaLevel, h.meta[nb])
				}
			}
		}
	}
	var end [4]byte
	d.bytes(end[:])
	if d.err == nil && string(end[:]) != graphEnd {
		d.fail("no end marker after %d nodes", n)
	}
	want := d.crc.Sum32()
	got := d.u32()
	if d.err == nil && got != want {
		d.fail("checksum mismatch")
	}
	if d.err != nil {
		return nil, d.err
	}
	if deleted != tomb {
		return nil, fmt.Errorf("%w: header says %d tombstones, found %d", ErrFormat, tomb, deleted)
	}
	switch {
	case maxLvl < 0 && ep != noEntry:
		return nil, fmt.Errorf("%w: empty graph with an entry point", ErrFormat)
	case maxLvl >= 0 && (ep == noEntry || uint32(ep) >= n || int(ep>>32) != maxLvl || int(h.meta[uint32(ep)]&metaLevel) != maxLvl || h.meta[uint32(ep)]&metaDetached != 0):
		return nil, fmt.Errorf("%w: entry point %#x does not match the top level %d", ErrFormat, ep, maxLvl)
	}
	h.ep.Store(ep)
	h.nodes.Store(n)
	h.tombstones = deleted
	h.detached = detached
	return &Loader{h: h, have: make([]bool, n), live: len(h.idmap)}, nil
}

func growBytes(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// Want reports whether the graph holds id as a live node still without a
// vector.
func (l *Loader) Want(id uint64) bool {
	node, ok := l.h.idmap[id]
	return ok && !l.have[node]
}

// Len returns the number of live ids in the graph.
func (l *Loader) Len() int { return l.live }

// Set supplies id's vector (Dim float32 values).
func (l *Loader) Set(id uint64, v []float32) error {
	if len(v) != l.h.opts.Dim {
		return fmt.Errorf("%w: id %d has %d values, index has %d", ErrDim, id, len(v), l.h.opts.Dim)
	}
	node, err := l.node(id)
	if err == nil {
		l.h.arena.set(node, v)
	}
	return err
}

// SetF16 supplies id's vector as float16 bytes (2*Dim).
func (l *Loader) SetF16(id uint64, v []byte) error {
	if len(v) != 2*l.h.opts.Dim {
		return fmt.Errorf("%w: id %d has %d bytes, index needs %d", ErrDim, id, len(v), 2*l.h.opts.Dim)
	}
	node, err := l.node(id)
	if err == nil {
		l.h.arena.setF16(node, v)
	}
	return err
}

func (l *Loader) node(id uint64) (uint32, error) {
	node, ok := l.h.idmap[id]
	if !ok {
		return 0, fmt.Errorf("%w: %d", ErrUnknownID, id)
	}
	if !l.have[node] {
		l.have[node] = true
		l.set++
	}
	return node, nil
}

// Missing returns the live ids that have had no vector yet.
func (l *Loader) Missing() []uint64 {
	var out []uint64
	for id, node := range l.h.idmap {
		if !l.have[node] {
			out = append(out, id)
		}
	}
	return out
}

// DeleteMissing turns the live ids without a vector into tombstones and
// returns them, so that Finish can succeed on an index that lost rows.
// Their vectors are zero, which routes searches poorly: Repair the index
// (which needs no tombstone's vector) before using it.
func (l *Loader) DeleteMissing() []uint64 {
	miss := l.Missing()
	for _, id := range miss {
		node := l.h.idmap[id]
		delete(l.h.idmap, id)
		l.h.meta[node] |= metaDeleted
		l.h.anyDeleted.Store(true)
		l.h.tombstones++
		l.have[node] = true
	}
	l.live = len(l.h.idmap)
	l.set = l.live
	return miss
}

// Finish returns the loaded index, or ErrMissingVectors when some live id
// got no vector (see Missing and DeleteMissing).
func (l *Loader) Finish() (*HNSW, error) {
	if l.set < l.live {
		miss := l.Missing()
		return nil, fmt.Errorf("%w: %d of %d ids, e.g. %d", ErrMissingVectors, len(miss), l.live, miss[0])
	}
	h := l.h
	l.h = nil
	return h, nil
}

// LoadHNSW reads a graph from r and asks vector for each live id's vector
// in node order, writing it into dst (Dim values). It is ReadGraph and
// Finish for callers that can fetch vectors by id.
func LoadHNSW(r io.Reader, vector func(id uint64, dst []float32) error) (*HNSW, error) {
	ld, err := ReadGraph(r)
	if err != nil {
		return nil, err
	}
	h := ld.h
	buf := make([]float32, h.opts.Dim)
	for node := uint32(0); node < h.nodes.Load(); node++ {
		if h.meta[node]&metaDeleted != 0 {
			continue
		}
		id := h.ids[node]
		if err := vector(id, buf); err != nil {
			return nil, fmt.Errorf("index: vector of id %d: %w", id, err)
		}
		if err := ld.Set(id, buf); err != nil {
			return nil, err
		}
	}
	return ld.Finish()
}
