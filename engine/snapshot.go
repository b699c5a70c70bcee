package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/dgraph-io/badger/v4"
)

// Source is what a query reads: a table, or a set of a table's rows with
// the columns stored with the set. It reads like a table whose columns are
// Columns: the row id first, then the table's scalar columns, its vector
// columns, and a set's own columns, which shadow table columns of the same
// name. A Source belongs to the Snapshot that opened it.
type Source struct {
	// Name is the table's or the set's name.
	Name    string
	Table   *Table
	Set     *Set // nil for a table
	Columns []SourceColumn

	s      *Snapshot
	setIDs *roaring64.Bitmap // a set's rows, read once
}

// ColumnKind says where a source column's values come from.
type ColumnKind uint8

// The kinds of source columns.
const (
	KindID     ColumnKind = iota // the row id
	KindScalar                   // a scalar column of the table
	KindVector                   // a vector column of the table
	KindStored                   // a column stored with a set
)

// SourceColumn is one column of a Source.
type SourceColumn struct {
	Name string
	Type Type
	Kind ColumnKind
	// Vector columns: dimension, model and stored element type.
	Dim   int
	Model string
	DType string
	// From is the parquet column a scalar column was read from, when its
	// name differs.
	From string

	index int // in Table.Columns, Table.Vectors or Set.Columns
}

// IDColumn is the name of every source's first column.
const IDColumn = "id"

// Source opens the table or set called name as of this snapshot. A set
// whose sources changed since it was made is an error (*StaleError). The
// versions of what was opened are kept for Reads.
func (s *Snapshot) Source(name string) (*Source, error) {
	src, err := s.SourceMaybeStale(name)
	if err != nil || src.Set == nil {
		return src, err
	}
	why, err := s.Stale(src.Set)
	if err != nil {
		return nil, err
	}
	if why != nil {
		return nil, why
	}
	return src, nil
}

// SourceMaybeStale is Source without the staleness check, for describing
// a set and for making it again.
func (s *Snapshot) SourceMaybeStale(name string) (*Source, error) {
	t, err := s.Table(name)
	if err == nil {
		return s.source(t, nil), nil
	}
	if !errors.Is(err, ErrNoTable) {
		return nil, err
	}
	set, err := s.SetInfo(name)
	if err != nil {
		if errors.Is(err, ErrNoSet) {
			return nil, fmt.Errorf("%w: %s", ErrNoSource, name)
		}
		return nil, err
	}
	if t, err = s.Table(set.Table); err != nil {
		return nil, fmt.Errorf("set %s refers to table %s, which no longer exists: %w", name, set.Table, err)
	}
	return s.source(t, set), nil
}

func (s *Snapshot) source(t *Table, set *Set) *Source {
	src := &Source{Name: t.Name, Table: t, Set: set, s: s}
	shadow := map[string]bool{}
	if set != nil {
		src.Name = set.Name
		for _, c := range set.Columns {
			shadow[strings.ToLower(c.Name)] = true
		}
	}
	src.Columns = append(src.Columns, SourceColumn{Name: IDColumn, Type: TypeInt, Kind: KindID})
	for i, c := range t.Columns {
		if shadow[strings.ToLower(c.Name)] {
			continue
		}
		sc := SourceColumn{Name: c.Name, Type: c.Type, Kind: KindScalar, index: i}
		if c.Source != "" && c.Source != c.Name {
			sc.From = c.Source
		}
		src.Columns = append(src.Columns, sc)
	}
	for i, v := range t.Vectors {
		if shadow[strings.ToLower(v.Name)] {
			continue
		}
		src.Columns = append(src.Columns, SourceColumn{Name: v.Name, Type: TypeVector, Kind: KindVector, Dim: v.Dim, Model: v.Model, DType: v.DType, index: i})
	}
	if set != nil {
		for i, c := range set.Columns {
			src.Columns = append(src.Columns, SourceColumn{Name: c.Name, Type: c.Type, Kind: KindStored, index: i})
		}
	}
	s.opened = append(s.opened, src)
	return src
}

// Column returns the position of the column named name (case-insensitive)
// in Columns, or -1.
func (src *Source) Column(name string) int {
	for i, c := range src.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Rows returns the number of rows of the source.
func (src *Source) Rows() int64 {
	if src.Set != nil {
		return src.Set.Rows
	}
	return src.Table.Rows()
}

// ids returns the rows of a set (nil for a table: every row).
func (src *Source) ids() (*roaring64.Bitmap, error) {
	if src.Set == nil {
		return nil, nil
	}
	if src.setIDs == nil {
		ids, err := src.s.SetIDs(src.Set)
		if err != nil {
			return nil, err
		}
		src.setIDs = ids
	}
	return src.setIDs, nil
}

// Restrict returns the rows of the source that are in ids (nil: every row
// of the source; nil only when the source is a table).
func (src *Source) Restrict(ids *roaring64.Bitmap) (*roaring64.Bitmap, error) {
	own, err := src.ids()
	if err != nil {
		return nil, err
	}
	switch {
	case own == nil:
		return ids, nil
	case ids == nil:
		return own.Clone(), nil
	}
	return roaring64.And(ids, own), nil
}

// Count returns how many rows of the source are in ids (nil: every row).
func (src *Source) Count(ids *roaring64.Bitmap) (int64, error) {
	ids, err := src.Restrict(ids)
	if err != nil || ids == nil {
		return src.Rows(), err
	}
	var n int64
	for _, sh := range src.Table.Shards {
		if sh.Rows == 0 {
			continue
		}
		lo := rowID(sh.Number, 0)
		// Rank(x) counts the ids <= x.
		n += int64(ids.Rank(lo+uint64(sh.Rows)-1)) - int64(ids.Rank(lo)) + b2i(ids.Contains(lo))
	}
	return n, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Has reports whether the source has the row id.
func (src *Source) Has(id uint64) (bool, error) {
	shard, ord, ok := splitRowID(id)
	if sh := src.Table.Shard(shard); !ok || sh == nil || ord >= sh.Rows {
		return false, nil
	}
	own, err := src.ids()
	switch {
	case err != nil:
		return false, err
	case own == nil:
		return true, nil
	}
	return own.Contains(id), nil
}

// Table returns the catalog entry of the table called name as of this
// snapshot.
func (s *Snapshot) Table(name string) (*Table, error) {
	item, err := s.txn.Get(catalogKey(catTable, strings.ToLower(name)))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoTable, name)
	}
	if err != nil {
		return nil, err
	}
	var t Table
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &t) }); err != nil {
		return nil, fmt.Errorf("%w: catalog entry of table %s: %w", ErrCorrupt, name, err)
	}
	return &t, nil
}

// Tables returns the catalog entries of every table as of this snapshot,
// by name.
func (s *Snapshot) Tables() ([]*Table, error) {
	var out []*Table
	it := s.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindCatalog, catTable}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var t Table
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &t) }); err != nil {
			return nil, fmt.Errorf("%w: catalog entry %q: %w", ErrCorrupt, it.Item().Key(), err)
		}
		out = append(out, &t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
