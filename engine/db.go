package engine

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// FormatVersion is the on-disk format this binary writes and reads.
const FormatVersion = 1

const formatMagic = "laiondb\x00"

// valueThreshold sends every block (KBs to MBs) to badger's value log,
// where it is written once and read without copying; catalog entries and
// small values stay in the LSM tree.
const valueThreshold = 4 << 10

// Badger's memtables hold keys, value pointers and the few values under
// valueThreshold (catalog entries, small blocks): an ingest of a 1M-row
// shard puts ~20 MB in them. Badger's defaults (five of 64 MB, each an
// 85 MB arena in memory plus a 128 MB mapped write-ahead log) are sized
// for values that live in the LSM tree; these keep ingest memory small.
const (
	memTableSize = 16 << 20
	numMemtables = 2
)

// DB is an open laiondb database.
type DB struct {
	bdb  *badger.DB
	opts Options

	// writeMu serialises writers (ingest, set and index creation);
	// readers never take it.
	writeMu sync.Mutex

	mu      sync.RWMutex
	tables  map[string]*Table       // catalog cache, keyed by lower-cased name
	indexes map[string]*loadedIndex // vector indexes in memory, by name

	mapped *mappedWatcher // nil when mapped pages are not bounded
}

// Open opens (creating if needed, unless read-only) the database in
// opts.Dir. A directory that holds data but is damaged — its MANIFEST cut
// short or missing, table files it does not list, a value-log entry that
// fails its checksum — is an error wrapping ErrCorrupt, and nothing in it
// is changed (see preflight.go); so is one that holds data but no format
// marker: laiondb writes the marker only into a new, empty database.
//
// While another process holds the directory in a way that keeps this
// open out (a writer; for a writer, readers too), Open waits up to
// opts.BusyTimeout for it, then fails with an error wrapping ErrLocked
// that names the holders.
func Open(opts Options) (*DB, error) { return OpenContext(context.Background(), opts) }

