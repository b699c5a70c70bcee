package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/repl"
)

func init() {
	register("task", "run one task of a laiondb slurm job (an array task, or a Kubernetes Indexed Job's pod)", runTask)
}

// A job directory (laiondb slurm --out DIR) holds:
//
//	job.json            the job: script, variables, sharded table, the
//	                    shards of every task (format "laiondb-job", version 1)
//	script.lq           the script, as it was when the job was made
//	task.sbatch         the array job's script; merge.sbatch the merge's
//	tasks/N/shard/      task N's shard directory ($shard): links to its
//	                    shards' files and to the other entries of the
//	                    SHARD directories (imagenet/, synsets/ ...)
//	tasks/N/db/         task N's database (elsewhere with --scratch)
//	tasks/N/partial/    task N's partial (finished when partial.json is there)
//	logs/task-N.out     task N's output; logs/merge.out the merge's
//	result.txt          the merged results, as laiondb run prints them
//	result.jsonl        every result's rows as JSON lines
//	merge.status        the merge's exit status, written when it ends
const (
	jobFormat  = "laiondb-job"
	jobVersion = 1
)

// job is job.json.
type job struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Script is the script's path as given; ScriptSHA256 its content's
	// digest (the job runs the copy in DIR/script.lq).
	Script       string            `json:"script"`
	ScriptSHA256 string            `json:"script_sha256"`
	Vars         []string          `json:"vars"` // name=value, as given
	Sharded      string            `json:"sharded"`
	Extras       map[string]string `json:"extras"` // entry name → path, linked into every task's shard directory
	// Scratch, when set, is where tasks make their databases (environment
	// variables expanded on the node), removed when each task ends.
	Scratch string    `json:"scratch,omitempty"`
	Tasks   []jobTask `json:"tasks"`
}

// jobTask is one task: the shards it ingests.
type jobTask struct {
	Shards []engine.ShardFiles `json:"shards"`
}

func (t jobTask) numbers() []uint32 {
	var n []uint32
	for _, s := range t.Shards {
		n = append(n, s.Number)
	}
	return n
}

func readJob(dir string) (*job, error) {
	b, err := os.ReadFile(filepath.Join(dir, "job.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no job.json there; laiondb slurm --out %s makes the job directory", dir, dir)
		}
		return nil, err
	}
	var j job
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "job.json"), err)
	}
	if j.Format != jobFormat || j.Version != jobVersion {
		return nil, fmt.Errorf("%s: format %q version %d; this laiondb reads %s version %d", filepath.Join(dir, "job.json"), j.Format, j.Version, jobFormat, jobVersion)
	}
	return &j, nil
}

// taskDir, partialOf and taskLog are task i's places in job directory dir.
func taskDir(dir string, i int) string { return filepath.Join(dir, "tasks", strconv.Itoa(i)) }
func partialOf(dir string, i int) string {
	return filepath.Join(taskDir(dir, i), "partial")
}
func taskLog(dir string, i int) string {
	return filepath.Join(dir, "logs", fmt.Sprintf("task-%d.out", i))
}

// taskFinished: the task's partial is complete (its manifest is written last).
func taskFinished(dir string, i int) bool {
	_, err := os.Stat(filepath.Join(partialOf(dir, i), "partial.json"))
	return err == nil
}

// varsWith returns the job's variables with shard and (unless given) out
// set: $out is the job directory.
func (j *job) varArgs(dir, shard string) []string {
	var args []string
	hasOut := false
	for _, v := range j.Vars {
		name, _, _ := strings.Cut(v, "=")
		name = strings.TrimPrefix(name, "$")
		if name == "shard" {
			continue
		}
		hasOut = hasOut || name == "out"
		args = append(args, "--var", v)
	}
	if !hasOut {
		args = append(args, "--var", "out="+dir)
	}
	if shard != "" {
		args = append(args, "--var", "shard="+shard)
	}
	return args
}

