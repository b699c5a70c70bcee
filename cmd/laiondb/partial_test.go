package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine/gen"
)

var partialSeed = flag.Uint64("partial.seed", 0, "seed of TestPartialMergeEqualsOneDatabase's shard splits (0: the clock)")

// partialShards generates n shards of one dataset into dir/all (shard 0
// also writes the ImageNet-like set and every shard the synset vectors),
// rows each.
func partialShards(t *testing.T, dir string, n, rows int) string {
	t.Helper()
	all := filepath.Join(dir, "all")
	for s := range n {
		cfg := gen.Config{Rows: rows, Seed: 7, Shard: s, OnTopic: 0.08}
		if s == 0 {
			cfg.ImageNetPerClass = 2
		}
		if _, err := gen.Generate(all, cfg); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

// shardGroup makes dir a shard directory holding the shards of all that
// are in group (symbolic links) and its ImageNet-like set and synsets.
func shardGroup(t *testing.T, all, dir string, group []int) {
	t.Helper()
	for _, sub := range []string{"metadata", "img_emb", "text_emb"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(from, to string) {
		if err := os.Symlink(from, to); err != nil {
			t.Fatal(err)
		}
	}
	link(filepath.Join(all, "imagenet"), filepath.Join(dir, "imagenet"))
	link(filepath.Join(all, "synsets"), filepath.Join(dir, "synsets"))
	for _, s := range group {
		for _, f := range []string{"metadata/metadata_%04d.parquet", "img_emb/img_emb_%04d.npy", "text_emb/text_emb_%04d.npy"} {
			name := fmt.Sprintf(f, s)
			link(filepath.Join(all, name), filepath.Join(dir, name))
		}
	}
}

// TestPartialMergeEqualsOneDatabase is the merge's property: split the
// shards of a generated dataset into random groups, run
// testdata/partial_kinds.lq (every kind of statement a partial run
// merges) as a partial on each group's database, merge the partials in a
// random order, and the merge prints what one database holding every
// shard prints — the same rows in the same order, numbers to 1e-9
// relative, the same messages — and writes the same files; each partial
// keeps its own rows of every EXPORT.
func TestPartialMergeEqualsOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the kinds script on about eight databases; not with -short")
	}
	seed := *partialSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("shard splits from seed %d (-partial.seed %d repeats them)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 11))

	dir := t.TempDir()
	const nShards = 4
	all := partialShards(t, dir, nShards, 1200)
	script, err := filepath.Abs("testdata/partial_kinds.lq")
	if err != nil {
		t.Fatal(err)
	}

	oneOut := filepath.Join(dir, "one-out")
	mkdir(t, oneOut)
	code, want, wantMsgs := run("run", "--db", filepath.Join(dir, "one.db"), "--format", "jsonl",
		"--var", "shard="+all, "--var", "out="+oneOut, script)
	if code != 0 {
		t.Fatalf("one database: exit %d\n%s", code, wantMsgs)
	}

	for trial := range 2 {
		// A random split into 2..nShards non-empty groups.
		k := 2 + rng.IntN(nShards-1)
		perm := rng.Perm(nShards)
		groups := make([][]int, k)
		for i, s := range perm {
			g := i
			if i >= k {
				g = rng.IntN(k)
			}
			groups[g] = append(groups[g], s)
		}
		t.Logf("trial %d: shard groups %v", trial, groups)
		tdir := filepath.Join(dir, fmt.Sprint("trial", trial))
		var partials []string
		for i, g := range groups {
			slices.Sort(g)
			shard := filepath.Join(tdir, fmt.Sprint("shards", i))
			shardGroup(t, all, shard, g)
			scratch := filepath.Join(tdir, fmt.Sprint("scratch", i))
			mkdir(t, scratch)
			p := filepath.Join(tdir, fmt.Sprint("partial", i))
			code, stdout, stderr := run("run", "--db", filepath.Join(tdir, fmt.Sprint("db", i)), "--partial", p,
				"--var", "shard="+shard, "--var", "out="+scratch, script)
			if code != 0 {
				t.Fatalf("partial of shards %v: exit %d\n%s%s", g, code, stdout, stderr)
			}
			if !strings.Contains(stdout, "wrote partial "+p) {
				t.Errorf("partial of shards %v: no summary line:\n%s", g, stdout)
			}
			partials = append(partials, p)
		}
		rng.Shuffle(len(partials), func(i, j int) { partials[i], partials[j] = partials[j], partials[i] })
		mergeOut := filepath.Join(tdir, "merged-out")
		mkdir(t, mergeOut)
		args := append([]string{"merge", "--format", "jsonl", "--var", "out=" + mergeOut}, partials...)
		code, got, gotMsgs := run(args...)
		if code != 0 {
			t.Fatalf("merge %v: exit %d\n%s", partials, code, gotMsgs)
		}
		sameOutput(t, "merged rows", want, got)
		sameOutput(t, "merged messages", wantMsgs, gotMsgs)
		sameFiles(t, oneOut, mergeOut)

		// EXPORT: every partial has its own rows, which together are
		// the merged file's.
		var lines int
		for _, p := range partials {
			files, err := filepath.Glob(filepath.Join(p, "exports", "*-laionet.csv"))
			if err != nil || len(files) != 1 {
				t.Fatalf("%s: want one export of laionet.csv, have %v (%v)", p, files, err)
			}
			lines += countLines(t, files[0]) - 1 // the header
		}
		if merged := countLines(t, filepath.Join(mergeOut, "laionet.csv")) - 1; lines != merged {
			t.Errorf("the partials' laionet.csv hold %d rows, the merged one %d", lines, merged)
		}
	}
}

// An ASSERT fails in the merge as on one database: the same message, the
// results before it printed, exit status 1. The partial run itself does
// not evaluate it.
func TestPartialMergeAssert(t *testing.T) {
	dir := t.TempDir()
	all := partialShards(t, dir, 2, 300)
	script := filepath.Join(dir, "assert.lq")
	writeFile(t, script, `INGEST $shard INTO laion;
SELECT count(*) AS n FROM laion;
ASSERT (SELECT count(*) FROM laion) = 600, 'all rows';
ASSERT (SELECT max(width) FROM laion) < 10, 'narrow images';
SELECT 1 AS never;
`)
	code, want, wantMsgs := run("run", "--db", filepath.Join(dir, "one.db"), "--format", "jsonl", "--var", "shard="+all, script)
	if code != 1 || !strings.Contains(wantMsgs, "narrow images") {
		t.Fatalf("one database: exit %d, stderr %s", code, wantMsgs)
	}
	var partials []string
	for s := range 2 {
		shard := filepath.Join(dir, fmt.Sprint("shards", s))
		shardGroup(t, all, shard, []int{s})
		p := filepath.Join(dir, fmt.Sprint("partial", s))
		if code, stdout, stderr := run("run", "--db", filepath.Join(dir, fmt.Sprint("db", s)), "--partial", p, "--var", "shard="+shard, script); code != 0 {
			t.Fatalf("partial %d: exit %d\n%s%s", s, code, stdout, stderr)
		}
		partials = append(partials, p)
	}
	code, got, gotMsgs := run(append([]string{"merge", "--format", "jsonl"}, partials[1], partials[0])...)
	if code != 1 {
		t.Errorf("merge: exit %d, want 1 (a failed ASSERT)", code)
	}
	sameOutput(t, "rows", want, got)
	sameOutput(t, "messages", wantMsgs, gotMsgs)
}

// A statement whose answer no merge gives exactly is refused before
// anything runs: the error names the statement's line and why, nothing
// is ingested and no partial is written.
func TestPartialRefusesUnmergeable(t *testing.T) {
	dir := t.TempDir()
	all := partialShards(t, dir, 1, 200)
	for _, c := range []struct{ stmt, why string }{
		{"CREATE SET widest AS SELECT * FROM laion ORDER BY width DESC LIMIT 10;", "would need every shard's rows"},
		{"SELECT id FROM laion WHERE width > (SELECT avg(width) FROM laion);", "compute it in a statement of its own"},
		{"SELECT count(*) FROM laion AS a JOIN laion AS b ON a.id = b.id;", "JOIN"},
		{"EXPLAIN SELECT count(*) FROM laion;", "EXPLAIN shows one database's plan"},
		{"DESCRIBE laion;", "DESCRIBE counts one database's rows"},
		{"CREATE INDEX ON laion(img);", "leave CREATE INDEX out"},
		{"SELECT nsfw FROM laion UNION SELECT license FROM laion;", "UNION"},
		{"CREATE CLASSIFIER c AS SELECT nsfw, centroid(img) FROM laion GROUP BY nsfw;", "classifier made from the sharded table"},
	} {
		script := filepath.Join(dir, "refused.lq")
		writeFile(t, script, "INGEST $shard INTO laion;\nSELECT count(*) FROM laion;\n"+c.stmt+"\n")
		db, p := filepath.Join(dir, "db"), filepath.Join(dir, "partial")
		code, stdout, stderr := run("run", "--db", db, "--partial", p, "--var", "shard="+all, script)
		if code != 1 || !strings.Contains(stderr, "refused.lq:3:") || !strings.Contains(stderr, "cannot run as a partial whose merge is exact") || !strings.Contains(stderr, c.why) {
			t.Errorf("%s\nexit %d, stdout %q, stderr:\n%s\nwant exit 1, refused.lq:3: and %q", c.stmt, code, stdout, stderr, c.why)
		}
		for _, left := range []string{db, p} {
			if _, err := os.Stat(left); err == nil {
				t.Errorf("%s: the refused run left %s behind", c.stmt, left)
			}
		}
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// sameFiles compares the files two runs wrote into their directories.
func sameFiles(t *testing.T, want, got string) {
	t.Helper()
	names := func(dir string) []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, e := range ents {
			n = append(n, e.Name())
		}
		return n
	}
	wn, gn := names(want), names(got)
	if !slices.Equal(wn, gn) {
		t.Errorf("files written: one database %v, merge %v", wn, gn)
		return
	}
	for _, n := range wn {
		w, err := os.ReadFile(filepath.Join(want, n))
		if err != nil {
			t.Fatal(err)
		}
		g, err := os.ReadFile(filepath.Join(got, n))
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, n, string(w), string(g))
	}
}

// sameOutput compares two outputs line by line: JSON lines value by value
// (objects key by key in order, strings that hold JSON as JSON), other
// lines as text whose numbers may differ by 1e-9 relative.
func sameOutput(t *testing.T, what, want, got string) {
	t.Helper()
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	if len(wl) != len(gl) {
		t.Errorf("%s: one database has %d lines, merge %d\n--- one database\n%s\n--- merge\n%s", what, len(wl), len(gl), clipText(want), clipText(got))
		return
	}
	bad := 0
	for i := range wl {
		if !sameLine(wl[i], gl[i]) {
			t.Errorf("%s: line %d differs:\none database: %s\nmerge:        %s", what, i+1, clipText(wl[i]), clipText(gl[i]))
			if bad++; bad == 5 {
				return
			}
		}
	}
}

func clipText(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func sameLine(a, b string) bool {
	if a == b {
		return true
	}
	va, ea := decodeOrdered(a)
	vb, eb := decodeOrdered(b)
	if ea == nil && eb == nil {
		return sameJSON(va, vb)
	}
	return sameText(a, b)
}

var numberRE = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?`)

// sameText: the same text around the numbers, and the numbers close.
func sameText(a, b string) bool {
	if numberRE.ReplaceAllString(a, "#") != numberRE.ReplaceAllString(b, "#") {
		return false
	}
	na, nb := numberRE.FindAllString(a, -1), numberRE.FindAllString(b, -1)
	for i := range na {
		x, err1 := strconv.ParseFloat(na[i], 64)
		y, err2 := strconv.ParseFloat(nb[i], 64)
		if err1 != nil || err2 != nil || !closeFloat(x, y) {
			return false
		}
	}
	return true
}

func closeFloat(x, y float64) bool {
	if x == y {
		return true
	}
	return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))+1e-12
}

// kv is a JSON object's member; objects decode as []kv to keep the order.
type kv struct {
	k string
	v any
}

func decodeOrdered(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	v, err := decodeValue(d)
	if err == nil && d.More() {
		err = fmt.Errorf("trailing data")
	}
	return v, err
}

func decodeValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var obj []kv
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			obj = append(obj, kv{fmt.Sprint(k), v})
		}
		_, err = d.Token()
		return obj, err
	case json.Delim('['):
		var arr []any
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err = d.Token()
		return arr, err
	}
	return tok, nil
}

func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case []kv:
		y, ok := b.([]kv)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i].k != y[i].k || !sameJSON(x[i].v, y[i].v) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, err1 := x.Float64()
		fy, err2 := y.Float64()
		return err1 == nil && err2 == nil && closeFloat(fx, fy)
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		return sameText(x, y)
	}
	return a == b
}