// OpenContext is Open whose wait for a lock (Options.BusyTimeout) ends
// when ctx is done, with ctx's error.
func OpenContext(ctx context.Context, opts Options) (*DB, error) {
	start := time.Now()
	delay := 5 * time.Millisecond
	for {
		db, err := open(opts)
		if !errors.Is(err, ErrLocked) {
			return db, err
		}
		left := opts.BusyTimeout - time.Since(start)
		if left <= 0 {
			if opts.BusyTimeout > 0 {
				err = fmt.Errorf("%w (after waiting %s for it: --busy-timeout)", err, opts.BusyTimeout)
			}
			return nil, err
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// open is one attempt of Open.
func open(opts Options) (*DB, error) {
	bo := badger.DefaultOptions(opts.Dir).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(cmp.Or(opts.ValueLogFileSize, 256<<20)).
		WithBlockCacheSize(16 << 20).
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithDetectConflicts(false).
		WithNumVersionsToKeep(1).
		WithLogger(nil)
	bo = withChecksums(bo, !opts.skipChecksums)
	if opts.Log != nil {
		bo = bo.WithLogger(badgerLogger{opts.Log})
	}
	// No in-memory mode: blocks of vectors (megabytes) live in badger's
	// value log, which an in-memory badger does not have; tests use
	// temporary directories.
	fresh, err := checkDir(opts.Dir, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	if !fresh {
		if lockedByOthers(opts.Dir, opts.ReadOnly) {
			return nil, lockedErr(opts.Dir)
		}
		if err := preflight(opts.Dir, opts.ReadOnly); err != nil {
			return nil, err
		}
	}
	if !opts.ReadOnly {
		if free, err := diskFree(opts.Dir); err == nil && free < openReserve {
			return nil, fmt.Errorf("%s: %w: a writable open needs at least %s free and the filesystem has %s; free some space, or open it with --read-only", opts.Dir, syscall.ENOSPC, bytesString(openReserve), bytesString(free))
		}
	}
	bo = bo.WithReadOnly(opts.ReadOnly)
	bdb, err := openBadger(bo)
	if opts.ReadOnly && needsRecovery(err) {
		if err = recoverCrash(opts.Dir, bo); err == nil {
			bdb, err = openBadger(bo)
			// The writer's lock we just released lives on in a child this
			// process forked (to run a command) until the child execs:
			// wait out that moment rather than report a phantom writer.
			for wait := time.Millisecond; isLockErr(err) && wait < time.Second; wait *= 2 {
				time.Sleep(wait)
				bdb, err = openBadger(bo)
			}
		}
	}
	if err != nil {
		if isLockErr(err) {
			return nil, lockedErr(opts.Dir)
		}
		if errors.Is(err, errRecovery) {
			return nil, err
		}
		if errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("%s: %w", opts.Dir, err)
		}
		return nil, fmt.Errorf("open %s: %w", opts.Dir, err)
	}
	db := &DB{bdb: bdb, opts: opts, mapped: watchMapped(opts.Dir, opts.MappedMemory)}
	if err := db.checkFormat(fresh); err != nil {
		db.mapped.stop()
		bdb.Close()
		return nil, err
	}
	if err := db.loadCatalog(); err != nil {
		db.mapped.stop()
		bdb.Close()
		return nil, err
	}
	if !opts.ReadOnly {
		if err := db.collectOrphans(); err != nil {
			db.mapped.stop()
			bdb.Close()
			return nil, fmt.Errorf("%s: collecting what a crash left: %w", opts.Dir, err)
		}
	}
	return db, nil
}

// recoverCrash opens the database for writing and closes it again, which
// is badger's recovery from a killed writer (it cuts its write-ahead log
// after the last whole entry and flushes it), so that a read-only open
// works after a crash. It does what the next writer would do first; when
// another process has the database open, or the directory cannot be
// written, the error says what to run.
func recoverCrash(dir string, bo badger.Options) error {
	if err := preflight(dir, false); err != nil {
		return err
	}
	bdb, err := openBadger(bo.WithReadOnly(false))
	if err == nil {
		err = bdb.Close()
	}
	if err == nil {
		return nil
	}
	why := err.Error()
	if isLockErr(err) {
		why = "another process has it open"
	}
	return fmt.Errorf("%s: %w: its last writer was killed, and opening it after that cuts the end of badger's log, which needs the directory to itself and writable for a moment (%s); open it again once no other process has it open, or copy the directory somewhere writable and open the copy",
		dir, errRecovery, why)
}

// checkDir refuses directories that are clearly not laiondb databases
// before badger writes anything into them. fresh reports a directory
// that did not exist or held nothing: the only kind laiondb initialises.
func checkDir(dir string, readOnly bool) (fresh bool, err error) {
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if readOnly {
			return false, fmt.Errorf("%s: no database there (create one with laiondb ingest)", dir)
		}
		return true, os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return false, fmt.Errorf("%s: %w: it is a file; --db takes a directory", dir, ErrNotDatabase)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	if len(ents) == 0 {
		if readOnly {
			return false, fmt.Errorf("%s: empty directory, no database there (create one with laiondb ingest)", dir)
		}
		return true, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		if f, lerr := listDir(dir); lerr == nil && f.hasData() {
			return false, preflight(dir, readOnly) // says what is missing
		}
		return false, fmt.Errorf("%s: %w: the directory holds other files; choose a new or empty directory for --db", dir, ErrNotDatabase)
	}
	return false, nil
}

// checkFormat reads the format key, writing it into a new database: one
// whose directory was empty (fresh) or holds no table file and no key (a
// writer killed while creating it).
func (db *DB) checkFormat(fresh bool) error {
	var found []byte
	empty := true
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		item, err := txn.Get(formatKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found, err = valueCopy(item)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w: reading the format marker: %v", db.opts.Dir, ErrCorrupt, err)
	}
	where := db.opts.Dir
	if found == nil {
		if !empty {
			return fmt.Errorf("%s: %w: a badger database not written by laiondb, or one whose format marker is lost (its table files damaged); laiondb wrote nothing into it", where, ErrNotDatabase)
		}
		if !fresh {
			if f, err := listDir(where); err != nil || len(f.tables) > 0 {
				return fmt.Errorf("%s: %w: it holds table files but no readable key, not even laiondb's format marker: the MANIFEST or a table file is damaged; laiondb wrote nothing into it. Restore it from a backup", where, ErrCorrupt)
			}
		}
		if db.opts.ReadOnly {
			return fmt.Errorf("%s: empty database opened read-only", where)
		}
		v := append([]byte(formatMagic), binary.BigEndian.AppendUint32(nil, FormatVersion)...)
		return db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(formatKey, v) })
	}
	if len(found) != len(formatMagic)+4 || string(found[:len(formatMagic)]) != formatMagic {
		return fmt.Errorf("%s: %w: unknown format marker", where, ErrNotDatabase)
	}
	if v := binary.BigEndian.Uint32(found[len(formatMagic):]); v > FormatVersion {
		return fmt.Errorf("%s: %w: it has format version %d, this laiondb reads version %d; upgrade laiondb", where, ErrNewerFormat, v, FormatVersion)
	}
	return nil
}

// Close closes the database; it must be called for data to be compacted
// into its final layout.
func (db *DB) Close() error {
	db.mapped.stop()
	return db.bdb.Close()
}

// Dir returns the database directory.
func (db *DB) Dir() string { return db.opts.Dir }

// ReadOnly reports whether the database was opened read-only.
func (db *DB) ReadOnly() bool { return db.opts.ReadOnly }

func (db *DB) loadCatalog() error {
	tables := map[string]*Table{}
	err := db.bdb.View(func(txn *badger.Txn) error {
		prefix := []byte{kindCatalog, catTable}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var t Table
			if err := valueOf(it.Item(), func(v []byte) error { return json.Unmarshal(v, &t) }); err != nil {
				return fmt.Errorf("%w: catalog entry %q: %w", ErrCorrupt, it.Item().Key(), err)
			}
			tables[strings.ToLower(t.Name)] = &t
		}
		return nil
	})
	if err != nil {
		return err
	}
	db.mu.Lock()
	db.tables = tables
	db.mu.Unlock()
	return nil
}

