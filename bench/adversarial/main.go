// Command adversarial measures, through the laiondb command line, what
// issue 15's adversarial run measured:
//
//   - kills: writes (ingest, re-ingest of a shard, a two-shard ingest,
//     CREATE SET, CREATE INDEX, EXPORT) killed with SIGKILL at every commit
//     point (a binary built with -tags failpoints) and at random moments;
//     after each, `laiondb check`, the answers of a read-only open, and the
//     write run again, whose result is compared row by row with an
//     uninterrupted one: lost (or changed) rows.
//   - bad inputs: files, flags, names and scripts that must fail; each is
//     counted as a clear error (exit 1 or 2, a short message naming what
//     is wrong, no stack or hex dump) or not, and as having changed the
//     database or not.
//   - corruptions: 16 bytes flipped at many offsets of every file of a
//     database; each copy is queried read-only and writable and checked:
//     detected (an error), the right answer, a wrong answer with exit 0,
//     or a panic or signal.
//
// Usage (from the repository root; it builds the binaries it runs):
//
//	go run ./bench/adversarial [-rows 20000] [-random 4] [-flips 12] [-work DIR] [-v]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	rows    = flag.Int("rows", 20000, "rows of each generated shard (issue 15 used 20,000)")
	randomN = flag.Int("random", 4, "random-moment kills per write")
	flips   = flag.Int("flips", 12, "offsets flipped per file")
	work    = flag.String("work", "", "working directory (default: a new temporary one, removed at the end)")
	verbose = flag.Bool("v", false, "print every case")
)

var bin, binFP string // the laiondb binaries, plain and with failpoints

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "adversarial:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "laiondb-adversarial-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin, binFP = filepath.Join(dir, "laiondb"), filepath.Join(dir, "laiondb-fp")
	for _, b := range []struct{ out, tags string }{{bin, ""}, {binFP, "failpoints"}} {
		args := []string{"build", "-o", b.out}
		if b.tags != "" {
			args = append(args, "-tags", b.tags)
		}
		if out, err := exec.Command("go", append(args, "./cmd/laiondb")...).CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	a, b := filepath.Join(dir, "A"), filepath.Join(dir, "B")
	for _, g := range []struct {
		out  string
		seed int
	}{{a, 1}, {b, 3}} {
		if _, err := cli("", "gen", "--rows", strconv.Itoa(*rows), "--seed", strconv.Itoa(g.seed), "--out", g.out); err != nil {
			return err
		}
	}
	k, err := kills(dir, a, b)
	if err != nil {
		return err
	}
	bi, err := badInputs(dir, a, b)
	if err != nil {
		return err
	}
	c, err := corruptions(dir, a)
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Printf("kills        %4d (%d at commit points, %d at random moments)   lost rows: %d   failed opens: %d   failed checks: %d\n", k.kills, k.points, k.random, k.lost, k.openFailed, k.checkFailed)
	fmt.Printf("bad inputs   %4d kinds   clear errors: %d   changed state: %d\n", bi.kinds, bi.clear, bi.changed)
	fmt.Printf("corruptions  %4d flips   detected: %d   right answer: %d   wrong answer with exit 0: %d   panics/crashes: %d\n", c.flips, c.detected, c.right, c.wrong, c.panics)
	return nil
}

// result is one run of the command line.
type result struct {
	code   int    // exit status; -1 when killed by a signal
	signal string // the signal, if any
	stdout string
	stderr string
}

// cli runs laiondb with args in dir (the working directory when not "").
func cli(dir string, args ...string) (result, error) {
	return runBin(bin, dir, nil, args...)
}

func runBin(b, dir string, env []string, args ...string) (result, error) {
	cmd := exec.Command(b, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code, r.signal = -1, ws.Signal().String()
		}
	case err != nil:
		return r, err
	}
	return r, nil
}

// answers is what a database answers, one line per query, from a
// read-only open; an error is returned as the result.
var answerQueries = []string{
	"SHOW TABLES",
	"SELECT count(*) AS n, count(caption) AS captions, sum(width) AS w FROM laion",
	"SELECT count(*) AS n FROM laion WHERE caption MATCHES imagenet",
	"SELECT count(*) AS n FROM laion WHERE caption CONTAINS 'dog'",
	"SELECT id FROM laion ORDER BY cos(img, (SELECT img FROM laion WHERE id = 7)) DESC LIMIT 10",
}

