package engine

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// dbResident returns the bytes of this process's resident pages of files
// mapped from dir, from /proc/self/smaps.
func dbResident(t *testing.T, dir string) int64 {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("needs /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var total int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if _, _, path, ok := parseMapsLine([]byte(l)); ok {
			in = strings.HasPrefix(string(path), abs+"/")
			continue
		}
		if in && strings.HasPrefix(l, "Rss:") {
			kb, err := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb << 10
		}
	}
	return total
}

// The watcher's trim hands the database's mapped pages back: after an
// ingest and a read of every vector, what the process holds of the
// database's files falls to a fraction, and the data reads the same.
func TestMappedTrimHandsPagesBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir).WithMappedMemory(0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Ingest(context.Background(), []string{genShard(t, 40000, 5, 0)}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	want, err := readAll(db)
	if err != nil {
		t.Fatal(err)
	}
	before := dbResident(t, dir)
	// 40,000 rows of two 32-d float16 vectors: 5 MB in the value log.
	if before < 4<<20 {
		t.Fatalf("only %d bytes of the database mapped and resident after reading it all", before)
	}
	probe, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Madvise(probe, unix.MADV_PAGEOUT); err != nil {
		unix.Munmap(probe)
		t.Skipf("this kernel has no MADV_PAGEOUT (Linux 5.4 or later): %v", err)
	}
	unix.Munmap(probe)
	trim := mappedTrimmer(dir, 1)
	if trim == nil {
		t.Fatal("no trimmer on Linux")
	}
	trim()
	if after := dbResident(t, dir); after > before/4 {
		t.Errorf("after trimming, %d of %d bytes of the database still resident", after, before)
	}
	got, err := readAll(db)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Error("the database reads differently after its pages were handed back")
	}
}

func TestParseMapsLine(t *testing.T) {
	for _, c := range []struct {
		line       string
		start, end uintptr
		path       string
		ok         bool
	}{
		{"7f1c2a000000-7f1c3a000000 r--s 00000000 fd:01 1234                       /tmp/db/000001.vlog", 0x7f1c2a000000, 0x7f1c3a000000, "/tmp/db/000001.vlog", true},
		{"7f1c2a000000-7f1c2a001000 rw-p 00000000 00:00 0 ", 0x7f1c2a000000, 0x7f1c2a001000, "", true},
		{"7f1c2a000000-7f1c2a001000 rw-p 00000000 00:00 0                          /a dir/with spaces", 0x7f1c2a000000, 0x7f1c2a001000, "/a dir/with spaces", true},
		{"7f1c2a000000-7f1c2a001000 rw-p 00000000 00:00 0", 0x7f1c2a000000, 0x7f1c2a001000, "", true},
		{"Rss:                 4 kB", 0, 0, "", false},
		{"zz-7f1c2a001000 rw-p 00000000 00:00 0", 0, 0, "", false},
	} {
		s, e, p, ok := parseMapsLine([]byte(c.line))
		if ok != c.ok || (ok && (s != c.start || e != c.end || string(p) != c.path)) {
			t.Errorf("%q: got %x-%x %q %v", c.line, s, e, p, ok)
		}
	}
}