// Tables returns copies of every table's catalog entry, by name.
func (db *DB) Tables() []*Table {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make([]*Table, 0, len(db.tables))
	for _, t := range db.tables {
		out = append(out, t.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Table returns a copy of the named table's catalog entry.
func (db *DB) Table(name string) (*Table, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t, ok := db.tables[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoTable, clipBare(name))
	}
	return t.clone(), nil
}

// putTable writes a table's catalog entry in txn and, once committed, the
// cache is refreshed by the caller through setCached.
func putTable(w setter, t *Table) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return w.Set(catalogKey(catTable, strings.ToLower(t.Name)), b)
}

// setter is what badger's Txn and WriteBatch have in common.
type setter interface{ Set(k, v []byte) error }

func (db *DB) setCached(t *Table) {
	db.mu.Lock()
	db.tables[strings.ToLower(t.Name)] = t.clone()
	db.mu.Unlock()
}

// commitTable writes t's catalog entry in its own transaction, with the
// table id sequence moved up to t's id (see newTableID).
func (db *DB) commitTable(t *Table) error {
	err := db.bdb.Update(func(txn *badger.Txn) error {
		if err := putTable(txn, t); err != nil {
			return err
		}
		return raiseSeq(txn, "table", t.ID)
	})
	if err != nil {
		return err
	}
	db.setCached(t)
	return nil
}

// newTableID returns a table id never used before in this database: one
// past the "table" sequence and every id in the catalog and in stored
// keys (databases from before the sequence, keys a crash left), so that a
// new table never meets another table's blocks or labellings. The
// sequence itself moves when the table's entry is first committed, so an
// ingest refused before writing anything leaves the database untouched.
func (db *DB) newTableID() (uint32, error) {
	var floor uint32
	for _, t := range db.Tables() {
		floor = max(floor, t.ID)
	}
	err := db.bdb.View(func(txn *badger.Txn) error {
		for _, kind := range []byte{kindBlock, kindTokens, kindLabels} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kind}, Reverse: true})
			it.Seek([]byte{kind, 0xff, 0xff, 0xff, 0xff, 0xff})
			if it.Valid() && len(it.Item().Key()) >= 5 {
				floor = max(floor, be32(it.Item().Key()[1:]))
			}
			it.Close()
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	seq, err := db.seq("table")
	if err != nil {
		return 0, err
	}
	floor = max(floor, seq)
	if floor == math.MaxUint32 {
		return 0, errors.New("no table ids left")
	}
	return floor + 1, nil
}

func (db *DB) writable() error {
	if db.opts.ReadOnly {
		return fmt.Errorf("%s: %w", db.opts.Dir, ErrReadOnly)
	}
	return nil
}