func runTask(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "task", "--out DIR [--index N | --merge]",
		"Runs one task of the job laiondb slurm made in DIR. The task index comes from\n"+
			"--index, else SLURM_ARRAY_TASK_ID (a Slurm array task), else\n"+
			"JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). The task links its shards'\n"+
			"files into DIR/tasks/N/shard (the script's $shard), ingests them into the\n"+
			"sharded table of DIR/tasks/N/db unless the script ingests them itself, and\n"+
			"runs the script with --partial DIR/tasks/N/partial. A finished task does\n"+
			"nothing; an unfinished one starts again from scratch.\n\n"+
			"--merge merges the finished tasks' partials into DIR/result.txt (table\n"+
			"format) and DIR/result.jsonl, writes the script's plots and exports, and\n"+
			"records its exit status in DIR/merge.status.")
	dir := fs.String("out", "", "the job directory")
	index := fs.Int("index", -1, "the task index (default: from the environment)")
	merge := fs.Bool("merge", false, "merge the tasks' partials instead of running a task")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	j, err := readJob(*dir)
	if err != nil {
		return err
	}
	if *merge {
		return mergeJob(ctx, e, *dir, j)
	}
	i := *index
	if i < 0 {
		for _, name := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
			if v := os.Getenv(name); v != "" {
				if i, err = strconv.Atoi(v); err != nil || i < 0 {
					return fmt.Errorf("%s=%q is not a task index", name, v)
				}
				break
			}
		}
		if i < 0 {
			return fmt.Errorf("no task index: give --index N, or run under Slurm (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)")
		}
	}
	if i >= len(j.Tasks) {
		return fmt.Errorf("task %d: the job in %s has tasks 0 to %d", i, *dir, len(j.Tasks)-1)
	}
	return runJobTask(ctx, e, *dir, j, i)
}

func runJobTask(ctx context.Context, e *env, dir string, j *job, i int) error {
	start := time.Now()
	t := j.Tasks[i]
	fmt.Fprintf(e.stdout, "task %d: shards %s\n", i, shardList(t.numbers()))
	if taskFinished(dir, i) {
		fmt.Fprintf(e.stdout, "task %d: already finished (%s)\n", i, partialOf(dir, i))
		return nil
	}
	td := taskDir(dir, i)
	// What an unfinished run left is dropped: the task starts again.
	for _, d := range []string{"shard", "db", "partial"} {
		if err := os.RemoveAll(filepath.Join(td, d)); err != nil {
			return err
		}
	}
	shard := filepath.Join(td, "shard")
	if err := linkShard(shard, t, j.Extras); err != nil {
		return err
	}
	script := filepath.Join(dir, "script.lq")
	src, err := os.ReadFile(script)
	if err != nil {
		return err
	}
	db := filepath.Join(td, "db")
	if j.Scratch != "" {
		// On the node's own disk, gone when the task ends: the partial
		// holds all the merge needs.
		scratch := os.ExpandEnv(j.Scratch)
		if err := os.MkdirAll(scratch, 0o755); err != nil {
			return err
		}
		if db, err = os.MkdirTemp(scratch, fmt.Sprintf("laiondb-task-%d-", i)); err != nil {
			return err
		}
		defer os.RemoveAll(db)
		if err := os.Remove(db); err != nil { // ingest makes it
			return err
		}
		fmt.Fprintf(e.stdout, "task %d: database %s (removed at the end)\n", i, db)
	}
	ingests, err := scriptIngests(script, string(src), j.Sharded)
	if err != nil {
		return err
	}
	if !ingests {
		if code := runMain(ctx, []string{"ingest", "--db", db, "--table", j.Sharded, shard}, e); code != 0 {
			return fmt.Errorf("task %d: ingest of shards %s into %s failed", i, shardList(t.numbers()), db)
		}
	}
	shared := "keep"
	if i > 0 {
		shared = "digest" // task 0 keeps what every partial computes the same
	}
	args := append([]string{"run", "--db", db, "--partial", partialOf(dir, i), "--sharded", j.Sharded, "--shared", shared},
		j.varArgs(dir, shard)...)
	if code := runMain(ctx, append(args, script), e); code != 0 {
		return fmt.Errorf("task %d: the partial run of %s on shards %s failed", i, script, shardList(t.numbers()))
	}
	fmt.Fprintf(e.stdout, "task %d: finished in %.1f s\n", i, time.Since(start).Seconds())
	return nil
}

