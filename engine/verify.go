package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Keys  int64 // keys read
	Bytes int64 // bytes of values read
	// Problems lists every damaged or inconsistent thing found, each
	// naming what it is (table, shard, block, column; set; index), in the
	// order found. Empty when the database is sound.
	Problems []string
}

// maxProblems bounds the problems Verify lists: past it, the database is
// damaged enough for the count to be what matters.
const maxProblems = 100

// Verify checks the whole database, as `laiondb check` does: every table
// file's block checksums, every value's checksum (each one is read), that
// every column block decodes, and then Check's invariants (every visible
// row's blocks and caption index, sets, vector indexes, the embedding
// cache). progress, when set, is called with the bytes of values read so
// far and in all. The error is for Verify itself failing (ctx cancelled);
// what is wrong with the database is in the report.
func (db *DB) Verify(ctx context.Context, progress func(done, total int64)) (*VerifyReport, error) {
	rep := &VerifyReport{}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		} else if len(rep.Problems) == maxProblems {
			rep.Problems = append(rep.Problems, "(more problems not listed)")
		}
	}
	if err := db.bdb.VerifyChecksum(); err != nil {
		problem("table files (.sst): %v", err)
	}
	names := db.keyNames()
	var total int64
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			total += it.Item().ValueSize()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var done, lastReport int64
	err = db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			k := item.KeyCopy(nil)
			rep.Keys++
			err := valueOf(item, func(v []byte) error {
				rep.Bytes += int64(len(v))
				if k[0] == kindBlock && len(k) == 20 && k[17] == blockScalar {
					if _, err := decodeColumnBlock(v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				problem("%v", valueErr(err, names.describe(k)))
			}
			done += item.ValueSize()
			if progress != nil && done-lastReport > 1<<24 {
				lastReport = done
				progress(min(done, total), total)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(total, total)
	}
	if len(rep.Problems) == 0 {
		// The invariants read everything again; with damaged values they
		// would only repeat the first problem.
		if err := db.Check(); err != nil {
			problem("%v", err)
		}
	}
	return rep, nil
}

// keyNames maps the ids in keys back to names, for messages.
type keyNames struct {
	tables  map[uint32]*Table
	sets    map[uint32]string
	indexes map[uint32]string
}

func (db *DB) keyNames() *keyNames {
	n := &keyNames{tables: map[uint32]*Table{}, sets: map[uint32]string{}, indexes: map[uint32]string{}}
	for _, t := range db.Tables() {
		n.tables[t.ID] = t
	}
	// Best effort: a catalog that does not read is a problem Verify
	// reports by itself.
	db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindCatalog}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) < 2 || k[1] != catSet && k[1] != catIndex {
				continue
			}
			var v struct {
				ID   uint32 `json:"id"`
				Name string `json:"name"`
			}
			if it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }) == nil {
				if k[1] == catSet {
					n.sets[v.ID] = v.Name
				} else {
					n.indexes[v.ID] = v.Name
				}
			}
		}
		return nil
	})
	return n
}

// describe says what a key holds, in the words of the catalog.
func (n *keyNames) describe(k []byte) string {
	table := func(id uint32) (string, *Table) {
		if t := n.tables[id]; t != nil {
			return "table " + t.Name, t
		}
		return fmt.Sprintf("table id %d (no catalog entry)", id), nil
	}
	switch {
	case len(k) == 0:
		return "an empty key"
	case k[0] == kindFormat:
		return "the format marker"
	case k[0] == kindCatalog && len(k) >= 2:
		kind := map[byte]string{catTable: "table", catSet: "set", catIndex: "index", catSeq: "sequence"}[k[1]]
		return fmt.Sprintf("the catalog entry of %s %s", kind, clip(string(k[2:])))
	case (k[0] == kindBlock || k[0] == kindTokens || k[0] == kindLabels) && len(k) >= 13:
		name, t := table(be32(k[1:]))
		shard, gen := be32(k[5:]), be32(k[9:])
		where := fmt.Sprintf("%s shard %d generation %d", name, shard, gen)
		if t != nil {
			if sh := t.Shard(shard); sh == nil || sh.Gen != gen && (sh.Pending == nil || sh.Pending.Gen != gen) {
				where += " (not referenced: a leftover the next ingest deletes)"
			}
		}
		switch {
		case k[0] == kindBlock && len(k) == 20:
			b, col := be32(k[13:]), binary.BigEndian.Uint16(k[18:])
			what := fmt.Sprintf("column %d", col)
			if t != nil && k[17] == blockScalar && int(col) < len(t.Columns) {
				what = "column " + t.Columns[col].Name
			} else if t != nil && k[17] == blockVector && int(col) < len(t.Vectors) {
				what = "vector column " + t.Vectors[col].Name
			}
			return fmt.Sprintf("%s block %d %s", where, b, what)
		case k[0] == kindTokens && len(k) >= 15:
			rule := ruleName(k[13])
			if k[14] == 'd' {
				return fmt.Sprintf("%s caption index (%s rule) directory", where, rule)
			}
			if len(k) == 19 {
				return fmt.Sprintf("%s caption index (%s rule) chunk %d", where, rule, be32(k[15:]))
			}
		case k[0] == kindLabels && len(k) == 14:
			return fmt.Sprintf("%s ImageNet labelling (%s rule)", where, ruleName(k[13]))
		}
		return where
	case k[0] == kindSet && len(k) >= 6:
		id := be32(k[1:])
		name := n.sets[id]
		if name == "" {
			name = fmt.Sprintf("id %d (no catalog entry)", id)
		}
		if k[5] == 'c' && len(k) == 12 {
			return fmt.Sprintf("set %s column %d block %d", name, binary.BigEndian.Uint16(k[6:]), be32(k[8:]))
		}
		return fmt.Sprintf("set %s row ids", name)
	case k[0] == kindIndex && len(k) == 13:
		id := be32(k[1:])
		name := n.indexes[id]
		if name == "" {
			name = fmt.Sprintf("id %d (no catalog entry)", id)
		}
		return fmt.Sprintf("vector index %s graph %d chunk %d", name, be32(k[5:]), be32(k[9:]))
	case k[0] == kindEmbed:
		model, _, _ := strings.Cut(string(k[1:]), "\x00")
		return "a cached embedding of model " + clip(model)
	}
	return fmt.Sprintf("key %q", clip(string(k)))
}

func ruleName(id byte) string {
	for _, r := range captionRules {
		if r.id == id {
			return r.name
		}
	}
	return fmt.Sprintf("%q", id)
}
