package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// dirDigest hashes the names and contents of a directory's files.
func dirDigest(t testing.TB, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		io.WriteString(h, n+"\n")
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(h, f)
		f.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// pristine returns a closed database with one ingested shard.
func pristine(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	shard := writeShard(t, t.TempDir(), testShard{rows: 5000, dim: 16, number: 0, seed: 1})
	if _, err := db.Ingest(context.Background(), []string{shard}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func truncateFile(t testing.TB, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// Issue 15, item 5: with a truncated MANIFEST or a corrupt table file, a
// writable open let badger delete the table files its MANIFEST no longer
// listed and then wrote a fresh format marker: SHOW TABLES empty, exit 0,
// the data gone for good. A damaged directory is now an error that says
// what is damaged, and the directory is left byte for byte as it was.
func TestDamagedDirectoryIsNeverReinitialised(t *testing.T) {
	src := pristine(t)
	sst := func(dir string) string {
		m, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
		if len(m) == 0 {
			t.Fatal("no table file")
		}
		return m[0]
	}
	cases := []struct {
		name     string
		damage   func(dir string)
		want     string
		readOnly bool // also refused read-only
	}{
		{"MANIFEST truncated mid-record", func(dir string) {
			p := filepath.Join(dir, "MANIFEST")
			truncateFile(t, p, fileSize(t, p)-3)
		}, "MANIFEST ends with", true},
		{"MANIFEST cut to its header", func(dir string) {
			truncateFile(t, filepath.Join(dir, "MANIFEST"), 8)
		}, "does not list the table files", true},
		{"MANIFEST removed", func(dir string) {
			os.Remove(filepath.Join(dir, "MANIFEST"))
		}, "no MANIFEST", true},
		{"MANIFEST record flipped", func(dir string) {
			flip(t, filepath.Join(dir, "MANIFEST"), 12, 2)
		}, "MANIFEST", true},
		{"table file flipped", func(dir string) {
			p := sst(dir)
			flip(t, p, fileSize(t, p)/3, 16)
		}, "table file", true},
		{"table file truncated", func(dir string) {
			p := sst(dir)
			truncateFile(t, p, fileSize(t, p)/2)
		}, "table file", true},
		{"table file removed", func(dir string) {
			os.Remove(sst(dir))
		}, "not there", true},
		{"value log entry flipped", func(dir string) {
			p := filepath.Join(dir, "000001.vlog")
			flip(t, p, fileSize(t, p)/2, 16)
		}, "fails its checksum", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			copyDir(t, src, dir)
			c.damage(dir)
			before := dirDigest(t, dir)
			db, err := Open(DefaultOptions(dir))
			if err == nil {
				tables := len(db.Tables())
				db.Close()
				t.Fatalf("opened, with %d tables", tables)
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("writable open: %v", err)
			}
			if dirDigest(t, dir) != before {
				t.Errorf("the refused open changed the directory")
			}
			db, err = Open(DefaultOptions(dir).WithReadOnly(true))
			if c.readOnly {
				if err == nil {
					db.Close()
					t.Fatalf("opened read-only")
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("read-only open: %v", err)
				}
			} else if err != nil {
				t.Errorf("read-only open of a database with one damaged value: %v", err)
			} else {
				_, rerr := readAll(db)
				db.Close()
				if !errors.Is(rerr, ErrCorrupt) {
					t.Errorf("reading the damaged value: %v", rerr)
				}
			}
			if dirDigest(t, dir) != before {
				t.Errorf("the read-only open changed the directory")
			}
		})
	}
}
