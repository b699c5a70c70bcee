package query

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/embed/clip"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// Options configures a Session.
type Options struct {
	// Vars are the $name variables of scripts (laiondb run --var k=v).
	Vars map[string]string
	// WordNetDir is where full WordNet is read for is_a and synsets beyond
	// ImageNet-1k; "" means /usr/share/wordnet.
	WordNetDir string
	// Warn receives warnings (invalid captions, normalised vectors, ...),
	// without a "warning:" prefix.
	Warn func(msg string)
	// Progress reports long work (ingest, index build); total may be 0.
	Progress func(label string, done, total int64)
	// MissingDatabase is the directory the user named for the database
	// when nothing is there yet and the session runs on an empty
	// stand-in: Check's errors about unknown tables and sets then say so.
	MissingDatabase string
	// DeferStores says that the session's database is open read-only
	// between the statements that write, which run on it opened again
	// read-write (UseDB; laiondb's shell, query and run): the embeddings
	// that reads compute are then kept, without a warning, and stored
	// once the session is on the writable database.
	DeferStores bool
}

// Session runs statements against a database and keeps settings,
// variables and caches between them. It is not safe for concurrent use.
type Session struct {
	db       *engine.DB
	opts     Options
	settings map[string]value.Value
	vars     map[string]value.Value

	cat    *synset.Catalog
	wnids  []string // class index → WNID text
	wnOnce sync.Once
	wn     *synset.WordNet
	wnErr  error
	embeds map[string][]float32 // model + "\x00" + text → vector, this session

	embedders map[string]*embed.Embedder // per model, for the current settings
	clip      *clip.Encoder              // the CLIP text encoder of SET embedder = 'clip:PATH'
	// stmt is the snapshot the statement being run reads: one view of the
	// database for its planning and its execution, closed with its rows.
	stmt        *engine.Snapshot
	warnedStore bool
	// unstored holds embeddings computed on a read-only database, by
	// model and text, to store later (Options.DeferStores).
	unstored    map[string]map[string][]float32
	warnedIndex bool
	// scale is set while the session is a partial run or a merge
	// (partial.go, merge.go).
	scale *scaleRun
}

// setting describes a SET name.
type setting struct {
	typ  value.Type
	def  value.Value
	help string
	// check validates a new value.
	check func(value.Value) error
}

var settings = map[string]setting{
	"ef_search": {typ: value.TInt, def: value.IntV(64), help: "HNSW search breadth: higher is more accurate and slower",
		check: func(v value.Value) error {
			if v.I < 1 || v.I > 100000 {
				return fmt.Errorf("ef_search must be between 1 and 100000")
			}
			return nil
		}},
	"embedder": {typ: value.TString, def: value.StringV(""), check: checkEmbedder,
		help: "what embed() asks: 'clip:PATH' the CLIP text encoder in a safetensors file; an http(s) URL of an embeddings endpoint (POST {input, model} → {data: [{embedding}]}, key from $LAIONDB_EMBEDDER_KEY); '' only imported embeddings"},
	"embedder_timeout": {typ: value.TFloat, def: value.FloatV(30), help: "seconds an embeddings endpoint has to answer one request",
		check: func(v value.Value) error {
			if v.F <= 0 || v.F > 3600 {
				return fmt.Errorf("embedder_timeout is in seconds, between 0 and 3600")
			}
			return nil
		}},
	"embed_model":          {typ: value.TString, def: value.StringV(""), help: "model name of embed(); '' means the model of the table's txt column"},
	"allow_model_mismatch": {typ: value.TBool, def: value.BoolV(false), help: "compare vectors from different models without an error"},
	"vector_search": {typ: value.TString, def: value.StringV("auto"), help: "auto: use an HNSW index where one exists; exact: always scan exactly",
		check: func(v value.Value) error {
			if v.S != "auto" && v.S != "exact" {
				return fmt.Errorf("vector_search is 'auto' or 'exact'")
			}
			return nil
		}},
	"sort_memory": {typ: value.TString, def: value.StringV(exec.DefaultSortMemory), check: checkSortMemory,
		help: "memory an ORDER BY holds (kB, MB, GB); past it the rows are sorted in runs written to a temporary directory under $TMPDIR and merged"},
	"rule": {typ: value.TString, def: value.StringV("paper"), help: "default caption matching rule: paper or normalized",
		check: func(v value.Value) error { _, err := synset.ParseRule(v.S); return err }},
}

