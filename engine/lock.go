package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockedErr explains why badger could not lock dir: who holds it, and
// what the caller can do about it. Badger takes an exclusive flock on the
// directory for a writer and a shared one for each reader, and a writer
// writes its pid into the LOCK file; a shared lock taken here tells which
// of the two it is.
func lockedErr(dir string, readOnly bool) error {
	if readersOnly(dir) {
		// Only a writer is refused by readers.
		return fmt.Errorf("%s: %w: read-only users (laiondb --read-only) have it open; a writer must wait until they close it, or open it with --read-only to share it with them", dir, ErrLocked)
	}
	who := "another process"
	if pid := lockPID(dir); pid > 0 {
		who = fmt.Sprintf("process %d", pid)
		if cmd := commandLine(pid); cmd != "" {
			who += " (" + cmd + ")"
		}
	}
	return fmt.Errorf("%s: %w: %s has it open for writing; wait until it finishes (--read-only cannot share a database with a writer)", dir, ErrLocked, who)
}

// lockedByOthers tells whether another process (or another DB of this
// one) has dir locked in a way that keeps us out: anyone, for a writer; a
// writer, for a reader. Open asks before it looks at the files, which a
// live writer may be changing (a compaction deletes table files).
func lockedByOthers(dir string, readOnly bool) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	how := unix.LOCK_EX
	if readOnly {
		how = unix.LOCK_SH
	}
	if err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}

// readersOnly reports whether the directory's lock is held shared (by
// readers) rather than exclusively (by a writer).
func readersOnly(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB) != nil {
		return false
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return true
}

// lockPID reads the writer's pid from badger's LOCK file (0 when absent).
func lockPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, badgerLockFile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// commandLine returns a process's command line, shortened, where /proc
// has it.
func commandLine(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return ""
	}
	args := strings.Fields(string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '})))
	if len(args) > 0 {
		args[0] = filepath.Base(args[0])
	}
	s := strings.Join(args, " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// isLockErr tells whether badger failed to lock the directory.
func isLockErr(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Cannot acquire directory lock")
}

// needsRecovery tells whether a read-only open failed because the last
// writer was killed: badger replays its write-ahead log in memory, but a
// read-only open refuses to leave the log's unused tail uncut.
func needsRecovery(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Log truncate required")
}

// errRecovery: a read-only open found a killed writer's log and could not
// recover it.
var errRecovery = errors.New("database needs recovery after a crash")
