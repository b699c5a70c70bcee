package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/embed/clip"
	"github.com/laiondb/laiondb/query/ast"
)

// embedModel is the model embed() answers with: the embed_model setting,
// else the model of a 'clip:PATH' embedder (named from its shapes), else
// the model of the txt column of the rows being read, else the one model
// of the database's vector columns.
func (s *Session) embedModel(sch schema) string {
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
		if c.typ == tVector && strings.EqualFold(c.name, "txt") && c.model != "" {
			return c.model
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
	e := embed.NewEmbedder(p, s.db)
	if s.embedders == nil {
		s.embedders = map[string]*embed.Embedder{}
	}
	s.embedders[model] = e
	return e, nil
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
func checkEmbedder(v Value) error {
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

// embedExpr is embed(text) bound to the model it answers with.
type embedExpr struct {
	arg   expr
	model string
}

func (e *embedExpr) eval(ec *evalCtx, row Row) (Value, error) {
	v, err := e.arg.eval(ec, row)
	if err != nil || v.T == tNull {
		return Value{}, err
	}
	if c := ec.sess.collect; c != nil && c.exprs[e] {
		return c.collect(ec.sess, e.model, asText(v)), nil
	}
	vec, err := ec.sess.embedText(ec.ctx, e.model, asText(v))
	if err != nil {
		return Value{}, err
	}
	return vectorV(vec), nil
}
func (e *embedExpr) typ() Type      { return tVector }
func (e *embedExpr) String() string { return "embed(" + e.arg.String() + ")" }

// compileEmbed binds embed(text) to its model.
func (c *compiler) compileEmbed(x *ast.Call) (expr, error) {
	if len(x.Args) != 1 || x.Star || x.Distinct {
		return nil, errAt(x.Pos(), "embed takes one text argument: embed('a photo of a dog')")
	}
	arg, err := c.compile(x.Args[0])
	if err != nil {
		return nil, err
	}
	if !typeFits(arg.typ(), tString) {
		return nil, errAt(x.Args[0].Pos(), "embed takes text, not %s", typeName(arg.typ()))
	}
	model := c.sess.embedModel(c.sch)
	if model == "" {
		return nil, errAt(x.Pos(), "embed: which model? SET embed_model = 'clip-vit-b32' (the model of the vectors you compare with)")
	}
	return &embedExpr{arg: arg, model: model}, nil
}

func (s *Session) execImport(ctx context.Context, st *ast.ImportEmbeddings) (*Result, error) {
	c := &compiler{sess: s, ctx: ctx}
	texts, err := c.constant(st.Texts, "the texts file")
	if err != nil {
		return nil, err
	}
	vecs, err := c.constant(st.Vectors, "the vectors file")
	if err != nil {
		return nil, err
	}
	model := s.Setting("embed_model").S
	if st.Model != nil {
		m, err := c.constant(st.Model, "the MODEL")
		if err != nil {
			return nil, err
		}
		model = m.S
	}
	if model == "" {
		model = s.onlyModel()
	}
	if model == "" {
		return nil, errAt(st.Pos(), "IMPORT EMBEDDINGS needs a model name: add MODEL 'clip-vit-b32' (the model that made the vectors)")
	}
	im, err := embed.NewImport(texts.S, vecs.S, model)
	if err != nil {
		return nil, errAt(st.Pos(), "IMPORT EMBEDDINGS: %v", err)
	}
	for _, t := range s.db.Tables() {
		for _, v := range t.Vectors {
			if v.Model == model && v.Dim != im.Dim() {
				return nil, errAt(st.Pos(), "IMPORT EMBEDDINGS: %s vectors are %d-d but %s.%s (%s) is %d-d", model, im.Dim(), t.Name, v.Name, model, v.Dim)
			}
		}
	}
	stored := true
	if err := s.db.PutEmbeddings(model, im.Texts(), im.Vectors()); err != nil {
		if !errors.Is(err, engine.ErrReadOnly) {
			return nil, errAt(st.Pos(), "IMPORT EMBEDDINGS: %v", err)
		}
		stored = false
	}
	for i, t := range im.Texts() {
		s.embeds[model+"\x00"+t] = im.Vectors()[i]
	}
	msg := fmt.Sprintf("imported %d %s embeddings (%d-d) from %s", im.Len(), model, im.Dim(), filepath.Base(vecs.S))
	if !stored {
		msg += " (the database is read-only: kept for this session)"
	}
	return &Result{Message: msg}, nil
}

// Batching embed() across rows. A filter such as
// cos(txt, embed(synset_text(synset))) > 0.82 is evaluated row by row,
// which would ask the provider for one text at a time. Before a plan
// runs, each scan whose rows embed() reads is walked once in a dry run
// that evaluates the scan's filter (and the expressions of the operator
// right above it) with the calls of embed() collecting their texts instead
// of embedding them; the distinct texts then go to the provider in one
// lookup (split into batches of 64 by the HTTP provider, run in batches by
// the CLIP encoder), and the real run finds every vector in memory.
//
// The dry run is skipped where it would cost more than it saves: with no
// embedder set (imported embeddings are only looked up), when no call's
// text depends on the row (embed('a red fox') is one lookup anyway), and
// under a LIMIT that may stop the scan early (those rows are embedded as
// they come).

// embedCollector is the state of a dry run.
type embedCollector struct {
	exprs  map[*embedExpr]bool // the calls that collect
	texts  map[string][]string // model → distinct texts, in order of first use
	seen   map[string]bool     // model + "\x00" + text
	missed bool                // a collecting call had no vector yet
}

// collect returns the vector of text when this session has it, else
// records the text and returns NULL.
func (c *embedCollector) collect(s *Session, model, text string) Value {
	key := model + "\x00" + text
	if v, ok := s.embeds[key]; ok {
		return vectorV(v)
	}
	c.missed = true
	if !c.seen[key] {
		c.seen[key] = true
		c.texts[model] = append(c.texts[model], text)
	}
	return Value{}
}

// scanEmbeds is a scan whose rows embed() reads: in its filter, or in
// the expressions of the operator above it.
type scanEmbeds struct {
	scan  *scanNode
	above []expr
}

// prefetchEmbeds embeds, before p runs, the distinct texts its scans will
// ask embed() for.
func (s *Session) prefetchEmbeds(ec *evalCtx, p planNode) error {
	if s.Setting("embedder").S == "" {
		return nil
	}
	var scans []scanEmbeds
	var walk func(n, parent planNode, limited bool)
	walk = func(n, parent planNode, limited bool) {
		switch x := n.(type) {
		case *limitNode:
			limited = limited || x.count >= 0
		case *sortNode, *aggNode:
			limited = false // they read all their input
		case *scanNode:
			if !limited {
				scans = append(scans, scanEmbeds{scan: x, above: exprsOver(parent, x)})
			}
		}
		for _, c := range n.children() {
			walk(c, n, limited)
		}
	}
	walk(p, nil, false)
	for _, se := range scans {
		if err := s.prefetchScan(ec, se); err != nil {
			return err
		}
	}
	return nil
}

// exprsOver returns the expressions parent evaluates on each row of scan.
func exprsOver(parent planNode, scan *scanNode) []expr {
	switch x := parent.(type) {
	case *filterNode:
		if x.in == scan {
			return []expr{x.cond}
		}
	case *projectNode:
		if x.in == scan {
			return x.exprs
		}
	case *aggNode:
		if x.in == scan {
			out := append([]expr{}, x.agg.keys...)
			for _, c := range x.agg.calls {
				if c.arg != nil {
					out = append(out, c.arg)
				}
			}
			return out
		}
	}
	return nil
}

// prefetchScan runs the dry run of one scan and embeds what it collects.
// A row whose filter waits for a text's vector cannot tell yet whether
// the expressions above it will be evaluated: when there are such rows
// and embed() calls above, a second dry run follows, with the filter's
// vectors known.
func (s *Session) prefetchScan(ec *evalCtx, se scanEmbeds) error {
	c := &embedCollector{exprs: map[*embedExpr]bool{}}
	need := make([]bool, len(se.scan.need))
	need[0] = true
	var mark func(e expr, above bool)
	aboveEmbeds, perRow := false, false
	mark = func(e expr, above bool) {
		switch x := e.(type) {
		case *colExpr:
			if x.idx < len(need) {
				need[x.idx] = true
			}
		case *embedExpr:
			c.exprs[x] = true
			aboveEmbeds = aboveEmbeds || above
			perRow = perRow || readsRow(x.arg)
		}
		for _, sub := range subExprs(e) {
			mark(sub, above)
		}
	}
	if se.scan.filter != nil {
		mark(se.scan.filter, false)
	}
	for _, e := range se.above {
		mark(e, true)
	}
	if !perRow {
		return nil
	}
	dry := *se.scan
	dry.filter, dry.need = nil, need
	s.collect = c
	defer func() { s.collect = nil }()
	for pass := 0; pass < 2; pass++ {
		c.texts, c.seen = map[string][]string{}, map[string]bool{}
		undecided, ok := s.dryRun(ec, &dry, se, c)
		if !ok {
			return nil // an expression failed: the real run reports it
		}
		for model, texts := range c.texts {
			e, err := s.embedder(model)
			if err != nil {
				return err
			}
			vecs, err := e.Lookup(ec.ctx, texts)
			if err != nil {
				return err
			}
			for i, t := range texts {
				s.embeds[model+"\x00"+t] = vecs[i]
			}
		}
		if !undecided || !aboveEmbeds {
			return nil
		}
	}
	return nil
}

// readsRow reports whether an expression reads a column of the row.
func readsRow(e expr) bool {
	if _, ok := e.(*colExpr); ok {
		return true
	}
	for _, sub := range subExprs(e) {
		if readsRow(sub) {
			return true
		}
	}
	return false
}

// dryRun evaluates se's expressions over the rows of dry in collect mode.
// It reports whether some row's filter waited for a vector, and false
// when an expression failed.
func (s *Session) dryRun(ec *evalCtx, dry *scanNode, se scanEmbeds, c *embedCollector) (undecided, ok bool) {
	rows, err := dry.open(ec)
	if err != nil {
		return false, false
	}
	defer rows.Close()
	for rows.Next() {
		row := rows.Row()
		if f := se.scan.filter; f != nil {
			c.missed = false
			v, err := f.eval(ec, row)
			if err != nil {
				return false, false
			}
			if !truth(v) {
				undecided = undecided || c.missed
				continue
			}
		}
		for _, e := range se.above {
			if _, err := e.eval(ec, row); err != nil {
				return false, false
			}
		}
	}
	return undecided, rows.Err() == nil
}
