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
	// Progress, when set, is called as vectors are added (every
	// index.ProgressEvery); cancelling the context from it stops the
	// build within a vector per thread.
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
	meta  *VectorIndex
	h     *index.HNSW
	built map[string]uint32 // the shard generations h reflects
	stale bool              // h is ahead of the stored graph
}

// Indexes returns every vector index's catalog entry.
func (db *DB) Indexes() ([]*VectorIndex, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.Indexes()
}

// Indexes returns every vector index's catalog entry as of the snapshot.
func (s *Snapshot) Indexes() ([]*VectorIndex, error) {
	var out []*VectorIndex
	it := s.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindCatalog, catIndex}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var v VectorIndex
		if err := valueOf(it.Item(), func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
			return nil, fmt.Errorf("%w: index catalog entry: %w", ErrCorrupt, err)
		}
		out = append(out, &v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// IndexOn returns the index over table.column, or nil.
func (db *DB) IndexOn(table, column string) (*VectorIndex, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.IndexOn(table, column)
}

// IndexOn returns the index over table.column as of the snapshot, or nil.
func (s *Snapshot) IndexOn(table, column string) (*VectorIndex, error) {
	all, err := s.Indexes()
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
		if err := addBlock(ctx, h, t.Vectors[vc], ids, data, opt.Threads, func(n int) {
			if opt.Progress != nil {
				opt.Progress(done+int64(n), t.Rows())
			}
		}); err != nil {
			return err
		}
		done += int64(len(ids))
		return nil
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err // a cancelled build stores nothing
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
// threads goroutines (0: one per core), checking ctx before every vector
// (index.AddBatchContext), and calls progress (when not nil) with the
// vectors of the block linked so far.
func addBlock(ctx context.Context, h *index.HNSW, vc VectorColumn, ids []uint64, data []byte, threads int, progress func(done int)) error {
	opt := index.BatchOptions{Threads: threads}
	if progress != nil {
		opt.Progress = func(done, _ int) { progress(done) }
	}
	if vc.ElemSize() == 2 {
		return h.AddBatchF16Context(ctx, ids, data[:len(ids)*vc.Dim*2], opt)
	}
	f := make([]float32, len(ids)*vc.Dim)
	vec.DecodeF32(f, data[:len(ids)*vc.Dim*4])
	return h.AddBatchContext(ctx, ids, f, opt)
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
				ids = append(ids, rowID(sh.Number, b*BlockRows+i))
			}
			if err := s.vectorBlock(t, sh, b, vc, func(data []byte) error { return fn(ids, data) }); err != nil {
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
		if err := db.reclaim(); err != nil {
			return err
		}
	}
	db.mu.Lock()
	if db.indexes == nil {
		db.indexes = map[string]*loadedIndex{}
	}
	m := *meta
	db.indexes[strings.ToLower(meta.Name)] = &loadedIndex{meta: &m, h: h, built: meta.Built}
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
		if err := db.deleteKeys(binary.BigEndian.AppendUint32([]byte{kindIndex}, v.ID)); err != nil {
			return true, err
		}
		return true, db.reclaim()
	}
	return false, nil
}

