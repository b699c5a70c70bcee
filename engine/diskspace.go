package engine

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Badger writes through memory-mapped files. When the filesystem is full,
// a write into a mapped page that has no block behind it is not an error
// but a SIGBUS that kills the process, and a writable open (which maps a
// new value-log file and write-ahead log) dies the same way until space is
// freed. So laiondb checks free space itself before it writes: an ingest
// before it starts (against an estimate of what it will write) and before
// each batch, set and index writes before each block or graph, and a
// writable open before badger maps anything. Each keeps spaceReserve
// free, for what a stop must still write (a rollback's deletions, the
// flush at Close) and for the next open. The check cannot see another
// process filling the disk between two batches; the reserve is the
// margin for that.

// spaceReserve is the free space every write leaves.
const spaceReserve = 64 << 20

// openReserve is the free space a writable open needs: badger maps a new
// value-log file and write-ahead log and writes their headers at once,
// and a query may store a labelling or cached embeddings (kilobytes).
const openReserve = 4 << 20

// diskFree returns the bytes available to this user on the filesystem of
// dir (a variable: tests make the disk look full).
var diskFree = func(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// noSpace is the error for a write that does not fit: it wraps
// syscall.ENOSPC ("no space left on device") and gives the numbers.
func noSpace(dir, what string, need, free uint64, reserve int) error {
	return fmt.Errorf("%s: %w: %s needs about %s and the filesystem has %s free (laiondb keeps %s free so the database can still roll back and open); free some space, or write less at a time",
		dir, syscall.ENOSPC, what, bytesString(need), bytesString(free), bytesString(uint64(reserve)))
}

// ensureSpace fails with noSpace unless need bytes fit in the database's
// filesystem with spaceReserve to spare.
func (db *DB) ensureSpace(what string, need uint64) error {
	free, err := diskFree(db.opts.Dir)
	if err != nil {
		return nil // no statfs (an unusual filesystem): badger's own errors stand
	}
	if free < need+spaceReserve {
		return noSpace(db.opts.Dir, what, need, free, spaceReserve)
	}
	return nil
}

func bytesString(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", (n+1023)/1024)
	}
}

// estimate is what ingesting a shard will write, roughly and on the high
// side: its vectors as stored, twice the uncompressed size of its parquet
// data (column blocks store fixed-width values and offsets; the caption
// index is smaller than the captions), and 8 bytes a row and column.
func (si *shardInput) estimate(t *Table, opt IngestOptions) uint64 {
	rows := uint64(si.meta.rows)
	elem := uint64(2)
	if opt.VectorDType == "f32" {
		elem = 4
	}
	var n uint64
	for _, r := range si.vectors {
		n += rows * uint64(r.Dim) * elem
	}
	for _, rg := range si.meta.pf.Metadata().RowGroups {
		n += 2 * uint64(max(rg.TotalByteSize, 0))
	}
	return n + rows*8*uint64(len(si.meta.cols))
}
