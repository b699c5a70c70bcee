package query

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/query/ast"
)

// An embeddings server on 127.0.0.1 answers for the synset texts with the
// vectors gen wrote; the LAIONet filter must embed each distinct synset
// text once, agree with the imported embeddings, and hit the database's
// cache in a later session.
func TestEmbedderOverHTTPEmbedsEachSynsetOnce(t *testing.T) {
	shard, _, srv := synsetServer(t)
	requestCount := func() int {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.batches)
	}

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
	srv.mu.Lock()
	texts := maps.Clone(srv.texts)
	if len(srv.models) != 1 || !srv.models["clip-vit-b32"] {
		t.Errorf("requests named models %v, want clip-vit-b32", srv.models)
	}
	srv.mu.Unlock()
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
	before := requestCount()
	if again := rowsOf(t, s, q)[0][0].I; again != got {
		t.Errorf("second session counts %d, first %d", again, got)
	}
	if requestCount() != before {
		t.Errorf("cached texts were requested again (%d requests)", requestCount()-before)
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

// embedServer is a /v1/embeddings server on 127.0.0.1 answering with the
// vectors of known texts; it records the size of every request, how often
// each text was asked for, and the Authorization headers.
type embedServer struct {
	*httptest.Server
	mu      sync.Mutex
	batches []int
	texts   map[string]int
	models  map[string]bool
	auth    map[string]bool
	delay   time.Duration
}

// synsetVectors maps the imported synset texts to their vectors.
// synsetServer starts an embeddings server on 127.0.0.1 that knows the
// synset texts of the test shard (with the vectors gen wrote for them).
func synsetServer(t *testing.T) (shard string, im *embed.Import, srv *embedServer) {
	t.Helper()
	shard, err := testShard()
	if err != nil {
		t.Fatal(err)
	}
	im, err = embed.NewImport(filepath.Join(shard, "synsets", "synset_text.tsv"), filepath.Join(shard, "synsets", "synset_text_emb.npy"), "clip-vit-b32")
	if err != nil {
		t.Fatal(err)
	}
	return shard, im, newEmbedServer(t, synsetVectors(im))
}

func synsetVectors(im *embed.Import) map[string][]float32 {
	known := map[string][]float32{}
	for i, txt := range im.Texts() {
		known[txt] = im.Vectors()[i]
	}
	return known
}

func newEmbedServer(t *testing.T, known map[string][]float32) *embedServer {
	es := &embedServer{auth: map[string]bool{}, texts: map[string]int{}, models: map[string]bool{}}
	es.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request", 400)
			return
		}
		es.mu.Lock()
		es.models[req.Model] = true
		es.batches = append(es.batches, len(req.Input))
		for _, in := range req.Input {
			es.texts[in]++
		}
		es.auth[r.Header.Get("Authorization")] = true
		delay := es.delay
		es.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		type item struct {
			Embedding []float32 `json:"embedding"`
			Index     int       `json:"index"`
		}
		var resp struct {
			Data []item `json:"data"`
		}
		for i, in := range req.Input {
			v, ok := known[in]
			if !ok {
				http.Error(w, `{"error": "unknown text"}`, 500)
				return
			}
			resp.Data = append(resp.Data, item{v, i})
		}
		json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(es.Close)
	return es
}

// TestEmbedBatchesTheTextsOfAStatement: the LAIONet filter asks the server
// for its distinct synset texts in batches of 64 across rows, with the key
// of LAIONDB_EMBEDDER_KEY, and the key appears in no message.
func TestEmbedBatchesTheTextsOfAStatement(t *testing.T) {
	shard, _, srv := synsetServer(t)
	const key = "sk-test-4f1c9e"
	t.Setenv(embed.KeyEnv, key)
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var warnings []string
	s, _ := NewSession(db, Options{Warn: func(m string) { warnings = append(warnings, m) }})
	execOne(t, s, "INGEST '"+shard+"' INTO laion")
	execOne(t, s, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	const q = "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET AND nsfw <> 'x' AND cos(txt, embed(synset_text(synset))) > 0.82"
	got := rowsOf(t, s, q)[0][0].I
	distinct := int(rowsOf(t, s, "SELECT count(DISTINCT synset) FROM laion WHERE caption MATCHES IMAGENET")[0][0].I)
	srv.mu.Lock()
	batches := slices.Clone(srv.batches)
	srv.mu.Unlock()
	slices.Sort(batches)
	want := []int{}
	for n := distinct; n > 0; n -= 64 {
		want = append(want, min(n, 64))
	}
	slices.Sort(want)
	if !slices.Equal(batches, want) {
		t.Errorf("%d distinct texts went out in requests of %v texts, want %v", distinct, batches, want)
	}
	if !srv.auth["Bearer "+key] || len(srv.auth) != 1 {
		t.Errorf("Authorization headers %v", srv.auth)
	}
	t.Logf("%d rows pass; %d distinct synset texts in %d requests", got, distinct, len(batches))

	// The same count with the imported vectors.
	s2, _ := NewSession(db, Options{})
	execOne(t, s2, "IMPORT EMBEDDINGS FROM '"+filepath.Join(shard, "synsets", "synset_text.tsv")+"', '"+filepath.Join(shard, "synsets", "synset_text_emb.npy")+"' MODEL 'clip-vit-b32'")
	if imp := rowsOf(t, s2, q)[0][0].I; imp != got {
		t.Errorf("imported embeddings give %d rows, HTTP %d", imp, got)
	}

	// Under a LIMIT the rows are embedded as they come: no dry run.
	s3, _ := NewSession(db, Options{})
	execOne(t, s3, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	execOne(t, s3, "SET embed_model = 'other-model'")
	execOne(t, s3, "SET allow_model_mismatch = true")
	srv.mu.Lock()
	srv.batches = nil
	srv.mu.Unlock()
	// other-model has no cached vectors: each text must be asked for.
	rowsOf(t, s3, "SELECT synset FROM laion WHERE caption MATCHES IMAGENET AND cos(txt, embed(synset_text(synset))) > -2 LIMIT 3")
	srv.mu.Lock()
	if len(srv.batches) == 0 || len(srv.batches) > 3 || slices.Max(srv.batches) != 1 {
		t.Errorf("LIMIT 3 asked for batches of %v texts, want up to three of one", srv.batches)
	}
	srv.mu.Unlock()

	// A server that refuses the key: the message names the server, never
	// the key.
	deny := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error": {"message": "invalid api key"}}`, http.StatusUnauthorized)
	}))
	defer deny.Close()
	s4, _ := NewSession(db, Options{})
	execOne(t, s4, "SET embedder = '"+deny.URL+"/v1/embeddings'")
	_, err = Collect(execOne(t, s4, "SELECT embed('a text nobody embedded')").Rows)
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), key) {
		t.Errorf("refused key: %v", err)
	}
	for _, w := range warnings {
		if strings.Contains(w, key) {
			t.Errorf("warning shows the key: %s", w)
		}
	}
}

