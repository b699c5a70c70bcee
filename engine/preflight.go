package engine

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Badger repairs what a crash leaves when it opens a directory: it cuts
// the MANIFEST after its last whole record, deletes table files (.sst)
// the MANIFEST does not list, and cuts the last value-log file at its
// first entry that fails its checksum. After a crash that is right: the
// cut-off bytes are a torn write and the unlisted tables' data is still
// in the write-ahead log or in the tables they were compacted from. On a
// directory that was closed cleanly it is not: there the same signs mean
// damage (a truncated MANIFEST, a flipped byte in the value log), and the
// repair would delete data for good and leave a database that answers
// with what is left (issue 15: a truncated MANIFEST made badger delete
// the only table, and laiondb then wrote a fresh format marker into the
// empty-looking database).
//
// preflight tells the two apart before badger touches the directory. A
// writer that is killed leaves badger's LOCK file behind (a clean Close
// removes it), so with LOCK present badger's repairs are a crash
// recovery and go ahead; without it, any of those signs stops Open with
// an error that says what is damaged, and nothing is written.

// badgerLockFile is the pid file a badger writer keeps while it has the
// directory open.
const badgerLockFile = "LOCK"

// dirFiles lists the badger files of a database directory.
type dirFiles struct {
	manifest bool
	lock     bool
	tables   map[uint64]string // id → path of every .sst
	vlogs    map[uint32]string // fid → path of every .vlog
	mems     []string
}

func (f *dirFiles) hasData() bool { return len(f.tables)+len(f.vlogs)+len(f.mems) > 0 }

func listDir(dir string) (*dirFiles, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	f := &dirFiles{tables: map[uint64]string{}, vlogs: map[uint32]string{}}
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case name == "MANIFEST":
			f.manifest = true
		case name == badgerLockFile:
			f.lock = true
		case strings.HasSuffix(name, ".sst"):
			if id, err := strconv.ParseUint(strings.TrimSuffix(name, ".sst"), 10, 64); err == nil {
				f.tables[id] = p
			}
		case strings.HasSuffix(name, ".vlog"):
			if id, err := strconv.ParseUint(strings.TrimSuffix(name, ".vlog"), 10, 32); err == nil {
				f.vlogs[uint32(id)] = p
			}
		case strings.HasSuffix(name, ".mem"):
			f.mems = append(f.mems, p)
		}
	}
	return f, nil
}

// damaged reports damage found by preflight: it wraps ErrCorrupt and says
// that the directory was left as it was.
func damaged(dir, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s; laiondb did not open it, so nothing in it was changed. Restore the directory from a backup, or re-ingest into a new one (laiondb check --db %s lists what the damage reaches)",
		dir, ErrCorrupt, fmt.Sprintf(format, args...), dir)
}

