package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// HTTPOptions configures an HTTP provider. Zero fields take the defaults
// of DefaultHTTPOptions, so HTTPOptions{} is usable as it is.
type HTTPOptions struct {
	// BatchSize is the most texts sent in one request (default 64).
	BatchSize int
	// Concurrency is the most requests in flight at once (default 4):
	// enough to keep a server's batches coming while one is computed,
	// few enough not to flood it.
	Concurrency int
	// Timeout bounds one request, from sending it to reading the whole
	// answer (default 30 s). A timed-out request is not retried: the server
	// is overloaded or the batch too large, and retrying would multiply
	// the wait.
	Timeout time.Duration
	// Retries is how many times a request is repeated after an HTTP 408,
	// 429 or 5xx answer (except 501) or a connection reset (default 4;
	// negative: never). Other failures are not retried.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each
	// further retry and is jittered down by up to half (default 500 ms).
	Backoff time.Duration
	// MaxWait caps one wait between attempts, including a server's
	// Retry-After (default 20 s).
	MaxWait time.Duration
	// APIKeyEnv names an environment variable whose value is sent as
	// "Authorization: Bearer <value>" (laiondb's sessions use KeyEnv when
	// it is set); empty sends none. The key is read
	// once, by NewHTTP, and never appears in errors.
	APIKeyEnv string
	// Dim is the dimension the vectors must have; 0 accepts the dimension
	// of the first answer and holds later answers to it.
	Dim int
}

// KeyEnv is the environment variable laiondb reads the embedding
// server's API key from.
const KeyEnv = "LAIONDB_EMBEDDER_KEY"

// DefaultHTTPOptions returns the default options.
func DefaultHTTPOptions() HTTPOptions {
	return HTTPOptions{BatchSize: 64, Concurrency: 4, Timeout: 30 * time.Second, Retries: 4,
		Backoff: 500 * time.Millisecond, MaxWait: 20 * time.Second}
}

// WithBatchSize returns o with BatchSize set.
func (o HTTPOptions) WithBatchSize(n int) HTTPOptions { o.BatchSize = n; return o }

// WithConcurrency returns o with the most requests in flight set.
func (o HTTPOptions) WithConcurrency(n int) HTTPOptions { o.Concurrency = n; return o }

// WithTimeout returns o with the per-request Timeout set.
func (o HTTPOptions) WithTimeout(d time.Duration) HTTPOptions { o.Timeout = d; return o }

// WithRetries returns o with Retries set (negative: never retry).
func (o HTTPOptions) WithRetries(n int) HTTPOptions { o.Retries = n; return o }

// WithBackoff returns o with the first retry wait and the cap of one wait.
func (o HTTPOptions) WithBackoff(first, max time.Duration) HTTPOptions {
	o.Backoff, o.MaxWait = first, max
	return o
}

// WithAPIKeyEnv returns o sending the value of environment variable name
// as a bearer token.
func (o HTTPOptions) WithAPIKeyEnv(name string) HTTPOptions { o.APIKeyEnv = name; return o }

// WithDim returns o requiring vectors of dimension d.
func (o HTTPOptions) WithDim(d int) HTTPOptions { o.Dim = d; return o }

