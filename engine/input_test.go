package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
)

// Issue 15, item 15: a FIFO given as input made ingest wait for a writer
// forever, holding the database lock. Non-regular files are refused
// before anything is opened; so are symbolic link loops and dangling
// links, each with a message that says what the path is.
func TestIngestRefusesWhatIsNotAFile(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	base := writeShard(t, t.TempDir(), testShard{rows: 100, dim: 8, number: 0, seed: 1})
	if _, err := db.Ingest(ctx, []string{base}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	before := digest(t, db)

	dir := t.TempDir()
	fifo := filepath.Join(dir, "metadata_0001.parquet")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Were the FIFO opened, this writer would let the open return (with
	// bytes that are no parquet file), so a regression fails instead of
	// hanging; the read end opened below releases the writer either way.
	released := make(chan struct{})
	go func() {
		defer close(released)
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Write([]byte("not parquet"))
			w.Close()
		}
	}()
	inDir := filepath.Join(t.TempDir(), "shard")
	copyFile(t, filepath.Join(base, "metadata", "metadata_0000.parquet"), filepath.Join(inDir, "metadata", "metadata_0001.parquet"))
	pipeNpy := filepath.Join(inDir, "img_emb", "img_emb_0001.npy")
	os.MkdirAll(filepath.Dir(pipeNpy), 0o755)
	if err := syscall.Mkfifo(pipeNpy, 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop1.parquet")
	os.Symlink(filepath.Join(dir, "loop2.parquet"), loop)
	os.Symlink(loop, filepath.Join(dir, "loop2.parquet"))
	dangling := filepath.Join(dir, "gone.parquet")
	os.Symlink(filepath.Join(dir, "nothing-here.parquet"), dangling)

	for _, c := range []struct {
		path, want string
	}{
		{fifo, "named pipe"},
		{inDir, "named pipe"},
		{loop, "symbolic link that leads back to itself"},
		{dangling, "symbolic link to a file that does not exist"},
	} {
		_, err := db.Ingest(ctx, []string{c.path}, DefaultIngestOptions())
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.path, err)
		}
	}
	if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		<-released
		r.Close()
	}
	if digest(t, db) != before {
		t.Errorf("a refused input changed the database")
	}
}

// Issue 15, item 17: a column block over badger's value limit failed with
// badger's "Value ... exceeded limit" and a hex dump of the key. Blocks
// are capped (MaxBlockBytes): a shard that would exceed it is refused,
// naming the file, column and rows, and what it wrote is rolled back;
// vector columns too wide for a block are refused by their dimension,
// before anything is written.
func TestOversizedBlocksAreRefused(t *testing.T) {
	defer func(old int) { maxBlockBytes = old }(maxBlockBytes)
	maxBlockBytes = 64 << 10 // 16 bytes a row: what 256 MiB is to 64 KiB captions
	db := openTestDB(t)
	ctx := context.Background()

	dir := t.TempDir()
	long := strings.Repeat("a goldfish in a bowl ", 10)
	rows := make([]gen.Row, 5000)
	for i := range rows {
		rows[i].Text = &long
	}
	p := filepath.Join(dir, "metadata_0002.parquet")
	if err := gen.WriteMetadata(p, rows); err != nil {
		t.Fatal(err)
	}
	_, err := db.Ingest(ctx, []string{p}, DefaultIngestOptions())
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "column TEXT: rows 0 to 4095") || !strings.Contains(err.Error(), "more than a storage block") {
		t.Errorf("long captions: %v", err)
	}
	if n := countKeys(t, db, kindBlock, kindTokens, kindLabels); n != 0 || len(db.Tables()) != 0 {
		t.Errorf("the refused ingest left %d keys and %d tables", n, len(db.Tables()))
	}

	wide := writeShard(t, t.TempDir(), testShard{rows: 3, dim: 16, number: 3, seed: 1})
	if err := gen.WriteVectors(filepath.Join(wide, "img_emb", "img_emb_0003.npy"), npy.Float16, make([]float32, 3*16), 16); err != nil {
		t.Fatal(err)
	}
	maxBlockBytes = 16 << 10 // 4096 × 4 bytes: a 2-dimensional float16 vector fits, 16 do not
	_, err = db.Ingest(ctx, []string{wide}, DefaultIngestOptions())
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "img_emb_0003.npy") || !strings.Contains(err.Error(), "dimension 16") {
		t.Errorf("wide vectors: %v", err)
	}
}

// Issue 15, item 17: names given by users (a 1 MB identifier) were echoed
// in full in errors. Names are at most MaxNameLen characters, and
// messages quote at most 64 bytes of one.
func TestLongNamesAreCutInMessages(t *testing.T) {
	db := openTestDB(t)
	huge := strings.Repeat("x", 1<<20)
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if len(err.Error()) > 400 || !strings.Contains(err.Error(), "1048576 bytes") {
			t.Errorf("%s: a message of %d bytes: %.300s", what, len(err.Error()), err)
		}
	}
	_, err := db.Table(huge)
	check("Table", err)
	opt := DefaultIngestOptions()
	opt.Table = huge
	_, err = db.Ingest(context.Background(), []string{"nowhere"}, opt)
	check("Ingest --table", err)
	_, err = db.NewSet(huge, "laion", nil, SetDefinition{}, false)
	check("NewSet", err)
	s := db.Snapshot()
	_, err = s.SetInfo(huge)
	s.Close()
	check("SetInfo", err)
	opt.Table = strings.Repeat("t", MaxNameLen+1)
	if _, err = db.Ingest(context.Background(), []string{"nowhere"}, opt); err == nil || !strings.Contains(err.Error(), "at most 128 characters") {
		t.Errorf("a name of %d characters: %v", MaxNameLen+1, err)
	}
}
