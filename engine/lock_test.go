package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseProcLocks(t *testing.T) {
	const text = `1: FLOCK  ADVISORY  WRITE 9089 fe:00:10018964 0 EOF
2: POSIX  ADVISORY  WRITE 25808 fe:00:777 0 EOF
3: FLOCK  ADVISORY  READ  4242 fe:00:777 0 EOF
3: -> FLOCK  ADVISORY  WRITE 5151 fe:00:777 0 EOF
4: FLOCK  ADVISORY  READ  4343 fe:00:777 0 EOF
5: FLOCK  ADVISORY  READ  4242 fe:00:777 0 EOF
6: FLOCK  ADVISORY  READ  0 fe:00:777 0 EOF
7: FLOCK  ADVISORY  READ  6000 fe:01:777 0 EOF
`
	// Holders of inode 777 on device 254:0: not the POSIX lock, not the
	// waiter (->), 4242 once, not pid 0 (another pid namespace), not the
	// same inode on another device.
	got := parseProcLocks(text, 254<<8, 777)
	if want := []int{4242, 4343}; !reflect.DeepEqual(got, want) {
		t.Errorf("holders %v, want %v", got, want)
	}
}

// Issue 10, item 5: Open waits up to BusyTimeout for another process's
// lock, then says who holds it; a lock let go while it waits is taken.
func TestOpenWaitsForTheLock(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, c := range []struct {
		holder string
		reader bool
		says   string
	}{
		{"rw", true, "has it open for writing"},
		{"rw", false, "has it open for writing"},
		{"ro", false, "has it open for reading"},
	} {
		pid, release := holdingUntil(t, dir, c.holder)
		_, err := Open(DefaultOptions(dir).WithReadOnly(c.reader).WithBusyTimeout(50 * time.Millisecond))
		if msg := fmt.Sprint(err); !errors.Is(err, ErrLocked) || !strings.Contains(msg, fmt.Sprintf("process %d (", pid)) ||
			!strings.Contains(msg, c.says) || !strings.Contains(msg, "after waiting 50ms") {
			t.Errorf("%s holder, reader %v, after the busy timeout: %v", c.holder, c.reader, err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := OpenContext(ctx, DefaultOptions(dir).WithReadOnly(c.reader).WithBusyTimeout(time.Hour)); !errors.Is(err, context.Canceled) {
			t.Errorf("%s holder, reader %v, cancelled wait: %v", c.holder, c.reader, err)
		}

		opened := make(chan error, 1)
		go func() {
			db, err := Open(DefaultOptions(dir).WithReadOnly(c.reader).WithBusyTimeout(time.Hour))
			if err == nil {
				err = db.Close()
			}
			opened <- err
		}()
		release()
		if err := <-opened; err != nil {
			t.Errorf("%s holder, reader %v, waiting while the holder lets go: %v", c.holder, c.reader, err)
		}
	}
}
