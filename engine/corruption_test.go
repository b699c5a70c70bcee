package engine

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// answer is everything the database answers, hashed: the tables' rows,
// caption index and labellings (readAll), the sets, a nearest-neighbour
// search through the stored index, the embedding cache. An error is what
// a user would get as an error.
func answer(db *DB) (string, error) {
	h := sha256.New()
	rows, err := readAll(db)
	if err != nil {
		return "", err
	}
	h.Write([]byte(rows))
	for _, t := range db.Tables() {
		fmt.Fprintln(h, t.Describe())
	}
	sets, err := db.Sets()
	if err != nil {
		return "", err
	}
	s := db.Snapshot()
	defer s.Close()
	for _, set := range sets {
		ids, err := s.SetIDs(set)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "set %s %d %v\n", set.Name, set.Rows, ids.ToArray())
		for c := range set.Columns {
			for b := uint32(0); int64(b)*BlockRows < set.Rows; b++ {
				cb, err := s.setColumnBlock(set, c, b)
				if err != nil {
					return "", err
				}
				for i := 0; i < cb.Rows(); i++ {
					fmt.Fprintf(h, "%v|", cb.Value(i))
				}
			}
		}
	}
	idx, err := db.Indexes()
	if err != nil {
		return "", err
	}
	for _, v := range idx {
		hn, err := loadTestIndex(db, v)
		if err != nil {
			return "", err
		}
		q := make([]float32, 16)
		for i := range q {
			q[i] = float32(i%5) - 2
		}
		res, err := hn.Search(q, 5, 2000, nil)
		if err != nil {
			return "", err
		}
		for _, r := range res {
			fmt.Fprintf(h, "knn %d\n", r.ID)
		}
	}
	vecs, err := db.CachedEmbeddings("test-model", []string{"a goldfish", "a tench"})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "%v\n", vecs)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

// corruptionBase writes the database the corruption test damages: two
// shards, a set, an index, cached embeddings.
func corruptionBase(t *testing.T) (dir, want string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	for i, seed := range []uint64{5, 6} {
		shard := writeShard(t, t.TempDir(), testShard{rows: 4500, dim: 16, number: i, seed: seed})
		if _, err := db.Ingest(context.Background(), []string{shard}, DefaultIngestOptions()); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeTestSet(db, "picked", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateIndex(context.Background(), "", "laion", "img", IndexOptions{M: 8, EfConstruction: 32, Seed: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutEmbeddings("test-model", []string{"a goldfish", "a tench"}, [][]float32{{1, 2, 3}, {4, 5, 6}}); err != nil {
		t.Fatal(err)
	}
	if want, err = answer(db); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, want
}

// flipOffsets are the offsets a file of size bytes is damaged at: its
// first bytes (headers), n spread over it, and its last 16.
func flipOffsets(size int64, n int) []int64 {
	seen := map[int64]bool{}
	var out []int64
	add := func(o int64) {
		o = max(0, min(o, size-1))
		if !seen[o] && size > 0 {
			seen[o] = true
			out = append(out, o)
		}
	}
	for _, o := range []int64{0, 4, 8, 16} {
		add(o)
	}
	for i := 1; i <= n; i++ {
		add(size * int64(i) / int64(n+1))
	}
	add(size - 16)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// childDeadline is how long a child reading a damaged copy may take: far
// more than it needs (a fraction of a second), so that only a hang hits it.
const childDeadline = 2 * time.Minute

// corruptionOutcome is what one damaged copy gave.
type corruptionOutcome struct {
	file     string
	off      int64
	detected bool   // an open or a read failed with an error
	wrong    string // an answer that differs, with no error
	crash    string // a panic or a signal
}

// damageAndAsk copies src, flips 16 bytes at off of file, and asks a child
// process (a panic in badger's goroutines cannot be recovered) for the
// answers of a read-only and a writable open.
func damageAndAsk(t *testing.T, src, want, file string, off int64) corruptionOutcome {
	dir := filepath.Join(t.TempDir(), "db")
	copyDir(t, src, dir)
	flip(t, filepath.Join(dir, file), off, 16)
	// The deadline only turns a hang into a failure; it measures nothing.
	ctx, cancel := context.WithTimeout(context.Background(), childDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChild$")
	cmd.Env = append(os.Environ(), childEnv+"=answer|"+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	o := corruptionOutcome{file: file, off: off}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) < 3 || f[0] != "ro" && f[0] != "rw" {
			continue
		}
		seen++
		switch {
		case f[1] == "err":
			o.detected = true
		case f[2] != want:
			o.wrong = f[0] + " open answered differently, with no error"
		}
	}
	if ctx.Err() != nil {
		o.crash = fmt.Sprintf("hung (killed after %v)", childDeadline)
	} else if err != nil || seen != 2 {
		o.crash = fmt.Sprintf("%v: %s", err, firstLines(stderr.String(), 3))
	}
	return o
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], " | ")
}

// The corruption test (issue 15, "How to test it"): 16 bytes flipped at
// many offsets of every kind of file in a database — table files, the
// value log, MANIFEST, KEYREGISTRY, DISCARD — each on a fresh copy, read
// by a child process through a read-only and a writable open. Each must
// give an error or the right answer: never a panic or a crash, never a
// different answer without an error.
func TestCorruptionAtRest(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess corruption test")
	}
	src, want := corruptionBase(t)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	type trial struct {
		file string
		off  int64
	}
	var trials []trial
	for _, e := range ents {
		if e.Name() == badgerLockFile {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		n := 8
		if strings.HasSuffix(e.Name(), ".vlog") {
			n = 16
		}
		for _, off := range flipOffsets(fi.Size(), n) {
			trials = append(trials, trial{e.Name(), off})
		}
	}
	outcomes := make([]corruptionOutcome, len(trials))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, tr := range trials {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			outcomes[i] = damageAndAsk(t, src, want, tr.file, tr.off)
		}()
	}
	wg.Wait()
	byKind := map[string][3]int{}
	for _, o := range outcomes {
		kind := filepath.Ext(o.file)
		if kind == "" {
			kind = o.file
		}
		c := byKind[kind]
		c[0]++
		if o.detected {
			c[1]++
		}
		if o.crash != "" {
			c[2]++
			t.Errorf("%s at %d: crashed: %s", o.file, o.off, o.crash)
		}
		if o.wrong != "" {
			t.Errorf("%s at %d: %s", o.file, o.off, o.wrong)
		}
		byKind[kind] = c
	}
	for kind, c := range byKind {
		t.Logf("%-12s %3d flips, %3d detected, the rest answered right; %d crashes", kind, c[0], c[1], c[2])
	}
}
