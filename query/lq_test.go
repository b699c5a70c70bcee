package query

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/query/ast"
)

// The language's behaviour is pinned by .lq files in testdata/: blocks of
//
//	run
//	STATEMENTS...
//	----
//	EXPECTED OUTPUT
//
// separated by blank lines (# starts a comment line). Each file runs
// against a fresh database in a temporary directory; $captions is the real 10k-caption
// parquet file, $shard a generated 5,000-row shard (512-d vectors),
// $other_shard another (3,000 rows, another seed), $min_width 300, and
// the real files of testdata/: $b32_zeroshot (512, 1000) and $l14_zeroshot
// (1000, 768, Fortran order), the CLIP zero-shot class weights, and $wnids.
// go test -run TestLQ -rewrite rewrites the expectations for review.
//
// Numbers with a fraction or exponent compare within floatTolerance
// (absolute, or relative to the larger magnitude): vector arithmetic runs
// on SIMD kernels whose summation order differs between CPUs and builds,
// so the last digits of a similarity are not part of its meaning. Integers
// and all other text compare exactly. Exact values are checked in Go tests
// against float64 oracles.

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of .lq tests")

var testShard = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "laiondb-lq-shard")
	if err != nil {
		return "", err
	}
	_, err = gen.Generate(dir, gen.Config{Rows: 5000, Seed: 7, ImageNetPerClass: 5})
	return dir, err
})

// otherShard is another generated shard (other seed, 3,000 rows), to
// replace the first one with.
var otherShard = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "laiondb-lq-shard-b")
	if err != nil {
		return "", err
	}
	_, err = gen.Generate(dir, gen.Config{Rows: 3000, Seed: 8})
	return dir, err
})

func TestLQ(t *testing.T) {
	files, err := filepath.Glob("testdata/*.lq")
	if err != nil || len(files) == 0 {
		t.Fatalf("no .lq files: %v", err)
	}
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	other, err := otherShard()
	if err != nil {
		t.Fatal(err)
	}
	captions, _ := filepath.Abs("../testdata/laion-captions-10k.parquet")
	b32, _ := filepath.Abs("../testdata/clip-vit-b32-imagenet-zeroshot.npy")
	l14, _ := filepath.Abs("../testdata/clip-vit-l14-imagenet-zeroshot.npy")
	wnids, _ := filepath.Abs("../testdata/imagenet-1k-wnids.txt")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			runLQFile(t, f, map[string]string{"shard": shard, "other_shard": other, "min_width": "300", "captions": captions, "imagenet": filepath.Join(shard, "imagenet"),
				"synset_texts": filepath.Join(shard, "synsets", "synset_text.tsv"), "synset_vectors": filepath.Join(shard, "synsets", "synset_text_emb.npy"), "out": t.TempDir(),
				"b32_zeroshot": b32, "l14_zeroshot": l14, "wnids": wnids})
		})
	}
}

type lqBlock struct {
	line    int    // of the directive
	comment string // the comment lines just before it, kept by -rewrite
	stmts   string
	expect  string
}

func parseLQ(t testing.TB, path string) (blocks []lqBlock, raw []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw = strings.Split(string(data), "\n")
	var comment []string
	for i := 0; i < len(raw); i++ {
		l := raw[i]
		if strings.TrimSpace(l) == "" {
			comment = nil
			continue
		}
		if strings.HasPrefix(l, "#") {
			comment = append(comment, l)
			continue
		}
		if strings.TrimSpace(l) != "run" {
			t.Fatalf("%s:%d: expected 'run', got %q", path, i+1, l)
		}
		b := lqBlock{line: i + 1}
		if len(blocks) > 0 {
			b.comment = strings.Join(comment, "\n") // the first block's are the file's head
		}
		comment = nil
		i++
		var stmts []string
		for ; i < len(raw) && raw[i] != "----"; i++ {
			stmts = append(stmts, raw[i])
		}
		if i >= len(raw) {
			t.Fatalf("%s:%d: block has no ----", path, b.line)
		}
		i++
		var exp []string
		for ; i < len(raw) && raw[i] != ""; i++ {
			exp = append(exp, raw[i])
		}
		b.stmts = strings.Join(stmts, "\n")
		b.expect = strings.Join(exp, "\n")
		blocks = append(blocks, b)
	}
	return blocks, raw
}

