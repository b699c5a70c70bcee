package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
)

const clipData = "../../engine/embed/clip/testdata/"

// clipRefs returns the first n reference texts, their ids, and the rows
// of encode_text's output for them.
func clipRefs(t *testing.T, n int) ([]string, [][]int, [][]float32) {
	t.Helper()
	f, err := os.Open(clipData + "tokens.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var texts []string
	var ids [][]int
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(texts) < n {
		var r struct {
			Text string `json:"text"`
			IDs  []int  `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		texts, ids = append(texts, r.Text), append(ids, r.IDs)
	}
	return texts, ids, readNpy(t, clipData+"tiny_text_embeds.npy")[:n]
}

func readNpy(t *testing.T, path string) [][]float32 {
	t.Helper()
	r, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.DType != npy.Float32 {
		t.Fatalf("%s: dtype %s", path, r.DType)
	}
	raw := make([]byte, r.Rows*r.Dim*4)
	if err := r.ReadRows(raw, 0, r.Rows); err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, r.Rows)
	for i := range out {
		out[i] = make([]float32, r.Dim)
		vec.DecodeF32(out[i], raw[i*r.Dim*4:])
	}
	return out
}

// writeJSONLTexts writes texts as {"text": ...} lines, so they may hold
// newlines.
func writeJSONLTexts(t *testing.T, path string, texts []string) {
	t.Helper()
	var b strings.Builder
	for _, s := range texts {
		line, _ := json.Marshal(map[string]string{"text": s})
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTokenizeCommand(t *testing.T) {
	texts, ids, _ := clipRefs(t, 626)
	in := filepath.Join(t.TempDir(), "texts.jsonl")
	writeJSONLTexts(t, in, texts) // the tricky texts hold newlines and tabs
	code, stdout, stderr := run("tokenize", "--format", "jsonl", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%d lines for %d texts", len(lines), len(texts))
	}
	for i, l := range lines {
		var got struct{ IDs []int }
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !slices.Equal(got.IDs, ids[i]) {
			t.Fatalf("text %d %q: ids %v, want %v", i, texts[i], got.IDs, ids[i])
		}
	}
	// The plain format: one text a line in, space-separated ids out.
	plain := filepath.Join(t.TempDir(), "texts.txt")
	os.WriteFile(plain, []byte(texts[0]+"\r\n"+texts[1]+"\n"), 0o644)
	code, stdout, _ = run("tokenize", plain)
	if code != 0 || stdout != strconvInts(ids[0])+"\n"+strconvInts(ids[1])+"\n" {
		t.Fatalf("exit %d, plain output %q", code, stdout)
	}
	if code, stdout, _ := run("tokenize", "--license"); code != 0 || !strings.Contains(stdout, "Copyright (c) 2021 OpenAI") {
		t.Fatalf("--license: exit %d, %q", code, stdout)
	}
}

func strconvInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

func TestEmbedCommand(t *testing.T) {
	texts, _, want := clipRefs(t, 40)
	dir := t.TempDir()
	in := filepath.Join(dir, "texts.jsonl")
	writeJSONLTexts(t, in, texts)
	model := clipData + "tiny_text_model.safetensors"

	// --raw: encode_text's output, row i for text i.
	out := filepath.Join(dir, "raw.npy")
	code, _, stderr := run("embed", "--model", model, "--raw", "--out", out, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "40 texts, raw encode_text outputs of clip-text-w64-l2-e32 (32-d)") {
		t.Errorf("summary %q", stderr)
	}
	got := readNpy(t, out)
	for i := range want {
		for j := range want[i] {
			if math.Abs(float64(got[i][j]-want[i][j])) > 1e-4 {
				t.Fatalf("row %d: %v…, want %v…", i, got[i][:4], want[i][:4])
			}
		}
	}
	// Default: unit vectors, as JSON lines on stdout.
	code, stdout, stderr := run("embed", "--model", model, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%d lines for %d texts", len(lines), len(texts))
	}
	for i, l := range lines {
		var rec struct {
			Text      string
			Embedding []float32
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		n := vec.Norm(want[i])
		for j, x := range rec.Embedding {
			if rec.Text != texts[i] || math.Abs(float64(x-want[i][j]/n)) > 1e-4 {
				t.Fatalf("line %d: %q %v…, want %q and encode_text normalised", i+1, rec.Text, rec.Embedding[:4], texts[i])
			}
		}
	}
}

func TestEmbedCommandErrors(t *testing.T) {
	dir := t.TempDir()
	texts := filepath.Join(dir, "texts.txt")
	os.WriteFile(texts, []byte("a dog\n\na cat\n"), 0o644)
	good := filepath.Join(dir, "good.txt")
	os.WriteFile(good, []byte("a dog\n"), 0o644)
	model := clipData + "tiny_text_model.safetensors"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"embed", good}, "--model is required"},
		{[]string{"embed", "--model", filepath.Join(dir, "nope.safetensors"), good}, "nope.safetensors: cannot open the weights: no such file"},
		{[]string{"embed", "--model", clipData + "tiny_text_embeds.npy", good}, "tiny_text_embeds.npy: not a safetensors file"},
		{[]string{"embed", "--model", model, texts}, "texts.txt:2: empty text"},
		{[]string{"embed", "--model", model, "--format", "npy", good}, "--format npy needs --out"},
		{[]string{"tokenize", filepath.Join(dir, "nope.txt")}, "no such file"},
		{[]string{"synsets", "--model", model}, "--embed and --model go together"},
	} {
		code, _, stderr := run(c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to say %q", c.args, code, stderr, c.want)
		}
	}
	for _, cmd := range []string{"tokenize", "embed"} {
		if code, stdout, _ := run(cmd, "--help"); code != 0 || !strings.HasPrefix(stdout, "usage: laiondb "+cmd) {
			t.Errorf("%s --help: exit %d, %q", cmd, code, stdout)
		}
	}
}

// TestSynsetsEmbedThenImport: the synset texts' vectors written by
// synsets --embed load with the IMPORT statement it prints.
func TestSynsetsEmbedThenImport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "synsets.npy")
	code, stdout, stderr := run("synsets", "--embed", "--model", clipData+"tiny_text_model.safetensors", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if rows := readNpy(t, out); len(rows) != 1000 || len(rows[0]) != 32 {
		t.Fatalf("%d rows of %d", len(rows), len(rows[0]))
	}
	stmt := strings.TrimSpace(stdout)
	if !strings.HasPrefix(stmt, "IMPORT EMBEDDINGS FROM '"+filepath.Join(dir, "synsets.txt")+"'") {
		t.Fatalf("printed %q", stmt)
	}
	code, stdout, stderr = run("query", "--db", filepath.Join(dir, "db"), stmt)
	if code != 0 || !strings.Contains(stdout, "imported 1000 clip-text-w64-l2-e32 embeddings (32-d)") {
		t.Fatalf("import: exit %d, %s%s", code, stdout, stderr)
	}
}
