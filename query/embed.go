package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/embed/clip"
	"github.com/laiondb/laiondb/query/ast"
)

// embedModel is the model embed() answers with: the embed_model setting,
// else the model of a 'clip:PATH' embedder (named from its shapes), else
// the model of the txt column of the rows being read, else the one model
// of the database's vector columns.
func (s *Session) embedModel(sch value.Schema) string {
	if m := s.Setting("embed_model").S; m != "" {
		return m
	}
	if path, ok := strings.CutPrefix(s.Setting("embedder").S, "clip:"); ok {
		// A file that does not load names no model; embed() reports why.
		if enc, err := s.clipEncoder(path); err == nil {
			return enc.Model()
		}
	}
	for _, c := range sch {
		if c.Typ == value.TVector && strings.EqualFold(c.Name, "txt") && c.Model != "" {
			return c.Model
		}
	}
	return s.onlyModel()
}

// onlyModel returns the model of the database's vector columns when there
// is exactly one, else "".
func (s *Session) onlyModel() string {
	models := map[string]bool{}
	for _, t := range s.db.Tables() {
		for _, v := range t.Vectors {
			if v.Model != "" && v.Model != "unknown" {
				models[v.Model] = true
			}
		}
	}
	if len(models) == 1 {
		for m := range models {
			return m
		}
	}
	return ""
}

// modelOfDim is the model of the database's vector columns of dimension
// dim when they all have one, else "".
func (s *Session) modelOfDim(dim int) string {
	models := map[string]bool{}
	for _, t := range s.db.Tables() {
		for _, v := range t.Vectors {
			if v.Dim == dim && v.Model != "" && v.Model != "unknown" {
				models[v.Model] = true
			}
		}
	}
	if len(models) == 1 {
		for m := range models {
			return m
		}
	}
	return ""
}

// modelHint is the MODEL clause to suggest for vectors of dimension dim:
// the CLIP model LAION's embeddings of that dimension come from, never
// one of another dimension.
func modelHint(dim int) string {
	if m := engine.ModelForDim(dim); m != "" {
		return "'" + m + "'"
	}
	return "'name'"
}

func (s *Session) resetEmbedder() { s.embedders = nil }

// cacheOnly answers only from the database's embedding cache: with no
// embedder URL set, embed() uses imported embeddings.
type cacheOnly struct{ model string }

func (c cacheOnly) Model() string { return c.model }
func (c cacheOnly) Dim() int      { return 0 }
func (c cacheOnly) Embed(_ context.Context, texts []string) ([][]float32, error) {
	t := texts[0]
	if len(t) > 80 {
		t = t[:77] + "..."
	}
	return nil, fmt.Errorf("no %s embedding of %q: IMPORT EMBEDDINGS FROM 'texts', 'vectors.npy' MODEL '%s', or SET embedder = 'http://host:port/v1/embeddings'", c.model, t, c.model)
}

// embedder returns the session's Embedder for a model: the CLIP text
// encoder or the HTTP provider SET embedder names, else the cache of
// imported embeddings.
func (s *Session) embedder(model string) (*embed.Embedder, error) {
	if e, ok := s.embedders[model]; ok {
		return e, nil
	}
	var p embed.Provider = cacheOnly{model: model}
	switch url := s.Setting("embedder").S; {
	case url == "":
	case strings.HasPrefix(url, "clip:"):
		enc, err := s.clipEncoder(strings.TrimPrefix(url, "clip:"))
		if err != nil {
			return nil, err
		}
		p = enc.WithName(model)
	default:
		opts := embed.DefaultHTTPOptions().WithTimeout(time.Duration(s.Setting("embedder_timeout").F * float64(time.Second)))
		if os.Getenv(embed.KeyEnv) != "" {
			opts = opts.WithAPIKeyEnv(embed.KeyEnv)
		}
		h, err := embed.NewHTTP(url, model, opts)
		if err != nil {
			return nil, err
		}
		p = h
	}
	e := embed.NewEmbedder(p, sessionCache{s})
	if s.embedders == nil {
		s.embedders = map[string]*embed.Embedder{}
	}
	s.embedders[model] = e
	return e, nil
}

// sessionCache is the embedding cache of the session's embedders: the
// database the session is on now (so that embedders outlive UseDB). On a
// read-only database of a session with Options.DeferStores it keeps what
// it is asked to store until the session is on a writable one.
type sessionCache struct{ s *Session }

func (c sessionCache) CachedEmbeddings(model string, texts []string) ([][]float32, error) {
	return c.s.db.CachedEmbeddings(model, texts)
}

func (c sessionCache) PutEmbeddings(model string, texts []string, vecs [][]float32) error {
	s := c.s
	if !s.opts.DeferStores || !s.db.ReadOnly() {
		return s.db.PutEmbeddings(model, texts, vecs)
	}
	if s.unstored == nil {
		s.unstored = map[string]map[string][]float32{}
	}
	m := s.unstored[model]
	if m == nil {
		m = map[string][]float32{}
		s.unstored[model] = m
	}
	for i, t := range texts {
		m[t] = vecs[i]
	}
	return nil
}

// Unstored returns how many embeddings the session computed on a
// read-only database (Options.DeferStores) and has not stored yet.
func (s *Session) Unstored() int {
	n := 0
	for _, m := range s.unstored {
		n += len(m)
	}
	return n
}

