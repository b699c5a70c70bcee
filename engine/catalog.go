package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// RowsPerShard is the id space of one shard: a row's id is
// shard × RowsPerShard + its 0-based ordinal in the shard's files,
// the scheme of the LAIONet paper.
const RowsPerShard = 100_000_000

// MaxShard is the largest shard number: keys hold it in 4 bytes, and the
// largest id, MaxShard × RowsPerShard + RowsPerShard − 1, still fits the
// query language's 64-bit signed integers.
const MaxShard = math.MaxUint32

// rowID returns the id of ordinal ord of shard.
func rowID(shard, ord uint32) uint64 { return uint64(shard)*RowsPerShard + uint64(ord) }

// maxRowID is the largest id a row can have.
const maxRowID = uint64(MaxShard)*RowsPerShard + RowsPerShard - 1

// splitRowID returns the shard and ordinal of an id; ok is false for an
// id no row can have (past maxRowID, or a negative number converted),
// whose shard would otherwise wrap around to a real one.
func splitRowID(id uint64) (shard, ord uint32, ok bool) {
	if id > maxRowID {
		return 0, 0, false
	}
	return uint32(id / RowsPerShard), uint32(id % RowsPerShard), true
}

// Column is a scalar column of a table.
type Column struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
	// Source is the column's name in the parquet files it came from.
	Source string `json:"source,omitempty"`
}

// VectorColumn is a named embedding column (img, txt).
type VectorColumn struct {
	Name  string `json:"name"`
	Dim   int    `json:"dim"`
	DType string `json:"dtype"` // "f16" or "f32"
	Model string `json:"model"`
}

// ElemSize is the stored size of one vector element in bytes.
func (v VectorColumn) ElemSize() int {
	if v.DType == "f32" {
		return 4
	}
	return 2
}

// Shard is one ingested shard of a table. Readers see generation Gen with
// Rows rows; an ingest in progress writes generation Pending.Gen beside it
// and switches Gen only when complete, so a shard is never half-visible.
type Shard struct {
	Number  uint32   `json:"number"`
	Gen     uint32   `json:"gen"`
	Rows    uint32   `json:"rows"`
	Sources []string `json:"sources,omitempty"`
	// Tokens lists the caption token index rules built for Gen.
	Tokens  []string `json:"tokens,omitempty"`
	Pending *Pending `json:"pending,omitempty"`
	// HasVector[i] tells whether vector column i was ingested for this shard.
	HasVector []bool `json:"has_vector,omitempty"`
	// Stamp is drawn at random for each generation; what is stored about
	// the generation's rows (its labelling) carries it, so it can never be
	// taken for another generation's.
	Stamp uint64 `json:"stamp,omitempty"`
}

// Pending records an ingest of a shard that has not finished: which
// generation it writes, how many rows it has committed, and the
// fingerprint of its input so that a rerun on the same files resumes.
type Pending struct {
	Gen         uint32   `json:"gen"`
	Committed   uint32   `json:"committed"`
	Total       uint32   `json:"total"`
	Fingerprint string   `json:"fingerprint"`
	Sources     []string `json:"sources"`
	HasVector   []bool   `json:"has_vector,omitempty"`
	Stamp       uint64   `json:"stamp,omitempty"`
}

// newStamp draws a generation's Stamp.
func newStamp() uint64 { return rand.Uint64() | 1 }

// Table is the catalog entry of a table. The catalog is small JSON under one
// key per table; engine methods hand out copies.
type Table struct {
	ID      uint32         `json:"id"`
	Name    string         `json:"name"`
	Columns []Column       `json:"columns"`
	Vectors []VectorColumn `json:"vectors"`
	Shards  []*Shard       `json:"shards"`
	NextGen uint32         `json:"next_gen"`
}

// Rows returns the number of visible rows.
func (t *Table) Rows() int64 {
	var n int64
	for _, s := range t.Shards {
		n += int64(s.Rows)
	}
	return n
}

// Column returns the index of the scalar column named name
// (case-insensitive), or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Vector returns the index of the vector column named name, or -1.
func (t *Table) Vector(name string) int {
	for i, v := range t.Vectors {
		if strings.EqualFold(v.Name, name) {
			return i
		}
	}
	return -1
}

// Shard returns the shard numbered n, or nil.
func (t *Table) Shard(n uint32) *Shard {
	for _, s := range t.Shards {
		if s.Number == n {
			return s
		}
	}
	return nil
}

func (t *Table) addShard(s *Shard) {
	t.Shards = append(t.Shards, s)
	sort.Slice(t.Shards, func(i, j int) bool { return t.Shards[i].Number < t.Shards[j].Number })
}

// clone returns a deep copy, so callers can read a table while an ingest
// updates the catalog.
func (t *Table) clone() *Table {
	c := *t
	c.Columns = append([]Column(nil), t.Columns...)
	c.Vectors = append([]VectorColumn(nil), t.Vectors...)
	c.Shards = make([]*Shard, len(t.Shards))
	for i, s := range t.Shards {
		cs := *s
		cs.Sources = append([]string(nil), s.Sources...)
		cs.Tokens = append([]string(nil), s.Tokens...)
		cs.HasVector = append([]bool(nil), s.HasVector...)
		if s.Pending != nil {
			p := *s.Pending
			p.Sources = append([]string(nil), s.Pending.Sources...)
			p.HasVector = append([]bool(nil), s.Pending.HasVector...)
			cs.Pending = &p
		}
		c.Shards[i] = &cs
	}
	return &c
}

func (s *Shard) hasTokens(rule string) bool {
	for _, r := range s.Tokens {
		if r == rule {
			return true
		}
	}
	return false
}

func (s *Shard) hasVector(i int) bool { return i < len(s.HasVector) && s.HasVector[i] }

// Describe returns a one-line schema summary.
func (t *Table) Describe() string {
	var parts []string
	for _, c := range t.Columns {
		parts = append(parts, c.Name+" "+c.Type.String())
	}
	for _, v := range t.Vectors {
		parts = append(parts, fmt.Sprintf("%s VECTOR(%d %s %s)", v.Name, v.Dim, v.DType, v.Model))
	}
	return t.Name + "(" + strings.Join(parts, ", ") + ")"
}