// checkSortMemory accepts sizes of at least 64 kB.
func checkSortMemory(v value.Value) error {
	n, err := exec.ParseBytes(v.S)
	if err != nil {
		return fmt.Errorf("sort_memory: %w", err)
	}
	if n < 64<<10 {
		return fmt.Errorf("sort_memory must be at least 64kB (it is %s)", v.S)
	}
	return nil
}

// NewSession starts a session on db.
func NewSession(db *engine.DB, opts Options) (*Session, error) {
	cat, err := synset.ImageNet1k()
	if err != nil {
		return nil, err
	}
	s := &Session{db: db, opts: opts, settings: map[string]value.Value{}, vars: map[string]value.Value{}, cat: cat, embeds: map[string][]float32{}}
	for _, c := range cat.Classes() {
		s.wnids = append(s.wnids, c.WNID.String())
	}
	for k, v := range opts.Vars {
		s.vars[strings.ToLower(k)] = parseVar(v)
	}
	return s, nil
}

// parseVar types a --var value: integers and decimals become numbers,
// true/false booleans, anything else text.
func parseVar(v string) value.Value {
	if i, err := strconv.ParseInt(v, 10, 64); err == nil {
		return value.IntV(i)
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return value.FloatV(f)
	}
	switch strings.ToLower(v) {
	case "true":
		return value.BoolV(true)
	case "false":
		return value.BoolV(false)
	}
	return value.StringV(v)
}

// DB returns the session's database.
func (s *Session) DB() *engine.DB { return s.db }

// UseDB moves the session onto db: the database it is on, opened again
// (laiondb's shell keeps it read-only between statements and opens it
// read-write for a statement that writes), or created where it was
// missing (Options.MissingDatabase no longer applies). Settings,
// variables and caches stay; on a writable db the embeddings kept under
// Options.DeferStores are stored. Call it between statements, with no
// rows of the old database open; the caller closes the old database.
func (s *Session) UseDB(db *engine.DB) {
	s.db = db
	s.opts.MissingDatabase = ""
	s.storeUnstored()
}

// Setting returns the current value of a setting.
func (s *Session) Setting(name string) value.Value {
	if v, ok := s.settings[name]; ok {
		return v
	}
	return settings[name].def
}

func (s *Session) warn(msg string) {
	if s.opts.Warn != nil {
		s.opts.Warn(msg)
	}
}

func (s *Session) wordNet() (*synset.WordNet, error) {
	s.wnOnce.Do(func() {
		s.wn, s.wnErr = synset.LoadWordNet(s.opts.WordNetDir)
	})
	if s.wnErr != nil {
		return nil, fmt.Errorf("this needs WordNet: %w", s.wnErr)
	}
	return s.wn, nil
}

// resolveSynset finds a synset by WNID, sense name or lemma: ImageNet-1k
// from the built-in catalog, anything else from WordNet when present.
func (s *Session) resolveSynset(q string) (*synset.Synset, error) {
	syn, err := s.cat.Resolve(q)
	if err == nil {
		return syn, nil
	}
	var nf *synset.NotFoundError
	if errors.As(err, &nf) {
		if wn, werr := s.wordNet(); werr == nil {
			if ws, err2 := wn.Resolve(q); err2 == nil {
				return ws, nil
			}
		}
	}
	return nil, err
}

// host returns what planning and execution need of the session.
func (s *Session) host() sessionHost { return sessionHost{s} }

// sessionHost gives planning and execution what they need of a session
// (the Host interface) without making it part of Session's API.
type sessionHost struct{ s *Session }

func (h sessionHost) Setting(name string) value.Value {
	if name == "vector_search" && h.s.scale != nil && h.s.scale.partial != nil {
		// A partial run searches exactly: the merge of exact per-shard
		// neighbours is the exact answer over all shards.
		return value.StringV("exact")
	}
	return h.s.Setting(name)
}

