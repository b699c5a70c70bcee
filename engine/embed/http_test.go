package embed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine/embed"
)

// rawVector is the (not normalised) vector the test servers give text.
func rawVector(text string, dim int) []float64 {
	v := make([]float64, dim)
	for j := range v {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s\x00%d", text, j)
		v[j] = float64(h.Sum64()%2000)/100 - 10
	}
	return v
}

func unit(v []float64) []float32 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x / math.Sqrt(s))
	}
	return out
}

type item struct {
	Embedding []float64 `json:"embedding"`
	Index     *int      `json:"index,omitempty"`
}

// readInput decodes a request the way an embedding server does.
func readInput(t *testing.T, r *http.Request) (texts []string, model string) {
	t.Helper()
	var req struct {
		Input []string `json:"input"`
		Model string   `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		t.Errorf("server: bad request body: %v", err)
	}
	return req.Input, req.Model
}

// answer writes the embeddings of texts, in reverse order with their
// index, as a server may.
func answer(w http.ResponseWriter, texts []string, dim int) {
	data := make([]item, len(texts))
	for i, t := range texts {
		idx := i
		data[len(texts)-1-i] = item{Embedding: rawVector(t, dim), Index: &idx}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "m"})
}

func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func fast() embed.HTTPOptions {
	return embed.DefaultHTTPOptions().WithBackoff(time.Millisecond, 20*time.Millisecond).WithTimeout(5 * time.Second)
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("text number %d which is a test", i)
	}
	return out
}

func checkVectors(t *testing.T, in []string, got [][]float32, dim int) {
	t.Helper()
	if len(got) != len(in) {
		t.Fatalf("%d vectors for %d texts", len(got), len(in))
	}
	for i, v := range got {
		want := unit(rawVector(in[i], dim))
		if len(v) != dim {
			t.Fatalf("vector %d has %d dims, want %d", i, len(v), dim)
		}
		for j := range v {
			if math.Abs(float64(v[j]-want[j])) > 1e-6 {
				t.Fatalf("vector %d (%q) component %d = %v, want %v", i, in[i], j, v[j], want[j])
			}
		}
	}
}

func TestHTTPBatchesAndOrders(t *testing.T) {
	var mu sync.Mutex
	var batches []int
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("server: %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sekrit-key" {
			t.Errorf("server: Authorization %q", got)
		}
		in, model := readInput(t, r)
		if model != "clip-test" {
			t.Errorf("server: model %q", model)
		}
		mu.Lock()
		batches = append(batches, len(in))
		mu.Unlock()
		answer(w, in, 8)
	})
	t.Setenv("LAIONDB_TEST_EMBED_KEY", "sekrit-key")
	h, err := embed.NewHTTP(srv.URL+"/v1/embeddings", "clip-test", fast().WithBatchSize(64).WithAPIKeyEnv("LAIONDB_TEST_EMBED_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Dim() != 0 || h.Model() != "clip-test" {
		t.Fatalf("before use: Dim %d Model %q", h.Dim(), h.Model())
	}
	in := texts(150)
	got, err := h.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, got, 8)
	slices.Sort(batches) // requests run concurrently
	if fmt.Sprint(batches) != "[22 64 64]" {
		t.Fatalf("batches %v, want 64, 64 and 22 texts", batches)
	}
	if h.Dim() != 8 {
		t.Fatalf("Dim after an answer = %d", h.Dim())
	}
	for i, v := range got {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Fatalf("vector %d has squared norm %v", i, s)
		}
	}
	if got, err := h.Embed(context.Background(), nil); err != nil || len(got) != 0 || len(batches) != 3 {
		t.Fatalf("no texts: %v, %v, %d requests", got, err, len(batches))
	}
}

func TestHTTPWithoutIndexUsesPosition(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		data := make([]item, len(in))
		for i, s := range in {
			data[i] = item{Embedding: rawVector(s, 4)}
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	})
	h, _ := embed.NewHTTP(srv.URL, "m", fast())
	in := texts(5)
	got, err := h.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, got, 4)
}

func TestHTTPRetries500ThenSucceeds(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		if n.Add(1) == 1 {
			http.Error(w, "warming up", http.StatusInternalServerError)
			return
		}
		answer(w, in, 4)
	})
	h, _ := embed.NewHTTP(srv.URL, "m", fast())
	in := texts(3)
	got, err := h.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, got, 4)
	if n.Load() != 2 {
		t.Fatalf("%d requests, want 2", n.Load())
	}
}

func TestHTTPHonoursRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error": {"message": "rate limited"}}`, http.StatusTooManyRequests)
			return
		}
		answer(w, in, 4)
	})
	// The backoff alone would wait milliseconds; the server asks for 1 s.
	h, _ := embed.NewHTTP(srv.URL, "m", embed.HTTPOptions{Backoff: time.Millisecond, MaxWait: 10 * time.Second})
	start := time.Now()
	if _, err := h.Embed(context.Background(), texts(2)); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("retried after %v, before the Retry-After of 1 s", waited)
	}
	if n.Load() != 2 {
		t.Fatalf("%d requests, want 2", n.Load())
	}
}

func TestHTTPCapsRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		answer(w, in, 4)
	})
	h, _ := embed.NewHTTP(srv.URL, "m", embed.HTTPOptions{Backoff: time.Millisecond, MaxWait: 30 * time.Millisecond})
	done := make(chan error, 1)
	go func() { _, err := h.Embed(context.Background(), texts(2)); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("an hour's Retry-After was not capped by MaxWait")
	}
}

func TestHTTPGivesUpOnPermanent500(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "CUDA out of memory", http.StatusInternalServerError)
	})
	h, _ := embed.NewHTTP(srv.URL+"/v1/embeddings", "m", fast().WithRetries(3))
	_, err := h.Embed(context.Background(), texts(2))
	if !errors.Is(err, embed.ErrStatus) {
		t.Fatalf("error %v, want ErrStatus", err)
	}
	t.Log(err)
	if n.Load() != 4 {
		t.Fatalf("%d requests, want 1 + 3 retries", n.Load())
	}
	for _, want := range []string{srv.URL + "/v1/embeddings", "500 Internal Server Error", "CUDA out of memory", "gave up after 4 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestHTTPDoesNotRetryClientErrors(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error": {"message": "model 'nope' not found", "type": "invalid_request_error"}}`))
	})
	h, _ := embed.NewHTTP(srv.URL, "nope", fast())
	_, err := h.Embed(context.Background(), texts(1))
	if !errors.Is(err, embed.ErrStatus) || n.Load() != 1 {
		t.Fatalf("error %v after %d requests; want ErrStatus after 1", err, n.Load())
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "model 'nope' not found") || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Fatalf("error %q does not show the status and the server's message", err)
	}
}

func TestHTTPKeyNeverInErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad key", http.StatusUnauthorized)
	})
	t.Setenv("LAIONDB_TEST_EMBED_KEY", "sk-do-not-print")
	h, err := embed.NewHTTP(srv.URL, "m", fast().WithAPIKeyEnv("LAIONDB_TEST_EMBED_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Embed(context.Background(), texts(1))
	if err == nil || strings.Contains(err.Error(), "sk-do-not-print") || !strings.Contains(err.Error(), "API key") {
		t.Fatalf("error %v", err)
	}
}

func TestHTTPTimeout(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		readInput(t, r) // the server notices the client leaving once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	h, _ := embed.NewHTTP(srv.URL, "m", fast().WithTimeout(100*time.Millisecond))
	_, err := h.Embed(context.Background(), texts(3))
	if !errors.Is(err, embed.ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "within 100ms") || n.Load() != 1 {
		t.Fatalf("error %q after %d requests", err, n.Load())
	}
}

func TestHTTPWrongDimension(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		switch n.Add(1) {
		case 1:
			answer(w, in, 8)
		case 2:
			answer(w, in, 7) // another model behind the same URL
		default: // inconsistent within one answer
			data := []item{{Embedding: rawVector(in[0], 8)}, {Embedding: rawVector(in[1], 9)}}
			json.NewEncoder(w).Encode(map[string]any{"data": data})
		}
	})
	h, _ := embed.NewHTTP(srv.URL, "m", fast())
	if _, err := h.Embed(context.Background(), texts(2)); err != nil {
		t.Fatal(err)
	}
	_, err := h.Embed(context.Background(), texts(2))
	t.Log(err)
	if !errors.Is(err, embed.ErrDimension) || !strings.Contains(err.Error(), "7-dimensional") || !strings.Contains(err.Error(), "say 8") {
		t.Fatalf("second answer: %v", err)
	}
	_, err = h.Embed(context.Background(), texts(2))
	if !errors.Is(err, embed.ErrDimension) || !strings.Contains(err.Error(), "9 dimensions") {
		t.Fatalf("third answer: %v", err)
	}

	h2, _ := embed.NewHTTP(srv.URL, "m", fast().WithDim(512))
	n.Store(0)
	_, err = h2.Embed(context.Background(), texts(2))
	if !errors.Is(err, embed.ErrDimension) || !strings.Contains(err.Error(), "configured dimension") {
		t.Fatalf("configured 512: %v", err)
	}
}

func TestHTTPWrongCount(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		answer(w, in[:len(in)-1], 4)
	})
	h, _ := embed.NewHTTP(srv.URL, "m", fast())
	_, err := h.Embed(context.Background(), texts(4))
	if !errors.Is(err, embed.ErrBadResponse) || !strings.Contains(err.Error(), "3 embeddings for 4 texts") {
		t.Fatalf("error %v", err)
	}
}

func TestHTTPBadBodies(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"html", "<html><body>Welcome to nginx!</body></html>", `not JSON (Content-Type "text/html`},
		{"nan", `{"data": [{"embedding": [0.1, NaN, 0.3], "index": 0}]}`, "NaN or Infinity"},
		{"zero", `{"data": [{"embedding": [0, 0, 0], "index": 0}]}`, "zero vector"},
		{"overflow", `{"data": [{"embedding": [1e300, 0, 0], "index": 0}]}`, "outside the float32 range"},
		{"no data", `{"error": "model is loading"}`, "model is loading"},
		{"bad index", `{"data": [{"embedding": [1, 0, 0], "index": 5}]}`, "index 5"},
		{"strings", `{"data": [{"embedding": "AAAA", "index": 0}]}`, "not in the /v1/embeddings shape"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if c.name == "html" {
					w.Header().Set("Content-Type", "text/html")
				}
				w.Write([]byte(c.body))
			})
			h, _ := embed.NewHTTP(srv.URL, "m", fast())
			_, err := h.Embed(context.Background(), []string{"goldfish"})
			t.Log(err)
			if !errors.Is(err, embed.ErrBadResponse) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrBadResponse saying %q", err, c.want)
			}
			if c.name == "html" && !strings.Contains(err.Error(), "Welcome to nginx") {
				t.Fatalf("error %q does not show the answer's first bytes", err)
			}
		})
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/v1/embeddings"
	ln.Close()
	h, _ := embed.NewHTTP(url, "m", fast())
	_, err = h.Embed(context.Background(), texts(1))
	want := "no embedding server at " + url + ": connection refused; start it or SET embedder to another URL"
	if !errors.Is(err, embed.ErrNoServer) || err.Error() != want {
		t.Fatalf("error %q\nwant %q", err, want)
	}
}