func runLQFile(t *testing.T, path string, vars map[string]string) {
	blocks, _ := parseLQ(t, path)
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	var warnings []string
	sess, err := NewSession(db, Options{Vars: vars, Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	changed := false
	// Paths in the output are written as the variables that give them,
	// so that expectations do not depend on where the files are.
	var paths []string
	for name, v := range vars {
		if strings.Contains(v, "/") {
			paths = append(paths, v, "$"+name)
		}
	}
	unpath := strings.NewReplacer(paths...)
	for bi, b := range blocks {
		got := unpath.Replace(runLQBlock(sess, b.stmts))
		if *rewrite {
			if !sameOutput(got, b.expect) {
				blocks[bi].expect = got
				changed = true
			}
			continue
		}
		if !sameOutput(got, b.expect) {
			t.Errorf("%s:%d:\n%s\n---- got:\n%s\n---- want:\n%s", path, b.line, b.stmts, got, b.expect)
		}
	}
	if err := db.Check(); err != nil {
		t.Errorf("%s: database check after the file: %v", path, err)
	}
	if *rewrite && changed {
		for i, b := range blocks {
			if i > 0 {
				out.WriteString("\n")
			}
			if b.comment != "" {
				out.WriteString(b.comment + "\n")
			}
			fmt.Fprintf(&out, "run\n%s\n----\n%s\n", b.stmts, b.expect)
		}
		// Keep the file's leading comment lines.
		data, _ := os.ReadFile(path)
		var head strings.Builder
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() && (strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "") {
			head.WriteString(sc.Text() + "\n")
		}
		if err := os.WriteFile(path, []byte(head.String()+out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// floatTolerance is how far apart two printed floats of an .lq expectation
// may be: absolutely, or relative to the larger one.
const floatTolerance = 1e-6

// numberPattern finds the numbers in a line of output.
var numberPattern = regexp.MustCompile(`-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?`)

// sameOutput compares rendered output: the text between numbers exactly,
// integers exactly, floats within floatTolerance.
func sameOutput(got, want string) bool {
	if got == want {
		return true
	}
	gi, wi := numberPattern.FindAllStringIndex(got, -1), numberPattern.FindAllStringIndex(want, -1)
	if len(gi) != len(wi) {
		return false
	}
	gp, wp := 0, 0
	for k := range gi {
		if got[gp:gi[k][0]] != want[wp:wi[k][0]] {
			return false
		}
		g, w := got[gi[k][0]:gi[k][1]], want[wi[k][0]:wi[k][1]]
		if g != w {
			isFloat := strings.ContainsAny(g, ".eE") && strings.ContainsAny(w, ".eE")
			gf, err1 := strconv.ParseFloat(g, 64)
			wf, err2 := strconv.ParseFloat(w, 64)
			if !isFloat || err1 != nil || err2 != nil {
				return false
			}
			if d := math.Abs(gf - wf); d > floatTolerance && d > floatTolerance*math.Max(math.Abs(gf), math.Abs(wf)) {
				return false
			}
		}
		gp, wp = gi[k][1], wi[k][1]
	}
	return got[gp:] == want[wp:]
}

// runLQBlock runs statements and renders what a user would read.
func runLQBlock(sess *Session, src string) string {
	var out []string
	for _, chunk := range ast.SplitStatements(src) {
		stmt, err := ast.ParseChunk("", chunk)
		if err != nil {
			out = append(out, "error: "+err.Error())
			break
		}
		res, err := sess.Exec(context.Background(), stmt)
		if err != nil {
			out = append(out, "error: "+locate(err, "", src).Error())
			break
		}
		if res.Rows != nil {
			var names []string
			for _, c := range res.Columns {
				names = append(names, c.Name)
			}
			out = append(out, strings.Join(names, " | "))
			rows, err := Collect(res.Rows)
			for _, r := range rows {
				var vals []string
				for _, v := range r {
					vals = append(vals, v.String())
				}
				out = append(out, strings.Join(vals, " | "))
			}
			if err != nil {
				out = append(out, "error: "+err.Error())
				break
			}
		}
		if res.Message != "" {
			out = append(out, res.Message)
		}
	}
	return strings.Join(out, "\n")
}

// locate fills in a statement error's file and excerpt from the script
// (what repl.Locate does for the shell and scripts).
func locate(err error, file, src string) error {
	var qe *value.Error
	if errors.As(err, &qe) {
		if qe.File == "" {
			qe.File = file
		}
		if qe.Excerpt == "" && qe.Pos.IsValid() && src != "" {
			qe.Excerpt = ast.Excerpt(src, qe.Pos)
		}
		return err
	}
	var se *ast.SyntaxError
	if errors.As(err, &se) {
		return err
	}
	return err
}

func TestSameOutput(t *testing.T) {
	for _, c := range []struct {
		got, want string
		same      bool
	}{
		{"a | 0.7418780651239778", "a | 0.7418780651239778", true},
		{"n | 0.017313993599296067", "n | 0.017313981849391057", true},
		{"n | 0.0007080612352680092", "n | 0.000707961265193461", true},
		{"n | 0.7418", "n | 0.7419", false},
		{"count | 5", "count | 6", false},
		{"5 rows", "5.0000001 rows", false}, // an integer stays an integer
		{"1e-07", "1.0000001e-07", true},
		{"x 0.5", "y 0.5", false},
		{"0.5 left", "0.5 right", false},
		{"0.5", "0.5 0.5", false},
	} {
		if got := sameOutput(c.got, c.want); got != c.same {
			t.Errorf("sameOutput(%q, %q) = %v, want %v", c.got, c.want, got, c.same)
		}
	}
}