// preflight checks a directory that holds files before badger opens it
// (see the comment above).
func preflight(dir string, readOnly bool) error {
	f, err := listDir(dir)
	if err != nil {
		return err
	}
	if !f.manifest {
		if f.hasData() {
			return damaged(dir, "it holds badger data files but no MANIFEST (the list of its table files); badger would start an empty database over them")
		}
		return nil
	}
	mf, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer mf.Close()
	st, err := mf.Stat()
	if err != nil {
		return err
	}
	m, end, err := badger.ReplayManifestFile(mf, 0, badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		return damaged(dir, "its MANIFEST cannot be read (%v)", err)
	}
	var missing []string
	for id := range m.Tables {
		if _, ok := f.tables[id]; !ok {
			missing = append(missing, fmt.Sprintf("%06d.sst", id))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return damaged(dir, "its MANIFEST lists table files that are not there: %s", strings.Join(missing, ", "))
	}
	// Every table file the MANIFEST lists is read in full and checked
	// against its block checksums here, where a panic can be caught:
	// badger opens table files on goroutines of its own, and one cut short
	// makes it index past the end of its mapping.
	ids := make([]uint64, 0, len(m.Tables))
	for id := range m.Tables {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if err := verifyTableFile(f.tables[id], m.Tables[id].Compression); err != nil {
			return damaged(dir, "table file %s is damaged: %v", filepath.Base(f.tables[id]), err)
		}
	}
	if f.lock {
		return nil // a crash: badger's recovery is right
	}
	if end < st.Size() {
		return damaged(dir, "its MANIFEST ends with %d bytes that are not a whole record (it was truncated or overwritten)", st.Size()-end)
	}
	var unlisted []string
	for id := range f.tables {
		if _, ok := m.Tables[id]; !ok {
			unlisted = append(unlisted, filepath.Base(f.tables[id]))
		}
	}
	if len(unlisted) > 0 {
		sort.Strings(unlisted)
		return damaged(dir, "its MANIFEST does not list the table files %s, which badger would delete (the MANIFEST lost records)", strings.Join(unlisted, ", "))
	}
	if readOnly || len(f.vlogs) == 0 {
		return nil // a read-only open cuts nothing
	}
	var last uint32
	for fid := range f.vlogs {
		last = max(last, fid)
	}
	valid, size, err := vlogValidEnd(f.vlogs[last])
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if valid < size {
		return damaged(dir, "value log file %s holds an entry at offset %d that fails its checksum; badger would cut the file there and lose the %d bytes after it", filepath.Base(f.vlogs[last]), valid, size-valid)
	}
	return nil
}

// vlogHeaderSize is the size of the header of a badger value-log file.
const vlogHeaderSize = 20

// vlogValidEnd returns the offset at which badger's recovery would cut a
// value-log file (after its last entry that decodes and passes its
// CRC-32C) and the file's size. The entry format is badger's: meta,
// user meta, uvarint key and value lengths and expiry, key, value, then
// the Castagnoli CRC of all of it, big-endian.
func vlogValidEnd(path string) (valid, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size = st.Size()
	if size <= vlogHeaderSize {
		return size, size, nil
	}
	r := &countingReader{r: bufio.NewReaderSize(io.NewSectionReader(f, vlogHeaderSize, size-vlogHeaderSize), 1<<20)}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	tee := &countingReader{r: io.TeeReader(r, crc)}
	buf := make([]byte, 0, 1<<16)
	for {
		valid = vlogHeaderSize + r.n
		crc.Reset()
		var hdr [2]byte
		if _, err := io.ReadFull(tee, hdr[:]); err != nil {
			return valid, size, nil
		}
		klen, err1 := binary.ReadUvarint(tee)
		vlen, err2 := binary.ReadUvarint(tee)
		_, err3 := binary.ReadUvarint(tee)
		if err1 != nil || err2 != nil || err3 != nil || klen == 0 || klen > 1<<16 || int64(vlen) > size {
			return valid, size, nil
		}
		n := int(klen + vlen)
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		if _, err := io.ReadFull(tee, buf[:n]); err != nil {
			return valid, size, nil
		}
		sum := crc.Sum32()
		var c [4]byte
		if _, err := io.ReadFull(r, c[:]); err != nil || binary.BigEndian.Uint32(c[:]) != sum {
			return valid, size, nil
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	var p [1]byte
	_, err := io.ReadFull(c, p[:])
	return p[0], err
}

// verifyTableFile opens a table file as badger would and checks every
// block's checksum, turning a panic into an error.
func verifyTableFile(path string, compression options.CompressionType) (err error) {
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("it cannot be read (%v)", firstLine(fmt.Sprint(r)))
		}
		mf.Close(-1)
	}()
	_, err = table.OpenTable(mf, table.Options{
		ReadOnly:           true,
		ChkMode:            options.OnTableRead,
		BlockSize:          4 << 10,
		BloomFalsePositive: 0.01,
		Compression:        compression,
	})
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// openBadger is badger.Open with a panic inside it (a table file cut
// short can make it index past a slice) turned into an error.
func openBadger(bo badger.Options) (bdb *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			bdb, err = nil, fmt.Errorf("%w: badger failed reading the directory (%v)", ErrCorrupt, r)
		}
	}()
	return badger.Open(bo)
}
