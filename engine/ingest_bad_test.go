package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
)

// digest hashes every key and value in the database.
func digest(t *testing.T, db *DB) string {
	t.Helper()
	h := sha256.New()
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			h.Write(it.Item().Key())
			if err := it.Item().Value(func(v []byte) error { h.Write(v); return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestBadInputLeavesDatabaseUnchanged(t *testing.T) {
	db := openTestDB(t)
	base := writeShard(t, t.TempDir(), testShard{rows: 5000, dim: 8, number: 0, seed: 1})
	if _, err := db.Ingest(context.Background(), []string{base}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	before := digest(t, db)

	type bad struct {
		name  string
		setup func(dir string) []string // returns the paths to ingest
		want  string                    // in the message
		file  string                    // the error must name this file (base name)
	}
	good := func(dir string, s testShard) string { return writeShard(t, dir, s) }
	cases := []bad{
		{"missing path", func(dir string) []string { return []string{filepath.Join(dir, "nope")} }, "no such file", "nope"},
		{"not parquet", func(dir string) []string {
			p := filepath.Join(dir, "metadata_0001.parquet")
			os.WriteFile(p, []byte("SAMPLE_ID,URL,TEXT\n1,http://x,hello\n"), 0o644)
			return []string{p}
		}, "not a parquet file", "metadata_0001.parquet"},
		{"no caption column", func(dir string) []string {
			type noCap struct {
				URL string `parquet:"URL"`
			}
			p := filepath.Join(dir, "metadata_0001.parquet")
			if err := gen.WriteParquet(p, []noCap{{"http://a"}}); err != nil {
				t.Fatal(err)
			}
			return []string{p}
		}, "no caption column", "metadata_0001.parquet"},
		{"npy bad magic", func(dir string) []string {
			d := good(dir, testShard{rows: 10, dim: 8, number: 1, seed: 2})
			os.WriteFile(filepath.Join(d, "img_emb", "img_emb_0001.npy"), []byte("garbage, not numpy"), 0o644)
			return []string{d}
		}, "bad magic", "img_emb_0001.npy"},
		{"npy truncated", func(dir string) []string {
			d := good(dir, testShard{rows: 10, dim: 8, number: 1, seed: 2})
			p := filepath.Join(d, "text_emb", "text_emb_0001.npy")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-7], 0o644)
			return []string{d}
		}, "truncated", "text_emb_0001.npy"},
		{"row count mismatch", func(dir string) []string {
			d := good(dir, testShard{rows: 10, dim: 8, number: 1, seed: 2})
			gen.WriteVectors(filepath.Join(d, "img_emb", "img_emb_0001.npy"), npy.Float16, make([]float32, 9*8), 8)
			return []string{d}
		}, "9 rows but", "img_emb_0001.npy"},
		{"int64 dtype", func(dir string) []string {
			d := good(dir, testShard{rows: 10, dim: 8, number: 1, seed: 2})
			p := filepath.Join(d, "img_emb", "img_emb_0001.npy")
			os.WriteFile(p, append([]byte(strings.Replace(string(npy.EncodeHeader(npy.Float16, false, 10, 4)), "<f2", "<i8", 1)), make([]byte, 10*4*8)...), 0o644)
			return []string{d}
		}, "dtype <i8", "img_emb_0001.npy"},
		{"big-endian dtype", func(dir string) []string {
			d := good(dir, testShard{rows: 10, dim: 8, number: 1, seed: 2})
			p := filepath.Join(d, "img_emb", "img_emb_0001.npy")
			os.WriteFile(p, append([]byte(strings.Replace(string(npy.EncodeHeader(npy.Float32, false, 10, 8)), "<f4", ">f4", 1)), make([]byte, 10*8*4)...), 0o644)
			return []string{d}
		}, "dtype >f4", "img_emb_0001.npy"},
		{"NaN in a vector", func(dir string) []string {
			s := testShard{rows: 9000, dim: 8, number: 1, seed: 2}
			d := good(dir, s)
			v := s.vectors("txt")
			v[8765*8+3] = float32(nanF())
			gen.WriteVectors(filepath.Join(d, "text_emb", "text_emb_0001.npy"), npy.Float16, v, 8)
			return []string{d}
		}, "row 8765: vector has NaN", "text_emb_0001.npy"},
		{"Inf in a float32 vector", func(dir string) []string {
			s := testShard{rows: 100, dim: 8, number: 1, seed: 2, dtype: npy.Float32}
			d := good(dir, s)
			v := s.vectors("img")
			v[42*8] = float32(infF())
			gen.WriteVectors(filepath.Join(d, "img_emb", "img_emb_0001.npy"), npy.Float32, v, 8)
			return []string{d}
		}, "row 42: vector has NaN or Inf", "img_emb_0001.npy"},
		{"dimension differs from the table", func(dir string) []string {
			return []string{good(dir, testShard{rows: 10, dim: 16, number: 1, seed: 2})}
		}, "dimension 16, but column laion.img has dimension 8", "img_emb_0001.npy"},
		{"two shards with different dims", func(dir string) []string {
			a := good(filepath.Join(dir, "a"), testShard{rows: 10, dim: 8, number: 1, seed: 2})
			b := good(filepath.Join(dir, "b"), testShard{rows: 10, dim: 12, number: 2, seed: 2})
			return []string{a, b}
		}, "dimension 12", "img_emb_0002.npy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			paths := c.setup(t.TempDir())
			_, err := db.Ingest(context.Background(), paths, DefaultIngestOptions())
			if err == nil {
				t.Fatal("ingest succeeded")
			}
			if !errors.Is(err, ErrBadInput) {
				t.Errorf("error does not wrap ErrBadInput: %v", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Errorf("error %q should say %q and name %s", err, c.want, c.file)
			}
			if after := digest(t, db); after != before {
				t.Errorf("database changed by a failed ingest")
			}
			if err := db.Check(); err != nil {
				t.Errorf("check: %v", err)
			}
		})
	}
}

func TestOpenRefusesForeignAndNewerDirectories(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	if _, err := Open(DefaultOptions(dir)); !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), dir) {
		t.Errorf("foreign directory: %v", err)
	}
	// A plain badger database is not ours either.
	bdir := filepath.Join(t.TempDir(), "b")
	bdb, err := badger.Open(badger.DefaultOptions(bdir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(txn *badger.Txn) error { return txn.Set([]byte("k"), []byte("v")) })
	bdb.Close()
	if _, err := Open(DefaultOptions(bdir)); !errors.Is(err, ErrNotDatabase) {
		t.Errorf("badger directory: %v", err)
	}
	// A newer format version.
	ndir := filepath.Join(t.TempDir(), "n")
	db := openChecked(t, DefaultOptions(ndir))
	db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Set(formatKey, append([]byte(formatMagic), 0, 0, 0, 9))
	})
	closeChecked(t, db)
	_, err = Open(DefaultOptions(ndir))
	if !errors.Is(err, ErrNewerFormat) || !strings.Contains(err.Error(), "version 9") || !strings.Contains(err.Error(), "upgrade laiondb") {
		t.Errorf("newer format: %v", err)
	}
}

func TestSecondWriterGetsClearMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Open(DefaultOptions(dir))
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second writer: %v", err)
	}
	if strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("message should be one line: %q", err)
	}
}
