// Package atomicfile writes a file that appears whole or not at all, and
// whose temporary file a killed writer does not leave behind for good.
//
// Rows go to a hidden temporary file beside the target, named
// ".NAME.laiondb-tmp-PID-RANDOM", which the writer holds an exclusive
// flock on; Commit syncs it, renames it over the target (still holding
// the lock) and syncs the directory. A writer killed with SIGKILL cannot
// remove its temporary file (an EXPORT of a large set leaves gigabytes),
// but the kernel drops its lock; so every Create first removes the
// temporary files in its directory whose lock it can take: those of
// writers that are gone. A live writer's file is never touched.
package atomicfile

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// marker is in the name of every temporary file, and nothing else's.
const marker = ".laiondb-tmp-"

// File is a temporary file that becomes its target on Commit.
type File struct {
	*os.File
	path string
	done bool
}

// Create removes the temporary files dead writers left in path's
// directory and starts a new one for path.
func Create(path string) (*File, error) {
	dir := filepath.Dir(path)
	Sweep(dir)
	base := filepath.Base(path)
	if len(base) > 100 { // the temporary name must stay under NAME_MAX
		base = base[:100]
	}
	for range 10 {
		name := filepath.Join(dir, fmt.Sprintf(".%s%s%d-%08x", base, marker, os.Getpid(), rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			os.Remove(name)
			return nil, fmt.Errorf("locking %s: %w", name, err)
		}
		return &File{File: f, path: path}, nil
	}
	return nil, fmt.Errorf("cannot create a temporary file in %s", dir)
}

// Commit makes the written file the target, replacing what was there.
func (f *File) Commit() error {
	if f.done {
		return os.ErrClosed
	}
	if err := f.Sync(); err != nil {
		return err
	}
	// Renamed while still locked: a sweeper never sees it unlocked.
	if err := os.Rename(f.Name(), f.path); err != nil {
		return err
	}
	f.done = true
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return f.Close()
}

// Cleanup removes the temporary file unless Commit succeeded; call it
// deferred.
func (f *File) Cleanup() {
	if f.done {
		return
	}
	f.done = true
	os.Remove(f.Name())
	f.Close()
}

// Sweep removes the temporary files of writers that are gone from dir and
// returns their names.
func Sweep(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), ".") || !strings.Contains(e.Name(), marker) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			if os.Remove(p) == nil {
				removed = append(removed, e.Name())
			}
		}
		f.Close()
	}
	return removed
}
