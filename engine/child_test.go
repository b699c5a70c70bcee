package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Tests that need a second process (a writer killed with SIGKILL, a
// writer holding the lock) run this test binary again as a child, with
// LAIONDB_ENGINE_CHILD saying what to do:
//
//	ingest-kill DIR SHARD N   ingest SHARD into DIR, one block per commit,
//	                          and SIGKILL itself after the Nth commit
//	hold DIR ro|rw            open DIR, print "ready", wait for stdin to close
const childEnv = "LAIONDB_ENGINE_CHILD"

func TestChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("runs only as a child of another test")
	}
	args := strings.Split(spec, "|")
	switch args[0] {
	case "ingest-kill":
		db, err := Open(DefaultOptions(args[1]))
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		var n, after int
		fmt.Sscan(args[3], &after)
		opt := DefaultIngestOptions()
		opt.batchBlocks = 1
		opt.Progress = func(IngestProgress) {
			if n++; n == after {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
		if _, err := db.Ingest(context.Background(), []string{args[2]}, opt); err != nil {
			fmt.Println("ingest:", err)
			os.Exit(3)
		}
		os.Exit(4) // not killed: too few commits
	case "diskfull":
		// diskfull DIR SHARD SIZE LEAVE: mount a tmpfs of SIZE bytes on DIR
		// (the parent ran us in a mount namespace of our own), ingest
		// SHARD into a database there and, when LEAVE > 0, after the first
		// commit fill the filesystem until LEAVE bytes are free; then close
		// and reopen the database and say how each step went.
		dir, size, leave := args[1], args[3], args[4]
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
			fmt.Println("mount:", err)
			os.Exit(5)
		}
		dbDir := dir + "/db"
		db, err := Open(DefaultOptions(dbDir))
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		var keep uint64
		fmt.Sscan(leave, &keep)
		opt := DefaultIngestOptions()
		opt.batchBlocks = 1
		filled := false
		opt.Progress = func(IngestProgress) {
			if keep == 0 || filled {
				return
			}
			filled = true
			free, _ := diskFree(dir)
			f, err := os.Create(dir + "/filler")
			if err == nil {
				err = unix.Fallocate(int(f.Fd()), 0, 0, int64(free-keep))
				f.Close()
			}
			if err != nil {
				fmt.Println("fill:", err)
			}
		}
		_, err = db.Ingest(context.Background(), []string{args[2]}, opt)
		fmt.Println("ingest:", err)
		fmt.Println("close:", db.Close())
		db, err = Open(DefaultOptions(dbDir))
		fmt.Println("reopen:", err)
		if err == nil {
			fmt.Println("tables:", len(db.Tables()))
			fmt.Println("check:", db.Check())
			db.Close()
		}
		os.Exit(0)
	case "op":
		// op DIR NAME ARGS...: one write of the crash-point test (see
		// crashpoints_test.go), run in a binary built with -tags
		// failpoints, which kills it where LAIONDB_FAILPOINT_KILL says.
		db, err := Open(DefaultOptions(args[1]))
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		if err := crashOps[args[2]](db, args[3:]); err != nil {
			fmt.Println(args[2]+":", err)
			db.Close()
			os.Exit(3)
		}
		if err := db.Close(); err != nil {
			fmt.Println("close:", err)
			os.Exit(3)
		}
		os.Exit(0)
	case "answer":
		// answer DIR: open DIR read-only, then writable, and print what
		// each sees ("ro ok DIGEST", "rw err MESSAGE"); see
		// TestCorruptionAtRest. A panic or a signal shows as missing lines.
		for _, ro := range []bool{true, false} {
			mode := "rw"
			if ro {
				mode = "ro"
			}
			db, err := Open(DefaultOptions(args[1]).WithReadOnly(ro))
			if err != nil {
				fmt.Printf("%s err %s\n", mode, oneLine(err))
				continue
			}
			d, err := answer(db)
			if err != nil {
				fmt.Printf("%s err %s\n", mode, oneLine(err))
			} else {
				fmt.Printf("%s ok %s\n", mode, d)
			}
			db.Close()
		}
		os.Exit(0)
	case "hold":
		db, err := Open(DefaultOptions(args[1]).WithReadOnly(args[2] == "ro"))
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin)
		db.Close()
		os.Exit(0)
	}
	t.Fatalf("unknown child %q", spec)
}

// child starts this test binary as a child doing spec (see TestChild).
func child(t *testing.T, spec ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(spec, "|"))
	cmd.Stderr = os.Stderr
	return cmd
}

// runKilled runs a child that must end by SIGKILL.
func runKilled(t *testing.T, spec ...string) {
	t.Helper()
	cmd := child(t, spec...)
	out, err := cmd.Output()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %v was not killed: %v\n%s", spec, err, out)
	}
}

// holding starts a child that holds dir open (ro or rw) until the test
// ends, and returns its pid.
func holding(t *testing.T, dir, mode string) int {
	t.Helper()
	pid, _ := holdingUntil(t, dir, mode)
	return pid
}

// holdingUntil starts a child that holds dir open (ro or rw) until
// release is called (or the test ends), and returns its pid. release
// returns once the child has closed the database and exited.
func holdingUntil(t *testing.T, dir, mode string) (pid int, release func()) {
	t.Helper()
	cmd := child(t, "hold", dir, mode)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { in.Close(); cmd.Wait() }) }
	t.Cleanup(release)
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("holding child: %q", line)
	}
	return cmd.Process.Pid, release
}