// chunkReader reads a stored graph's chunks in order, stopping when ctx
// (if set) is done.
type chunkReader struct {
	ctx  context.Context
	s    *Snapshot
	meta *VectorIndex
	next uint32
	cur  []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.next >= r.meta.Chunks {
			return 0, io.EOF
		}
		if r.ctx != nil {
			if err := r.ctx.Err(); err != nil {
				return 0, err
			}
		}
		what := fmt.Sprintf("chunk %d of index %s", r.next, r.meta.Name)
		item, err := r.s.txn.Get(indexKey(r.meta.ID, r.meta.Graph, r.next))
		if err != nil {
			return 0, readErr(err, what)
		}
		if r.cur, err = valueCopy(item); err != nil {
			return 0, valueErr(err, what)
		}
		r.next++
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// indexWork is how bringing a graph up to date reports itself.
type indexWork struct {
	warn     func(string)            // messages; nil: none
	progress func(done, total int64) // rows removed and added so far; nil: none
	threads  int                     // 0: one per core
}

func (w indexWork) say(format string, args ...any) {
	if w.warn != nil {
		w.warn(fmt.Sprintf(format, args...))
	}
}

// progressNoteEvery is how often a long update of a graph that the user
// did not ask for (a search found it behind its table) says how far it is.
const progressNoteEvery = 5 * time.Second

// reporter returns the function that reports done of total rows to
// w.progress, and to w.warn every progressNoteEvery.
func (w indexWork) reporter(name string, total int64) func(done int64) {
	last := time.Now()
	return func(done int64) {
		if w.progress != nil {
			w.progress(done, total)
		}
		if w.warn != nil && time.Since(last) >= progressNoteEvery {
			last = time.Now()
			w.say("index %s: %d of %d rows updated", name, done, total)
		}
	}
}

// indexUpdate is what bringing a stored graph up to date did.
type indexUpdate struct {
	added, removed int64             // rows inserted into and deleted from the graph
	cleaned        int               // tombstones of the stored graph dropped
	repair         index.RepairStats // the repair of the removed rows' neighbours
	rebuilt        bool              // built afresh (unreadable or mismatched graph)
}

func (u indexUpdate) changed() bool {
	return u.added > 0 || u.removed > 0 || u.cleaned > 0 || u.rebuilt
}

// searchIndex returns the HNSW graph over t.column for a search as of
// snapshot s (nil when the column has no index), loaded once per process.
// A stored graph behind its table (a shard ingested or replaced since it
// was saved, after a crash between the two commits) is brought up to date
// in memory, for this process only, at the cost of the change: a message
// says so before the work, progress goes to progress and, every few
// seconds, to warn, and ctx cancels it. Reads never write: RepairIndexes
// or the next ingest stores the repair.
func (db *DB) searchIndex(ctx context.Context, s *Snapshot, t *Table, column string, warn func(string), progress func(done, total int64)) (*index.HNSW, error) {
	meta, err := s.IndexOn(t.Name, column)
	if err != nil || meta == nil {
		return nil, err
	}
	h, _, err := db.loadIndex(ctx, s, t, meta, indexWork{warn: warn, progress: progress})
	return h, err
}

// loadIndex returns meta's graph brought up to date with t, from memory
// or storage, and whether storage is behind (the graph was updated,
// cleaned or rebuilt). The result is kept in memory for the generations
// of t.
func (db *DB) loadIndex(ctx context.Context, s *Snapshot, t *Table, meta *VectorIndex, w indexWork) (*index.HNSW, bool, error) {
	key := strings.ToLower(meta.Name)
	built := builtOf(t)
	db.mu.RLock()
	li := db.indexes[key]
	db.mu.RUnlock()
	if li != nil && li.meta.ID == meta.ID && li.meta.Graph == meta.Graph && sameBuilt(li.built, built) {
		return li.h, li.stale, nil
	}
	h, up, err := db.readIndex(ctx, s, t, meta, w)
	if err != nil {
		return nil, false, err
	}
	m := *meta
	db.mu.Lock()
	if db.indexes == nil {
		db.indexes = map[string]*loadedIndex{}
	}
	db.indexes[key] = &loadedIndex{meta: &m, h: h, built: built, stale: up.changed()}
	db.mu.Unlock()
	return h, up.changed(), nil
}

// RepairIndexes brings the stored HNSW graphs of table up to date with
// its shards and stores them (all tables when table is ""): the write-path
// repair of what a search only repairs in memory. It returns the names of
// the indexes it stored.
func (db *DB) RepairIndexes(ctx context.Context, table string, warn func(string)) ([]string, error) {
	if err := db.writable(); err != nil {
		return nil, err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	return db.repairIndexesLocked(ctx, table, false, func(string) indexWork { return indexWork{warn: warn} })
}

// VacuumOptions tune VacuumIndexes.
type VacuumOptions struct {
	// Rebuild builds every graph afresh from its table's rows, instead of
	// only repairing and compacting what needs it.
	Rebuild bool
	// Progress, when set, is called with an index's name and its rows
	// done so far.
	Progress func(index string, done, total int64)
	// Warn receives messages about graphs found behind their tables or
	// unreadable.
	Warn func(msg string)
}

// VacuumIndexes stores every vector index without deleted nodes: a graph
// behind its table is brought up to date, tombstones kept by graphs of
// earlier versions are repaired and dropped, and with opt.Rebuild every
// graph is built afresh (a full build: the cost of CREATE INDEX). Graphs
// already up to date and clean are left alone unless opt.Rebuild. It
// returns the names of the indexes it stored. Cancelling ctx leaves the
// stored graph of the index at work as it was.
func (db *DB) VacuumIndexes(ctx context.Context, opt VacuumOptions) ([]string, error) {
	if err := db.writable(); err != nil {
		return nil, err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	return db.repairIndexesLocked(ctx, "", opt.Rebuild, func(name string) indexWork {
		w := indexWork{warn: opt.Warn}
		if opt.Progress != nil {
			w.progress = func(done, total int64) { opt.Progress(name, done, total) }
		}
		return w
	})
}

// indexProgressHook, when set (by tests), receives the progress of every
// index update that follows an ingest.
var indexProgressHook func(done, total int64)

// repairIndexesLocked stores the indexes of table (all when "") that
// loading finds behind, or all of them rebuilt; the caller holds writeMu.
func (db *DB) repairIndexesLocked(ctx context.Context, table string, rebuild bool, work func(name string) indexWork) ([]string, error) {
	all, err := db.Indexes()
	if err != nil {
		return nil, err
	}
	var stored []string
	for _, v := range all {
		if table != "" && !strings.EqualFold(v.Table, table) {
			continue
		}
		s := db.Snapshot()
		t, err := s.Table(v.Table)
		if err == nil {
			var h *index.HNSW
			stale := true
			if rebuild {
				h, err = db.rebuildIndex(ctx, s, t, v, work(v.Name))
			} else {
				h, stale, err = db.loadIndex(ctx, s, t, v, work(v.Name))
			}
			if err == nil {
				err = ctx.Err() // cancelled: store nothing
			}
			if err == nil && stale {
				v.Built = builtOf(t)
				if err = db.saveIndex(v, h); err == nil {
					stored = append(stored, v.Name)
				}
			}
		}
		s.Close()
		if err != nil {
			return stored, fmt.Errorf("updating index %s: %w", v.Name, err)
		}
	}
	return stored, nil
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

// readIndex loads the stored graph and the table's vectors and brings the
// graph up to date at the cost of the difference: the rows of shards whose
// generation changed (replaced) or that are gone, and rows the table lost,
// are deleted and their neighbours repaired (index.Repair), the deleted
// nodes dropped (Compact), and the rows of new or replaced shards, and
// any the graph lacks, inserted in parallel. Only an unreadable or
// mismatched graph is rebuilt from scratch.
func (db *DB) readIndex(ctx context.Context, s *Snapshot, t *Table, meta *VectorIndex, w indexWork) (*index.HNSW, indexUpdate, error) {
	var up indexUpdate
	vc := t.Vector(meta.Column)
	if vc < 0 {
		return nil, up, fmt.Errorf("%w: index %s is over %s.%s, which no longer exists; DROP INDEX %s", ErrCorrupt, meta.Name, t.Name, meta.Column, meta.Name)
	}
	col := t.Vectors[vc]
	stale := map[uint32]bool{}
	for _, sh := range t.Shards {
		if sh.Rows > 0 && meta.Built[fmt.Sprint(sh.Number)] != sh.Gen {
			stale[sh.Number] = true
		}
	}
	fresh := func(sh *Shard) bool { return !stale[sh.Number] }
	rebuild := func(why string) (*index.HNSW, indexUpdate, error) {
		w.say("%s; rebuilding it", why)
		h, err := db.rebuildIndex(ctx, s, t, meta, w)
		if err != nil {
			return nil, up, err
		}
		return h, indexUpdate{added: int64(h.Len()), rebuilt: true}, nil
	}
	ld, err := index.ReadGraph(&chunkReader{ctx: ctx, s: s, meta: meta})
	if err := ctx.Err(); err != nil {
		return nil, up, err
	}
	if err != nil {
		return rebuild(fmt.Sprintf("index %s could not be read (%v)", meta.Name, err))
	}
	var unknown []uint64
	err = s.eachVectorBlock(t, vc, fresh, func(ids []uint64, data []byte) error {
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
		return nil, up, err
	}
	removed := ld.DeleteMissing() // replaced or dropped shards' old rows, rows the table lost
	h, err := ld.Finish()
	if err != nil {
		return rebuild(fmt.Sprintf("index %s does not match table %s (%v)", meta.Name, t.Name, err))
	}
	up.removed = int64(len(removed))
	up.cleaned = h.Tombstones() - len(removed) // kept by a graph of an earlier version
	var shards []string
	toAdd := int64(len(unknown))
	for _, sh := range t.Shards {
		if stale[sh.Number] && sh.hasVector(vc) {
			toAdd += int64(sh.Rows)
			shards = append(shards, fmt.Sprint(sh.Number))
		}
	}
	if toAdd == 0 && h.Tombstones() == 0 {
		return h, up, nil
	}
	why := "rows added or removed since it was saved"
	if len(shards) > 0 {
		why = "shard(s) " + strings.Join(shards, ", ") + " ingested or replaced since it was saved"
	} else if toAdd == 0 && up.removed == 0 {
		why = fmt.Sprintf("%d deleted rows still in its graph", up.cleaned)
	}
	w.say("index %s did not match table %s (%s): updating it, %d rows to add, %d to remove", meta.Name, t.Name, why, toAdd, up.removed)
	report := w.reporter(meta.Name, up.removed+toAdd)
	if h.Unrepaired() > 0 {
		up.repair, err = h.Repair(ctx, index.BatchOptions{Threads: w.threads, Progress: func(done, total int) {
			report(up.removed * int64(done) / int64(max(total, 1)))
		}})
		if err != nil {
			return nil, up, err
		}
	}
	h.Compact()
	done := up.removed
	add := func(ids []uint64, data []byte) error {
		err := addBlock(ctx, h, col, ids, data, w.threads, func(n int) { report(done + int64(n)) })
		done += int64(len(ids))
		return err
	}
	if len(unknown) > 0 {
		// Rows the graph lacks in shards it is up to date with: a crash
		// or an older version's partial update.
		want := map[uint64]bool{}
		for _, id := range unknown {
			want[id] = true
		}
		es := col.ElemSize() * col.Dim
		var ids []uint64
		var buf []byte
		if err := s.eachVectorBlock(t, vc, fresh, func(blockIDs []uint64, data []byte) error {
			ids, buf = ids[:0], buf[:0]
			for i, id := range blockIDs {
				if want[id] {
					ids = append(ids, id)
					buf = append(buf, data[i*es:(i+1)*es]...)
				}
			}
			if len(ids) == 0 {
				return nil
			}
			return add(ids, buf)
		}); err != nil {
			return nil, up, err
		}
	}
	if len(stale) > 0 {
		if err := s.eachVectorBlock(t, vc, func(sh *Shard) bool { return stale[sh.Number] }, add); err != nil {
			return nil, up, err
		}
	}
	up.added = toAdd
	return h, up, nil
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

// rebuildIndex builds meta's graph afresh from t's rows.
func (db *DB) rebuildIndex(ctx context.Context, s *Snapshot, t *Table, meta *VectorIndex, w indexWork) (*index.HNSW, error) {
	vc := t.Vector(meta.Column)
	h, err := index.NewHNSW(index.DefaultOptions(t.Vectors[vc].Dim).WithM(meta.M).WithEfConstruction(meta.EfConstruction).WithSeed(meta.Seed))
	if err != nil {
		return nil, err
	}
	h.Reserve(int(t.Rows()))
	report := w.reporter(meta.Name, t.Rows())
	var done int64
	err = s.eachVectorBlock(t, vc, nil, func(ids []uint64, data []byte) error {
		err := addBlock(ctx, h, t.Vectors[vc], ids, data, w.threads, func(n int) { report(done + int64(n)) })
		done += int64(len(ids))
		return err
	})
	if err != nil {
		return nil, err
	}
	return h, nil
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
// ingest and stores it, at the cost of the shards the ingest changed; the
// caller holds writeMu. Cancelled, it leaves the stored graph as it was
// (behind its table), which the next write repairs.
func (db *DB) refreshIndexesLocked(ctx context.Context, table string, progress func(name string, done, total int64)) error {
	// An update after ingest is expected, not news: no messages.
	_, err := db.repairIndexesLocked(ctx, table, false, func(name string) indexWork {
		hook := indexProgressHook
		return indexWork{progress: func(done, total int64) {
			if hook != nil {
				hook(done, total)
			}
			if progress != nil {
				progress(name, done, total)
			}
		}}
	})
	return err
}

// checkIndexes verifies each stored index: its graph reads and passes the
// HNSW checker, and it holds exactly the table's rows when up to date.
// A graph behind its table (repaired when next loaded) is checked on the
// shards it is up to date with.
func checkIndexes(db *DB, s *Snapshot) error {
	all, err := db.Indexes()
	if err != nil {
		return err
	}
	for _, meta := range all {
		t, err := db.Table(meta.Table)
		if err != nil {
			return fmt.Errorf("%w: index %s is over table %s: %w", ErrCorrupt, meta.Name, meta.Table, err)
		}
		vc := t.Vector(meta.Column)
		if vc < 0 {
			return fmt.Errorf("%w: index %s is over %s.%s, which no longer exists", ErrCorrupt, meta.Name, t.Name, meta.Column)
		}
		ld, err := index.ReadGraph(&chunkReader{s: s, meta: meta})
		if err != nil {
			return fmt.Errorf("%w: index %s: %w", ErrCorrupt, meta.Name, err)
		}
		behind := !sameBuilt(meta.Built, builtOf(t))
		var keep func(sh *Shard) bool
		if behind {
			keep = func(sh *Shard) bool { return meta.Built[fmt.Sprint(sh.Number)] == sh.Gen }
		}
		col := t.Vectors[vc]
		err = s.eachVectorBlock(t, vc, keep, func(ids []uint64, data []byte) error {
			for i, id := range ids {
				err := putVector(col, data, i, id, ld.SetF16, ld.Set)
				if behind && errors.Is(err, index.ErrUnknownID) {
					continue
				}
				if err != nil {
					return fmt.Errorf("%w: index %s: row %d: %w", ErrCorrupt, meta.Name, id, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if behind {
			ld.DeleteMissing()
		}
		h, err := ld.Finish()
		if err != nil {
			return fmt.Errorf("%w: index %s: %w", ErrCorrupt, meta.Name, err)
		}
		if err := h.Check(); err != nil {
			return fmt.Errorf("%w: index %s: %w", ErrCorrupt, meta.Name, err)
		}
	}
	return nil
}
