package query

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
	"github.com/laiondb/laiondb/query/ast"
)

const (
	tinyClip   = "../engine/embed/clip/testdata/tiny_text_model.safetensors"
	tinyEmbeds = "../engine/embed/clip/testdata/tiny_text_embeds.npy"
	// goldfish is line 2 of the reference texts, row 1 of tinyEmbeds.
	goldfish = "goldfish which is small golden or orange-red freshwater fishes of Eurasia used as pond or aquarium fishes"
)

// TestEmbedderClip: SET embedder = 'clip:PATH' makes embed() run the
// CLIP text encoder in the process, under the model name its shapes give,
// cached in the database, batched across the rows of a statement.
func TestEmbedderClip(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, _ := NewSession(db, Options{})
	execOne(t, s, "INGEST '"+shard+"' INTO laion")

	fails := func(src, want string) {
		t.Helper()
		st, err := ast.ParseStatement("", src)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Exec(context.Background(), st)
		if err == nil && res.Rows != nil {
			_, err = Collect(res.Rows)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: error %v, want one saying %q", src, err, want)
		}
		t.Log(err)
	}
	fails("SET embedder = 'clip:/no/such/model.safetensors'", "no such file")
	fails("SET embedder = 'clip:'", "needs the path")
	execOne(t, s, "SET embedder = 'clip:"+tinyEmbeds+"'")
	fails("SELECT embed('a dog')", "not a safetensors file")

	execOne(t, s, "SET embedder = 'clip:"+tinyClip+"'")
	got := rowsOf(t, s, "SELECT embed('"+goldfish+"')")[0][0].V
	want := referenceRow(t, 1)
	vec.Scale(want, 1/vec.Norm(want))
	for j := range want {
		if math.Abs(float64(got[j]-want[j])) > 1e-4 {
			t.Fatalf("embed(goldfish) = %v…, want encode_text's output normalised: %v…", got[:4], want[:4])
		}
	}
	const model = "clip-text-w64-l2-e32"
	cached, err := db.CachedEmbeddings(model, []string{goldfish})
	if err != nil || cached[0] == nil {
		t.Fatalf("no %s vector cached for the text: %v", model, err)
	}

	// The LAION table's txt vectors are another model's.
	fails("SELECT count(*) FROM laion WHERE cos(txt, embed('a dog')) > 0.3", "cos compares clip-vit-b32 embeddings (txt) with "+model)

	// One lookup for the distinct synset texts of a statement (and its
	// constant text), not one a row.
	q := "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET AND cos(embed(synset_text(synset)), embed('a photo of a fish')) > 0.1"
	rowsOf(t, s, q)
	distinct := rowsOf(t, s, "SELECT count(DISTINCT synset) FROM laion WHERE caption MATCHES IMAGENET")[0][0].I
	st := s.embedders[model].Stats()
	if st.Calls != 2 || st.Embedded != int(distinct)+2 {
		t.Errorf("embedder stats %+v: want the goldfish call, then %d synset texts and the constant in one call", st, distinct)
	}
}

func referenceRow(t *testing.T, i int) []float32 {
	t.Helper()
	r, err := npy.Open(tinyEmbeds)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	raw := make([]byte, r.Dim*4)
	if err := r.ReadRows(raw, i, 1); err != nil {
		t.Fatal(err)
	}
	v := make([]float32, r.Dim)
	vec.DecodeF32(v, raw)
	return v
}