func answers(db string, readOnly bool, extra ...string) (string, result) {
	args := []string{"query", "--db", db, "--format", "csv"}
	if readOnly {
		args = append(args, "--read-only")
	}
	stmts := strings.Join(append(append([]string(nil), answerQueries...), extra...), "; ")
	r, err := cli("", append(args, stmts)...)
	if err != nil {
		r.code, r.stderr = 1, err.Error()
	}
	return r.stdout, r
}

// rowDump lists every row (id, caption, url) for counting lost rows.
func rowDump(db string) (map[string]string, error) {
	r, err := cli("", "query", "--db", db, "--read-only", "--format", "csv", "SELECT id, caption, url, width, cos(img, txt) AS c FROM laion ORDER BY id")
	if err != nil || r.code != 0 {
		return nil, fmt.Errorf("dump: %v %s", err, r.stderr)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		id, _, _ := strings.Cut(sc.Text(), ",")
		m[id] = sc.Text()
	}
	return m, nil
}

// copyDir copies a directory tree; a src that does not exist is an empty
// one (a write that starts from no database).
func copyDir(src, dst string) error {
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(t, 0o755)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(t)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// ---- kills ----

type killStats struct {
	kills, points, random, lost, openFailed, checkFailed int
}

type write struct {
	name  string
	setup []string   // statements (or "ingest PATH") run on an empty database first
	cmd   []string   // the write: laiondb arguments, {db} replaced
	after []string   // extra answer queries that show the write's result
	files func() int // for EXPORT: temporary files left in the output dir
}

func kills(dir, a, b string) (killStats, error) {
	var st killStats
	twoShards := filepath.Join(dir, "AB")
	for src, n := range map[string]string{a: "0000", b: "0001"} {
		for _, f := range []string{"metadata/metadata_0000.parquet", "img_emb/img_emb_0000.npy", "text_emb/text_emb_0000.npy"} {
			d := filepath.Join(twoShards, strings.Replace(f, "0000", n, 1))
			os.MkdirAll(filepath.Dir(d), 0o755)
			if err := copyFile(filepath.Join(src, f), d); err != nil {
				return st, err
			}
		}
	}
	exportDir := filepath.Join(dir, "exports")
	writes := []write{
		{name: "ingest A", cmd: []string{"ingest", "--db", "{db}", a}},
		{name: "re-ingest B over A", setup: []string{"ingest " + a}, cmd: []string{"ingest", "--db", "{db}", b}},
		{name: "ingest two shards", setup: []string{"ingest " + a}, cmd: []string{"ingest", "--db", "{db}", twoShards}},
		{name: "CREATE SET", setup: []string{"ingest " + a}, cmd: []string{"query", "--db", "{db}", "CREATE SET s AS SELECT * FROM laion WHERE caption MATCHES imagenet"},
			after: []string{"SELECT count(*) AS n, sum(id) AS ids FROM s"}},
		{name: "CREATE INDEX", setup: []string{"ingest " + a}, cmd: []string{"query", "--db", "{db}", "CREATE INDEX ON laion(img) WITH (m = 8, ef_construction = 32, threads = 1)"},
			after: []string{"SHOW INDEXES"}},
		{name: "EXPORT", setup: []string{"ingest " + a, "CREATE SET s AS SELECT * FROM laion WHERE caption MATCHES imagenet"},
			cmd: []string{"query", "--db", "{db}", "--read-only", "EXPORT (SELECT id, caption, img FROM laion) TO '" + filepath.Join(exportDir, "out.parquet") + "'"},
			files: func() int {
				m, _ := filepath.Glob(filepath.Join(exportDir, ".*"))
				return len(m)
			}},
	}
	for _, w := range writes {
		base := filepath.Join(dir, "kill-base")
		os.RemoveAll(base)
		for _, s := range w.setup {
			var r result
			var err error
			if p, ok := strings.CutPrefix(s, "ingest "); ok {
				r, err = cli("", "ingest", "--db", base, p)
			} else {
				r, err = cli("", "query", "--db", base, s)
			}
			if err != nil || r.code != 0 {
				return st, fmt.Errorf("%s: setup %q: %v %s", w.name, s, err, r.stderr)
			}
		}
		// The uninterrupted write, its answers, rows and commit points.
		ref := filepath.Join(dir, "kill-ref")
		os.RemoveAll(ref)
		os.RemoveAll(exportDir)
		os.MkdirAll(exportDir, 0o755)
		if err := copyDir(base, ref); err != nil {
			return st, err
		}
		log := filepath.Join(dir, "points")
		os.Remove(log)
		start := time.Now()
		r, err := runBin(binFP, "", []string{"LAIONDB_FAILPOINT_LOG=" + log}, subst(w.cmd, ref)...)
		took := time.Since(start)
		if err != nil || r.code != 0 {
			return st, fmt.Errorf("%s: reference run: %v %s", w.name, err, r.stderr)
		}
		want, _ := answers(ref, true, w.after...)
		wantRows, err := rowDump(ref)
		if err != nil {
			return st, err
		}
		points := 0
		if b, err := os.ReadFile(log); err == nil {
			points = strings.Count(string(b), "\n")
		}
		var schedule []func(env *[]string) time.Duration
		for p := 1; p <= points; p++ {
			schedule = append(schedule, func(env *[]string) time.Duration {
				*env = append(*env, fmt.Sprintf("LAIONDB_FAILPOINT_KILL=%d", p))
				return 0
			})
		}
		rng := rand.New(rand.NewPCG(uint64(len(w.name)), 7))
		for range *randomN {
			d := time.Duration(rng.Int64N(int64(took)))
			schedule = append(schedule, func(*[]string) time.Duration { return d })
		}
		for i, s := range schedule {
			db := filepath.Join(dir, "kill-db")
			os.RemoveAll(db)
			os.RemoveAll(exportDir)
			os.MkdirAll(exportDir, 0o755)
			if err := copyDir(base, db); err != nil {
				return st, err
			}
			var env []string
			delay := s(&env)
			cmd := exec.Command(binFP, subst(w.cmd, db)...)
			cmd.Env = append(os.Environ(), env...)
			if err := cmd.Start(); err != nil {
				return st, err
			}
			if delay > 0 {
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGKILL)
			}
			cmd.Wait()
			st.kills++
			if i < points {
				st.points++
			} else {
				st.random++
			}
			c, _ := cli("", "check", "--db", db)
			if c.code != 0 {
				st.checkFailed++
				say("%s, kill %d: check: %s", w.name, i+1, firstLine(c.stderr))
			}
			if _, r := answers(db, true, w.after...); r.code != 0 && !strings.Contains(r.stderr, "no such") && !strings.Contains(r.stderr, "unknown table") {
				st.openFailed++
				say("%s, kill %d: read-only: %s", w.name, i+1, firstLine(r.stderr))
			}
			// Run the write again, to its end (CREATE SET may find the set
			// made already).
			rr, _ := runBin(bin, "", nil, subst(w.cmd, db)...)
			if rr.code != 0 && !strings.Contains(rr.stderr, "already exists") {
				say("%s, kill %d: rerun: %s", w.name, i+1, firstLine(rr.stderr))
			}
			got, _ := answers(db, true, w.after...)
			gotRows, err := rowDump(db)
			lost := 0
			if err != nil {
				lost = len(wantRows)
			} else {
				for id, row := range wantRows {
					if gotRows[id] != row {
						lost++
					}
				}
			}
			if got != want && lost == 0 {
				lost = 1 // answers differ though the rows do not: count it
				say("%s, kill %d: answers differ from an uninterrupted run", w.name, i+1)
			}
			if w.files != nil {
				// The next export into the directory removes what a killed
				// one left; then only the file itself may be there.
				runBin(bin, "", nil, subst(w.cmd, db)...)
				if n := w.files(); n > 0 {
					say("%s, kill %d: %d temporary files left", w.name, i+1, n)
					lost += n
				}
			}
			st.lost += lost
		}
		say("%s: %d commit points, %d random kills", w.name, points, *randomN)
	}
	return st, nil
}

func subst(args []string, db string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, "{db}", db)
	}
	return out
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func say(format string, args ...any) {
	if *verbose {
		fmt.Printf(format+"\n", args...)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
