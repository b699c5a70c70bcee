package query

import (
	"fmt"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/index/vec"
)

// source is a table or a set read by a scan, with its row layout:
// id, the table's scalar columns, its vector columns, a set's stored
// columns, and the synset a MATCHES IMAGENET binds.
type source struct {
	name  string // the qualifier: alias or name
	table *engine.Table
	set   *engine.Set
	sch   schema
	// positions in sch; -1 when not present
	scalarPos []int
	vectorPos []int
	setPos    []int
	synsetPos int // bound synset, -1 when none
}

func (s *Session) openSource(name, alias string) (*source, error) {
	qual := name
	if alias != "" {
		qual = alias
	}
	src := &source{name: qual, synsetPos: -1}
	t, err := s.db.Table(name)
	if err != nil {
		snap := s.db.Snapshot()
		set, serr := snap.SetInfo(name)
		snap.Close()
		if serr != nil {
			return nil, fmt.Errorf("unknown table or set %s%s", name, didYouMean(name, s.sourceNames()))
		}
		if t, err = s.db.Table(set.Table); err != nil {
			return nil, fmt.Errorf("set %s refers to table %s, which no longer exists", name, set.Table)
		}
		src.set = set
	}
	src.table = t
	shadow := map[string]bool{}
	if src.set != nil {
		for _, c := range src.set.Columns {
			shadow[strings.ToLower(c.Name)] = true
		}
	}
	src.sch = append(src.sch, colInfo{name: "id", qual: qual, typ: tInt})
	for _, c := range t.Columns {
		if shadow[strings.ToLower(c.Name)] {
			src.scalarPos = append(src.scalarPos, -1)
			continue
		}
		src.scalarPos = append(src.scalarPos, len(src.sch))
		src.sch = append(src.sch, colInfo{name: c.Name, qual: qual, typ: c.Type})
	}
	for _, v := range t.Vectors {
		if shadow[strings.ToLower(v.Name)] {
			src.vectorPos = append(src.vectorPos, -1)
			continue
		}
		src.vectorPos = append(src.vectorPos, len(src.sch))
		src.sch = append(src.sch, colInfo{name: v.Name, qual: qual, typ: tVector, dim: v.Dim, model: v.Model})
	}
	if src.set != nil {
		for _, c := range src.set.Columns {
			src.setPos = append(src.setPos, len(src.sch))
			src.sch = append(src.sch, colInfo{name: c.Name, qual: qual, typ: c.Type})
		}
	}
	return src, nil
}

func (s *Session) sourceNames() []string {
	var names []string
	for _, t := range s.db.Tables() {
		names = append(names, t.Name)
	}
	if sets, err := s.db.Sets(); err == nil {
		for _, st := range sets {
			names = append(names, st.Name)
		}
	}
	return names
}

func (src *source) hasColumn(name string) bool {
	for _, c := range src.sch {
		if strings.EqualFold(c.name, name) {
			return true
		}
	}
	return false
}

// bindSynset adds the synset column a MATCHES IMAGENET conjunct binds.
func (src *source) bindSynset() {
	src.synsetPos = len(src.sch)
	src.sch = append(src.sch, colInfo{name: "synset", qual: src.name, typ: tString})
}

// indexPred is a WHERE conjunct answered from an index: it yields the ids
// of the rows that satisfy it.
type indexPred struct {
	kind      string // "match", "synset", "contains", "id", "vrange"
	rule      synset.Rule
	class     int
	phrase    string
	ids       []uint64
	vt        *vecTarget // vrange
	threshold float64    // vrange
	text      string
}

func (p *indexPred) String() string { return p.text }

// scanNode reads rows of a source: all of them, or those the index
// predicates select, filling only the columns the query needs and
// applying the residual filter before a row leaves the scan.
type scanNode struct {
	src    *source
	preds  []*indexPred
	need   []bool // per schema position
	filter expr   // nil when none
}

func (n *scanNode) schema() schema       { return n.src.sch }
func (n *scanNode) children() []planNode { return nil }

