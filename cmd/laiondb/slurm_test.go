package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// studyOnOneDatabase runs examples/laionet.lq on one database holding
// every shard of all; it returns the rows as JSON lines and the
// directory its files went to.
func studyOnOneDatabase(t *testing.T, dir, all string) (jsonl, out string) {
	t.Helper()
	out = filepath.Join(dir, "one-out")
	mkdir(t, out)
	code, stdout, stderr := run("run", "--db", filepath.Join(dir, "one.db"), "--format", "jsonl",
		"--var", "shard="+all, "--var", "out="+out, "../../examples/laionet.lq")
	if code != 0 {
		t.Fatalf("the study on one database: exit %d\n%s", code, stderr)
	}
	return stdout, out
}

// sameStudy compares a job directory's results with one database's.
func sameStudy(t *testing.T, job, wantJSONL, wantOut string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(job, "result.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, "result.jsonl", wantJSONL, string(got))
	for _, f := range []string{"intraclass_hist.svg", "intraclass_scatter.svg", "laionet.parquet"} {
		w, err := os.ReadFile(filepath.Join(wantOut, f))
		if err != nil {
			t.Fatal(err)
		}
		g, err := os.ReadFile(filepath.Join(job, f))
		if err != nil {
			t.Errorf("the merge did not write %s: %v", f, err)
			continue
		}
		if strings.HasSuffix(f, ".svg") {
			sameOutput(t, f, string(w), string(g))
		} else if !bytes.Equal(w, g) {
			t.Errorf("%s: the merge wrote %d bytes, one database %d, not the same", f, len(g), len(w))
		}
	}
	txt, err := os.ReadFile(filepath.Join(job, "result.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"created set laionet", "synset", "verdict", "wrote intraclass_scatter.svg"} {
		if !bytes.Contains(txt, []byte(want)) {
			t.Errorf("result.txt does not say %q:\n%s", want, clipText(string(txt)))
		}
	}
}

// The job laiondb slurm writes runs on any scheduler that hands each task
// its index: here as a Kubernetes Indexed Job would (JOB_COMPLETION_INDEX),
// task by task, then the merge; a finished task does nothing when run
// again.
func TestTaskIndexedJob(t *testing.T) {
	dir := t.TempDir()
	all := partialShards(t, dir, 3, 1000)
	want, wantOut := studyOnOneDatabase(t, dir, all)

	job := filepath.Join(dir, "job")
	code, stdout, stderr := run("slurm", "--dry-run", "--script", "../../examples/laionet.lq", "--out", job, all)
	if code != 0 || !strings.Contains(stdout, "#SBATCH --array=0-2") || !strings.Contains(stdout, "task --merge --out") {
		t.Fatalf("slurm --dry-run: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	for i := range 3 {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		code, stdout, stderr := run("task", "--out", job)
		if code != 0 || !strings.Contains(stdout, fmt.Sprintf("task %d: shards %d", i, i)) {
			t.Fatalf("task %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
	}
	code, stdout, _ = run("task", "--out", job)
	if code != 0 || !strings.Contains(stdout, "task 2: already finished") {
		t.Errorf("task 2 again: exit %d, %q", code, stdout)
	}
	code, stdout, stderr = run("task", "--merge", "--out", job)
	if code != 0 {
		t.Fatalf("task --merge: exit %d\n%s%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(job, "merge.status")); err != nil || string(b) != "0\n" {
		t.Errorf("merge.status: %q, %v", b, err)
	}
	sameStudy(t, job, want, wantOut)
}

// A script that does not ingest into the sharded table gets its shards
// ingested by the task (--index N gives the task by hand), two shards a
// task, each database in --scratch and removed when its task ends.
func TestTaskIngestsShards(t *testing.T) {
	dir := t.TempDir()
	all := partialShards(t, dir, 3, 300)
	script := filepath.Join(dir, "count.lq")
	writeFile(t, script, "SELECT count(*) AS n, sum(width) AS w, max(caption) AS c FROM laion;\nSELECT nsfw, count(*) AS n FROM laion GROUP BY nsfw ORDER BY n DESC, nsfw;\n")
	one := filepath.Join(dir, "one.db")
	if code, _, stderr := run("ingest", "--db", one, all); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	code, want, stderr := run("run", "--db", one, "--format", "jsonl", script)
	if code != 0 {
		t.Fatalf("one database: %s", stderr)
	}
	job := filepath.Join(dir, "job")
	scratch := filepath.Join(dir, "scratch")
	t.Setenv("LAIONDB_TEST_SCRATCH", scratch)
	if code, stdout, stderr := run("slurm", "--dry-run", "--per-task", "2", "--scratch", "$LAIONDB_TEST_SCRATCH", "--script", script, "--out", job, all); code != 0 || !strings.Contains(stdout, "#SBATCH --array=0-1") {
		t.Fatalf("slurm --dry-run --per-task 2: exit %d\n%s%s", code, stdout, stderr)
	}
	for i, shards := range []string{"0-1", "2"} {
		code, stdout, stderr := run("task", "--out", job, "--index", fmt.Sprint(i))
		if code != 0 || !strings.Contains(stdout, fmt.Sprintf("task %d: shards %s", i, shards)) || !strings.Contains(stdout, "ingested") {
			t.Fatalf("task %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
	}
	// --scratch: the databases were made there and are gone.
	if ents, err := os.ReadDir(scratch); err != nil || len(ents) != 0 {
		t.Errorf("scratch %s after the tasks: %v, %v", scratch, ents, err)
	}
	if fileExists(filepath.Join(job, "tasks", "0", "db")) {
		t.Errorf("with --scratch, task 0 made its database in the job directory")
	}
	if code, stdout, stderr := run("task", "--merge", "--out", job); code != 0 {
		t.Fatalf("task --merge: exit %d\n%s%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(filepath.Join(job, "result.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, "result.jsonl", want, string(got))
}

// laiondb slurm refuses, before it writes or submits anything, a script
// that a partial run would refuse, and a --out that holds another job.
func TestSlurmRefuses(t *testing.T) {
	dir := t.TempDir()
	all := partialShards(t, dir, 2, 100)
	bad := filepath.Join(dir, "bad.lq")
	writeFile(t, bad, "INGEST $shard INTO laion;\nSELECT count(*) FROM laion;\nSELECT id FROM laion WHERE width > (SELECT avg(width) FROM laion);\n")
	job := filepath.Join(dir, "job")
	code, stdout, stderr := run("slurm", "--dry-run", "--script", bad, "--out", job, all)
	if code != 1 || !strings.Contains(stderr, "bad.lq:3:36: cannot run as a partial whose merge is exact") || stdout != "" {
		t.Errorf("an unmergeable script: exit %d\nstdout %q\nstderr:\n%s", code, stdout, stderr)
	}
	if fileExists(job) {
		t.Errorf("the refused job left %s", job)
	}

	good := filepath.Join(dir, "good.lq")
	writeFile(t, good, "SELECT count(*) AS n FROM laion;\n")
	if code, _, stderr := run("slurm", "--dry-run", "--script", good, "--out", job, all); code != 0 {
		t.Fatalf("slurm --dry-run: exit %d\n%s", code, stderr)
	}
	code, _, stderr = run("slurm", "--dry-run", "--per-task", "2", "--script", good, "--out", job, all)
	if code != 1 || !strings.Contains(stderr, "holds another job") {
		t.Errorf("another job in the same --out: exit %d\n%s", code, stderr)
	}
	other := filepath.Join(dir, "other")
	mkdir(t, other)
	writeFile(t, filepath.Join(other, "notes.txt"), "mine\n")
	code, _, stderr = run("slurm", "--dry-run", "--script", good, "--out", other, all)
	if code != 1 || !strings.Contains(stderr, "is not empty and holds no job.json") {
		t.Errorf("a --out with other files: exit %d\n%s", code, stderr)
	}
	code, _, stderr = run("task", "--out", job)
	if code != 1 || !strings.Contains(stderr, "no task index") {
		t.Errorf("task without an index: exit %d\n%s", code, stderr)
	}
}

// TestSlurmStudy runs the study over three shards on the Slurm cluster
// of this machine (.ci/slurm-up) with laiondb slurm --wait: a task whose
// shard is damaged fails and is reported by shard with its log, the merge
// never starts, and once the shard is mended the same command runs only
// that task and the merge, whose result.jsonl and files are one
// database's.
func TestSlurmStudy(t *testing.T) {
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("sbatch is not installed: this test submits jobs to a Slurm cluster; sudo .ci/slurm-up makes this machine a one-node cluster (Debian slurm-wlm and munge)")
	}
	if out, err := exec.Command("scontrol", "ping").CombinedOutput(); err != nil || !bytes.Contains(out, []byte("is UP")) {
		t.Fatalf("sbatch is installed but slurmctld does not answer (scontrol ping: %s %v): start it with sudo .ci/slurm-up", bytes.TrimSpace(out), err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The jobs run this package's laiondb, built for them (with this
	// test's tags).
	bin := filepath.Join(dir, "laiondb")
	if out, err := exec.Command("go", "build", "-tags", buildTags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	all := partialShards(t, dir, 3, 1000)
	want, wantOut := studyOnOneDatabase(t, dir, all)
	script, err := filepath.Abs("../../examples/laionet.lq")
	if err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(dir, "job")
	submit := func() (int, string, string) {
		cmd := exec.Command(bin, "slurm", "--wait", "--script", script, "--out", job, "--sbatch-arg=--time=10", all)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, stdout.String(), stderr.String()
		case errors.As(err, &ee):
			return ee.ExitCode(), stdout.String(), stderr.String()
		}
		t.Fatal(err)
		return 0, "", ""
	}

	// Shard 1's image vectors cut short: its task fails.
	npy := filepath.Join(all, "img_emb", "img_emb_0001.npy")
	whole, err := os.ReadFile(npy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(npy, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := submit()
	log1 := filepath.Join(job, "logs", "task-1.out")
	if code != 1 || !strings.Contains(stderr, "task 1 (shards 1) failed; log "+log1) || !strings.Contains(stderr, "1 of 3 tasks failed") {
		t.Fatalf("a failed task: exit %d, want 1 naming task 1, shard 1 and %s\nstdout:\n%s\nstderr:\n%s", code, log1, stdout, stderr)
	}
	if !taskFinished(job, 0) || !taskFinished(job, 2) || taskFinished(job, 1) {
		t.Errorf("tasks 0 and 2 should have finished, task 1 not")
	}
	if fileExists(filepath.Join(job, "result.jsonl")) {
		t.Errorf("the merge ran although a task failed")
	}

	// Mended, the same command reruns task 1 only.
	if err := os.WriteFile(npy, whole, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = submit()
	if code != 0 {
		t.Fatalf("rerun: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "1 task over 1 shard") || !strings.Contains(stdout, "task 1 (shards 1) finished") {
		t.Errorf("rerun: want only task 1 submitted:\n%s", stdout)
	}
	sameStudy(t, job, want, wantOut)
}
