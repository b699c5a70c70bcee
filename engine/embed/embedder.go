package embed

import (
	"context"
	"fmt"
	"sync"
)

// Cache keeps vectors by (model, text) across sessions. *engine.DB
// implements it; it is declared here so that this package need not import
// the engine.
type Cache interface {
	// CachedEmbeddings returns the cached vectors of texts under model,
	// nil where a text has none.
	CachedEmbeddings(model string, texts []string) ([][]float32, error)
	// PutEmbeddings stores vecs[i] as the vector of texts[i] under model.
	PutEmbeddings(model string, texts []string, vecs [][]float32) error
}

// embedChunk is how many missing texts are sent to the provider at a
// time; each chunk is stored before the next is asked for, so an error
// late in a long lookup loses little.
const embedChunk = 512

// Embedder answers embedding lookups from, in order, its memory, the cache
// and the provider, so that each distinct text is embedded once: misses of
// one Lookup are sent to the provider together, up to 512 at a time (the
// provider batches them further), and stored in the cache chunk by chunk. All vectors of the provider's model must
// have one dimension, whichever source they come from; a cached vector of
// another dimension is an ErrDimension error.
//
// A failure to store (a read-only database) does not fail lookups: the
// vectors are kept in memory for the Embedder's lifetime, no further
// stores are tried, and StoreErr reports the failure. An Embedder is safe
// for concurrent use; concurrent lookups that miss are served one after
// the other so that no text is embedded twice.
type Embedder struct {
	p Provider
	c Cache

	fill sync.Mutex // held while misses are filled

	mu       sync.RWMutex
	memo     map[string][]float32
	dim      int
	storeErr error
	stats    EmbedderStats
}

// EmbedderStats counts where an Embedder's vectors came from.
type EmbedderStats struct {
	Cached   int // distinct texts read from the cache
	Embedded int // distinct texts sent to the provider
	Calls    int // calls of the provider's Embed
}

// NewEmbedder returns an Embedder over p and c; c may be nil (memory only).
func NewEmbedder(p Provider, c Cache) *Embedder {
	return &Embedder{p: p, c: c, memo: map[string][]float32{}, dim: p.Dim()}
}

// Model returns the provider's model name.
func (e *Embedder) Model() string { return e.p.Model() }

// Dim returns the dimension of the vectors, 0 before the first is known.
func (e *Embedder) Dim() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.dim
}

// Stats returns the counts so far.
func (e *Embedder) Stats() EmbedderStats {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.stats
}

// StoreErr returns the error of the first failed store into the cache, nil
// when none failed.
func (e *Embedder) StoreErr() error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.storeErr
}

// Lookup returns one unit vector per text, in order. The vectors are
// shared with the Embedder: callers must not modify them.
func (e *Embedder) Lookup(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	if e.fromMemo(texts, out) {
		return out, nil
	}
	e.fill.Lock()
	defer e.fill.Unlock()
	if e.fromMemo(texts, out) {
		return out, nil
	}
	model := e.p.Model()
	var misses []string
	seen := map[string]bool{}
	for i, v := range out {
		if v == nil && !seen[texts[i]] {
			seen[texts[i]] = true
			misses = append(misses, texts[i])
		}
	}
	found := make(map[string][]float32, len(misses))
	if e.c != nil {
		cached, err := e.c.CachedEmbeddings(model, misses)
		if err != nil {
			return nil, fmt.Errorf("embedding cache, model %q: %w", model, err)
		}
		if len(cached) != len(misses) {
			return nil, fmt.Errorf("embedding cache, model %q: %d answers for %d texts", model, len(cached), len(misses))
		}
		for i, v := range cached {
			if v == nil {
				continue
			}
			if err := e.checkDim(len(v), func() string {
				return fmt.Sprintf("the cached vector of %s under model %q has %d dimensions", excerpt(misses[i], 60), model, len(v))
			}); err != nil {
				return nil, err
			}
			found[misses[i]] = v
		}
	}
	var todo []string
	for _, t := range misses {
		if found[t] == nil {
			todo = append(todo, t)
		}
	}
	e.remember(found, len(found), 0, nil)
	for start := 0; start < len(todo); start += embedChunk {
		chunk := todo[start:min(start+embedChunk, len(todo))]
		vecs, err := e.p.Embed(ctx, chunk)
		if err != nil {
			return nil, err
		}
		if len(vecs) != len(chunk) {
			return nil, fmt.Errorf("%w: embedder for model %q returned %d vectors for %d texts", ErrBadResponse, model, len(vecs), len(chunk))
		}
		got := make(map[string][]float32, len(chunk))
		for i, v := range vecs {
			if err := e.checkDim(len(v), func() string {
				return fmt.Sprintf("model %q answers %d-dimensional vectors (for %s)", model, len(v), excerpt(chunk[i], 60))
			}); err != nil {
				return nil, err
			}
			got[chunk[i]] = v
			found[chunk[i]] = v
		}
		e.remember(got, 0, len(chunk), nil)
		if e.c != nil && e.StoreErr() == nil {
			if err := e.c.PutEmbeddings(model, chunk, vecs); err != nil {
				e.remember(nil, 0, 0, fmt.Errorf("embedding cache, model %q: vectors kept in memory only: %w", model, err))
			}
		}
	}
	for i, v := range out {
		if v == nil {
			out[i] = found[texts[i]]
		}
	}
	return out, nil
}

// remember adds vectors to memory and counts them; a non-nil storeErr is
// kept if it is the first.
func (e *Embedder) remember(vecs map[string][]float32, cached, embedded int, storeErr error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for t, v := range vecs {
		e.memo[t] = v
	}
	e.stats.Cached += cached
	e.stats.Embedded += embedded
	if embedded > 0 {
		e.stats.Calls++
	}
	if e.storeErr == nil {
		e.storeErr = storeErr
	}
}

// fromMemo fills out from memory and reports whether every text was there.
func (e *Embedder) fromMemo(texts []string, out [][]float32) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	all := true
	for i, t := range texts {
		if out[i] != nil {
			continue
		}
		if v, ok := e.memo[t]; ok {
			out[i] = v
		} else {
			all = false
		}
	}
	return all
}

// checkDim holds every vector to the first dimension seen; what describes
// the offending vector for the error.
func (e *Embedder) checkDim(d int, what func() string) error {
	pd := e.p.Dim()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dim == 0 {
		e.dim = pd
	}
	if e.dim == 0 {
		e.dim = d
		return nil
	}
	if d != e.dim {
		return fmt.Errorf("%w: %s, but other vectors of that model have %d; one model name is used for two encoders: give one of them another name",
			ErrDimension, what(), e.dim)
	}
	return nil
}
