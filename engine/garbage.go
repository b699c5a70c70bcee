package engine

import (
	"encoding/binary"
	"math"

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
	err = db.bdb.View(func(txn *badger.Txn) error {
		// Sets: 0x04 set(4) ...
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindSet}})
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < 5 {
				it.Next()
				continue
			}
			id := be32(k[1:])
			if !liveSets[id] {
				dead = append(dead, setPrefix(id))
			}
			if id == math.MaxUint32 {
				break
			}
			it.Seek(setPrefix(id + 1))
		}
		it.Close()
		// Index graphs: 0x05 index(4) graph(4) chunk(4)
		it = txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindIndex}})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < 9 {
				it.Next()
				continue
			}
			g := [2]uint32{be32(k[1:]), be32(k[5:])}
			prefix := append([]byte(nil), k[:9]...)
			if !liveGraphs[g] {
				dead = append(dead, prefix)
			}
			next := binary.BigEndian.Uint64(prefix[1:]) + 1
			if next == 0 {
				break
			}
			it.Seek(binary.BigEndian.AppendUint64([]byte{kindIndex}, next))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range dead {
		if err := db.deleteKeys(p); err != nil {
			return err
		}
	}
	return db.collectOrphanTables()
}