// storeUnstored stores what sessionCache kept, now that the session is on
// a writable database; a failure is a warning (the vectors stay in this
// session's memory either way).
func (s *Session) storeUnstored() {
	if s.db.ReadOnly() {
		return
	}
	models := make([]string, 0, len(s.unstored))
	for m := range s.unstored {
		models = append(models, m)
	}
	sort.Strings(models)
	for _, model := range models {
		m := s.unstored[model]
		texts := make([]string, 0, len(m))
		for t := range m {
			texts = append(texts, t)
		}
		sort.Strings(texts)
		vecs := make([][]float32, len(texts))
		for i, t := range texts {
			vecs[i] = m[t]
		}
		if err := s.db.PutEmbeddings(model, texts, vecs); err != nil {
			s.warn(fmt.Sprintf("embeddings of %d texts under model %s are kept for this session only: %v", len(texts), model, err))
		}
	}
	s.unstored = nil
}

// clipEncoder returns the CLIP text encoder of the weights at path,
// loaded once and kept while the embedder names it.
func (s *Session) clipEncoder(path string) (*clip.Encoder, error) {
	if s.clip != nil && s.clip.Path() == path {
		return s.clip, nil
	}
	enc, err := clip.Load(path, clip.DefaultOptions())
	if err != nil {
		return nil, fmt.Errorf("embedder clip: %w", err)
	}
	s.clip = enc
	return enc, nil
}

// checkEmbedder checks a value of SET embedder: the empty string, an
// http(s) URL, or clip: and the path of a file.
func checkEmbedder(v value.Value) error {
	path, ok := strings.CutPrefix(v.S, "clip:")
	switch {
	case !ok:
		return nil
	case path == "":
		return fmt.Errorf("embedder 'clip:PATH' needs the path of a CLIP safetensors file, e.g. 'clip:open_clip_model.safetensors'")
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("embedder 'clip:%s': %w", path, errors.Unwrap(err))
	}
	return nil
}

// embedBatch embeds texts under model in one lookup (the provider splits
// it into its own batches) and keeps the vectors for embedText.
func (s *Session) embedBatch(ctx context.Context, model string, texts []string) error {
	e, err := s.embedder(model)
	if err != nil {
		return err
	}
	vecs, err := e.Lookup(ctx, texts)
	if err != nil {
		return err
	}
	for i, t := range texts {
		s.embeds[model+"\x00"+t] = vecs[i]
	}
	return nil
}

// embedText returns the embedding of text under model: from this
// session's memory, the database's cache, or the provider (each distinct
// text once).
func (s *Session) embedText(ctx context.Context, model, text string) ([]float32, error) {
	key := model + "\x00" + text
	if v, ok := s.embeds[key]; ok {
		return v, nil
	}
	e, err := s.embedder(model)
	if err != nil {
		return nil, err
	}
	vs, err := e.Lookup(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	if serr := e.StoreErr(); serr != nil && !s.warnedStore {
		s.warnedStore = true
		s.warn("embeddings are kept for this session only: " + serr.Error())
	}
	s.embeds[key] = vs[0]
	return vs[0], nil
}

func (s *Session) execImport(ctx context.Context, st *ast.ImportEmbeddings) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	texts, err := c.Constant(st.Texts, "the texts file")
	if err != nil {
		return nil, err
	}
	vecs, err := c.Constant(st.Vectors, "the vectors file")
	if err != nil {
		return nil, err
	}
	model := s.Setting("embed_model").S
	if st.Model != nil {
		m, err := c.Constant(st.Model, "the MODEL")
		if err != nil {
			return nil, err
		}
		model = m.S
	}
	im, err := embed.NewImportWith(texts.S, vecs.S, func(dim int) (string, error) {
		if model == "" {
			model = s.modelOfDim(dim)
		}
		if model == "" {
			return "", fmt.Errorf("a model name is needed: add MODEL %s (the model that made the vectors)", modelHint(dim))
		}
		return model, nil
	})
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "IMPORT EMBEDDINGS: %v", err)
	}
	for _, t := range s.db.Tables() {
		for _, v := range t.Vectors {
			if v.Model == model && v.Dim != im.Dim() {
				return nil, value.ErrAt(st.Pos(), "IMPORT EMBEDDINGS: %s vectors are %d-d but %s.%s (%s) is %d-d", model, im.Dim(), t.Name, v.Name, model, v.Dim)
			}
		}
	}
	stored := true
	if err := s.db.PutEmbeddings(model, im.Texts(), im.Vectors()); err != nil {
		if !errors.Is(err, engine.ErrReadOnly) {
			return nil, value.ErrAt(st.Pos(), "IMPORT EMBEDDINGS: %v", err)
		}
		stored = false
	}
	var changes int64
	if stored {
		changes = int64(im.Len())
	}
	for i, t := range im.Texts() {
		s.embeds[model+"\x00"+t] = im.Vectors()[i]
	}
	msg := fmt.Sprintf("imported %d %s embeddings (%d-d) from %s", im.Len(), model, im.Dim(), filepath.Base(vecs.S))
	if im.Transposed() {
		msg += fmt.Sprintf(" (stored as %d × %d: one column per text)", im.Dim(), im.Len())
	}
	if !stored {
		msg += " (the database is read-only: kept for this session)"
	}
	return &Result{Message: msg, Changes: changes}, nil
}
