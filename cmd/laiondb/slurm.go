package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("slurm", "run a script over many shards as a Slurm array job, merged exactly", runSlurm)
}

func runSlurm(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "slurm", "--script FILE.lq --out DIR [--var k=v]... [--sbatch-arg ARG]... [--per-task N] [--scratch DIR] [--dry-run] [--wait] SHARD...",
		"Runs FILE.lq over the SHARDs (shard directories or files, numbered by their file\n"+
			"names as ingest numbers them) with Slurm: an array job with one task per\n"+
			"shard (or per N shards: --per-task N), each running `laiondb task` (its shards\n"+
			"in a database of its own under DIR/tasks/, the script run with --partial),\n"+
			"and a merge job (--dependency=afterok on the array) writing DIR/result.txt\n"+
			"(table format), DIR/result.jsonl and the script's plots and exports: exactly\n"+
			"what laiondb run prints on one database holding every shard.\n\n"+
			"In each task $shard is a shard directory holding the task's shards and the\n"+
			"other entries of the SHARD directories (imagenet/, synsets/ ...), and $out\n"+
			"is DIR unless --var out= says otherwise. DIR, the shards and this binary\n"+
			"must be at the same paths on every node (a shared file system).\n\n"+
			"--dry-run writes DIR and prints the sbatch scripts, submitting nothing (for\n"+
			"another scheduler: each task is `laiondb task --out DIR --index N`, the\n"+
			"merge `laiondb task --merge --out DIR`). --wait waits for\n"+
			"the merge job and exits with its status; failed tasks are reported by shard\n"+
			"with their log paths. Run again with the same --out, the command submits\n"+
			"only the tasks that did not finish (and the merge).")
	script := fs.String("script", "", "the script to run (FILE.lq)")
	dir := fs.String("out", "", "the job directory")
	var varFlags, sbatchArgs listFlag
	fs.Var(&varFlags, "var", "set a script variable: --var name=value (repeatable)")
	fs.Var(&sbatchArgs, "sbatch-arg", "an sbatch option for both jobs, e.g. --sbatch-arg=--partition=cpu (repeatable)")
	perTask := fs.Int("per-task", 1, "shards per array task")
	sharded := fs.String("sharded", query.DefaultSharded, "the table the shards are ingested into")
	dryRun := fs.Bool("dry-run", false, "write DIR and print the sbatch scripts, submit nothing")
	wait := fs.Bool("wait", false, "wait for the merge job and exit with its status")
	scratch := fs.String("scratch", "", "make each task's database in this directory of its node (e.g. '$TMPDIR', expanded on the node) and remove it when the task ends; default DIR/tasks/N/db, kept")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *script == "" || *dir == "" || fs.NArg() == 0 || *perTask < 1 {
		fs.Usage()
		return errUsage
	}
	for _, v := range varFlags {
		if name, _, ok := strings.Cut(v, "="); !ok || name == "" {
			fmt.Fprintf(e.stderr, "laiondb slurm: --var %q: want name=value\n", v)
			return errUsage
		}
	}
	for _, a := range sbatchArgs {
		if !strings.HasPrefix(a, "-") || strings.ContainsAny(a, "\n\r") {
			fmt.Fprintf(e.stderr, "laiondb slurm: --sbatch-arg %q: want one sbatch option on one line, such as --partition=cpu\n", a)
			return errUsage
		}
	}
	out, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(*script)
	if err != nil {
		return err
	}
	if _, err := scriptIngests(*script, string(src), *sharded); err != nil {
		return err
	}
	// A statement no merge gives exactly is refused now, not in every task.
	if err := checkPartialScript(*script, string(src), *sharded); err != nil {
		fmt.Fprintln(e.stderr, strings.TrimSuffix(err.Error(), "\n"))
		return errReported
	}
	j, err := planJob(*script, src, varFlags, *sharded, *perTask, fs.Args())
	if err != nil {
		return err
	}
	j.Scratch = *scratch
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot tell where this laiondb is: %v", err)
	}

	// An existing job directory must hold this job: then its finished
	// tasks are kept.
	if fileExists(filepath.Join(out, "job.json")) {
		old, err := readJob(out)
		if err != nil {
			return err
		}
		if old.ScriptSHA256 != j.ScriptSHA256 || strings.Join(old.Vars, "\x00") != strings.Join(j.Vars, "\x00") ||
			!strings.EqualFold(old.Sharded, j.Sharded) || !sameTasks(old.Tasks, j.Tasks) {
			return fmt.Errorf("%s holds another job (a different script, --var values, shards or --per-task); give another --out, or remove %s to start over", out, out)
		}
	} else if ents, _ := os.ReadDir(out); len(ents) > 0 {
		return fmt.Errorf("%s is not empty and holds no job.json; give a new or empty directory as --out", out)
	}
	var pending []int
	for i := range j.Tasks {
		if !taskFinished(out, i) {
			pending = append(pending, i)
		}
	}
	taskScript := sbatchScript([]string{
		"--job-name=laiondb-task",
		"--array=" + indexList(pending),
		"--output=" + filepath.Join(out, "logs", "task-%a.out"),
	}, sbatchArgs, shQuote(bin)+" task --out "+shQuote(out))
	mergeScript := sbatchScript([]string{
		"--job-name=laiondb-merge",
		"--output=" + filepath.Join(out, "logs", "merge.out"),
	}, sbatchArgs, shQuote(bin)+" task --merge --out "+shQuote(out))
	if err := writeJob(out, j, src, taskScript, mergeScript); err != nil {
		return err
	}
	if *dryRun {
		if len(pending) > 0 {
			fmt.Fprintf(e.stdout, "# %s: %s (%s)\n%s\n", filepath.Join(out, "task.sbatch"), count(len(pending), "task"), count(countShards(j, pending), "shard"), taskScript)
		}
		fmt.Fprintf(e.stdout, "# %s (sbatch --dependency=afterok:ARRAY_JOB_ID)\n%s", filepath.Join(out, "merge.sbatch"), mergeScript)
		return nil
	}
	var arrayID string
	if len(pending) > 0 {
		if arrayID, err = sbatch(ctx, filepath.Join(out, "task.sbatch")); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "submitted array job %s: %s over %s (logs %s)\n", arrayID, count(len(pending), "task"), count(countShards(j, pending), "shard"), filepath.Join(out, "logs", "task-N.out"))
	} else {
		fmt.Fprintf(e.stdout, "every task of %s has finished; submitting the merge only\n", out)
	}
	mergeArgs := []string{filepath.Join(out, "merge.sbatch")}
	if arrayID != "" {
		mergeArgs = append([]string{"--dependency=afterok:" + arrayID}, mergeArgs...)
	}
	mergeID, err := sbatch(ctx, mergeArgs...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "submitted merge job %s: results in %s and %s\n", mergeID, filepath.Join(out, "result.txt"), filepath.Join(out, "result.jsonl"))
	if !*wait {
		return nil
	}
	return waitJob(ctx, e, out, j, pending, mergeID)
}

