package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/dgraph-io/badger/v4"
)

// Set is the catalog entry of a named set: a selection of rows of one
// table (their ids) plus the computed columns stored with it (the synset a
// MATCHES bound, scores). A set reads like a table: the base table's
// columns and its own.
type Set struct {
	ID      uint32    `json:"id"`
	Name    string    `json:"name"`
	Table   string    `json:"table"`
	Rows    int64     `json:"rows"`
	Columns []Column  `json:"columns"`
	Created time.Time `json:"created"`
	// Definition is what made the set (nil for a set made by a laiondb
	// that did not record it).
	Definition *SetDefinition `json:"definition,omitempty"`
	// Query is the statement of a set made before definitions were
	// recorded.
	Query string `json:"query,omitempty"`
}

// Statement returns the statement that made the set.
func (set *Set) Statement() string {
	if set.Definition != nil {
		return set.Definition.Statement
	}
	return set.Query
}

// Set keys: 0x04 set(4) 'i' → the id bitmap (portable roaring64);
// 0x04 set(4) 'c' column(2) block(4) → a column block of BlockRows values
// in id order.
func setPrefix(id uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{kindSet}, id)
}

func setColumnKey(id uint32, col uint16, block uint32) []byte {
	k := append(setPrefix(id), 'c')
	k = binary.BigEndian.AppendUint16(k, col)
	return binary.BigEndian.AppendUint32(k, block)
}

// Sets returns every set's catalog entry, by name.
func (db *DB) Sets() ([]*Set, error) {
	var out []*Set
	err := db.bdb.View(func(txn *badger.Txn) error {
		prefix := []byte{kindCatalog, catSet}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var s Set
			if err := valueOf(it.Item(), func(v []byte) error { return json.Unmarshal(v, &s) }); err != nil {
				return fmt.Errorf("%w: set catalog entry: %w", ErrCorrupt, err)
			}
			out = append(out, &s)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// SetInfo returns the named set's catalog entry.
func (s *Snapshot) SetInfo(name string) (*Set, error) {
	item, err := s.txn.Get(catalogKey(catSet, strings.ToLower(name)))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoSet, clipBare(name))
	}
	if err != nil {
		return nil, err
	}
	var set Set
	if err := valueOf(item, func(v []byte) error { return json.Unmarshal(v, &set) }); err != nil {
		return nil, fmt.Errorf("%w: set %s: %w", ErrCorrupt, name, err)
	}
	return &set, nil
}

// SetIDs returns the ids of a set's rows.
func (s *Snapshot) SetIDs(set *Set) (*roaring64.Bitmap, error) {
	what := fmt.Sprintf("the id bitmap of set %s", set.Name)
	item, err := s.txn.Get(append(setPrefix(set.ID), 'i'))
	if err != nil {
		return nil, readErr(err, what)
	}
	bm := roaring64.New()
	var derr error
	err = valueOf(item, func(v []byte) error {
		_, derr = bm.ReadFrom(bytes.NewReader(v))
		return nil
	})
	if err != nil {
		return nil, valueErr(err, what)
	}
	if derr != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, what, derr)
	}
	return bm, nil
}

