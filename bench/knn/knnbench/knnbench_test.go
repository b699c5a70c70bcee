package knnbench

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

// bruteForce is a Baseline that answers exactly, so its recall is 1.
var bruteForce = Baseline{
	Name: "brute-force",
	Build: func(base []float32, dim, m, efConstruction int) func(q []float32, k, ef int) []uint64 {
		return func(q []float32, k, ef int) []uint64 {
			ids := make([]uint64, len(base)/dim)
			score := make([]float32, len(ids))
			for i := range ids {
				ids[i] = uint64(i)
				for j, x := range q {
					score[i] += x * base[i*dim+j]
				}
			}
			slices.SortStableFunc(ids, func(a, b uint64) int { return cmp.Compare(score[b], score[a]) })
			return ids[:k]
		}
	},
}

// runJSONL runs Main on 600 random 16-d base vectors and 20 queries at ef
// 10 and 200 and returns how many rows each index reported, checking each
// row's figures.
func runJSONL(t *testing.T, baselines ...Baseline) map[string]int {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	base, queries := filepath.Join(dir, "b.npy"), filepath.Join(dir, "q.npy")
	writeNpy(t, base, 600, 16, r)
	writeNpy(t, queries, 20, 16, r)
	var out, errb bytes.Buffer
	code := Main([]string{"--base", base, "--queries", queries, "--ef", "10,200", "--threads", "2", "--format", "jsonl"}, &out, &errb, baselines...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var row Row
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		seen[row.Index]++
		if row.QPS <= 0 || row.Recall < 0 || row.Recall > 1 {
			t.Errorf("row %+v", row)
		}
		if row.Index == "exact" && row.Recall != 1 {
			t.Errorf("exact recall %v", row.Recall)
		}
		if row.Index == "laiondb" && row.Ef == 200 && row.Recall < 0.99 {
			t.Errorf("laiondb at ef 200 on 600 vectors: recall %v", row.Recall)
		}
		if row.Index == bruteForce.Name && row.Recall != 1 {
			t.Errorf("%s recall %v", row.Index, row.Recall)
		}
	}
	return seen
}

func TestMainJSONL(t *testing.T) {
	if seen := runJSONL(t); len(seen) != 2 || seen["exact"] != 1 || seen["laiondb"] != 2 {
		t.Fatalf("rows %v", seen)
	}
	if seen := runJSONL(t, bruteForce); len(seen) != 3 || seen["exact"] != 1 || seen["laiondb"] != 2 || seen[bruteForce.Name] != 2 {
		t.Fatalf("rows with a baseline: %v", seen)
	}
}

func TestMainErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "ef-construction") {
		t.Fatalf("--help: exit %d, %q", code, errb.String())
	}
	for _, args := range [][]string{
		{},
		{"--base", "x.npy"},
		{"--base", "/nonexistent.npy", "--queries", "/nonexistent.npy"},
		{"--base", "a", "--queries", "b", "--ef", "10,x"},
		{"--base", "a", "--queries", "b", "--format", "xml"},
		{"--bogus"},
		{"--base", "a", "--queries", "b", "--indexes", "laiondb,coder-hnsw"}, // not in this build
	} {
		errb.Reset()
		if code := Main(args, &out, &errb); code == 0 || errb.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
}
