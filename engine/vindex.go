package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/index"
	"github.com/laiondb/laiondb/index/vec"
)

// VectorIndex is the catalog entry of an HNSW index over a vector column.
// The graph is stored in the database (not a side file) as chunks of
// index.WriteGraph's stream, without the vectors, which stay in the
// table's blocks. Built records the shard generations the graph reflects:
// when the table has moved on (another shard ingested, a shard replaced,
// or a crash between a table commit and the index commit), loading the
// index repairs it, and never uses it as it is.
type VectorIndex struct {
	ID             uint32            `json:"id"`
	Name           string            `json:"name"`
	Table          string            `json:"table"`
	Column         string            `json:"column"`
	M              int               `json:"m"`
	EfConstruction int               `json:"ef_construction"`
	Seed           uint64            `json:"seed"`
	Built          map[string]uint32 `json:"built"` // shard number → generation
	Graph          uint32            `json:"graph"` // key generation of the stored graph
	Chunks         uint32            `json:"chunks"`
	Rows           int64             `json:"rows"`
	Bytes          int64             `json:"bytes"`
	Updated        time.Time         `json:"updated"`
}

// IndexOptions are the build parameters of CREATE INDEX.
type IndexOptions struct {
	M, EfConstruction int
	Seed              uint64
	// Threads builds on this many goroutines (0: one per core). One
	// thread makes the graph a function of the rows and the seed alone.
	Threads int
	// Progress, when set, is called as vectors are added.
	Progress func(done, total int64)
	// Warn receives repair messages.
	Warn func(msg string)
}

// DefaultIndexOptions: M=16, ef_construction=200.
func DefaultIndexOptions() IndexOptions { return IndexOptions{M: 16, EfConstruction: 200, Seed: 1} }

const indexChunkBytes = 4 << 20

func indexKey(id, graph, chunk uint32) []byte {
	k := binary.BigEndian.AppendUint32([]byte{kindIndex}, id)
	k = binary.BigEndian.AppendUint32(k, graph)
	return binary.BigEndian.AppendUint32(k, chunk)
}

func indexName(table, column string) string { return strings.ToLower(table + "_" + column) }

// loadedIndex is an index in memory, valid for the catalog entry it was
// loaded or saved with.
type loadedIndex struct {
	meta *VectorIndex
	h    *index.HNSW
}

// Indexes returns every vector index's catalog entry.
func (db *DB) Indexes() ([]*VectorIndex, error) {
	var out []*VectorIndex
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindCatalog, catIndex}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var v VectorIndex
			if err := valueOf(it.Item(), func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
				return fmt.Errorf("%w: index catalog entry: %v", ErrCorrupt, err)
			}
			out = append(out, &v)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// IndexOn returns the index over table.column, or nil.
func (db *DB) IndexOn(table, column string) (*VectorIndex, error) {
	all, err := db.Indexes()
	if err != nil {
		return nil, err
	}
	for _, v := range all {
		if strings.EqualFold(v.Table, table) && strings.EqualFold(v.Column, column) {
			return v, nil
		}
	}
	return nil, nil
}

// builtOf returns the shard generations a table has now.
func builtOf(t *Table) map[string]uint32 {
	m := map[string]uint32{}
	for _, sh := range t.Shards {
		if sh.Rows > 0 {
			m[fmt.Sprint(sh.Number)] = sh.Gen
		}
	}
	return m
}