func TestHTTPRetriesConnectionReset(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		in, _ := readInput(t, r)
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close() // dies before answering
			return
		}
		answer(w, in, 4)
	})
	h, _ := embed.NewHTTP(srv.URL, "m", fast())
	in := texts(2)
	got, err := h.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, got, 4)
	if n.Load() != 2 {
		t.Fatalf("%d requests, want 2", n.Load())
	}
}

func TestHTTPCancelDuringRetryWait(t *testing.T) {
	first := make(chan struct{}, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		select {
		case first <- struct{}{}:
		default:
		}
	})
	h, _ := embed.NewHTTP(srv.URL, "m", embed.HTTPOptions{MaxWait: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-first; time.Sleep(20 * time.Millisecond); cancel() }()
	done := make(chan error, 1)
	go func() { _, err := h.Embed(ctx, texts(1)); done <- err }()
	select {
	case err := <-done:
		t.Log(err)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, embed.ErrStatus) || !strings.Contains(err.Error(), "cancelled while waiting to retry") {
			t.Fatalf("error %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cancellation did not end the wait for a retry")
	}
}

func TestNewHTTPRejects(t *testing.T) {
	cases := []struct{ url, model, env, want string }{
		{"ftp://127.0.0.1/v1/embeddings", "m", "", "only http:// and https://"},
		{"127.0.0.1:8000/v1/embeddings", "m", "", "only http:// and https://"},
		{"http:///v1/embeddings", "m", "", "no host"},
		{"http://127.0.0.1:8000/v1/embeddings", "", "", "model name is required"},
		{"http://127.0.0.1:8000/v1/embeddings", "m", "LAIONDB_TEST_UNSET_KEY", "LAIONDB_TEST_UNSET_KEY"},
	}
	for _, c := range cases {
		_, err := embed.NewHTTP(c.url, c.model, embed.HTTPOptions{APIKeyEnv: c.env})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewHTTP(%q, %q): %v, want an error saying %q", c.url, c.model, err, c.want)
		}
	}
}

// TestHTTPRequestsInFlight: the batches of one call go out a few at a
// time, never more than Concurrency, and the answers land in order.
func TestHTTPRequestsInFlight(t *testing.T) {
	var inFlight, most, requests atomic.Int64
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		// The first requests wait until three are in flight at once, so
		// the test sees the concurrency without timing anything.
		if requests.Add(1) <= 3 {
			if n == 3 {
				close(release)
			}
			<-release
		}
		in, _ := readInput(t, r)
		answer(w, in, 4)
	})
	h, err := embed.NewHTTP(srv.URL, "m", fast().WithBatchSize(10).WithConcurrency(3))
	if err != nil {
		t.Fatal(err)
	}
	in := texts(95)
	got, err := h.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, got, 4)
	if requests.Load() != 10 || most.Load() != 3 {
		t.Fatalf("%d requests, at most %d in flight; want 10 and 3", requests.Load(), most.Load())
	}
}

// TestHTTPFirstFailureStopsTheRest: a batch the server refuses fails the
// call with that error, and the batches not yet sent are not sent.
func TestHTTPFirstFailureStopsTheRest(t *testing.T) {
	var requests atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		in, _ := readInput(t, r)
		if slices.Contains(in, "text number 0 which is a test") {
			http.Error(w, `{"error": {"message": "model not loaded"}}`, http.StatusBadRequest)
			return
		}
		answer(w, in, 4)
	})
	h, err := embed.NewHTTP(srv.URL, "m", fast().WithBatchSize(10).WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Embed(context.Background(), texts(100))
	if !errors.Is(err, embed.ErrStatus) || !strings.Contains(err.Error(), "model not loaded") {
		t.Fatalf("error %v", err)
	}
	if requests.Load() != 1 {
		t.Fatalf("%d requests after the first failed", requests.Load())
	}
}
