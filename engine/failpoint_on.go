//go:build failpoints

package engine

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// With -tags failpoints, every failpoint call is counted, process-wide:
//
//	LAIONDB_FAILPOINT_LOG=FILE  appends "N name" for the Nth call to FILE
//	LAIONDB_FAILPOINT_KILL=N    sends SIGKILL to the process at the Nth call
//
// A test first runs a write with the log only, to learn how many points it
// passes, then once per point with KILL set to it: a crash between every
// pair of commits, deterministically.
var fp struct {
	sync.Mutex
	n      int
	killAt int
	log    *os.File
	once   sync.Once
}

func failpoint(name string) {
	fp.once.Do(func() {
		fp.killAt, _ = strconv.Atoi(os.Getenv("LAIONDB_FAILPOINT_KILL"))
		if p := os.Getenv("LAIONDB_FAILPOINT_LOG"); p != "" {
			fp.log, _ = os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		}
	})
	fp.Lock()
	defer fp.Unlock()
	fp.n++
	if fp.log != nil {
		fmt.Fprintf(fp.log, "%d %s\n", fp.n, name)
	}
	if fp.n == fp.killAt {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
