package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/engine/gen"
)

// Issue 10, item 5: readers are never locked out by an idle shell. Two
// shells sit idle in real terminals on one database and laiondb query
// reads it beside them; a statement that writes in one shell waits for
// the other to let go (.timeout), fails naming it, and leaves the shell
// working; once the other shell has quit the write goes through, and a
// reader started while the first shell idles sees it.
func TestTerminalIdleShellAndReaders(t *testing.T) {
	tm, dir := termShell(t, 200, "--db db")
	bin := laiondbBinary(t)
	other := newTmux(t, dir, 200, fmt.Sprintf("env HOME=%s LAIONDB_HISTORY= %s shell --db db", shellQuote(dir), shellQuote(bin)))
	other.waitFor("the second shell's prompt", func(s string) bool { return lastLine(s) == "laiondb>" })
	otherPID := strings.TrimSpace(other.run("display-message", "-p", "-t", "0", "#{pane_pid}"))

	query := func(stmt string, extra ...string) (string, error) {
		args := append([]string{"query", "--db", filepath.Join(dir, "db"), "--format", "csv"}, extra...)
		cmd := exec.Command(bin, append(args, stmt)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Readers beside two idle shells, two at once.
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			out, err := query("SELECT count(*) AS n FROM laion")
			if err == nil && out != "n\n2000\n" {
				err = fmt.Errorf("output %q", out)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a reader beside two idle shells: %v", err)
		}
	}
	s := tm.enter("SELECT count(*) AS n FROM laion;", "1 row")
	if !strings.Contains(s, "   n\n----\n2000\n1 row (") {
		t.Errorf("the shell reads beside the other:\n%s", s)
	}

	// A write waits for the other shell, then names it.
	tm.enter(".timeout 300", "")
	s = tm.enter("CREATE SET few AS SELECT * FROM laion ORDER BY id LIMIT 3;", "in use by another process")
	got := after(s, ".timeout 300\n")
	if !strings.Contains(got, "process "+otherPID+" (") || !strings.Contains(got, "has it open for reading") || !strings.Contains(got, "after waiting 300ms") {
		t.Errorf("a write beside an idle shell:\n%s", got)
	}
	s = tm.enter("SELECT count(*) AS n FROM laion;", "1 row")
	if !strings.Contains(after(s, "LIMIT 3;\n"), "2000\n1 row (") {
		t.Errorf("the shell after its write failed:\n%s", s)
	}

	other.send("C-d")
	other.waitExit(0)
	tm.enter("CREATE SET few AS SELECT * FROM laion ORDER BY id LIMIT 3;", "created set few")
	// Idle again: readers come in, and see the write.
	out, err := query("SELECT count(*) AS n FROM few", "--busy-timeout", "0")
	if err != nil || out != "n\n3\n" {
		t.Errorf("a reader after the shell wrote: %v\n%s", err, out)
	}
	s = tm.enter("SELECT count(*) AS n FROM few;", "1 row")
	if !strings.Contains(after(s, "FROM few;\n"), "n\n-\n3\n1 row (") {
		t.Errorf("the shell reads its own write:\n%s", s)
	}
	tm.send("C-d")
	tm.waitExit(0)
}

// A reader started during an ingest is told, after --busy-timeout, that
// the ingest (by pid and command line) has the database open for
// writing; it does not hang. The ingest is stopped (SIGSTOP) while it
// holds the lock, so nothing depends on timing.
func TestReaderDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs laiondb ingest in a child process")
	}
	bin := laiondbBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	ingestTestShard(t, db)
	shard := filepath.Join(dir, "shard1")
	if _, err := gen.Generate(shard, gen.Config{Rows: 20000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	ingest := exec.Command(bin, "ingest", "--db", db, "--shard", "1", shard)
	if err := ingest.Start(); err != nil {
		t.Fatal(err)
	}
	pid := ingest.Process.Pid
	stopped := false
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if b, err := os.ReadFile(filepath.Join(db, "LOCK")); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(pid) {
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			stopped = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	if !stopped {
		ingest.Wait()
		t.Fatal("the ingest never held the lock (or finished before the test could stop it)")
	}
	out, err := exec.Command(bin, "query", "--db", db, "--busy-timeout", "200ms", "SELECT count(*) FROM laion").CombinedOutput()
	syscall.Kill(pid, syscall.SIGCONT)
	msg := string(out)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 ||
		!strings.Contains(msg, fmt.Sprintf("process %d (laiondb ingest --db %s", pid, db)) ||
		!strings.Contains(msg, "open for writing") || !strings.Contains(msg, "after waiting 200ms") {
		t.Errorf("a reader during an ingest: %v\n%s", err, msg)
	}
	if err := ingest.Wait(); err != nil {
		t.Fatalf("the ingest: %v", err)
	}
	out, err = exec.Command(bin, "query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM laion").CombinedOutput()
	if err != nil || string(out) != "n\n22000\n" {
		t.Errorf("after the ingest: %v\n%s", err, out)
	}
}

// Embeddings a reading statement computes are stored when the command
// ends, if the database is free then: the next command does not ask the
// embedder again. Beside a reader they cannot be, and a warning says so.
func TestEmbeddingsOfReadsAreStored(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	ingestTestShard(t, dir)
	var mu sync.Mutex
	asked := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Embedding []float32 `json:"embedding"`
			Index     int       `json:"index"`
		}
		var resp struct {
			Data []item `json:"data"`
		}
		mu.Lock()
		for i, in := range req.Input {
			asked[in]++
			v := make([]float32, 512)
			v[i%512] = 1
			resp.Data = append(resp.Data, item{v, i})
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()
	embedQuery := func(text string) (int, string, string) {
		return run("query", "--db", dir, "--format", "csv", "--busy-timeout", "0",
			"SET embedder = '"+srv.URL+"/v1/embeddings'; SELECT length(embed('"+text+"')) AS n")
	}
	for range 2 {
		code, stdout, stderr := embedQuery("a dog")
		if code != 0 || stdout != "n\n512\n" || strings.Contains(stderr, "warning") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	}
	mu.Lock()
	if asked["a dog"] != 1 {
		t.Errorf("the embedder was asked %d times for the same text, want once", asked["a dog"])
	}
	mu.Unlock()

	reader := enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(true))
	code, stdout, stderr := embedQuery("a cat")
	if code != 0 || stdout != "n\n512\n" || !strings.Contains(stderr, "warning: the embeddings of 1 text computed in this session were not stored") ||
		!strings.Contains(stderr, fmt.Sprintf("process %d (", os.Getpid())) {
		t.Errorf("beside a reader: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	enginetest.Close(t, reader)
}
