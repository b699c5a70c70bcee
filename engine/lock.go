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
// of the two it is, and /proc/locks which processes hold it.
func lockedErr(dir string) error {
	if readersOnly(dir) {
		// Only a writer is refused by readers.
		who := "readers"
		if hs := lockHolders(dir); len(hs) > 0 {
			who = describeHolders(hs)
		}
		return fmt.Errorf("%s: %w: %s %s it open for reading; a write must wait until every reader has closed it", dir, ErrLocked, who, haveOrHas(who))
	}
	who := "another process"
	if pid := lockPID(dir); pid > 0 {
		who = describeHolders([]int{pid})
	} else if hs := lockHolders(dir); len(hs) > 0 {
		who = describeHolders(hs)
	}
	return fmt.Errorf("%s: %w: %s has it open for writing; wait until it finishes (--read-only cannot share a database with a writer)", dir, ErrLocked, who)
}

func haveOrHas(who string) string {
	if strings.HasPrefix(who, "process ") && !strings.Contains(who, " and ") {
		return "has"
	}
	return "have"
}

// describeHolders names processes with their command lines: "process 12
// (laiondb shell --db x.db)", joined with "and", at most three and a count
// of the rest.
func describeHolders(pids []int) string {
	var parts []string
	for i, pid := range pids {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(pids)-3))
			break
		}
		p := fmt.Sprintf("process %d", pid)
		if cmd := commandLine(pid); cmd != "" {
			p += " (" + cmd + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// lockHolders returns the processes that hold a flock on dir, from
// Linux's /proc/locks (empty where it cannot tell: another system, a
// process of another pid namespace shows as 0 and is left out). A
// process holding it twice is listed once.
func lockHolders(dir string) []int {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return nil
	}
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		return nil
	}
	return parseProcLocks(string(b), uint64(st.Dev), st.Ino)
}

// parseProcLocks picks the holders of flocks on one file out of
// /proc/locks, whose lines read "1: FLOCK  ADVISORY  READ 1234 fe:00:5678
// 0 EOF" (the device as hexadecimal major:minor, then the inode); lines
// with "->" are processes waiting for a lock, not holding one.
func parseProcLocks(text string, dev, ino uint64) []int {
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), ino)
	var pids []int
	seen := map[int]bool{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil || pid <= 0 || f[5] != want || seen[pid] {
			continue
		}
		seen[pid] = true
		pids = append(pids, pid)
	}
	return pids
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
