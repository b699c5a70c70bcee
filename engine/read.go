package engine

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Snapshot is a consistent read view of the database: everything read
// through it reflects one moment, whatever is written meanwhile. Close it
// when done. A Snapshot is not safe for concurrent use.
type Snapshot struct {
	db  *DB
	txn *badger.Txn
	// cached decoded column blocks, keyed by block key
	cols   map[string]*columnBlock
	tokens map[string]*tokenIndex
	opened []*Source // what Source opened, for Reads
}

// Snapshot opens a read view.
func (db *DB) Snapshot() *Snapshot {
	return &Snapshot{db: db, txn: db.bdb.NewTransaction(false), cols: map[string]*columnBlock{}, tokens: map[string]*tokenIndex{}}
}

// Close releases the view.
func (s *Snapshot) Close() { s.txn.Discard() }

// Blocks returns the number of blocks of a shard's visible generation.
func (sh *Shard) Blocks() uint32 { return (sh.Rows + BlockRows - 1) / BlockRows }

// shardColumnBlock is columnBlock of a shard's visible generation,
// checked against what the catalog says the block holds: its rows and its
// column's type.
func (s *Snapshot) shardColumnBlock(t *Table, sh *Shard, b uint32, col int) (*columnBlock, error) {
	cb, err := s.columnBlock(t, sh.Number, sh.Gen, b, col)
	if err == nil && cb != nil && b < sh.Blocks() {
		if err := cb.check(t.Columns[col].Type, blockRows(sh.Rows, b)); err != nil {
			return nil, fmt.Errorf("table %s shard %d block %d column %s: %w", t.Name, sh.Number, b, t.Columns[col].Name, err)
		}
	}
	return cb, err
}

const maxCachedBlocks = 256

// columnBlock returns block b of scalar column col of one generation of a
// shard, or nil when the shard has no values for that column (all NULL).
// Blocks are cached in the snapshot; at most maxCachedBlocks stay.
func (s *Snapshot) columnBlock(t *Table, shard, gen, b uint32, col int) (*columnBlock, error) {
	key := blockKey(t.ID, shard, gen, b, blockScalar, uint16(col))
	if cb, ok := s.cols[string(key)]; ok {
		return cb, nil
	}
	item, err := s.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, blockErr(err, t, shard, b, "column "+t.Columns[col].Name)
	}
	data, err := valueCopy(item)
	if err != nil {
		return nil, blockErr(err, t, shard, b, "column "+t.Columns[col].Name)
	}
	cb, err := decodeColumnBlock(data)
	if err != nil {
		return nil, fmt.Errorf("table %s shard %d block %d column %s: %w", t.Name, shard, b, t.Columns[col].Name, err)
	}
	if len(s.cols) >= maxCachedBlocks {
		clear(s.cols)
	}
	s.cols[string(key)] = cb
	return cb, nil
}

// vectorBlock calls fn with the stored bytes of block b of vector column
// vc of a shard: rows × dim elements of the column's dtype, row-major. The
// bytes are lent: they are valid only during fn and must not be modified.
// fn is not called when the shard has no vectors for the column.
func (s *Snapshot) vectorBlock(t *Table, sh *Shard, b uint32, vc int, fn func(data []byte) error) error {
	if !sh.hasVector(vc) {
		return nil
	}
	item, err := s.txn.Get(blockKey(t.ID, sh.Number, sh.Gen, b, blockVector, uint16(vc)))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("%w: table %s shard %d lacks vector block %d of %s", ErrCorrupt, t.Name, sh.Number, b, t.Vectors[vc].Name)
	}
	if err != nil {
		return blockErr(err, t, sh.Number, b, "vector "+t.Vectors[vc].Name)
	}
	return readVectorBlock(item, t, sh, b, vc, fn)
}

// rebuildTokens re-indexes the captions of rows [0, upto) of a pending
// generation, for an ingest that resumes after a crash.
func (db *DB) rebuildTokens(t *Table, shard, gen, upto uint32, tb *tokenBuilder) error {
	ci := t.Column("caption")
	if ci < 0 {
		return nil
	}
	s := db.Snapshot()
	defer s.Close()
	for b := uint32(0); b*BlockRows < upto; b++ {
		cb, err := s.columnBlock(t, shard, gen, b, ci)
		if err != nil {
			return err
		}
		if cb == nil {
			return fmt.Errorf("%w: resuming shard %d: caption block %d missing", ErrCorrupt, shard, b)
		}
		tb.addBlock(b*BlockRows, cb)
	}
	return nil
}

// tokenIndexFor opens (once per snapshot) a shard's caption index for rule.
func (s *Snapshot) tokenIndexFor(t *Table, sh *Shard, rule captionRule) (*tokenIndex, error) {
	key := string(tokenPrefix(t.ID, sh.Number, sh.Gen, rule.id))
	if ti, ok := s.tokens[key]; ok {
		return ti, nil
	}
	ti, err := openTokenIndex(s.txn, t.ID, sh.Number, sh.Gen, rule.id)
	if err != nil {
		return nil, fmt.Errorf("table %s shard %d: %w", t.Name, sh.Number, err)
	}
	s.tokens[key] = ti
	return ti, nil
}
