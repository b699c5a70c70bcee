package engine

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// mappedTrimmer returns a function that, when the process's resident
// file-backed pages (the "shared" field of /proc/self/statm: the binary's
// text and every mapped file) exceed budget, asks the kernel to page out
// every mapping of a file in the database directory.
//
// It uses madvise(MADV_PAGEOUT), a hint that never changes what memory
// holds: a page is unmapped from this process; a dirty page stays in the
// page cache until the kernel writes it back, a clean one is dropped and
// read again from the disk if it is needed again. MADV_DONTNEED would keep
// clean pages cached, but it is not safe here: badger unmaps files (a
// compacted table, a rotated log) at any time, and an address range read
// from /proc/self/maps might by then hold Go's own memory, which
// MADV_DONTNEED would zero. On a kernel without MADV_PAGEOUT (before
// Linux 5.4) it returns nil.
func mappedTrimmer(dir string, budget int64) func() {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	prefix := []byte(abs + string(filepath.Separator))
	page := int64(os.Getpagesize())
	statm := make([]byte, 128)
	maps := make([]byte, 0, 64<<10)
	disabled := false
	return func() {
		if disabled {
			return
		}
		if fileResident(statm, page) <= budget {
			return
		}
		var err error
		maps, err = readProc("/proc/self/maps", maps[:0])
		if err != nil {
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(maps))
		for sc.Scan() {
			start, end, path, ok := parseMapsLine(sc.Bytes())
			if !ok || !bytes.HasPrefix(path, prefix) {
				continue
			}
			_, _, errno := syscall.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_PAGEOUT)
			if errno == syscall.EINVAL || errno == syscall.ENOSYS {
				// No MADV_PAGEOUT in this kernel (EINVAL for an unknown
				// advice): nothing to be done, stop trying.
				disabled = true
				return
			}
		}
	}
}

// fileResident returns the bytes of file-backed resident pages of this
// process, or 0 when /proc cannot tell.
func fileResident(buf []byte, page int64) int64 {
	b, err := readProc("/proc/self/statm", buf[:0])
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0
	}
	shared, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0
	}
	return shared * page
}

// readProc reads a /proc file into buf (they report a size of 0, so
// os.ReadFile's sizing does not apply).
func readProc(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil || n == 0 {
			return buf, nil
		}
	}
}

// parseMapsLine reads "start-end perms offset dev inode path" from a line
// of /proc/self/maps.
func parseMapsLine(l []byte) (start, end uintptr, path []byte, ok bool) {
	dash := bytes.IndexByte(l, '-')
	sp := bytes.IndexByte(l, ' ')
	if dash < 0 || sp < dash {
		return 0, 0, nil, false
	}
	s, err1 := strconv.ParseUint(string(l[:dash]), 16, 64)
	e, err2 := strconv.ParseUint(string(l[dash+1:sp]), 16, 64)
	if err1 != nil || err2 != nil || e <= s {
		return 0, 0, nil, false
	}
	// The path is what follows the fifth field, after the padding.
	rest := l[sp:]
	for i := 0; i < 4; i++ {
		rest = bytes.TrimLeft(rest, " ")
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			if i == 3 && len(rest) > 0 {
				return uintptr(s), uintptr(e), nil, true // no path: anonymous
			}
			return 0, 0, nil, false
		}
		rest = rest[j:]
	}
	return uintptr(s), uintptr(e), bytes.TrimLeft(rest, " "), true
}
