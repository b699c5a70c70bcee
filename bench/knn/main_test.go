package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/laiondb/laiondb/bench/knn/knnbench"
	"github.com/laiondb/laiondb/engine/npy"
)

func writeNpy(t *testing.T, path string, rows, dim int, r *rand.Rand) {
	t.Helper()
	w, err := npy.Create(path, npy.Float16, rows, dim)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, rows*dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	if err := w.WriteFloat32(v); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCoderHNSWRows: the command reports a coder-hnsw row per ef beside
// laiondb's and the exact scan's.
func TestCoderHNSWRows(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	base, queries := filepath.Join(dir, "b.npy"), filepath.Join(dir, "q.npy")
	writeNpy(t, base, 600, 16, r)
	writeNpy(t, queries, 20, 16, r)
	var out, errb bytes.Buffer
	code := knnbench.Main([]string{"--base", base, "--queries", queries, "--ef", "10,200", "--threads", "2", "--format", "jsonl"}, &out, &errb, coderHNSW)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var row knnbench.Row
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		seen[row.Index]++
		if row.QPS <= 0 || row.Recall < 0 || row.Recall > 1 {
			t.Errorf("row %+v", row)
		}
	}
	if seen["exact"] != 1 || seen["laiondb"] != 2 || seen["coder-hnsw"] != 2 {
		t.Fatalf("rows %v", seen)
	}
	if !bytes.Contains(errb.Bytes(), []byte("coder-hnsw: built")) {
		t.Errorf("log %q", errb.String())
	}
}
