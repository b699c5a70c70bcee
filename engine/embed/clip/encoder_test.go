package clip

import (
	"context"
	"math"
	"testing"

	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
)

const tinyModel = "testdata/tiny_text_model.safetensors"

// tinyReference returns the reference texts and encode_text's output for
// each (626 × 32).
func tinyReference(t testing.TB) ([]refText, [][]float32) {
	t.Helper()
	refs := readRefTexts(t)
	r, err := npy.Open("testdata/tiny_text_embeds.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Rows != len(refs) || r.Dim != 32 || r.DType != npy.Float32 {
		t.Fatalf("reference embeddings: %d×%d %s", r.Rows, r.Dim, r.DType)
	}
	raw := make([]byte, r.Rows*r.Dim*4)
	if err := r.ReadRows(raw, 0, r.Rows); err != nil {
		t.Fatal(err)
	}
	flat := make([]float32, r.Rows*r.Dim)
	vec.DecodeF32(flat, raw)
	want := make([][]float32, r.Rows)
	for i := range want {
		want[i] = flat[i*r.Dim : (i+1)*r.Dim]
	}
	return refs, want
}

// checkParity encodes every reference text and holds each value to 1e-4
// of OpenAI's encode_text.
func checkParity(t *testing.T, e *Encoder, tol float64) {
	t.Helper()
	refs, want := tinyReference(t)
	texts := make([]string, len(refs))
	for i, r := range refs {
		texts[i] = r.Text
	}
	got, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	worst, at := 0.0, 0
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(float64(got[i][j] - want[i][j])); d > worst {
				worst, at = d, i
			}
		}
	}
	t.Logf("largest difference from encode_text: %.2g (text %d)", worst, at)
	if worst > tol {
		t.Errorf("text %d (%q): got %v\nwant %v", at, refs[at].Text, got[at][:6], want[at][:6])
	}
}

// TestEncodeMatchesOpenAI holds every reference text to encode_text's
// output, on one thread and two, in full batches and one text at a time.
func TestEncodeMatchesOpenAI(t *testing.T) {
	for _, opts := range []Options{DefaultOptions().WithThreads(1), DefaultOptions().WithThreads(2), DefaultOptions().WithBatchTexts(1)} {
		e, err := Load(tinyModel, opts)
		if err != nil {
			t.Fatal(err)
		}
		if e.heads != 4 || e.width != 64 || e.layers != 2 || e.mlp != 256 || e.Dim() != 32 {
			t.Fatalf("loaded %v", e)
		}
		checkParity(t, e, 1e-4)
	}
}

// TestEncodeIDsPoolsWhereEncodeTextDoes: rows are read up to their first
// largest id, as encode_text's argmax picks it, whatever follows.
func TestEncodeIDsPoolsWhereEncodeTextDoes(t *testing.T) {
	e, err := Load(tinyModel, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	base := []int32{SOT, 320, 1929, EOT}
	padded := append(append([]int32{}, base...), 0, 0, 0)
	afterEnd := append(append([]int32{}, base...), 1125, EOT, 539)
	noEnd := []int32{SOT, 320, 1929} // pools at SOT, the largest id
	got, err := e.EncodeIDs(context.Background(), [][]int32{base, padded, afterEnd, noEnd, {SOT}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		for j := range got[0] {
			if math.Abs(float64(got[i][j]-got[0][j])) > 1e-6 {
				t.Fatalf("row %d differs from the same text ending at its EOT: %v vs %v", i, got[i][:4], got[0][:4])
			}
		}
	}
	for j := range got[3] {
		if math.Abs(float64(got[3][j]-got[4][j])) > 1e-6 {
			t.Fatalf("a row without EOT pools at its SOT: %v vs %v", got[3][:4], got[4][:4])
		}
	}
	if _, err := e.EncodeIDs(context.Background(), [][]int32{{SOT, VocabSize, EOT}}); err == nil {
		t.Fatal("an id outside the vocabulary was accepted")
	}
}
