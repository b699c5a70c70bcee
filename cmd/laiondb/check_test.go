package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// laiondb check: "ok" and exit 0 on a sound database; each damaged value
// named by table, shard and block, and exit 1, on a damaged one.
func TestCheckCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	ingestTestShard(t, dir)
	code, stdout, stderr := run("check", "--db", dir)
	if code != 0 || !strings.HasPrefix(stdout, "ok: "+dir) {
		t.Fatalf("sound database: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	vlog := filepath.Join(dir, "000001.vlog")
	b, err := os.ReadFile(vlog)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+16; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(vlog, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run("check", "--db", dir)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "table laion shard 0 generation 1 block") || !strings.Contains(stderr, "1 problem found") {
		t.Errorf("damaged database: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