func (n *scanNode) explain() string {
	var b strings.Builder
	kind := "table"
	if n.src.set != nil {
		kind = "set"
	}
	fmt.Fprintf(&b, "scan %s %s", kind, n.src.name)
	if n.src.set != nil {
		fmt.Fprintf(&b, " (rows of %s)", n.src.table.Name)
	}
	switch {
	case len(n.preds) == 0 && n.src.set != nil:
		b.WriteString(" via set ids")
	case len(n.preds) == 0:
		b.WriteString(" via full scan")
	default:
		var parts []string
		for _, p := range n.preds {
			switch p.kind {
			case "id":
				parts = append(parts, "id lookup ["+p.text+"]")
			case "vrange":
				parts = append(parts, "hnsw range search ["+p.text+"]")
			default:
				parts = append(parts, "caption index ["+p.text+"]")
			}
		}
		b.WriteString(" via " + strings.Join(parts, " ∩ "))
	}
	if n.src.synsetPos >= 0 {
		b.WriteString(", binds synset")
	}
	if n.filter != nil {
		b.WriteString(", filter " + n.filter.String())
	}
	return b.String()
}

// rowSet computes the ids the index predicates select (nil: every row),
// intersected with a set's ids, and the synset of each matched row.
func (n *scanNode) rowSet(ec *evalCtx) (*roaring64.Bitmap, map[uint64]int, error) {
	snap := ec.snap
	var ids *roaring64.Bitmap
	if n.src.set != nil {
		var err error
		if ids, err = snap.SetIDs(n.src.set); err != nil {
			return nil, nil, err
		}
	}
	var classOf map[uint64]int
	and := func(b *roaring64.Bitmap) {
		if ids == nil {
			ids = b
		} else {
			ids.And(b)
		}
	}
	t := n.src.table
	for _, p := range n.preds {
		if err := ec.ctx.Err(); err != nil {
			return nil, nil, err
		}
		switch p.kind {
		case "match":
			labels, err := snap.Label(ec.ctx, t, p.rule)
			if err != nil {
				return nil, nil, err
			}
			b := roaring64.New()
			// The synset of each row only when the plan reads it.
			bind := n.src.synsetPos >= 0 && classOf == nil && n.need != nil && n.need[n.src.synsetPos]
			if bind {
				classOf = map[uint64]int{}
			}
			for _, sl := range labels {
				for class, u := range sl.Labels.Unique {
					if u == nil || u.IsEmpty() {
						continue
					}
					engine.AddShardRows(b, sl.Shard, u)
					if bind {
						it := u.Iterator()
						for it.HasNext() {
							classOf[engine.RowID(sl.Shard, it.Next())] = class
						}
					}
				}
			}
			and(b)
		case "synset":
			b, err := snap.MatchSynset(ec.ctx, t, p.rule, p.class)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "contains":
			b, err := snap.Contains(ec.ctx, t, p.rule, p.phrase)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "vrange":
			b, err := vrangeIDs(ec, n.src, p.vt, p.threshold)
			if err != nil {
				return nil, nil, err
			}
			and(b)
		case "id":
			b := roaring64.New()
			for _, id := range p.ids {
				shard, ord := engine.SplitRowID(id)
				if sh := t.Shard(shard); sh != nil && ord < sh.Rows {
					b.Add(id)
				}
			}
			and(b)
		}
	}
	return ids, classOf, nil
}

func (n *scanNode) open(ec *evalCtx) (Rows, error) {
	ids, classOf, err := n.rowSet(ec)
	if err != nil {
		return nil, err
	}
	it := &scanIter{n: n, ec: ec, ids: ids, classOf: classOf, row: make(Row, len(n.src.sch))}
	if ids != nil {
		it.idIt = ids.Iterator()
	}
	if n.src.set != nil {
		it.setIDs, err = ec.snap.SetIDs(n.src.set)
		if err != nil {
			return nil, err
		}
	}
	return it, nil
}

// scanIter walks the selected rows block by block.
type scanIter struct {
	n       *scanNode
	ec      *evalCtx
	ids     *roaring64.Bitmap
	idIt    roaring64.IntIterable64
	classOf map[uint64]int
	setIDs  *roaring64.Bitmap

	// all-rows walk position
	shardIdx int
	nextOrd  uint32

	// current block
	sh      *engine.Shard
	blockNo uint32
	ords    []uint32
	pos     int
	cols    []*engine.ColumnBlock // per table scalar column (nil: not needed or NULL)
	vecs    [][]float32           // per vector column: decoded rows of ords
	dims    []int
	pending uint64 // an id read ahead from idIt that belongs to the next block
	hasPend bool

	row  Row
	err  error
	done bool
}