// TestEmbedderTimeoutSetting: SET embedder_timeout bounds one request.
func TestEmbedderTimeoutSetting(t *testing.T) {
	srv := newEmbedServer(t, map[string][]float32{"slow": {1, 0, 0}})
	srv.delay = 2 * time.Second
	db, err := engine.Open(engine.DefaultOptions(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, _ := NewSession(db, Options{})
	execOne(t, s, "SET embedder = '"+srv.URL+"'")
	execOne(t, s, "SET embed_model = 'm'")
	execOne(t, s, "SET embedder_timeout = 0.2")
	_, err = Collect(execOne(t, s, "SELECT embed('slow')").Rows)
	if !errors.Is(err, embed.ErrTimeout) || !strings.Contains(err.Error(), "200ms") {
		t.Fatalf("error %v, want a timeout after 200ms", err)
	}
	for _, bad := range []string{"0", "-1", "7200"} {
		st, _ := ast.ParseStatement("", "SET embedder_timeout = "+bad)
		if _, err := s.Exec(context.Background(), st); err == nil || !strings.Contains(err.Error(), "seconds") {
			t.Errorf("SET embedder_timeout = %s: %v", bad, err)
		}
	}
}

// Issue 10, item 5: a session whose database is read-only between the
// statements that write (Options.DeferStores, laiondb's shell) keeps the
// embeddings a read computes, without a warning, and stores them when
// UseDB puts it on the database opened read-write: a later session
// answers from the cache. The session's embedder outlives the switch.
func TestDeferredEmbeddingStores(t *testing.T) {
	shard, im, srv := synsetServer(t)
	requested := func() int {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.texts)
	}
	dir := filepath.Join(t.TempDir(), "db")
	db := enginetest.Open(t, engine.DefaultOptions(dir))
	s, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, "INGEST '"+shard+"' INTO laion")
	enginetest.Close(t, db)

	var warnings []string
	ro := enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(true))
	s, err = NewSession(ro, Options{DeferStores: true, Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	texts := im.Texts()[:3]
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	q := "SELECT embed(" + lit(texts[0]) + "), embed(" + lit(texts[1]) + ")"
	rowsOf(t, s, q)
	if requested() != 2 || s.Unstored() != 2 || len(warnings) > 0 {
		t.Fatalf("on the read-only database: %d texts requested, %d unstored, warnings %q", requested(), s.Unstored(), warnings)
	}
	enginetest.Close(t, ro)
	rw := enginetest.Open(t, engine.DefaultOptions(dir))
	s.UseDB(rw)
	if s.Unstored() != 0 || len(warnings) > 0 {
		t.Fatalf("on the writable database: %d unstored, warnings %q", s.Unstored(), warnings)
	}
	// The embedder made before the switch reads and writes the new
	// database (the old one is closed).
	rowsOf(t, s, q+", embed("+lit(texts[2])+")")
	if requested() != 3 {
		t.Fatalf("after the switch %d texts requested, want 3", requested())
	}
	enginetest.Close(t, rw)

	db = enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(true))
	s, _ = NewSession(db, Options{})
	execOne(t, s, "SET embedder = '"+srv.URL+"/v1/embeddings'")
	rowsOf(t, s, q+", embed("+lit(texts[2])+")")
	if requested() != 3 {
		t.Errorf("a later session asked the server again: %d texts requested", requested())
	}
	enginetest.Close(t, db)
}