// setColumnBlock returns block b (rows b×BlockRows onwards, in id order)
// of a set's stored column col.
func (s *Snapshot) setColumnBlock(set *Set, col int, b uint32) (*columnBlock, error) {
	key := setColumnKey(set.ID, uint16(col), b)
	if cb, ok := s.cols[string(key)]; ok {
		return cb, nil
	}
	what := fmt.Sprintf("block %d of column %s of set %s", b, set.Columns[col].Name, set.Name)
	item, err := s.txn.Get(key)
	if err != nil {
		return nil, readErr(err, what)
	}
	data, err := valueCopy(item)
	if err != nil {
		return nil, valueErr(err, what)
	}
	cb, err := decodeColumnBlock(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(s.cols) >= maxCachedBlocks {
		clear(s.cols)
	}
	s.cols[string(key)] = cb
	return cb, nil
}

// SetWriter builds a set; nothing is visible until Commit.
type SetWriter struct {
	db       *DB
	set      *Set
	ids      *roaring64.Bitmap
	last     uint64
	n        int64
	builders []*columnBuilder
	block    uint32
	wb       *badger.WriteBatch
	done     bool
	replaces *Set // the set Commit replaces, nil for a new one
}

// NewSet starts writing a set named name over table, made as def says.
// It fails when a table of that name exists, and when a set of that name
// exists unless replace is set: then Commit replaces it in one step (its
// rows and definition), as REFRESH SET does.
func (db *DB) NewSet(name, table string, cols []Column, def SetDefinition, replace bool) (*SetWriter, error) {
	if err := db.writable(); err != nil {
		return nil, err
	}
	if !validName(name) {
		return nil, fmt.Errorf("set name %s: %s", clip(name), nameRule)
	}
	if _, err := db.Table(name); err == nil {
		return nil, fmt.Errorf("%w: %s is a table", ErrExists, name)
	}
	s := db.Snapshot()
	old, err := s.SetInfo(name)
	s.Close()
	switch {
	case err == nil && !replace:
		return nil, fmt.Errorf("%w: set %s (DROP SET %s first)", ErrExists, name, name)
	case errors.Is(err, ErrNoSet) && replace:
		return nil, err
	case err != nil && !errors.Is(err, ErrNoSet):
		return nil, err
	}
	id, err := db.nextSeq("set")
	if err != nil {
		return nil, err
	}
	failpoint("set.id")
	w := &SetWriter{db: db, ids: roaring64.New(), wb: db.bdb.NewWriteBatch(), replaces: old,
		set: &Set{ID: id, Name: name, Table: table, Columns: cols, Created: time.Now().UTC(), Definition: &def}}
	for _, c := range cols {
		w.builders = append(w.builders, newColumnBuilder(c.Type))
	}
	return w, nil
}

// Add appends a row; ids must increase. vals holds one value per stored
// column.
func (w *SetWriter) Add(id uint64, vals []Value) error {
	if w.n > 0 && id <= w.last {
		return fmt.Errorf("set %s: row %d repeated or out of order", w.set.Name, id)
	}
	w.last = id
	w.ids.Add(id)
	for i, b := range w.builders {
		b.appendValue(vals[i])
	}
	w.n++
	if w.n%BlockRows == 0 {
		return w.flushBlock()
	}
	return nil
}

func (w *SetWriter) flushBlock() error {
	var need uint64
	for _, b := range w.builders {
		need += uint64(b.size())
	}
	if err := w.db.ensureSpace("set "+w.set.Name, need+uint64(w.ids.GetSizeInBytes())); err != nil {
		return err
	}
	failpoint("set.block")
	for i, b := range w.builders {
		if b.rows == 0 {
			continue
		}
		if size := b.size(); size > maxBlockBytes {
			return fmt.Errorf("set %s: column %s: rows %d to %d hold %s, more than a storage block of %d rows may hold (%s); store shorter values",
				w.set.Name, w.set.Columns[i].Name, int64(w.block)*BlockRows, int64(w.block)*BlockRows+int64(b.rows)-1, mib(size), BlockRows, mib(maxBlockBytes))
		}
		if err := w.wb.Set(setColumnKey(w.set.ID, uint16(i), w.block), b.encode()); err != nil {
			return err
		}
		b.reset()
	}
	w.block++
	return nil
}

// Commit writes the set and makes it visible in one step.
func (w *SetWriter) Commit() error {
	if err := w.flushBlock(); err != nil {
		w.Abort()
		return err
	}
	var buf bytes.Buffer
	w.ids.RunOptimize()
	if _, err := w.ids.WriteTo(&buf); err != nil {
		w.Abort()
		return err
	}
	if err := w.wb.Set(append(setPrefix(w.set.ID), 'i'), buf.Bytes()); err != nil {
		w.Abort()
		return err
	}
	if err := w.wb.Flush(); err != nil {
		w.Abort()
		return err
	}
	failpoint("set.data")
	w.set.Rows = w.n
	b, err := json.Marshal(w.set)
	if err != nil {
		w.Abort()
		return err
	}
	if err := w.db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Set(catalogKey(catSet, strings.ToLower(w.set.Name)), b)
	}); err != nil {
		w.Abort()
		return err
	}
	w.done = true
	failpoint("set.catalog")
	if w.replaces != nil {
		// The catalog points at the new rows; the old ones are unreachable
		// (a crash here leaves them to the next writable open).
		if err := w.db.deleteKeys(setPrefix(w.replaces.ID)); err != nil {
			return err
		}
		return w.db.reclaim()
	}
	return nil
}

// Abort discards everything written.
func (w *SetWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.wb.Cancel()
	w.db.deleteKeys(setPrefix(w.set.ID))
}

// DropSet deletes a set; ok=false when there was none.
func (db *DB) DropSet(name string) (bool, error) {
	if err := db.writable(); err != nil {
		return false, err
	}
	s := db.Snapshot()
	set, err := s.SetInfo(name)
	s.Close()
	if errors.Is(err, ErrNoSet) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// The catalog entry goes first: a crash after it leaves only
	// unreachable data, which the next writable open collects.
	if err := db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Delete(catalogKey(catSet, strings.ToLower(set.Name)))
	}); err != nil {
		return false, err
	}
	failpoint("set.drop")
	if err := db.deleteKeys(setPrefix(set.ID)); err != nil {
		return true, err
	}
	return true, db.reclaim()
}

// checkSets verifies every set's rows exist in its table and its stored
// columns have one value per row.
func checkSets(db *DB, s *Snapshot) error {
	sets, err := db.Sets()
	if err != nil {
		return err
	}
	for _, set := range sets {
		t, err := db.Table(set.Table)
		if err != nil {
			return fmt.Errorf("%w: set %s refers to table %s: %w", ErrCorrupt, set.Name, set.Table, err)
		}
		ids, err := s.SetIDs(set)
		if err != nil {
			return err
		}
		if int64(ids.GetCardinality()) != set.Rows {
			return fmt.Errorf("%w: set %s has %d ids, catalog says %d", ErrCorrupt, set.Name, ids.GetCardinality(), set.Rows)
		}
		// A stale set may hold rows its table no longer has: that is what
		// stale means, and reading it says so; it is not an inconsistency.
		why, err := s.Stale(set)
		if err != nil {
			return err
		}
		it := ids.Iterator()
		for why == nil && it.HasNext() {
			id := it.Next()
			shard, ord, ok := splitRowID(id)
			sh := t.Shard(shard)
			if !ok || sh == nil || ord >= sh.Rows {
				return fmt.Errorf("%w: set %s holds row %d, which table %s does not have", ErrCorrupt, set.Name, id, t.Name)
			}
		}
		for c := range set.Columns {
			var n int64
			for b := uint32(0); int64(b)*BlockRows < set.Rows; b++ {
				cb, err := s.setColumnBlock(set, c, b)
				if err != nil {
					return err
				}
				n += int64(cb.Rows())
			}
			if n != set.Rows {
				return fmt.Errorf("%w: set %s column %s has %d values for %d rows", ErrCorrupt, set.Name, set.Columns[c].Name, n, set.Rows)
			}
		}
	}
	return nil
}
