package query

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/query/ast"
)

// embedModel is the model embed() answers with: the embed_model setting,
// else the model of the txt column of the rows being read, else the one
// model of the database's vector columns.
func (s *Session) embedModel(sch value.Schema) string {
	if m := s.Setting("embed_model").S; m != "" {
		return m
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

// embedder returns the session's Embedder for a model: the HTTP provider
// when SET embedder is given, else the cache of imported embeddings.
func (s *Session) embedder(model string) (*embed.Embedder, error) {
	if e, ok := s.embedders[model]; ok {
		return e, nil
	}
	var p embed.Provider = cacheOnly{model: model}
	if url := s.Setting("embedder").S; url != "" {
		h, err := embed.NewHTTP(url, model, embed.DefaultHTTPOptions())
		if err != nil {
			return nil, err
		}
		p = h
	}
	e := embed.NewEmbedder(p, s.db)
	if s.embedders == nil {
		s.embedders = map[string]*embed.Embedder{}
	}
	s.embedders[model] = e
	return e, nil
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
	if model == "" {
		model = s.onlyModel()
	}
	if model == "" {
		return nil, value.ErrAt(st.Pos(), "IMPORT EMBEDDINGS needs a model name: add MODEL 'clip-vit-b32' (the model that made the vectors)")
	}
	im, err := embed.NewImport(texts.S, vecs.S, model)
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
	if !stored {
		msg += " (the database is read-only: kept for this session)"
	}
	return &Result{Message: msg, Changes: changes}, nil
}