func (o HTTPOptions) withDefaults() HTTPOptions {
	d := DefaultHTTPOptions()
	if o.BatchSize <= 0 {
		o.BatchSize = d.BatchSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = d.Concurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.Retries == 0 {
		o.Retries = d.Retries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = d.Backoff
	}
	if o.MaxWait <= 0 {
		o.MaxWait = d.MaxWait
	}
	return o
}

// maxAnswer bounds the bytes read from one answer.
const maxAnswer = 256 << 20

// HTTP is a Provider that asks an embedding server speaking the common
// /v1/embeddings JSON shape: it POSTs {"input": [texts], "model": model}
// and reads {"data": [{"embedding": [...], "index": i}, ...]}, placing
// each vector by its index (by its position when index is absent). Texts
// are sent in batches of BatchSize. The vectors are checked (count, one
// dimension, finite, non-zero) and normalised to unit length, whatever the
// server does. An HTTP provider is safe for concurrent use.
type HTTP struct {
	url    string // as given, for requests
	shown  string // without credentials or query, for messages
	model  string
	opts   HTTPOptions
	apiKey string
	client *http.Client

	mu  sync.Mutex
	dim int
}

// NewHTTP returns a provider for the embedding server at rawURL (http or
// https) answering for model.
func NewHTTP(rawURL, model string, opts HTTPOptions) (*HTTP, error) {
	const example = "e.g. http://127.0.0.1:8000/v1/embeddings"
	if !strings.HasPrefix(rawURL, "http://") && !strings.HasPrefix(rawURL, "https://") {
		return nil, fmt.Errorf("embedder URL %q: only http:// and https:// URLs are supported, %s", rawURL, example)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("embedder URL %q (%s): %w", rawURL, example, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("embedder URL %q: only http:// and https:// URLs are supported, %s", rawURL, example)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("embedder URL %q has no host, %s", rawURL, example)
	}
	if model == "" {
		return nil, fmt.Errorf("embedder %s: a model name is required: it is sent to the server and keys the cache", rawURL)
	}
	opts = opts.withDefaults()
	h := &HTTP{url: rawURL, model: model, opts: opts, client: &http.Client{}, dim: opts.Dim}
	shown := *u
	shown.User, shown.RawQuery, shown.Fragment = nil, "", ""
	h.shown = shown.String()
	if opts.APIKeyEnv != "" {
		h.apiKey = os.Getenv(opts.APIKeyEnv)
		if h.apiKey == "" {
			return nil, fmt.Errorf("embedder %s: environment variable %s, named for the API key, is empty or unset", h.shown, opts.APIKeyEnv)
		}
	}
	return h, nil
}

// Model returns the model name sent to the server.
func (h *HTTP) Model() string { return h.model }

// Dim returns the vectors' dimension: HTTPOptions.Dim, else that of the
// first answer, 0 before it.
func (h *HTTP) Dim() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dim
}

// URL returns the server's URL without credentials or query.
func (h *HTTP) URL() string { return h.shown }

// Embed asks the server for the vectors of texts, BatchSize texts a
// request, up to Concurrency requests at a time. The first failure
// cancels the requests still running and is the error returned.
func (h *HTTP) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	batches := (len(texts) + h.opts.BatchSize - 1) / h.opts.BatchSize
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range min(h.opts.Concurrency, batches) {
		wg.Go(func() {
			for {
				b := int(next.Add(1) - 1)
				if b >= batches || ctx.Err() != nil {
					return
				}
				start := b * h.opts.BatchSize
				batch := texts[start:min(start+h.opts.BatchSize, len(texts))]
				vecs, err := h.embedBatch(ctx, batch)
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				copy(out[start:], vecs)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

type embedRequest struct {
	Input []string `json:"input"`
	Model string   `json:"model"`
}

type embedResponse struct {
	Data []struct {
		Embedding []float64 `json:"embedding"`
		Index     *int      `json:"index"`
	} `json:"data"`
	Error json.RawMessage `json:"error"`
}

// attemptError is the outcome of one failed attempt.
type attemptError struct {
	err   error
	retry bool
	wait  time.Duration // the server's Retry-After, 0 when absent
}

func (h *HTTP) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(embedRequest{Input: texts, Model: h.model})
	if err != nil {
		return nil, fmt.Errorf("embedder %s: encoding the request: %w", h.shown, err)
	}
	for attempt := 0; ; attempt++ {
		vecs, ae := h.attempt(ctx, body, texts)
		if ae == nil {
			return vecs, nil
		}
		if !ae.retry || attempt >= h.opts.Retries {
			if attempt > 0 && ae.retry {
				return nil, fail(fmt.Sprintf("%v (gave up after %d attempts)", ae.err, attempt+1), ae.err)
			}
			return nil, ae.err
		}
		wait := h.opts.Backoff
		for i := 0; i < attempt && wait < h.opts.MaxWait; i++ {
			wait *= 2
		}
		wait = wait/2 + rand.N(wait/2+1)
		if ae.wait > 0 {
			wait = ae.wait
		}
		wait = min(wait, h.opts.MaxWait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fail(fmt.Sprintf("embedding cancelled while waiting to retry %s after: %v", h.shown, ae.err), ctx.Err(), ae.err)
		case <-t.C:
		}
	}
}

// attempt sends one request and checks its answer.
func (h *HTTP) attempt(ctx context.Context, body []byte, texts []string) ([][]float32, *attemptError) {
	actx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("embedder %s: %w", h.shown, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if h.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.apiKey)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, h.transportError(ctx, actx, err, len(texts))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, h.transportError(ctx, actx, err, len(texts))
	}
	if len(data) > maxAnswer {
		return nil, &attemptError{err: fail(fmt.Sprintf("%v: the answer of %s is larger than %d MiB; lower the batch size", ErrBadResponse, h.shown, maxAnswer>>20), ErrBadResponse)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, h.statusError(resp, data)
	}
	vecs, err := h.decode(data, resp.Header.Get("Content-Type"), texts)
	if err != nil {
		return nil, &attemptError{err: err}
	}
	return vecs, nil
}

// transportError classifies a failure to get an answer at all.
func (h *HTTP) transportError(ctx, actx context.Context, err error, n int) *attemptError {
	var dns *net.DNSError
	switch {
	case ctx.Err() != nil:
		return &attemptError{err: fail(fmt.Sprintf("embedding request to %s cancelled", h.shown), ctx.Err(), err)}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		return &attemptError{err: fail(fmt.Sprintf("%v: no answer from %s within %v for a batch of %d texts; raise the timeout or lower the batch size", ErrTimeout, h.shown, h.opts.Timeout, n), ErrTimeout, err)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &attemptError{err: fail(fmt.Sprintf("%v at %s: connection refused; start it or SET embedder to another URL", ErrNoServer, h.shown), ErrNoServer, err)}
	case errors.As(err, &dns):
		return &attemptError{err: fail(fmt.Sprintf("%v at %s: host %q not found; check the URL or SET embedder to another URL", ErrNoServer, h.shown, dns.Name), ErrNoServer, err)}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &attemptError{retry: true, err: fail(fmt.Sprintf("%v: %s closed the connection before answering", ErrConnection, h.shown), ErrConnection, err)}
	}
	return &attemptError{err: fmt.Errorf("embedding request to %s failed: %w", h.shown, err)}
}

// statusError describes a non-2xx answer and whether to retry it.
func (h *HTTP) statusError(resp *http.Response, body []byte) *attemptError {
	code := resp.StatusCode
	hint := ""
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = "; check the API key (its environment variable is set with the embedder)"
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		hint = "; check the URL's path (usually /v1/embeddings)"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		hint = fmt.Sprintf("; check the model name %q", h.model)
	case http.StatusRequestEntityTooLarge:
		hint = "; lower the batch size"
	}
	msg := fmt.Sprintf("%v: %s answered %s", ErrStatus, h.shown, resp.Status)
	if ex := bodyExcerpt(body); ex != "" {
		msg += ": " + ex
	}
	retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests ||
		(code >= 500 && code != http.StatusNotImplemented)
	return &attemptError{err: fail(msg+hint, ErrStatus), retry: retry, wait: retryAfter(resp.Header.Get("Retry-After"))}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 1<<20)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// bodyExcerpt returns the message of a JSON error answer, else the first
// bytes of the answer.
func bodyExcerpt(body []byte) string {
	var e struct {
		Error  json.RawMessage `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil {
		if m := errorMessage(e.Error); m != "" {
			return m
		}
		if m := errorMessage(e.Detail); m != "" {
			return m
		}
	}
	s := strings.TrimSpace(string(body))
	if s == "" {
		return ""
	}
	return excerpt(s, 200)
}

// errorMessage reads "msg" or {"message": "msg"} from a JSON error field.
func errorMessage(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Message
	}
	return ""
}

var nonFinite = regexp.MustCompile(`[\[,:]\s*-?(NaN|Infinity)\b`)

// decode checks a 2xx answer and returns its vectors, unit-normalised, in
// the order of texts.
func (h *HTTP) decode(data []byte, ctype string, texts []string) ([][]float32, error) {
	bad := func(format string, args ...any) error {
		return fail(fmt.Sprintf("%v from %s: ", ErrBadResponse, h.shown)+fmt.Sprintf(format, args...), ErrBadResponse)
	}
	var r embedResponse
	if err := json.Unmarshal(data, &r); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se) && nonFinite.Match(data):
			return nil, bad("an embedding holds NaN or Infinity (not valid JSON): the model failed on one of the texts")
		case errors.As(err, &se):
			return nil, fail(fmt.Sprintf("%v from %s: the answer is not JSON (Content-Type %q): %s; is the URL an embeddings endpoint?",
				ErrBadResponse, h.shown, ctype, excerpt(string(data), 120)), ErrBadResponse, err)
		default:
			return nil, fail(fmt.Sprintf("%v from %s: the answer is not in the /v1/embeddings shape: %v", ErrBadResponse, h.shown, err), ErrBadResponse, err)
		}
	}
	if r.Data == nil {
		if m := errorMessage(r.Error); m != "" {
			return nil, bad("no \"data\" in the answer; the server says: %s", m)
		}
		return nil, bad("no \"data\" list in the answer: %s", excerpt(string(data), 120))
	}
	if len(r.Data) != len(texts) {
		return nil, bad("%d embeddings for %d texts", len(r.Data), len(texts))
	}
	out := make([][]float32, len(texts))
	dim, first := 0, 0
	for pos, d := range r.Data {
		i := pos
		if d.Index != nil {
			i = *d.Index
		}
		if i < 0 || i >= len(texts) {
			return nil, bad("embedding %d has index %d, outside 0..%d", pos, i, len(texts)-1)
		}
		if out[i] != nil {
			return nil, bad("two embeddings have index %d", i)
		}
		if len(d.Embedding) == 0 {
			return nil, bad("embedding %d (text %s) is empty", i, excerpt(texts[i], 60))
		}
		if dim == 0 {
			dim, first = len(d.Embedding), i
		} else if len(d.Embedding) != dim {
			return nil, fail(fmt.Sprintf("%v from %s: embedding %d has %d dimensions, embedding %d has %d",
				ErrDimension, h.shown, i, len(d.Embedding), first, dim), ErrDimension, ErrBadResponse)
		}
		v := make([]float32, dim)
		for j, x := range d.Embedding {
			if math.Abs(x) > math.MaxFloat32 {
				return nil, bad("embedding %d (text %s): component %d (%g) is outside the float32 range", i, excerpt(texts[i], 60), j, x)
			}
			v[j] = float32(x)
		}
		if err := normalize(v); err != nil {
			return nil, bad("embedding %d (text %s): %v", i, excerpt(texts[i], 60), err)
		}
		out[i] = v
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dim == 0 {
		h.dim = dim
	} else if h.dim != dim {
		was := "earlier answers"
		if h.opts.Dim != 0 {
			was = "the configured dimension"
		}
		return nil, fail(fmt.Sprintf("%v from %s: %d-dimensional vectors for model %q, but %s say %d; is the server running another model?",
			ErrDimension, h.shown, dim, h.model, was, h.dim), ErrDimension, ErrBadResponse)
	}
	return out, nil
}