// planJob finds the shards and splits them into tasks.
func planJob(script string, src []byte, vars []string, sharded string, perTask int, paths []string) (*job, error) {
	abs := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		abs[i] = a
	}
	shards, err := engine.FindShards(abs)
	if err != nil {
		return nil, err
	}
	j := &job{Format: jobFormat, Version: jobVersion, Script: script, ScriptSHA256: scriptDigest(src),
		Vars: append([]string{}, vars...), Sharded: sharded, Extras: map[string]string{}}
	for i := 0; i < len(shards); i += perTask {
		j.Tasks = append(j.Tasks, jobTask{Shards: shards[i:min(i+perTask, len(shards))]})
	}
	// The entries of the shard directories that are not shards
	// (imagenet/, synsets/): every task's $shard has them too.
	notShard := map[string]bool{"metadata": true, "img_emb": true, "text_emb": true, "images": true, "texts": true}
	for _, p := range abs {
		ents, err := os.ReadDir(p)
		if err != nil {
			continue // a file
		}
		for _, en := range ents {
			ext := strings.ToLower(filepath.Ext(en.Name()))
			if notShard[en.Name()] || ext == ".parquet" || ext == ".npy" || j.Extras[en.Name()] != "" {
				continue
			}
			j.Extras[en.Name()] = filepath.Join(p, en.Name())
		}
	}
	return j, nil
}

