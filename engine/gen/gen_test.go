package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/index/vec"
)

func readAll(t *testing.T, p string) ([]float32, int) {
	t.Helper()
	r, err := npy.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	raw := make([]byte, r.Rows*r.Dim*2)
	if err := r.ReadRows(raw, 0, r.Rows); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, r.Rows*r.Dim)
	vec.F16ToF32(out, raw)
	return out, r.Dim
}

func TestGenerateIsDeterministicAndPlanted(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	cfg := Config{Rows: 20000, Seed: 42, ImageNetPerClass: 3}
	sa, err := Generate(a, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, cfg); err != nil {
		t.Fatal(err)
	}
	for _, f := range sa.Files {
		rel, _ := filepath.Rel(a, f)
		x, _ := os.ReadFile(f)
		y, _ := os.ReadFile(filepath.Join(b, rel))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
	}
	t.Logf("%+v", *sa)
	if sa.OnTopic < 400 || sa.OnTopic > 800 {
		t.Errorf("on-topic rows %d, want about 3%% of 20000", sa.OnTopic)
	}
	if sa.Incidental < 200 {
		t.Errorf("only %d incidental mentions", sa.Incidental)
	}
	// Synset text vectors are the real CLIP class vectors: cos(tench,
	// goldfish) = 0.799 as in the source file.
	syn, dim := readAll(t, filepath.Join(a, "synsets", "synset_text_emb.npy"))
	if c := vec.Dot(syn[0:dim], syn[dim:2*dim]); math.Abs(float64(c)-0.799) > 0.002 {
		t.Errorf("cos(tench, goldfish) = %v", c)
	}
	// Every row vector is unit length (within float16 rounding).
	img, _ := readAll(t, filepath.Join(a, "img_emb", "img_emb_0000.npy"))
	for i := 0; i < 20000; i += 997 {
		if n := vec.Norm(img[i*dim : (i+1)*dim]); math.Abs(float64(n)-1) > 2e-3 {
			t.Fatalf("row %d norm %v", i, n)
		}
	}
	// ImageNet-like images sit at cos t_k ± 0.05 from their class centre,
	// t_k in U(0.70, 0.90), so two images of a class have cosine ≈ 0.64 on
	// average.
	inet, _ := readAll(t, filepath.Join(a, "imagenet", "img_emb", "img_emb_0000.npy"))
	var s float64
	for k := 0; k < 1000; k++ {
		s += float64(vec.Dot(inet[(3*k)*dim:(3*k+1)*dim], inet[(3*k+1)*dim:(3*k+2)*dim]))
	}
	if m := s / 1000; m < 0.55 || m > 0.75 {
		t.Errorf("mean within-class cosine %v", m)
	}
	cat, _ := synset.ImageNet1k()
	if cat.Classes()[1].Head != "goldfish" {
		t.Fatal("catalog order")
	}
	// Zero-shot classification with the class text vectors (written again
	// as (dim, classes) weights) is right for most ImageNet-like images,
	// not all: the confusers make it err.
	zs, err := npy.Open(filepath.Join(a, "synsets", "zeroshot_weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if zs.Rows != dim || zs.Dim != 1000 {
		t.Errorf("zero-shot weights are %d × %d, want %d × 1000", zs.Rows, zs.Dim, dim)
	}
	zs.Close()
	right := 0
	for i := 0; i < 3000; i++ {
		v := inet[i*dim : (i+1)*dim]
		best, bestK := float32(-2), -1
		for k := 0; k < 1000; k++ {
			if c := vec.Dot(v, syn[k*dim:(k+1)*dim]); c > best {
				best, bestK = c, k
			}
		}
		if bestK == i/3 {
			right++
		}
	}
	if acc := float64(right) / 3000; acc < 0.8 || acc > 0.97 {
		t.Errorf("zero-shot accuracy on the ImageNet-like images %.3f, want about 0.9", acc)
	}
}

// genDigest is the SHA-256 of every file Generate writes for
// Config{Rows: 3000, Seed: 5, ImageNetPerClass: 2}, in Summary order.
// Generation uses no SIMD kernel and no fusable float expression, so the
// bytes are the same on every CPU and build (CI runs this test in the
// default and the purego build); a change to the generator changes it.
const genDigest = "be20067c4f895ca651de084844ac01fa1df3d0aea8a28364d806b898fc36085f"

func TestGenerateSameBytesEverywhere(t *testing.T) {
	dir := t.TempDir()
	sum, err := Generate(dir, Config{Rows: 3000, Seed: 5, ImageNetPerClass: 2})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, f := range sum.Files {
		rel, _ := filepath.Rel(dir, f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
		h.Write(data)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != genDigest {
		t.Errorf("generated files digest %s, want %s: generation is not the same on this CPU/build, or the generator changed (then update genDigest)", got, genDigest)
	}
}

// The shards of one seed are parts of one dataset: their rows differ, and
// what describes the world (synset texts and vectors, the ImageNet-like
// set) is the same bytes.
func TestShardsOfOneSeedShareTheWorld(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := Generate(a, Config{Rows: 500, Seed: 9, Shard: 0, ImageNetPerClass: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, Config{Rows: 500, Seed: 9, Shard: 1, ImageNetPerClass: 1}); err != nil {
		t.Fatal(err)
	}
	same := func(rel string) bool {
		x, err1 := os.ReadFile(filepath.Join(a, rel))
		y, err2 := os.ReadFile(filepath.Join(b, rel))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return bytes.Equal(x, y)
	}
	for _, rel := range []string{"synsets/synset_text.tsv", "synsets/synset_text_emb.npy", "imagenet/img_emb/img_emb_0000.npy", "imagenet/metadata/metadata_0000.parquet"} {
		if !same(rel) {
			t.Errorf("%s differs between shards 0 and 1 of one seed", rel)
		}
	}
	x, _ := readAll(t, filepath.Join(a, "img_emb", "img_emb_0000.npy"))
	y, _ := readAll(t, filepath.Join(b, "img_emb", "img_emb_0001.npy"))
	if slices.Equal(x, y) {
		t.Errorf("shards 0 and 1 have the same image vectors")
	}
}

// Chunks cheap to make (small vectors) finish out of order; generation
// must still go through every one and write them in order, never
// waiting for a chunk that waits for room behind later chunks. (It hung
// about one run in two at 300,000 rows of 8-d vectors.)
func TestGenerateManyCheapChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 2.4M rows")
	}
	for i := range 8 {
		dir := t.TempDir()
		sum, err := Generate(dir, Config{Rows: 300000, Seed: uint64(i + 1), Dim: 8})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows != 300000 {
			t.Fatalf("run %d: %d rows", i, sum.Rows)
		}
	}
}
