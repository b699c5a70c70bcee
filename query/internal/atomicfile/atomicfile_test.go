package atomicfile

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const childEnv = "LAIONDB_ATOMICFILE_CHILD"

// TestChild is this test binary run as a writer: "kill DIR" writes a
// temporary file for DIR/out.csv and SIGKILLs itself; "hold DIR" writes
// one and waits until stdin closes.
func TestChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("runs only as a child")
	}
	mode, dir, _ := strings.Cut(spec, "|")
	f, err := Create(filepath.Join(dir, "out.csv"))
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	f.WriteString("a,b\n1,2\n")
	if mode == "kill" {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	f.Cleanup()
	os.Exit(0)
}

func temps(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*"+marker+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Issue 15, item 14: a killed EXPORT left its hidden temporary file (up to
// 1.27 GB) for good. The next writer in the directory removes it — and
// leaves a live writer's alone.
func TestKilledWritersTemporaryFileIsRemovedNextTime(t *testing.T) {
	dir := t.TempDir()
	killed := exec.Command(os.Args[0], "-test.run=^TestChild$")
	killed.Env = append(os.Environ(), childEnv+"=kill|"+dir)
	killed.Run()
	if ws, ok := killed.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v", killed.ProcessState)
	}
	if n := len(temps(t, dir)); n != 1 {
		t.Fatalf("%d temporary files after the kill, want 1", n)
	}

	live := exec.Command(os.Args[0], "-test.run=^TestChild$")
	live.Env = append(os.Environ(), childEnv+"=hold|"+dir)
	in, _ := live.StdinPipe()
	out, _ := live.StdoutPipe()
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer live.Wait()
	defer in.Close()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("live child: %q", line)
	}

	f, err := Create(filepath.Join(dir, "other.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("x")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	left := temps(t, dir)
	if len(left) != 1 || !strings.Contains(left[0], fmt.Sprintf("%s%d-", marker, live.Process.Pid)) {
		t.Errorf("after the next write: %v, want only the live writer's file", left)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "other.parquet")); string(b) != "x" {
		t.Errorf("committed file holds %q", b)
	}
}