// writeJob writes the job directory's files: the script only the first
// time (a rerun runs the same text, checked by digest).
func writeJob(out string, j *job, src []byte, taskScript, mergeScript string) error {
	if err := os.MkdirAll(filepath.Join(out, "logs"), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"script.lq", src, 0o644},
		{"task.sbatch", []byte(taskScript), 0o755},
		{"merge.sbatch", []byte(mergeScript), 0o755},
		{"job.json", append(b, '\n'), 0o644},
	} {
		if err := writeFileAtomic(filepath.Join(out, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	// A status from an earlier merge is not this one's.
	if err := os.Remove(filepath.Join(out, "merge.status")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// sbatchScript is a batch script: our options, the user's, the command.
func sbatchScript(opts, user []string, command string) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for _, o := range append(opts, user...) {
		fmt.Fprintf(&b, "#SBATCH %s\n", o)
	}
	fmt.Fprintf(&b, "exec %s\n", command)
	return b.String()
}

// sbatch submits a batch script and returns the job id.
func sbatch(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "sbatch", append([]string{"--parsable"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sbatch %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), ";")
	if _, err := strconv.Atoi(id); err != nil {
		return "", fmt.Errorf("sbatch %s: no job id in its answer %q", strings.Join(args, " "), stdout.String())
	}
	return id, nil
}

// indexList writes task indexes as Slurm's --array wants them: 0-3,7.
func indexList(ix []int) string {
	var parts []string
	for i := 0; i < len(ix); {
		k := i
		for k+1 < len(ix) && ix[k+1] == ix[k]+1 {
			k++
		}
		if k > i {
			parts = append(parts, fmt.Sprintf("%d-%d", ix[i], ix[k]))
		} else {
			parts = append(parts, strconv.Itoa(ix[i]))
		}
		i = k + 1
	}
	return strings.Join(parts, ",")
}

func countShards(j *job, tasks []int) int {
	n := 0
	for _, i := range tasks {
		n += len(j.Tasks[i].Shards)
	}
	return n
}

// jobState is a job's JobState and Reason as scontrol shows them (kept
// MinJobAge after the job ends); ok is false when Slurm no longer knows
// the job.
func jobState(ctx context.Context, id string) (state, reason string, ok bool) {
	out, err := exec.CommandContext(ctx, "scontrol", "-o", "show", "job", id).Output()
	if err != nil {
		return "", "", false
	}
	for _, f := range strings.Fields(string(out)) {
		if v, found := strings.CutPrefix(f, "JobState="); found {
			state = v
		}
		if v, found := strings.CutPrefix(f, "Reason="); found {
			reason = v
		}
	}
	return state, reason, state != ""
}

// waitJob waits for the merge job: it reports tasks as they finish, and
// ends with the merge's exit status, or with the failed tasks (by shard,
// with their logs) when the merge can never start.
func waitJob(ctx context.Context, e *env, out string, j *job, pending []int, mergeID string) error {
	done := map[int]bool{}
	lost := 0
	for {
		for _, i := range pending {
			if !done[i] && taskFinished(out, i) {
				done[i] = true
				fmt.Fprintf(e.stdout, "task %d (shards %s) finished\n", i, shardList(j.Tasks[i].numbers()))
			}
		}
		if b, err := os.ReadFile(filepath.Join(out, "merge.status")); err == nil {
			code, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				return fmt.Errorf("%s: %q is not an exit status", filepath.Join(out, "merge.status"), b)
			}
			if code != 0 {
				fmt.Fprintf(e.stderr, "merge job %s failed (status %d); its output, %s:\n%s", mergeID, code, filepath.Join(out, "logs", "merge.out"), tail(filepath.Join(out, "logs", "merge.out"), 10))
				return &repl.ExitError{Code: code}
			}
			fmt.Fprintf(e.stdout, "merge job %s finished: %s, %s\n", mergeID, filepath.Join(out, "result.txt"), filepath.Join(out, "result.jsonl"))
			return nil
		}
		state, reason, ok := jobState(ctx, mergeID)
		switch {
		case ok && state == "PENDING" && reason == "DependencyNeverSatisfied":
			var failed []string
			for _, i := range pending {
				if !taskFinished(out, i) {
					failed = append(failed, fmt.Sprintf("task %d (shards %s) failed; log %s:\n%s", i, shardList(j.Tasks[i].numbers()), taskLog(out, i), tail(taskLog(out, i), 5)))
				}
			}
			exec.CommandContext(ctx, "scancel", mergeID).Run()
			return fmt.Errorf("the merge job %s cannot start (cancelled): %d of %d tasks failed\n%s\nfix the cause and run the same laiondb slurm command again: it reruns only the unfinished tasks",
				mergeID, len(failed), len(pending), strings.Join(failed, "\n"))
		case ok && (state == "PENDING" || state == "RUNNING" || state == "CONFIGURING" || state == "COMPLETING" || state == "SUSPENDED"):
			lost = 0
		default:
			// The merge job ended (or Slurm forgot it) without a status:
			// look twice, the status file may be on its way.
			if lost++; lost > 3 {
				if !ok {
					state = "unknown to Slurm"
				}
				return fmt.Errorf("the merge job %s ended (%s) without writing %s; its output, %s:\n%s", mergeID, state,
					filepath.Join(out, "merge.status"), filepath.Join(out, "logs", "merge.out"), tail(filepath.Join(out, "logs", "merge.out"), 10))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting (the jobs go on: squeue -j %s)", mergeID)
		case <-time.After(time.Second):
		}
	}
}

// tail is the last n lines of a file, indented, for a report.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "    (" + err.Error() + ")\n"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ") + "\n"
}

// shQuote quotes s for sh.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// count writes n things: 1 task, 2 tasks.
func count(n int, what string) string { return fmt.Sprintf("%d %s%s", n, what, plural(n)) }

// checkPartialScript runs the partial run's analysis of the script on an
// empty database in a temporary directory.
func checkPartialScript(file, src, sharded string) error {
	tmp, err := os.MkdirTemp("", "laiondb-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	db, err := engine.Open(engine.DefaultOptions(tmp))
	if err != nil {
		return err
	}
	defer db.Close()
	sess, err := query.NewSession(db, query.Options{})
	if err != nil {
		return err
	}
	return repl.CheckPartial(sess, file, src, sharded)
}
