package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// reclaimRatio is the share of garbage at which a value log file is
// rewritten (its live values copied forward and the file deleted).
const reclaimRatio = 0.5

// reclaim gives back the disk space of values nobody can reach any more
// (replaced generations, dropped sets and indexes): badger rewrites the
// value log files that are at least half garbage, one after the other,
// until none is. Every write command ends with it; it costs nothing when
// there is no garbage.
func (db *DB) reclaim() error {
	for {
		err := db.bdb.RunValueLogGC(reclaimRatio)
		switch {
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return nil
		case err != nil:
			return fmt.Errorf("giving disk space back: %w", err)
		}
	}
}

// VacuumReport says what a vacuum did.
type VacuumReport struct {
	// BytesBefore and BytesAfter are the database's size on disk.
	BytesBefore, BytesAfter int64
	// Orphans counts the stored objects no catalog entry referred to
	// (generations, sets, index graphs left by crashes) that were removed.
	Orphans int
	// Rewrites counts the value log files rewritten.
	Rewrites int
	// Indexes names the vector indexes stored anew without deleted nodes.
	Indexes []string
}

// Vacuum does a full pass over the database: it stores the vector indexes
// without their deleted nodes (see VacuumIndexes), removes what no catalog
// entry refers to (what a crash can leave: generations of shards, rows of
// sets, graphs of indexes), compacts the whole key tree, and rewrites
// every value log file with any garbage at all. progress (may be nil) is
// told of each step; ctx is checked between steps and between files.
func (db *DB) Vacuum(ctx context.Context, progress func(step string, done, total int64)) (*VacuumReport, error) {
	if err := db.writable(); err != nil {
		return nil, err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	rep := &VacuumReport{BytesBefore: diskUsage(db.opts.Dir)}
	stored, err := db.repairIndexesLocked(ctx, "", false, func(name string) indexWork {
		return indexWork{progress: func(done, total int64) { progress("index "+name, done, total) }}
	})
	rep.Indexes = stored
	if err != nil {
		return nil, err
	}
	tables := db.Tables()
	progress("orphans", 0, int64(len(tables))+2)
	for i, t := range tables {
		n, err := db.collectGarbageCount(t)
		if err != nil {
			return nil, err
		}
		rep.Orphans += n
		progress("orphans", int64(i+1), int64(len(tables))+2)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	n, err := db.dropOrphanSets()
	if err != nil {
		return nil, err
	}
	rep.Orphans += n
	if n, err = db.dropOrphanGraphs(); err != nil {
		return nil, err
	}
	rep.Orphans += n
	if n, err = db.dropOrphanClassifiers(); err != nil {
		return nil, err
	}
	rep.Orphans += n
	progress("orphans", int64(len(tables))+2, int64(len(tables))+2)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	progress("compaction", 0, 1)
	if err := db.bdb.Flatten(2); err != nil {
		return nil, fmt.Errorf("compacting: %w", err)
	}
	progress("compaction", 1, 1)
	files := int64(len(vlogFiles(db.opts.Dir)))
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		progress("value log", int64(rep.Rewrites), files)
		err := db.bdb.RunValueLogGC(0.01)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("rewriting the value log: %w", err)
		}
		rep.Rewrites++
	}
	progress("value log", files, files)
	rep.BytesAfter = diskUsage(db.opts.Dir)
	return rep, nil
}

// collectGarbageCount is collectGarbage, counting the generations removed.
func (db *DB) collectGarbageCount(t *Table) (int, error) {
	before := db.generationsOf(t.ID)
	if err := db.collectGarbage(t); err != nil {
		return 0, err
	}
	return before - db.generationsOf(t.ID), nil
}

// generationsOf counts the stored generations of a table's shards.
func (db *DB) generationsOf(table uint32) int {
	seen := map[[2]uint32]bool{}
	prefix := binary.BigEndian.AppendUint32([]byte{kindBlock}, table)
	_ = db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if k := it.Item().Key(); len(k) >= 13 {
				seen[[2]uint32{be32(k[5:]), be32(k[9:])}] = true
			}
		}
		return nil
	})
	return len(seen)
}

// dropOrphanSets removes the rows of sets no catalog entry names: what a
// crash between a set's catalog change and the removal of its old rows
// leaves.
func (db *DB) dropOrphanSets() (int, error) {
	sets, err := db.Sets()
	if err != nil {
		return 0, err
	}
	live := map[uint32]bool{}
	for _, s := range sets {
		live[s.ID] = true
	}
	return db.dropOrphans(kindSet, live)
}

// dropOrphanGraphs removes stored HNSW graphs that are not the current
// graph of an index.
func (db *DB) dropOrphanGraphs() (int, error) {
	all, err := db.Indexes()
	if err != nil {
		return 0, err
	}
	n := 0
	live := map[uint32]bool{}
	for _, v := range all {
		live[v.ID] = true
	}
	if n, err = db.dropOrphans(kindIndex, live); err != nil {
		return n, err
	}
	// Older graphs of live indexes.
	for _, v := range all {
		graphs := map[uint32]bool{}
		prefix := binary.BigEndian.AppendUint32([]byte{kindIndex}, v.ID)
		_ = db.bdb.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if k := it.Item().Key(); len(k) >= 9 {
					graphs[be32(k[5:])] = true
				}
			}
			return nil
		})
		for g := range graphs {
			if g != v.Graph {
				if err := db.deleteKeys(indexKey(v.ID, g, 0)[:9]); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}

// dropOrphans deletes the objects of one key kind (kind byte, then a
// 4-byte id) whose id is not live.
func (db *DB) dropOrphans(kind byte, live map[uint32]bool) (int, error) {
	dead := map[uint32]bool{}
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kind}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if k := it.Item().Key(); len(k) >= 5 && !live[be32(k[1:])] {
				dead[be32(k[1:])] = true
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for id := range dead {
		if err := db.deleteKeys(binary.BigEndian.AppendUint32([]byte{kind}, id)); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// DiskUsage returns the bytes the database takes on disk (allocated
// blocks, not apparent sizes: badger preallocates its files).
func (db *DB) DiskUsage() int64 { return diskUsage(db.opts.Dir) }

func diskUsage(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += info.Size()
		}
		return nil
	})
	return n
}

func vlogFiles(dir string) []string {
	var out []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".vlog") {
			out = append(out, e.Name())
		}
	}
	return out
}