// CutsBlock, Partial and Cut make a session's host a plan.CutHost: in a
// partial run or a merge, the planner hands it the query blocks the
// analysis cut.
func (h sessionHost) CutsBlock(q *ast.Select) bool {
	sc := h.s.scale
	return sc != nil && sc.cur != nil && q.Pos().IsValid() && sc.cur.cuts[q.Pos().Offset]
}
func (h sessionHost) Partial() bool { return h.s.scale != nil && h.s.scale.partial != nil }
func (h sessionHost) Cut(ctx context.Context, c *plan.Cut) ([]value.Row, error) {
	if h.s.scale.partial != nil {
		return h.s.partialCut(ctx, c)
	}
	return h.s.mergeCut(ctx, c)
}
func (h sessionHost) Warn(msg string) { h.s.warn(msg) }
func (h sessionHost) ClassWNID(class int) string {
	return h.s.wnids[class]
}
func (h sessionHost) EmbedText(ctx context.Context, model, text string) ([]float32, error) {
	return h.s.embedText(ctx, model, text)
}
func (h sessionHost) EmbedBatch(ctx context.Context, model string, texts []string) error {
	return h.s.embedBatch(ctx, model, texts)
}
func (h sessionHost) CachedEmbedding(model, text string) ([]float32, bool) {
	v, ok := h.s.embeds[model+"\x00"+text]
	return v, ok
}
func (h sessionHost) ResolveSynset(q string) (*synset.Synset, error) { return h.s.resolveSynset(q) }
func (h sessionHost) WordNet() (*synset.WordNet, error)              { return h.s.wordNet() }
func (h sessionHost) Var(name string) (value.Value, bool) {
	v, ok := h.s.vars[strings.ToLower(name)]
	return v, ok
}
func (h sessionHost) VarNames() []string {
	var names []string
	for k := range h.s.vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
func (h sessionHost) Catalog() *synset.Catalog           { return h.s.cat }
func (h sessionHost) Snapshot() *engine.Snapshot         { return h.s.snapshot() }
func (h sessionHost) SourceNames() []string              { return h.s.sourceNames() }
func (h sessionHost) EmbedModel(sch value.Schema) string { return h.s.embedModel(sch) }
func (h sessionHost) StatementRows(ctx context.Context, st ast.Stmt) (exec.PlanNode, error) {
	return h.s.statementRows(ctx, st)
}

// snapshot returns the running statement's snapshot.
func (s *Session) snapshot() *engine.Snapshot {
	if s.stmt == nil {
		s.stmt = s.db.Snapshot()
	}
	return s.stmt
}

// Exec runs one statement. Everything it reads comes from one snapshot of
// the database, taken when it starts reading; rows it returns read that
// snapshot until they are closed.
func (s *Session) Exec(ctx context.Context, stmt ast.Stmt) (*Result, error) {
	res, err := s.exec(ctx, stmt)
	snap := s.stmt
	s.stmt = nil
	if snap == nil {
		return res, err
	}
	if err != nil || res == nil || res.Rows == nil {
		snap.Close()
		return res, err
	}
	if qr, ok := res.Rows.(*queryRows); ok {
		qr.snap = snap
	} else {
		res.Rows = &queryRows{Rows: res.Rows, snap: snap}
	}
	return res, nil
}

func (s *Session) exec(ctx context.Context, stmt ast.Stmt) (res *Result, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.scale != nil {
		r, handled, err := s.scaleExec(ctx, stmt)
		if handled {
			return r, err
		}
		defer func() { s.afterRun(res, err) }()
	}
	if _, ok := stmt.(*ast.Explain); !ok && usesCaptionIndex(stmt) {
		if err := s.ensureCaptionIndex(ctx); err != nil {
			return nil, value.ErrAt(stmt.Pos(), "%v", err)
		}
	}
	switch st := stmt.(type) {
	case *ast.SelectStmt:
		return s.execSelect(ctx, st.Query)
	case *ast.Explain:
		return s.execExplain(ctx, st)
	case *ast.Show:
		return s.execShow(ctx, st)
	case *ast.ShowSynset:
		return s.execShowSynset(ctx, st)
	case *ast.Describe:
		return s.execDescribe(ctx, st)
	case *ast.Set:
		return s.execSet(ctx, st)
	case *ast.Assert:
		return s.execAssert(ctx, st)
	case *ast.Ingest:
		return s.execIngest(ctx, st)
	case *ast.CreateSet:
		return s.execCreateSet(ctx, st)
	case *ast.DropSet:
		return s.execDropSet(ctx, st)
	case *ast.RefreshSet:
		return s.execRefreshSet(ctx, st)
	case *ast.Reindex:
		return s.execReindex(ctx, st)
	case *ast.Vacuum:
		return s.execVacuum(ctx, st)
	case *ast.CreateIndex:
		return s.execCreateIndex(ctx, st)
	case *ast.DropIndex:
		return s.execDropIndex(ctx, st)
	case *ast.Nearest:
		return s.execSelect(ctx, plan.NearestQuery(st))
	case *ast.ImportEmbeddings:
		return s.execImport(ctx, st)
	case *ast.CompareIntraclass:
		return s.execCompare(ctx, st)
	case *ast.Export:
		return s.execExport(ctx, st)
	case *ast.Plot:
		return s.execPlot(ctx, st)

	// Issue 13: classifiers and their evaluation.
	case *ast.ImportClassifier:
		return s.execImportClassifier(ctx, st)
	case *ast.CreateClassifier:
		return s.execCreateClassifier(ctx, st)
	case *ast.ImportPredictions:
		return s.execImportPredictions(ctx, st)
	case *ast.DropClassifier:
		return s.execDropClassifier(ctx, st)
	case *ast.ShowClassifiers:
		return s.execShowClassifiers(ctx)
	case *ast.Evaluate:
		return s.execEvaluate(ctx, st)
	}
	return nil, value.ErrAt(stmt.Pos(), "%s is not supported yet", strings.Fields(stmt.Span().Text + " ")[0])
}

// Names are the words the shell completes.
type Names struct {
	Keywords, Tables, Sets, Columns, Functions, Settings, Synsets []string
}

// Names returns what the shell can complete right now.
func (s *Session) Names() Names {
	n := Names{Keywords: ast.Keywords(), Functions: funcs.FunctionNames()}
	seen := map[string]bool{}
	for _, t := range s.db.Tables() {
		n.Tables = append(n.Tables, t.Name)
		for _, c := range t.Columns {
			if !seen[c.Name] {
				seen[c.Name] = true
				n.Columns = append(n.Columns, c.Name)
			}
		}
		for _, v := range t.Vectors {
			if !seen[v.Name] {
				seen[v.Name] = true
				n.Columns = append(n.Columns, v.Name)
			}
		}
	}
	if sets, err := s.db.Sets(); err == nil {
		for _, st := range sets {
			n.Sets = append(n.Sets, st.Name)
			for _, c := range st.Columns {
				if !seen[c.Name] {
					seen[c.Name] = true
					n.Columns = append(n.Columns, c.Name)
				}
			}
		}
	}
	for _, c := range []string{"id", "synset", "lemma"} {
		if !seen[c] {
			n.Columns = append(n.Columns, c)
		}
	}
	for k := range settings {
		n.Settings = append(n.Settings, k)
	}
	for _, syn := range s.cat.Classes() {
		n.Synsets = append(n.Synsets, syn.WNID.String(), syn.Head)
	}
	sort.Strings(n.Columns)
	sort.Strings(n.Settings)
	return n
}

// usesCaptionIndex reports whether a statement has a caption predicate.
func usesCaptionIndex(stmt ast.Stmt) bool {
	found := false
	ast.Inspect(stmt, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.Matches, *ast.Contains:
			found = true
		}
		return !found
	})
	return found
}

// ensureCaptionIndex warns, once, about tables whose shards lack the
// caption index (a database from before the index): their caption
// predicates read the captions in memory. Reads never write, so the index
// is built only by REINDEX or laiondb reindex.
func (s *Session) ensureCaptionIndex(ctx context.Context) error {
	if s.warnedIndex {
		return nil
	}
	for _, t := range s.db.Tables() {
		n, err := s.db.CaptionIndexMissing(t.Name)
		if err != nil || n == 0 {
			continue
		}
		s.warnedIndex = true
		s.warn(fmt.Sprintf("table %s has %d rows without a caption index: caption predicates read their captions (slow); REINDEX (or laiondb reindex) builds it", t.Name, n))
	}
	return nil
}

func (s *Session) sourceNames() []string {
	var names []string
	for _, t := range s.db.Tables() {
		names = append(names, t.Name)
	}
	if sets, err := s.db.Sets(); err == nil {
		for _, st := range sets {
			names = append(names, st.Name)
		}
	}
	return names
}
