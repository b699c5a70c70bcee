package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Checksums. Badger already stores a CRC-32C with every value-log entry
// (over its header, key and value) and with every block of a table file
// (.sst); it only does not check them by default. laiondb turns both
// checks on instead of adding a checksum of its own to each block:
//
//   - VerifyValueChecksum: every value read from the value log (column
//     and vector blocks, caption index chunks, labellings, set and graph
//     chunks: everything over 4 KB) is checked on each read. Measured by
//     BenchmarkVerifiedBlockReads, it costs what a CRC-32C of our own over
//     each block would cost — it is the same hardware CRC over the same
//     bytes — and it covers the key too, so a value found through a
//     damaged pointer is caught as well.
//   - Table files are checked in full when a database is opened (see
//     preflight.go, which reads each one under a recover, because a table
//     file cut short makes badger panic on goroutines of its own).
//     Smaller values (catalog entries, small blocks) and all keys live
//     there. Checking when a block is read would not do: badger's
//     iterators end silently at a block that fails, so a damaged block
//     would read as missing keys, not as an error.
//
// Because the checksums are badger's, databases written before this
// change are checked too and the block format is unchanged: FormatVersion
// stays 1. Badger reports a value that fails its checksum only in its log
// and hands back an empty value; valueOf turns that into an error, and
// blockErr into one wrapping ErrCorrupt that names the table, shard and
// block. Verify (laiondb check) reads every value and table file.
func withChecksums(bo badger.Options, on bool) badger.Options {
	if !on {
		return bo.WithVerifyValueChecksum(false)
	}
	return bo.WithVerifyValueChecksum(true)
}

// errUnreadable: badger could not read a stored value. When a value-log
// entry fails its checksum (or its pointer leads past the file), badger
// logs the error and hands back an empty value with no error (see
// badger's Item.yieldItemValue); valueOf and valueCopy turn that back
// into an error.
var errUnreadable = errors.New("the stored value cannot be read: it fails its checksum")

// valueOf is item.Value, failing with errUnreadable where badger lends an
// empty value for a value that is not empty.
func valueOf(item *badger.Item, fn func([]byte) error) error {
	return item.Value(func(v []byte) error {
		if len(v) == 0 && item.ValueSize() > 0 {
			return errUnreadable
		}
		return fn(v)
	})
}

// valueCopy is item.ValueCopy, with valueOf's check.
func valueCopy(item *badger.Item) ([]byte, error) {
	var out []byte
	err := valueOf(item, func(v []byte) error {
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

// isChecksumErr tells whether badger refused a value because it failed
// its checksum. Badger formats the cause into its message (y.Wrapf uses
// %+v, not %w), so the sentinel cannot be matched with errors.Is.
func isChecksumErr(err error) bool {
	return err != nil && (errors.Is(err, errUnreadable) || strings.Contains(err.Error(), "checksum mismatch"))
}

// valueErr says what badger's error about a stored value means: a value
// that fails its checksum (or a pointer past its value-log file) is
// damage to the database files, reported as ErrCorrupt naming what the
// value is.
func valueErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if isChecksumErr(err) || strings.Contains(err.Error(), "Invalid value pointer") || strings.Contains(err.Error(), "Invalid read") {
		return fmt.Errorf("%w: %s fails its checksum: the database file holding it is damaged; restore the database from a backup or re-ingest what it holds", ErrCorrupt, what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// blockErr is valueErr for block b of a shard.
func blockErr(err error, t *Table, shard, b uint32, what string) error {
	return valueErr(err, fmt.Sprintf("table %s shard %d block %d (%s)", t.Name, shard, b, what))
}

// blockRows is the number of rows block b of a shard of rows rows holds.
func blockRows(rows, b uint32) int { return int(min(BlockRows, rows-b*BlockRows)) }

// readVectorBlock lends fn the bytes of block b of vector column vc of a
// shard, after checking that they are exactly rows × dim elements: a
// short block would make readers index past it.
func readVectorBlock(item *badger.Item, t *Table, sh *Shard, b uint32, vc int, fn func([]byte) error) error {
	var fnErr error
	err := valueOf(item, func(data []byte) error {
		col := t.Vectors[vc]
		if b < sh.Blocks() {
			if want := blockRows(sh.Rows, b) * col.Dim * col.ElemSize(); len(data) != want {
				return fmt.Errorf("%w: table %s shard %d vector block %d of %s has %d bytes, want %d", ErrCorrupt, t.Name, sh.Number, b, col.Name, len(data), want)
			}
		}
		fnErr = fn(data)
		return fnErr
	})
	if err != nil && fnErr == nil && !errors.Is(err, ErrCorrupt) {
		return blockErr(err, t, sh.Number, b, "vector "+t.Vectors[vc].Name)
	}
	return err
}
