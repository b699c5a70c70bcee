package export

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

const childEnv = "LAIONDB_EXPORT_CHILD"

// TestKilledExportChild is the export that TestKilledExportLeavesNoFile
// kills: it SIGKILLs itself in the middle of writing.
func TestKilledExportChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs only as a child")
	}
	gen := genRows(100_000, 3)
	n := 0
	next := func() ([]engine.Value, bool, error) {
		if n++; n == 20_000 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return gen()
	}
	Write(context.Background(), path, laionCols, next, Options{})
	os.Exit(3)
}

// Issue 15, item 14: an EXPORT killed while writing left its hidden
// temporary file for good (up to 1.27 GB each). The next export into the
// directory removes it.
func TestKilledExportLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "laionet.parquet")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledExportChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	cmd.Run()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the export was not killed: %v", cmd.ProcessState)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("after the kill the directory holds %d files, want the temporary one", len(ents))
	}
	if _, err := Write(context.Background(), filepath.Join(dir, "small.csv"), laionCols, genRows(10, 1), Options{}); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "small.csv")
}
