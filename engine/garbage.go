package engine

import (
	"github.com/dgraph-io/badger/v4"
)

// What a crash between two commits can leave unreferenced, and who
// deletes it:
//
//   - a shard generation of a table (an ingest killed before the old
//     generation was deleted, or during a rollback): the next ingest into
//     the table (collectGarbage);
//   - every key of a table id with no catalog entry (a new table's
//     ingest killed during its rollback): the next writable open or
//     ingest (collectOrphanTables);
//   - a set's ids and columns without a catalog entry (CREATE SET killed
//     before its catalog commit, DROP SET after it) and an index's graph
//     chunks other than the one its entry names (CREATE INDEX killed, an
//     index saved again and killed before the old graph went): the next
//     writable open (collectOrphans).
//
// The writable open is a safe moment: no write of this process is under
// way and badger's lock keeps other processes out.

// collectOrphans deletes what no catalog entry refers to. It seeks once
// per set, index graph and table id, so it costs little.
func (db *DB) collectOrphans() error {
	sets, err := db.Sets()
	if err != nil {
		return err
	}
	liveSets := map[uint32]bool{}
	for _, s := range sets {
		liveSets[s.ID] = true
	}
	indexes, err := db.Indexes()
	if err != nil {
		return err
	}
	liveGraphs := map[[2]uint32]bool{}
	for _, v := range indexes {
		liveGraphs[[2]uint32{v.ID, v.Graph}] = true
	}
	var dead [][]byte
	// Sets: 0x04 set(4) ...
	sp, err := db.keyPrefixes(kindSet, 4)
	if err != nil {
		return err
	}
	for _, p := range sp {
		if !liveSets[be32(p[1:])] {
			dead = append(dead, p)
		}
	}
	// Index graphs: 0x05 index(4) graph(4) chunk(4)
	gp, err := db.keyPrefixes(kindIndex, 8)
	if err != nil {
		return err
	}
	for _, p := range gp {
		if !liveGraphs[[2]uint32{be32(p[1:]), be32(p[5:])}] {
			dead = append(dead, p)
		}
	}
	for _, p := range dead {
		if err := db.deleteKeys(p); err != nil {
			return err
		}
	}
	return db.collectOrphanTables()
}

// keyPrefixes returns every distinct prefix of the keys of kind that is
// the kind byte and the next width bytes (an id, or an id and a
// generation), seeking past each: one seek per prefix, not one step per
// key. Shorter keys of the kind are skipped.
func (db *DB) keyPrefixes(kind byte, width int) ([][]byte, error) {
	var out [][]byte
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kind}})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < 1+width {
				it.Next()
				continue
			}
			p := append([]byte(nil), k[:1+width]...)
			out = append(out, p)
			next, ok := successor(p)
			if !ok {
				break
			}
			it.Seek(next)
		}
		return nil
	})
	return out, err
}

// successor returns the smallest key greater than every key starting with
// p (p incremented as a big-endian number), or false when p is all 0xff
// after its kind byte.
func successor(p []byte) ([]byte, bool) {
	next := append([]byte(nil), p...)
	for i := len(next) - 1; i >= 1; i-- {
		next[i]++
		if next[i] != 0 {
			return next, true
		}
	}
	return nil, false
}