func (it *scanIter) Row() Row     { return it.row }
func (it *scanIter) Err() error   { return it.err }
func (it *scanIter) Close() error { it.done = true; return nil }

func (it *scanIter) Next() bool {
	for !it.done {
		if it.pos < len(it.ords) {
			ord := it.ords[it.pos]
			k := it.pos
			it.pos++
			ok, err := it.fill(ord, k)
			if err != nil {
				it.err, it.done = err, true
				return false
			}
			if ok {
				return true
			}
			continue
		}
		if err := it.ec.ctx.Err(); err != nil {
			it.err, it.done = err, true
			return false
		}
		more, err := it.loadBlock()
		if err != nil {
			it.err, it.done = err, true
			return false
		}
		if !more {
			it.done = true
		}
	}
	return false
}

// nextBlockOrds finds the next block with selected rows and its ordinals.
func (it *scanIter) nextBlockOrds() (bool, error) {
	t := it.n.src.table
	it.ords = it.ords[:0]
	it.pos = 0
	if it.idIt == nil {
		for it.shardIdx < len(t.Shards) {
			sh := t.Shards[it.shardIdx]
			if it.nextOrd >= sh.Rows {
				it.shardIdx++
				it.nextOrd = 0
				continue
			}
			it.sh = sh
			it.blockNo = it.nextOrd / engine.BlockRows
			end := min(sh.Rows, (it.blockNo+1)*engine.BlockRows)
			for o := it.nextOrd; o < end; o++ {
				it.ords = append(it.ords, o)
			}
			it.nextOrd = end
			return true, nil
		}
		return false, nil
	}
	for {
		var id uint64
		if it.hasPend {
			id, it.hasPend = it.pending, false
		} else if it.idIt.HasNext() {
			id = it.idIt.Next()
		} else {
			return len(it.ords) > 0, nil
		}
		shard, ord := engine.SplitRowID(id)
		if len(it.ords) > 0 && (shard != it.sh.Number || ord/engine.BlockRows != it.blockNo) {
			it.pending, it.hasPend = id, true
			return true, nil
		}
		if len(it.ords) == 0 {
			sh := t.Shard(shard)
			if sh == nil || ord >= sh.Rows {
				continue // a set row whose shard has since shrunk
			}
			it.sh, it.blockNo = sh, ord/engine.BlockRows
		}
		it.ords = append(it.ords, ord)
	}
}

