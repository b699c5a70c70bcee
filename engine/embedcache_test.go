package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/engine/npy"
)

// openEmbedDB opens dir, checked and closed when the test ends.
func openEmbedDB(t *testing.T, dir string, readOnly bool) *engine.DB {
	t.Helper()
	return enginetest.Open(t, engine.DefaultOptions(dir).WithReadOnly(readOnly))
}

func TestEmbedCachePutGetReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	db := openEmbedDB(t, dir, false)
	long1 := strings.Repeat("a very long caption ", 100) + "one"
	long2 := strings.Repeat("a very long caption ", 100) + "two" // same first 1024 bytes
	texts := []string{"goldfish which is a fish", "", long1, long2}
	vecs := [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
	if err := db.PutEmbeddings("clip", texts, vecs); err != nil {
		t.Fatal(err)
	}
	// Same text, other models: "clip-l" starts with "clip".
	if err := db.PutEmbeddings("clip-l", []string{"goldfish which is a fish"}, [][]float32{{0.6, 0.8}}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutEmbeddings("Clip", []string{"goldfish which is a fish"}, [][]float32{{0.8, 0.6, 0}}); err != nil {
		t.Fatal(err)
	}
	check := func(db *engine.DB) {
		t.Helper()
		got, err := db.CachedEmbeddings("clip", []string{long2, "unknown", "goldfish which is a fish", long1, "", long2})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]float32{vecs[3], nil, vecs[0], vecs[2], vecs[1], vecs[3]}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("clip: got %v\nwant %v", got, want)
		}
		got, _ = db.CachedEmbeddings("clip-l", []string{"goldfish which is a fish", long1})
		if !reflect.DeepEqual(got, [][]float32{{0.6, 0.8}, nil}) {
			t.Fatalf("clip-l: %v", got)
		}
		models, err := db.EmbeddingModels()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(models, map[string]int{"clip": 4, "clip-l": 1, "Clip": 1}) {
			t.Fatalf("models %v", models)
		}
	}
	check(db)
	enginetest.Close(t, db)

	db = openEmbedDB(t, dir, false)
	check(db)
	// Replacing keeps one entry per text.
	if err := db.PutEmbeddings("clip", texts[:1], [][]float32{{0, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	got, _ := db.CachedEmbeddings("clip", texts[:1])
	if m, _ := db.EmbeddingModels(); m["clip"] != 4 || !reflect.DeepEqual(got[0], []float32{0, 0, 0, 1}) {
		t.Fatalf("after replacing: %v, %v", m, got)
	}
	enginetest.Close(t, db)
}

func TestEmbedCacheRefusesBadPuts(t *testing.T) {
	db := openEmbedDB(t, filepath.Join(t.TempDir(), "db"), false)
	if err := db.PutEmbeddings("m", []string{"a"}, [][]float32{{1, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	nan := float32(0)
	nan /= nan
	cases := []struct {
		name, model string
		texts       []string
		vecs        [][]float32
		want        string
	}{
		{"other dimension", "m", []string{"b"}, [][]float32{{1, 0}}, `model "m" has 3-dimensional vectors cached, these have 2`},
		{"mixed dimensions", "n", []string{"a", "b"}, [][]float32{{1, 0}, {1, 0, 0}}, "has 3 dimensions, the first one 2"},
		{"count", "m", []string{"a", "b"}, [][]float32{{1, 0, 0}}, "2 texts but 1 vectors"},
		{"nan", "m", []string{"a"}, [][]float32{{1, nan, 0}}, "NaN"},
		{"empty vector", "m", []string{"a"}, [][]float32{{}}, "0 dimensions"},
		{"no model", "", []string{"a"}, [][]float32{{1, 0, 0}}, "empty model name"},
		{"nul in model", "m\x00x", []string{"a"}, [][]float32{{1, 0, 0}}, "NUL"},
	}
	for _, c := range cases {
		err := db.PutEmbeddings(c.model, c.texts, c.vecs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	if _, err := db.CachedEmbeddings("", []string{"a"}); err == nil {
		t.Error("CachedEmbeddings with no model: no error")
	}
}

// embedServer is a real /v1/embeddings server on 127.0.0.1 that counts
// the texts it is asked for.
type embedServer struct {
	*httptest.Server
	dim int

	poison string // a request holding this text is refused with 400

	mu       sync.Mutex
	requests int
	asked    map[string]int
}

func newEmbedServer(t *testing.T, dim int) *embedServer {
	s := &embedServer{dim: dim, asked: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, t := range req.Input {
			if s.poison != "" && t == s.poison {
				http.Error(w, `{"error": {"message": "cannot embed this text"}}`, http.StatusBadRequest)
				return
			}
		}
		s.mu.Lock()
		s.requests++
		for _, t := range req.Input {
			s.asked[t]++
		}
		s.mu.Unlock()
		type item struct {
			Embedding []float64 `json:"embedding"`
			Index     int       `json:"index"`
		}
		data := make([]item, len(req.Input))
		for i, t := range req.Input {
			data[i] = item{Embedding: serverVector(t, s.dim), Index: i}
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(s.Close)
	return s
}

func serverVector(text string, dim int) []float64 {
	v := make([]float64, dim)
	for i, r := range text {
		v[i%dim] += float64(r % 17)
	}
	v[0] += 1
	return v
}

func (s *embedServer) stats() (requests, texts int, twice []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, n := range s.asked {
		texts += n
		if n > 1 {
			twice = append(twice, t)
		}
	}
	return s.requests, texts, twice
}

func (s *embedServer) provider(t *testing.T, model string) *embed.HTTP {
	h, err := embed.NewHTTP(s.URL+"/v1/embeddings", model, embed.HTTPOptions{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEmbedLookupEmbedsEachTextOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	srv := newEmbedServer(t, 8)
	db := openEmbedDB(t, dir, false)
	// A column of 1000 rows naming 10 synset texts: one lookup per text.
	rows := make([]string, 1000)
	for i := range rows {
		rows[i] = fmt.Sprintf("synset %d which is a class", i%10)
	}
	e := embed.NewEmbedder(srv.provider(t, "clip-http"), db)
	got, err := e.Lookup(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if req, n, twice := srv.stats(); n != 10 || req != 3 || twice != nil {
		t.Fatalf("server saw %d texts in %d requests (twice: %q), want 10 in 3 batches of ≤ 4", n, req, twice)
	}
	if &got[0][0] != &got[10][0] || len(got[999]) != 8 || e.Dim() != 8 {
		t.Fatalf("equal texts do not share one vector, or wrong dimension")
	}
	// Again, plus one new text: only the new one is asked for.
	if _, err := e.Lookup(context.Background(), append(rows[:5:5], "a new text")); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := srv.stats(); n != 11 {
		t.Fatalf("server saw %d texts, want 11", n)
	}
	if st := e.Stats(); st != (embed.EmbedderStats{Cached: 0, Embedded: 11, Calls: 2}) {
		t.Fatalf("stats %+v", st)
	}
	enginetest.Close(t, db)

	// A new session over the same database asks the server for nothing.
	db = openEmbedDB(t, dir, false)
	e2 := embed.NewEmbedder(srv.provider(t, "clip-http"), db)
	got2, err := e2.Lookup(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, _ := srv.stats(); n != 11 {
		t.Fatalf("after reopening the server saw %d texts, want still 11", n)
	}
	if !reflect.DeepEqual(got2[3], got[3]) || e2.Stats().Cached != 10 || e2.StoreErr() != nil {
		t.Fatalf("cached vectors differ or stats %+v, store error %v", e2.Stats(), e2.StoreErr())
	}
	// Another model name is another cache.
	e3 := embed.NewEmbedder(srv.provider(t, "clip-other"), db)
	if _, err := e3.Lookup(context.Background(), rows[:3]); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := srv.stats(); n != 14 {
		t.Fatalf("another model: server saw %d texts, want 14", n)
	}
	m, _ := db.EmbeddingModels()
	if !reflect.DeepEqual(m, map[string]int{"clip-http": 11, "clip-other": 3}) {
		t.Fatalf("models %v", m)
	}
}

func TestEmbedLookupKeepsChunksBeforeAFailure(t *testing.T) {
	srv := newEmbedServer(t, 4)
	srv.poison = "caption 650"
	db := openEmbedDB(t, filepath.Join(t.TempDir(), "db"), false)
	texts := make([]string, 700)
	for i := range texts {
		texts[i] = fmt.Sprint("caption ", i)
	}
	h, err := embed.NewHTTP(srv.URL, "m", embed.HTTPOptions{BatchSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	e := embed.NewEmbedder(h, db)
	if _, err := e.Lookup(context.Background(), texts); !errors.Is(err, embed.ErrStatus) || !strings.Contains(err.Error(), "cannot embed") {
		t.Fatalf("lookup: %v", err)
	}
	// The first chunk of texts was embedded and stored before the failure.
	m, _ := db.EmbeddingModels()
	if m["m"] < 64 || m["m"] >= 650 {
		t.Fatalf("cached after the failure: %v, want the texts of the chunks before it", m)
	}
	if st := e.Stats(); st.Embedded != m["m"] {
		t.Fatalf("stats %+v, %d cached", st, m["m"])
	}
}

func TestEmbedLookupConcurrent(t *testing.T) {
	srv := newEmbedServer(t, 4)
	db := openEmbedDB(t, filepath.Join(t.TempDir(), "db"), false)
	e := embed.NewEmbedder(srv.provider(t, "m"), db)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, err := e.Lookup(context.Background(), []string{fmt.Sprint("text ", i%7), fmt.Sprint("other ", (i+g)%5)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, n, twice := srv.stats(); n != 12 || twice != nil {
		t.Fatalf("server saw %d texts (twice: %q), want each of 12 once", n, twice)
	}
}

func TestEmbedReadOnlyDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	srv := newEmbedServer(t, 4)
	db := openEmbedDB(t, dir, false)
	if err := db.PutEmbeddings("m", []string{"cached"}, [][]float32{{1, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	enginetest.Close(t, db)

	ro := openEmbedDB(t, dir, true)
	got, err := ro.CachedEmbeddings("m", []string{"cached", "new"})
	if err != nil || !reflect.DeepEqual(got, [][]float32{{1, 0, 0, 0}, nil}) {
		t.Fatalf("read-only read: %v, %v", got, err)
	}
	err = ro.PutEmbeddings("m", []string{"new"}, [][]float32{{0, 1, 0, 0}})
	if !errors.Is(err, engine.ErrReadOnly) {
		t.Fatalf("read-only put: %v, want ErrReadOnly", err)
	}
	// The Embedder still answers, keeping new vectors in memory.
	e := embed.NewEmbedder(srv.provider(t, "m"), ro)
	for i := 0; i < 2; i++ {
		v, err := e.Lookup(context.Background(), []string{"cached", "new"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v[0], []float32{1, 0, 0, 0}) || len(v[1]) != 4 {
			t.Fatalf("lookup %d: %v", i, v)
		}
	}
	if _, n, _ := srv.stats(); n != 1 {
		t.Fatalf("server saw %d texts, want only \"new\", once", n)
	}
	if err := e.StoreErr(); !errors.Is(err, engine.ErrReadOnly) {
		t.Fatalf("StoreErr %v, want ErrReadOnly", err)
	}
}

func TestEmbedLookupDimensionMismatch(t *testing.T) {
	srv := newEmbedServer(t, 8)
	db := openEmbedDB(t, filepath.Join(t.TempDir(), "db"), false)
	// The cache holds 4-d vectors under the name the 8-d server uses.
	if err := db.PutEmbeddings("clip", []string{"old"}, [][]float32{{1, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	e := embed.NewEmbedder(srv.provider(t, "clip"), db)
	_, err := e.Lookup(context.Background(), []string{"old", "new"})
	t.Log(err)
	if !errors.Is(err, embed.ErrDimension) || !strings.Contains(err.Error(), `model "clip" answers 8-dimensional vectors`) || !strings.Contains(err.Error(), "have 4") {
		t.Fatalf("error %v, want ErrDimension naming both dimensions", err)
	}
	// The other way round: the provider's vectors come first.
	e2 := embed.NewEmbedder(srv.provider(t, "clip"), db)
	if _, err := e2.Lookup(context.Background(), []string{"fresh"}); err != nil {
		t.Fatal(err)
	}
	_, err = e2.Lookup(context.Background(), []string{"old"})
	t.Log(err)
	if !errors.Is(err, embed.ErrDimension) || !strings.Contains(err.Error(), `cached vector of "old"`) {
		t.Fatalf("error %v, want ErrDimension naming the cached text", err)
	}
	if e2.StoreErr() == nil || !strings.Contains(e2.StoreErr().Error(), "4-dimensional vectors cached, these have 8") {
		t.Fatalf("store of 8-d vectors under a 4-d model: %v", e2.StoreErr())
	}
}

func TestEmbedImportBulkLoad(t *testing.T) {
	dir := t.TempDir()
	tp, vp := filepath.Join(dir, "texts.txt"), filepath.Join(dir, "vectors.npy")
	if err := os.WriteFile(tp, []byte("tench which is a fish\ngoldfish which is a fish\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := npy.Create(vp, npy.Float16, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteFloat32([]float32{3, 4, 0, 0, 0, 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	im, err := embed.NewImport(tp, vp, "clip-vit-b32")
	if err != nil {
		t.Fatal(err)
	}
	db := openEmbedDB(t, filepath.Join(dir, "db"), false)
	if err := db.PutEmbeddings(im.Model(), im.Texts(), im.Vectors()); err != nil {
		t.Fatal(err)
	}
	got, err := db.CachedEmbeddings("clip-vit-b32", []string{"goldfish which is a fish", "tench which is a fish"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{0, 0, 1}, {0.6, 0.8, 0}} // normalised
	for i := range want {
		for j := range want[i] {
			if d := got[i][j] - want[i][j]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("cached %v, want %v", got, want)
			}
		}
	}
}
