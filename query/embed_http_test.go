package query

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/enginetest"
)

// An embeddings server on 127.0.0.1 answers for the synset texts with the
// vectors gen wrote; the LAIONet filter must embed each distinct synset
// text once, agree with the imported embeddings, and hit the database's
// cache in a later session.
func TestEmbedderOverHTTPEmbedsEachSynsetOnce(t *testing.T) {
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	im, err := embed.NewImport(filepath.Join(shard, "synsets", "synset_text.tsv"), filepath.Join(shard, "synsets", "synset_text_emb.npy"), "clip-vit-b32")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string][]float32{}
	for i, txt := range im.Texts() {
		known[txt] = im.Vectors()[i]
	}
	var mu sync.Mutex
	requests, texts := 0, map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "clip-vit-b32" {
			http.Error(w, "bad request", 400)
			return
		}
		type item struct {
			Embedding []float32 `json:"embedding"`
			Index     int       `json:"index"`
		}
		var resp struct {
			Data []item `json:"data"`
		}
		mu.Lock()
		requests++
		for i, in := range req.Input {
			texts[in]++
			v, ok := known[in]
			if !ok {
				mu.Unlock()
				http.Error(w, "unknown text", 500)
				return
			}
			resp.Data = append(resp.Data, item{v, i})
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()

	dir := filepath.Join(t.TempDir(), "db")
	db := enginetest.Open(t, engine.DefaultOptions(dir))
	s, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, "INGEST '"+shard+"' INTO laion")
	execOne(t, s, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	const q = "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET AND cos(txt, embed(synset_text(synset))) > 0.82"
	got := rowsOf(t, s, q)[0][0].I
	distinct := rowsOf(t, s, "SELECT count(DISTINCT synset) FROM laion WHERE caption MATCHES IMAGENET")[0][0].I
	if len(texts) != int(distinct) {
		t.Errorf("server saw %d distinct texts for %d distinct synsets", len(texts), distinct)
	}
	for txt, n := range texts {
		if n != 1 {
			t.Errorf("%q embedded %d times", txt, n)
		}
	}
	enginetest.Close(t, db)

	// A new session on the same database answers from the cache.
	db = enginetest.Open(t, engine.DefaultOptions(dir))
	s, _ = NewSession(db, Options{})
	execOne(t, s, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	before := requests
	if again := rowsOf(t, s, q)[0][0].I; again != got {
		t.Errorf("second session counts %d, first %d", again, got)
	}
	if requests != before {
		t.Errorf("cached texts were requested again (%d requests)", requests-before)
	}
	// The same filter with imported embeddings gives the same rows.
	s2, _ := NewSession(db, Options{})
	execOne(t, s2, "IMPORT EMBEDDINGS FROM '"+filepath.Join(shard, "synsets", "synset_text.tsv")+"', '"+filepath.Join(shard, "synsets", "synset_text_emb.npy")+"' MODEL 'clip-vit-b32'")
	if imp := rowsOf(t, s2, q)[0][0].I; imp != got {
		t.Errorf("imported embeddings give %d rows, HTTP %d", imp, got)
	}
	t.Logf("%d rows pass the filter; %d distinct synset texts embedded in %d requests", got, len(texts), before)

	// A server that is gone gives a clear error, placed at the statement.
	srv.Close()
	s3, _ := NewSession(db, Options{})
	execOne(t, s3, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	_, err = Collect(execOne(t, s3, "SELECT embed('a text never cached')").Rows)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("refused connection: %v", err)
	}
}