// CreateIndex builds an HNSW index over a vector column and stores it.
func (db *DB) CreateIndex(ctx context.Context, name, table, column string, opt IndexOptions) (*VectorIndex, error) {
	if err := db.writable(); err != nil {
		return nil, err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	t, err := db.Table(table)
	if err != nil {
		return nil, err
	}
	vc := t.Vector(column)
	if vc < 0 {
		return nil, fmt.Errorf("%w: %s.%s is not a vector column (vector columns: %s)", ErrNoColumn, t.Name, clipBare(column), vectorNames(t))
	}
	if name == "" {
		name = indexName(t.Name, t.Vectors[vc].Name)
	}
	if !validName(name) {
		return nil, fmt.Errorf("index name %s: %s", clip(name), nameRule)
	}
	all, err := db.Indexes()
	if err != nil {
		return nil, err
	}
	for _, v := range all {
		if strings.EqualFold(v.Name, name) {
			return nil, fmt.Errorf("%w: index %s", ErrExists, name)
		}
		if strings.EqualFold(v.Table, t.Name) && strings.EqualFold(v.Column, t.Vectors[vc].Name) {
			return nil, fmt.Errorf("%w: %s.%s already has index %s", ErrExists, t.Name, v.Column, v.Name)
		}
	}
	if opt.M < 2 || opt.M > 128 || opt.EfConstruction < 1 || opt.EfConstruction > 10000 {
		return nil, fmt.Errorf("index options: m must be 2..128 and ef_construction 1..10000 (got m = %d, ef_construction = %d)", opt.M, opt.EfConstruction)
	}
	id, err := db.nextSeq("index")
	if err != nil {
		return nil, err
	}
	failpoint("index.id")
	meta := &VectorIndex{ID: id, Name: name, Table: t.Name, Column: t.Vectors[vc].Name, M: opt.M, EfConstruction: opt.EfConstruction, Seed: opt.Seed}
	h, err := index.NewHNSW(index.DefaultOptions(t.Vectors[vc].Dim).WithM(opt.M).WithEfConstruction(opt.EfConstruction).WithSeed(opt.Seed))
	if err != nil {
		return nil, err
	}
	h.Reserve(int(t.Rows()))
	var done int64
	err = db.eachVectorBlock(t, vc, func(ids []uint64, data []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := addBlock(h, t.Vectors[vc], ids, data, opt.Threads); err != nil {
			return err
		}
		done += int64(len(ids))
		if opt.Progress != nil {
			opt.Progress(done, t.Rows())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	meta.Built = builtOf(t)
	if err := db.saveIndex(meta, h); err != nil {
		return nil, err
	}
	return meta, nil
}

func vectorNames(t *Table) string {
	var names []string
	for _, v := range t.Vectors {
		names = append(names, v.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// addBlock adds a block's vectors (the column's stored dtype) to h on
// threads goroutines (0: one per core).
func addBlock(h *index.HNSW, vc VectorColumn, ids []uint64, data []byte, threads int) error {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	if vc.ElemSize() == 2 {
		return h.AddBatchF16(ids, data[:len(ids)*vc.Dim*2], threads)
	}
	f := make([]float32, len(ids)*vc.Dim)
	vec.DecodeF32(f, data)
	return h.AddBatch(ids, f, threads)
}

// eachVectorBlock calls fn with the ids and stored vectors (lent) of every
// visible row of column vc, block by block.
func (db *DB) eachVectorBlock(t *Table, vc int, fn func(ids []uint64, data []byte) error) error {
	s := db.Snapshot()
	defer s.Close()
	return s.eachVectorBlock(t, vc, nil, fn)
}

// eachVectorBlock walks the shards accepted by keep (nil: all).
func (s *Snapshot) eachVectorBlock(t *Table, vc int, keep func(sh *Shard) bool, fn func(ids []uint64, data []byte) error) error {
	ids := make([]uint64, 0, BlockRows)
	for _, sh := range t.Shards {
		if sh.Rows == 0 || !sh.hasVector(vc) || (keep != nil && !keep(sh)) {
			continue
		}
		for b := uint32(0); b < sh.Blocks(); b++ {
			n := min(BlockRows, sh.Rows-b*BlockRows)
			ids = ids[:0]
			for i := uint32(0); i < n; i++ {
				ids = append(ids, RowID(sh.Number, b*BlockRows+i))
			}
			if err := s.VectorBlock(t, sh, b, vc, func(data []byte) error { return fn(ids, data) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// saveIndex writes the graph under a new key generation, then switches the
// catalog entry to it in one commit and deletes the old graph.
func (db *DB) saveIndex(meta *VectorIndex, h *index.HNSW) error {
	var buf bytes.Buffer
	if _, err := h.WriteGraph(&buf); err != nil {
		return err
	}
	if err := db.ensureSpace("index "+meta.Name, uint64(buf.Len())); err != nil {
		return err
	}
	old := *meta
	meta.Graph++
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	data := buf.Bytes()
	meta.Chunks = 0
	for len(data) > 0 {
		n := min(len(data), indexChunkBytes)
		if err := wb.Set(indexKey(meta.ID, meta.Graph, meta.Chunks), append([]byte(nil), data[:n]...)); err != nil {
			return err
		}
		data = data[n:]
		meta.Chunks++
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	failpoint("index.graph")
	meta.Rows = int64(h.Len())
	meta.Bytes = int64(buf.Len())
	meta.Updated = time.Now().UTC()
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Set(catalogKey(catIndex, strings.ToLower(meta.Name)), b)
	}); err != nil {
		return err
	}
	failpoint("index.catalog")
	if old.Chunks > 0 {
		if err := db.deleteKeys(indexKey(old.ID, old.Graph, 0)[:9]); err != nil {
			return err
		}
		failpoint("index.drop-old")
	}
	db.mu.Lock()
	if db.indexes == nil {
		db.indexes = map[string]*loadedIndex{}
	}
	m := *meta
	db.indexes[strings.ToLower(meta.Name)] = &loadedIndex{meta: &m, h: h}
	db.mu.Unlock()
	return nil
}

// DropIndex deletes an index by name; ok=false when there was none.
func (db *DB) DropIndex(name string) (bool, error) {
	if err := db.writable(); err != nil {
		return false, err
	}
	all, err := db.Indexes()
	if err != nil {
		return false, err
	}
	for _, v := range all {
		if !strings.EqualFold(v.Name, name) {
			continue
		}
		if err := db.bdb.Update(func(txn *badger.Txn) error {
			return txn.Delete(catalogKey(catIndex, strings.ToLower(v.Name)))
		}); err != nil {
			return false, err
		}
		failpoint("index.drop")
		db.mu.Lock()
		delete(db.indexes, strings.ToLower(v.Name))
		db.mu.Unlock()
		return true, db.deleteKeys(binary.BigEndian.AppendUint32([]byte{kindIndex}, v.ID))
	}
	return false, nil
}

// chunkReader reads a stored graph's chunks in order.
type chunkReader struct {
	s    *Snapshot
	meta *VectorIndex
	next uint32
	cur  []byte
	err  error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.next >= r.meta.Chunks {
			return 0, io.EOF
		}
		item, err := r.s.txn.Get(indexKey(r.meta.ID, r.meta.Graph, r.next))
		if err != nil {
			return 0, fmt.Errorf("%w: index %s chunk %d: %v", ErrCorrupt, r.meta.Name, r.next, err)
		}
		if r.cur, err = valueCopy(item); err != nil {
			return 0, valueErr(err, fmt.Sprintf("index %s chunk %d", r.meta.Name, r.next))
		}
		r.next++
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// LoadIndex returns the HNSW index over table.column (nil when there is
// none), loading it once per process. An index that does not match its
// table — rows added, replaced or removed since it was saved — is
// repaired (the message goes to warn) and saved again when the database
// is writable; one that cannot be read is rebuilt.
func (db *DB) LoadIndex(ctx context.Context, table, column string, warn func(string)) (*index.HNSW, *VectorIndex, error) {
	return db.loadIndex(ctx, table, column, warn, false)
}

// loadIndex is LoadIndex; locked says the caller holds writeMu.
func (db *DB) loadIndex(ctx context.Context, table, column string, warn func(string), locked bool) (*index.HNSW, *VectorIndex, error) {
	meta, err := db.IndexOn(table, column)
	if err != nil || meta == nil {
		return nil, nil, err
	}
	t, err := db.Table(table)
	if err != nil {
		return nil, nil, err
	}
	key := strings.ToLower(meta.Name)
	db.mu.RLock()
	li := db.indexes[key]
	db.mu.RUnlock()
	if li != nil && li.meta.Graph == meta.Graph && sameBuilt(li.meta.Built, builtOf(t)) {
		return li.h, li.meta, nil
	}
	if warn == nil {
		warn = func(string) {}
	}
	h, repaired, err := db.readIndex(ctx, t, meta, warn)
	if err != nil {
		return nil, nil, err
	}
	if repaired && !db.opts.ReadOnly {
		if !locked {
			db.writeMu.Lock()
		}
		meta.Built = builtOf(t)
		err = db.saveIndex(meta, h)
		if !locked {
			db.writeMu.Unlock()
		}
		if err != nil {
			return nil, nil, err
		}
	} else {
		m := *meta
		m.Built = builtOf(t)
		db.mu.Lock()
		if db.indexes == nil {
			db.indexes = map[string]*loadedIndex{}
		}
		db.indexes[key] = &loadedIndex{meta: &m, h: h}
		db.mu.Unlock()
	}
	return h, meta, nil
}

func sameBuilt(a, b map[string]uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// readIndex loads the stored graph and the table's vectors, repairing
// what differs: rows of shards whose generation changed are removed and
// added again, rows the graph lacks are added, rows the table lost are
// removed.
func (db *DB) readIndex(ctx context.Context, t *Table, meta *VectorIndex, warn func(string)) (*index.HNSW, bool, error) {
	vc := t.Vector(meta.Column)
	if vc < 0 {
		return nil, false, fmt.Errorf("%w: index %s is over %s.%s, which no longer exists; DROP INDEX %s", ErrCorrupt, meta.Name, t.Name, meta.Column, meta.Name)
	}
	col := t.Vectors[vc]
	now := builtOf(t)
	stale := map[uint32]bool{}
	for k, gen := range now {
		if meta.Built[k] != gen {
			var n uint32
			fmt.Sscan(k, &n)
			stale[n] = true
		}
	}
	s := db.Snapshot()
	defer s.Close()
	ld, err := index.ReadGraph(&chunkReader{s: s, meta: meta})
	if err != nil {
		warn(fmt.Sprintf("index %s could not be read (%v); rebuilding it", meta.Name, err))
		h, err := db.rebuildIndex(ctx, s, t, meta)
		return h, true, err
	}
	var unknown []uint64
	err = s.eachVectorBlock(t, vc, func(sh *Shard) bool { return !stale[sh.Number] }, func(ids []uint64, data []byte) error {
		for i, id := range ids {
			err := putVector(col, data, i, id, ld.SetF16, ld.Set)
			if errors.Is(err, index.ErrUnknownID) {
				unknown = append(unknown, id)
			} else if err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, false, err
	}
	removed := ld.DeleteMissing() // rows gone from the table, and stale shards' old rows
	h, err := ld.Finish()
	if err != nil {
		warn(fmt.Sprintf("index %s does not match table %s (%v); rebuilding it", meta.Name, t.Name, err))
		h, err := db.rebuildIndex(ctx, s, t, meta)
		return h, true, err
	}
	added := len(unknown)
	if len(unknown) > 0 {
		// Rows the graph lacks, in blocks, by re-reading their blocks.
		want := map[uint64]bool{}
		for _, id := range unknown {
			want[id] = true
		}
		if err := s.eachVectorBlock(t, vc, func(sh *Shard) bool { return !stale[sh.Number] }, func(ids []uint64, data []byte) error {
			return addSome(h, col, ids, data, func(id uint64) bool { return want[id] })
		}); err != nil {
			return nil, false, err
		}
	}
	if len(stale) > 0 {
		if err := s.eachVectorBlock(t, vc, func(sh *Shard) bool { return stale[sh.Number] }, func(ids []uint64, data []byte) error {
			added += len(ids)
			return addBlock(h, col, ids, data, 0)
		}); err != nil {
			return nil, false, err
		}
	}
	repaired := added > 0 || len(removed) > 0
	if repaired {
		var shards []string
		for n := range stale {
			shards = append(shards, fmt.Sprint(n))
		}
		sort.Strings(shards)
		why := "rows added or removed since it was saved"
		if len(shards) > 0 {
			why = "shard(s) " + strings.Join(shards, ", ") + " ingested or replaced since it was saved"
		}
		warn(fmt.Sprintf("index %s did not match table %s (%s): repaired, %d rows added, %d removed", meta.Name, t.Name, why, added, len(removed)))
		if h.Tombstones() > h.Len()/10 {
			if h, err = h.Rebuild(runtime.GOMAXPROCS(0)); err != nil {
				return nil, false, err
			}
		}
	}
	return h, repaired, nil
}

// addSome adds the rows of a block that keep accepts.
func addSome(h *index.HNSW, col VectorColumn, ids []uint64, data []byte, keep func(uint64) bool) error {
	for i, id := range ids {
		if !keep(id) {
			continue
		}
		if err := putVector(col, data, i, id, h.AddF16, h.Add); err != nil {
			return err
		}
	}
	return nil
}

// putVector hands row i of a vector block to f16 (the stored bytes, for
// float16 columns) or f32 (decoded, for float32 columns).
func putVector(col VectorColumn, block []byte, i int, id uint64, f16 func(uint64, []byte) error, f32 func(uint64, []float32) error) error {
	es := col.ElemSize() * col.Dim
	raw := block[i*es : (i+1)*es]
	if col.ElemSize() == 2 {
		return f16(id, raw)
	}
	f := make([]float32, col.Dim)
	vec.DecodeF32(f, raw)
	return f32(id, f)
}

func (db *DB) rebuildIndex(ctx context.Context, s *Snapshot, t *Table, meta *VectorIndex) (*index.HNSW, error) {
	vc := t.Vector(meta.Column)
	h, err := index.NewHNSW(index.DefaultOptions(t.Vectors[vc].Dim).WithM(meta.M).WithEfConstruction(meta.EfConstruction).WithSeed(meta.Seed))
	if err != nil {
		return nil, err
	}
	h.Reserve(int(t.Rows()))
	err = s.eachVectorBlock(t, vc, nil, func(ids []uint64, data []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return addBlock(h, t.Vectors[vc], ids, data, 0)
	})
	return h, err
}

// nextSeq returns the next number of a named sequence.
func (db *DB) nextSeq(name string) (uint32, error) {
	var id uint32
	err := db.bdb.Update(func(txn *badger.Txn) error {
		var err error
		if id, err = readSeq(txn, name); err != nil {
			return err
		}
		if id == math.MaxUint32 {
			return fmt.Errorf("sequence %s is exhausted", name)
		}
		id++
		return txn.Set(catalogKey(catSeq, name), binary.BigEndian.AppendUint32(nil, id))
	})
	return id, err
}

// seq returns the current value of a named sequence (0 before its first
// use).
func (db *DB) seq(name string) (uint32, error) {
	var v uint32
	err := db.bdb.View(func(txn *badger.Txn) error {
		var err error
		v, err = readSeq(txn, name)
		return err
	})
	return v, err
}

func readSeq(txn *badger.Txn, name string) (uint32, error) {
	item, err := txn.Get(catalogKey(catSeq, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var v uint32
	err = valueOf(item, func(b []byte) error {
		if len(b) != 4 {
			return fmt.Errorf("%w: sequence %s has a value of %d bytes", ErrCorrupt, name, len(b))
		}
		v = binary.BigEndian.Uint32(b)
		return nil
	})
	return v, err
}

// raiseSeq moves a named sequence up to at least v in txn.
func raiseSeq(txn *badger.Txn, name string, v uint32) error {
	cur, err := readSeq(txn, name)
	if err != nil || cur >= v {
		return err
	}
	return txn.Set(catalogKey(catSeq, name), binary.BigEndian.AppendUint32(nil, v))
}

// refreshIndexesLocked brings every index of table up to date after an
// ingest; the caller holds writeMu.
func (db *DB) refreshIndexesLocked(ctx context.Context, table string) error {
	all, err := db.Indexes()
	if err != nil {
		return err
	}
	for _, v := range all {
		if !strings.EqualFold(v.Table, table) {
			continue
		}
		quiet := func(string) {} // an update after ingest is expected, not news
		if _, _, err := db.loadIndex(ctx, v.Table, v.Column, quiet, true); err != nil {
			return fmt.Errorf("updating index %s: %w", v.Name, err)
		}
	}
	return nil
}

// checkIndexes verifies each stored index: its graph reads and passes the
// HNSW checker, and it holds exactly the table's rows when up to date.
func checkIndexes(db *DB, s *Snapshot) error {
	all, err := db.Indexes()
	if err != nil {
		return err
	}
	for _, meta := range all {
		t, err := db.Table(meta.Table)
		if err != nil {
			return fmt.Errorf("%w: index %s is over table %s: %v", ErrCorrupt, meta.Name, meta.Table, err)
		}
		ld, err := index.ReadGraph(&chunkReader{s: s, meta: meta})
		if err != nil {
			return fmt.Errorf("%w: index %s: %v", ErrCorrupt, meta.Name, err)
		}
		if !sameBuilt(meta.Built, builtOf(t)) {
			continue // behind its table: repaired when next loaded
		}
		vc := t.Vector(meta.Column)
		col := t.Vectors[vc]
		err = s.eachVectorBlock(t, vc, nil, func(ids []uint64, data []byte) error {
			for i, id := range ids {
				if err := putVector(col, data, i, id, ld.SetF16, ld.Set); err != nil {
					return fmt.Errorf("%w: index %s: row %d: %v", ErrCorrupt, meta.Name, id, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		h, err := ld.Finish()
		if err != nil {
			return fmt.Errorf("%w: index %s: %v", ErrCorrupt, meta.Name, err)
		}
		if err := h.Check(); err != nil {
			return fmt.Errorf("%w: index %s: %v", ErrCorrupt, meta.Name, err)
		}
	}
	return nil
}