func (it *scanIter) loadBlock() (bool, error) {
	more, err := it.nextBlockOrds()
	if err != nil || !more {
		return false, err
	}
	src, snap, t := it.n.src, it.ec.snap, it.n.src.table
	if it.cols == nil {
		it.cols = make([]*engine.ColumnBlock, len(t.Columns))
		it.vecs = make([][]float32, len(t.Vectors))
		it.dims = make([]int, len(t.Vectors))
	}
	for c, pos := range src.scalarPos {
		it.cols[c] = nil
		if pos >= 0 && it.n.need[pos] {
			cb, err := snap.ColumnBlock(t, it.sh, it.blockNo, c)
			if err != nil {
				return false, err
			}
			it.cols[c] = cb
		}
	}
	for v, pos := range src.vectorPos {
		it.vecs[v] = nil
		if pos < 0 || !it.n.need[pos] {
			continue
		}
		vc := t.Vectors[v]
		dim := vc.Dim
		it.dims[v] = dim
		slab := make([]float32, len(it.ords)*dim)
		found := false
		err := snap.VectorBlock(t, it.sh, it.blockNo, v, func(data []byte) error {
			found = true
			for k, ord := range it.ords {
				decodeRow(slab[k*dim:(k+1)*dim], data, int(ord%engine.BlockRows), vc)
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		if found {
			it.vecs[v] = slab
		}
	}
	return true, nil
}

// fill builds the row of ordinal ord (k-th in the block) and applies the
// residual filter.
func (it *scanIter) fill(ord uint32, k int) (bool, error) {
	src := it.n.src
	row := it.row
	id := engine.RowID(it.sh.Number, ord)
	row[0] = intV(int64(id))
	i := int(ord % engine.BlockRows)
	for c, pos := range src.scalarPos {
		if pos < 0 || !it.n.need[pos] {
			continue
		}
		row[pos] = cellValue(it.cols[c], i, src.sch[pos].typ)
	}
	for v, pos := range src.vectorPos {
		if pos < 0 || !it.n.need[pos] {
			continue
		}
		if it.vecs[v] == nil {
			row[pos] = Value{}
			continue
		}
		d := it.dims[v]
		row[pos] = vectorV(it.vecs[v][k*d : (k+1)*d : (k+1)*d])
	}
	if err := src.fillExtras(it.ec, row, id, it.n.need, it.setIDs, it.classOf); err != nil {
		return false, err
	}
	if it.n.filter != nil {
		v, err := it.n.filter.eval(it.ec, row)
		if err != nil {
			return false, err
		}
		if !truth(v) {
			return false, nil
		}
	}
	return true, nil
}

// cellValue reads row i of a column block as the column's type (NULL when
// the shard has no block for the column); INT blocks of a column widened
// to FLOAT read as floats.
func cellValue(cb *engine.ColumnBlock, i int, want Type) Value {
	if cb == nil {
		return Value{}
	}
	v := cb.Value(i)
	if v.T == tInt && want == tFloat {
		v = floatV(float64(v.I))
	}
	return v
}

// decodeRow decodes row i of a vector block into dst.
func decodeRow(dst []float32, block []byte, i int, vc engine.VectorColumn) {
	es := vc.ElemSize() * vc.Dim
	raw := block[i*es : (i+1)*es]
	if vc.ElemSize() == 2 {
		vec.F16ToF32(dst, raw)
	} else {
		vec.DecodeF32(dst, raw)
	}
}

// fillExtras fills a row's set columns and bound synset.
func (src *source) fillExtras(ec *evalCtx, row Row, id uint64, need []bool, setIDs *roaring64.Bitmap, classOf map[uint64]int) error {
	if len(src.setPos) > 0 {
		rank := setIDs.Rank(id) - 1 // position of id in the set
		for c, pos := range src.setPos {
			if !need[pos] {
				continue
			}
			cb, err := ec.snap.SetColumnBlock(src.set, c, uint32(rank/engine.BlockRows))
			if err != nil {
				return err
			}
			row[pos] = cb.Value(int(rank % engine.BlockRows))
		}
	}
	if src.synsetPos >= 0 {
		if class, ok := classOf[id]; ok {
			row[src.synsetPos] = stringV(ec.sess.wnids[class])
		} else {
			row[src.synsetPos] = Value{}
		}
	}
	return nil
}

// rowFetcher reads single rows of a source by id, for the rows a vector
// search returns and the filter it applies while searching.
type rowFetcher struct {
	src     *source
	ec      *evalCtx
	need    []bool
	setIDs  *roaring64.Bitmap
	classOf map[uint64]int
}

// fetch returns the row of id (a new Row), or ok=false when the table
// has no such row.
func (f *rowFetcher) fetch(id uint64) (Row, bool, error) {
	t := f.src.table
	shard, ord := engine.SplitRowID(id)
	sh := t.Shard(shard)
	if sh == nil || ord >= sh.Rows {
		return nil, false, nil
	}
	row := make(Row, len(f.src.sch))
	row[0] = intV(int64(id))
	b, i := ord/engine.BlockRows, int(ord%engine.BlockRows)
	for c, pos := range f.src.scalarPos {
		if pos < 0 || !f.need[pos] {
			continue
		}
		cb, err := f.ec.snap.ColumnBlock(t, sh, b, c)
		if err != nil {
			return nil, false, err
		}
		row[pos] = cellValue(cb, i, f.src.sch[pos].typ)
	}
	for v, pos := range f.src.vectorPos {
		if pos < 0 || !f.need[pos] {
			continue
		}
		vc := t.Vectors[v]
		dst := make([]float32, vc.Dim)
		found := false
		if err := f.ec.snap.VectorBlock(t, sh, b, v, func(data []byte) error {
			found = true
			decodeRow(dst, data, i, vc)
			return nil
		}); err != nil {
			return nil, false, err
		}
		if found {
			row[pos] = vectorV(dst)
		}
	}
	if err := f.src.fillExtras(f.ec, row, id, f.need, f.setIDs, f.classOf); err != nil {
		return nil, false, err
	}
	return row, true, nil
}