// scriptIngests says whether the script ingests into the sharded table
// itself (INGEST $shard INTO laion): then the task only links $shard.
func scriptIngests(file, src, sharded string) (bool, error) {
	stmts, err := ast.ParseScript(file, src)
	if err != nil {
		return false, err
	}
	for _, st := range stmts {
		if in, ok := st.(*ast.Ingest); ok && strings.EqualFold(in.Table.Name, sharded) {
			return true, nil
		}
	}
	return false, nil
}

// linkShard makes dir a shard directory in LAION's layout holding the
// task's shards (symbolic links to their files) and the extras.
func linkShard(dir string, t jobTask, extras map[string]string) error {
	sub := map[string]string{"img": "img_emb", "txt": "text_emb"}
	for _, d := range []string{"metadata", "img_emb", "text_emb"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	for _, s := range t.Shards {
		if err := os.Symlink(s.Metadata, filepath.Join(dir, "metadata", filepath.Base(s.Metadata))); err != nil {
			return err
		}
		for col, p := range s.Vectors {
			d, ok := sub[col]
			if !ok {
				return fmt.Errorf("shard %d: vector column %s has no place in a shard directory", s.Number, col)
			}
			if err := os.Symlink(p, filepath.Join(dir, d, filepath.Base(p))); err != nil {
				return err
			}
		}
	}
	for name, p := range extras {
		if err := os.Symlink(p, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// mergeJob is laiondb task --merge: the finished partials merged into
// result.txt and result.jsonl; the status recorded in merge.status.
func mergeJob(ctx context.Context, e *env, dir string, j *job) error {
	status := filepath.Join(dir, "merge.status")
	os.Remove(status)
	err := mergeJobResults(ctx, e, dir, j)
	code := 0
	if err != nil {
		code = 1
		if !errors.Is(err, errReported) {
			fmt.Fprintf(e.stderr, "laiondb task --merge: %v\n", err)
		}
	}
	if werr := os.WriteFile(status, []byte(fmt.Sprintln(code)), 0o644); werr != nil && err == nil {
		return werr
	}
	if err != nil {
		return errReported
	}
	return nil
}

func mergeJobResults(ctx context.Context, e *env, dir string, j *job) error {
	start := time.Now()
	var partials, missing []string
	for i, t := range j.Tasks {
		if !taskFinished(dir, i) {
			missing = append(missing, fmt.Sprintf("task %d (shards %s, log %s)", i, shardList(t.numbers()), taskLog(dir, i)))
			continue
		}
		partials = append(partials, partialOf(dir, i))
	}
	if len(missing) > 0 {
		return fmt.Errorf("unfinished: %s; rerun laiondb slurm with the same --out to run them", strings.Join(missing, "; "))
	}
	ps, err := query.OpenPartials(partials)
	if err != nil {
		return err
	}
	vars := map[string]string{}
	va := j.varArgs(dir, "")
	for k := 1; k < len(va); k += 2 {
		name, value, _ := strings.Cut(va[k], "=")
		vars[strings.TrimPrefix(name, "$")] = value
	}
	txt, err := os.Create(filepath.Join(dir, "result.txt"))
	if err != nil {
		return err
	}
	defer txt.Close()
	// The results and messages go to result.txt, an error (a failed
	// ASSERT) to result.txt and the log.
	me := &env{stdin: strings.NewReader(""), stdout: txt, stderr: io.MultiWriter(txt, e.stderr)}
	err = mergePartials(ctx, me, ps, vars, repl.Table, filepath.Join(dir, "result.jsonl"), "", false)
	if cerr := txt.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintf(e.stdout, "merged %d partials in %.1f s: %s, %s\n", len(partials), time.Since(start).Seconds(), filepath.Join(dir, "result.txt"), filepath.Join(dir, "result.jsonl"))
	}
	return err
}

// scriptDigest is the SHA-256 of a script's text.
func scriptDigest(src []byte) string {
	h := sha256.Sum256(src)
	return hex.EncodeToString(h[:])
}

// sameTasks says whether two jobs split the same shards the same way.
func sameTasks(a, b []jobTask) bool {
	return slices.EqualFunc(a, b, func(x, y jobTask) bool {
		return slices.EqualFunc(x.Shards, y.Shards, func(p, q engine.ShardFiles) bool {
			return p.Number == q.Number && p.Metadata == q.Metadata && maps.Equal(p.Vectors, q.Vectors)
		})
	})
}
