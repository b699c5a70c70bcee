package query

// # Partial runs and their merge
//
// A partial run (laiondb run --partial OUT) runs a script on a database
// that holds some shards of one table, the sharded table (laion by
// default), and every other table whole. It does not print the script's
// results: it writes, for every statement, what laiondb merge needs to
// print the results one database holding every shard would give.
//
// Before anything runs, the script is analysed (partial_analyze.go).
// Each query block is read by the statement's own computation ("at the
// merge") or inside another block's rows ("in the partial"). A block read
// at the merge that reads tables is cut: the partial computes its rows up
// to the first operator whose answer needs every shard — the aggregate,
// the sample of SAMPLE k, the projection (then DISTINCT, ORDER BY ...
// LIMIT and LIMIT ... PER keep only what they could return of the
// partial's rows) — and writes them down: its state. laiondb merge plans
// the same statements against a schema-only database, puts the merged
// states in place of the operators below the cuts, and runs the rest:
// HAVING, the select list, ORDER BY, LIMIT, COMPARE's statistics, PLOT,
// EXPORT, ASSERT.
//
// Rows of the sharded table carry their row id as an order key into the
// state, so the merge puts rows in the order one database reads them (id
// order) and keeps ties as one database does; a group's state keeps the
// key of its first row, so groups come out in one database's order too.
// A block that reads only other tables gives the same state in every
// partial, and the merge checks that it does.
//
// # The format (version 1)
//
// OUT is a directory:
//
//	partial.json        the manifest (below); written last, so a partial
//	                    without it is unfinished
//	states/SHA.bin      the states of cut query blocks, named by their
//	                    content (blocks that give the same state share one)
//	files/SHA.EXT       copies of the files the script imports (IMPORT
//	                    EMBEDDINGS, CLASSIFIER, PREDICTIONS), by content
//	exports/S-NAME      statement S's EXPORT of this partial's rows
//	embeddings.bin      the digest of every text embedding the run used
//
// partial.json holds: format "laiondb-partial", version 1, the script
// (file name and text), the sharded table, the --var values, the
// sharded table's shard numbers and rows in this partial, the catalog
// before the script ran, and per statement its position, kind, action
// (run, plan or merge), message, the schema a statement made (INGEST's
// table, CREATE SET's set), digests of the files it read, and its cuts:
// block offset, kind, whether it read the sharded table, rows, bytes and
// the SHA-256 of the state file.
//
// A state file starts with "laiondb-state\x00", a version byte and the
// cut kind; then, in package wire's encoding, rows (column count, row
// count, each row's order key and values) or an aggregate's groups
// (per group: keys, first row's order key, and per aggregate call its
// state as funcs.Mergeable writes it, or for a DISTINCT call the
// distinct values with the order keys of their first rows).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"
	"github.com/laiondb/laiondb/query/internal/wire"
)

// PartialFormat and PartialVersion name the format of partial runs.
const (
	PartialFormat  = "laiondb-partial"
	PartialVersion = 1
	// ManifestName is the manifest's file name in a partial directory.
	ManifestName = "partial.json"
	stateMagic   = "laiondb-state\x00"
)

// DefaultSharded is the sharded table unless told otherwise.
const DefaultSharded = "laion"

// PartialOptions configures a partial run.
type PartialOptions struct {
	// Sharded is the table whose shards the database holds a part of
	// (DefaultSharded when empty).
	Sharded string
	// Out is the directory the partial is written to; it replaces what
	// is there when the run completes.
	Out string
	// Vars are the --var values as given (text), recorded for the merge.
	Vars map[string]string
	// SharedDigestOnly leaves out what every partial computes the same
	// (the states of queries over other tables, copies of imported
	// files), keeping only its digest: for all partials but one, which
	// keeps them (laiondb slurm's first task).
	SharedDigestOnly bool
}

// manifest is partial.json.
type manifest struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	File       string            `json:"file"`
	Script     string            `json:"script"`
	Sharded    string            `json:"sharded"`
	Vars       map[string]string `json:"vars"`
	Shards     []uint32          `json:"shards"`
	Rows       int64             `json:"rows"`
	Catalog    startCatalog      `json:"catalog"`
	Statements []*stmtRecord     `json:"statements"`
}

// startCatalog is what the database held before the script ran.
type startCatalog struct {
	Tables      []tableRecord      `json:"tables,omitempty"`
	Sets        []setRecord        `json:"sets,omitempty"`
	Classifiers []classifierRecord `json:"classifiers,omitempty"`
}

type tableRecord struct {
	Name    string                `json:"name"`
	Columns []engine.Column       `json:"columns"`
	Vectors []engine.VectorColumn `json:"vectors"`
	// Digest is, for a table other than the sharded one, the SHA-256 of
	// its rows (every partial must hold the same).
	Digest string `json:"digest,omitempty"`
}

type setRecord struct {
	Name    string          `json:"name"`
	Table   string          `json:"table"`
	Columns []engine.Column `json:"columns"`
	Sharded bool            `json:"sharded"`
	Digest  string          `json:"digest,omitempty"`
}

type classifierRecord struct {
	Info engine.Classifier `json:"info"`
	File string            `json:"file"` // its weights, float32 little-endian
	SHA  string            `json:"sha256"`
}

// stmtRecord is one statement of the script in the manifest.
type stmtRecord struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Kind    string `json:"kind"`
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
	Changes int64  `json:"changes,omitempty"`
	// Sharded INGEST and CREATE SET: rows and shards of this partial.
	Rows   int64 `json:"rows,omitempty"`
	Shards int   `json:"shards,omitempty"`
	// Digest is the SHA-256 of the files a statement read, when the
	// merge must find them the same in every partial (INGEST into another
	// table).
	Digest string       `json:"digest,omitempty"`
	Table  *tableRecord `json:"table,omitempty"`
	Set    *setRecord   `json:"set,omitempty"`
	// Files maps the position (byte offset) of an IMPORT's file
	// argument to its copy under files/.
	Files  map[string]string `json:"files,omitempty"`
	Export string            `json:"export,omitempty"`
	Cuts   []*cutRecord      `json:"cuts,omitempty"`
}

// cutRecord is one cut query block's state.
type cutRecord struct {
	Offset  int    `json:"offset"`
	Kind    string `json:"kind"`
	Sharded bool   `json:"sharded"`
	File    string `json:"file"`
	Rows    int    `json:"rows"`
	Bytes   int64  `json:"bytes"`
	SHA     string `json:"sha256"`
}

var cutKindNames = map[plan.CutKind]string{plan.CutAgg: "aggregate", plan.CutRows: "rows", plan.CutSample: "sample", plan.CutResult: "result"}

var actionNames = map[stmtAction]string{actRun: "run", actPlan: "plan", actMerge: "merge"}

// scaleRun is a session's partial run or merge.
type scaleRun struct {
	an      *analysis
	cur     *stmtPlan
	partial *partialRun
	merge   *mergeRun
}

// partialRun is what a partial run keeps while the script runs.
type partialRun struct {
	opt PartialOptions
	tmp string // the directory being written, renamed to opt.Out at the end
	m   *manifest
	rec *stmtRecord
	// local are the rows of the cuts of the statement running, by block
	// offset: a block planned twice (a WITH query used twice) is computed
	// once.
	local map[int][]value.Row
	// lastIngest is the report of the statement's INGEST.
	lastIngest *engine.IngestReport
	bytes      int64
}

// PartialSummary says what a partial run wrote.
type PartialSummary struct {
	Dir        string
	Statements int
	States     int
	Bytes      int64
	Shards     []uint32
	Rows       int64
}

// StartPartial makes the session a partial run of the script src (file
// its name, stmts its statements as parsed): it analyses the script,
// refusing — before anything runs — every statement whose answer a merge
// of partials cannot give exactly, and records the catalog. Exec then
// runs the statements in order; FinishPartial writes the partial.
func (s *Session) StartPartial(file, src string, stmts []ast.Stmt, opt PartialOptions) []error {
	if opt.Sharded == "" {
		opt.Sharded = DefaultSharded
	}
	if opt.Out == "" {
		return []error{errors.New("a partial run needs a directory to write to")}
	}
	m := &manifest{Format: PartialFormat, Version: PartialVersion, File: file, Script: src, Sharded: opt.Sharded, Vars: map[string]string{}}
	for k, v := range opt.Vars {
		m.Vars[strings.ToLower(k)] = v
	}
	tables := map[string]bool{}
	for _, t := range s.db.Tables() {
		tables[t.Name] = true
	}
	setsAt := map[string]reads{}
	sets, err := s.db.Sets()
	if err != nil {
		return []error{err}
	}
	for _, set := range sets {
		r, err := s.setReads(set, opt.Sharded)
		if err != nil {
			return []error{err}
		}
		setsAt[set.Name] = r
	}
	an, errs := s.analyze(stmts, opt.Sharded, tables, setsAt)
	if len(errs) > 0 {
		return errs
	}
	tmp := strings.TrimRight(opt.Out, string(filepath.Separator)) + fmt.Sprintf(".tmp-%d", os.Getpid())
	if err := os.RemoveAll(tmp); err != nil {
		return []error{err}
	}
	for _, d := range []string{"states", "files", "exports"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return []error{err}
		}
	}
	pr := &partialRun{opt: opt, tmp: tmp, m: m}
	if err := s.recordCatalog(pr, sets, setsAt, stmts); err != nil {
		os.RemoveAll(tmp)
		return []error{err}
	}
	s.scale = &scaleRun{an: an, partial: pr}
	return nil
}

// recordCatalog writes down the tables, sets and classifiers there before
// the script, with digests of the tables and sets other than the sharded
// table's that the script reads.
func (s *Session) recordCatalog(pr *partialRun, sets []*engine.Set, setsAt map[string]reads, stmts []ast.Stmt) error {
	used := map[string]bool{}
	for _, st := range stmts {
		ast.Inspect(st, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.TableSource:
				used[strings.ToLower(x.Name.Name)] = true
			}
			return true
		})
		switch x := st.(type) {
		case *ast.Export:
			used[strings.ToLower(x.Name.Name)] = true
		case *ast.Nearest:
			used[strings.ToLower(x.Source.Name)] = true
		}
	}
	for _, t := range s.db.Tables() {
		tr := tableRecord{Name: t.Name, Columns: t.Columns, Vectors: t.Vectors}
		if !strings.EqualFold(t.Name, pr.opt.Sharded) && used[strings.ToLower(t.Name)] {
			d, err := s.sourceDigest(t.Name)
			if err != nil {
				return err
			}
			tr.Digest = d
		}
		pr.m.Catalog.Tables = append(pr.m.Catalog.Tables, tr)
	}
	for _, set := range sets {
		sr := setRecord{Name: set.Name, Table: set.Table, Columns: set.Columns, Sharded: setsAt[set.Name] == readsSharded}
		if !sr.Sharded && used[strings.ToLower(set.Name)] {
			d, err := s.sourceDigest(set.Name)
			if err != nil {
				return err
			}
			sr.Digest = d
		}
		pr.m.Catalog.Sets = append(pr.m.Catalog.Sets, sr)
	}
	clfs, err := s.db.Classifiers()
	if err != nil {
		return err
	}
	snap := s.db.Snapshot()
	defer snap.Close()
	for _, c := range clfs {
		if c.Kind != engine.ClassifierWeights {
			continue
		}
		lc, err := funcs.LoadClassifier(snap, c.Name)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		for _, w := range lc.Weights {
			binary.Write(&b, binary.LittleEndian, w)
		}
		name, sha, err := pr.keepBytes("classifier-"+c.Name+".f32", b.Bytes())
		if err != nil {
			return err
		}
		pr.m.Catalog.Classifiers = append(pr.m.Catalog.Classifiers, classifierRecord{Info: *c, File: name, SHA: sha})
	}
	return nil
}

// sourceDigest is the SHA-256 of a table's or set's rows: every column of
// every row, in id order.
func (s *Session) sourceDigest(name string) (string, error) {
	snap := s.db.Snapshot()
	defer snap.Close()
	src, err := snap.Source(name)
	if err != nil {
		return "", err
	}
	cols := make([]int, len(src.Columns))
	for i := range cols {
		cols[i] = i
	}
	cur, err := snap.Scan(context.Background(), src, cols, nil)
	if err != nil {
		return "", err
	}
	defer cur.Close()
	h := sha256.New()
	var e wire.Encoder
	for cur.Next() {
		e.B = e.B[:0]
		e.Values(cur.Row())
		h.Write(e.B)
	}
	if err := cur.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keepBytes writes b under files/ by its content and returns the file's
// name there and the content's SHA-256 (with SharedDigestOnly, only the
// name: another partial keeps the file).
func (pr *partialRun) keepBytes(name string, b []byte) (string, string, error) {
	sum := sha256.Sum256(b)
	sha := hex.EncodeToString(sum[:])
	rel := filepath.Join("files", sha[:16]+filepath.Ext(name))
	if pr.opt.SharedDigestOnly {
		return rel, sha, nil
	}
	return rel, sha, pr.write(rel, b)
}

// write writes a file of the partial, once: files are named by their
// content, so a second write of the same name is the same bytes.
func (pr *partialRun) write(rel string, b []byte) error {
	path := filepath.Join(pr.tmp, rel)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	pr.bytes += int64(len(b))
	return nil
}

// keepFile copies a file the script reads under files/.
func (pr *partialRun) keepFile(path string) (string, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	return pr.keepBytes(path, b)
}

// AbortPartial removes what an unfinished partial run wrote.
func (s *Session) AbortPartial() {
	if s.scale != nil && s.scale.partial != nil {
		os.RemoveAll(s.scale.partial.tmp)
		s.scale = nil
	}
}

// FinishPartial writes the manifest and puts the partial in place of
// whatever was at its directory.
func (s *Session) FinishPartial() (*PartialSummary, error) {
	if s.scale == nil || s.scale.partial == nil {
		return nil, errors.New("not a partial run")
	}
	pr := s.scale.partial
	defer func() { s.scale = nil }()
	if t, err := s.db.Table(pr.opt.Sharded); err == nil {
		for _, sh := range t.Shards {
			pr.m.Shards = append(pr.m.Shards, sh.Number)
		}
		pr.m.Rows = t.Rows()
	}
	if err := s.writeEmbeddingDigests(pr); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(pr.m, "", " ")
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(pr.tmp, ManifestName), b); err != nil {
		return nil, err
	}
	pr.bytes += int64(len(b))
	if err := os.RemoveAll(pr.opt.Out); err != nil {
		return nil, err
	}
	if err := os.Rename(pr.tmp, pr.opt.Out); err != nil {
		return nil, err
	}
	sum := &PartialSummary{Dir: pr.opt.Out, Statements: len(pr.m.Statements), Bytes: pr.bytes, Shards: pr.m.Shards, Rows: pr.m.Rows}
	for _, st := range pr.m.Statements {
		sum.States += len(st.Cuts)
	}
	return sum, nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeEmbeddingDigests writes embeddings.bin: every (model, text) the
// run embedded or imported, with the first 8 bytes of the SHA-256 of its
// vector, sorted; the merge checks that partials agree on every text
// they share.
func (s *Session) writeEmbeddingDigests(pr *partialRun) error {
	keys := make([]string, 0, len(s.embeds))
	for k := range s.embeds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var e wire.Encoder
	e.Uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.String(k)
		e.Varint(int64(vectorDigest(s.embeds[k])))
	}
	pr.bytes += int64(len(e.B))
	return os.WriteFile(filepath.Join(pr.tmp, "embeddings.bin"), e.B, 0o644)
}

func vectorDigest(v []float32) uint64 {
	h := sha256.New()
	var b [4]byte
	for _, x := range v {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		h.Write(b[:])
	}
	return binary.LittleEndian.Uint64(h.Sum(nil))
}

// scaleExec runs a statement of a partial run or a merge; handled is
// false when the statement runs as in any session.
func (s *Session) scaleExec(ctx context.Context, stmt ast.Stmt) (*Result, bool, error) {
	sp := s.scale.an.byStmt[stmt]
	if sp == nil {
		// A statement read as a source within the statement running
		// (FROM (COMPARE ...) AS c): it runs as part of that one.
		return nil, false, nil
	}
	s.scale.cur = sp
	if s.scale.merge != nil {
		return s.mergeExec(ctx, sp)
	}
	pr := s.scale.partial
	pr.rec = &stmtRecord{Line: stmt.Pos().Line, Col: stmt.Pos().Column, Kind: sp.kind, Action: actionNames[sp.action]}
	pr.m.Statements = append(pr.m.Statements, pr.rec)
	pr.local = map[int][]value.Row{}
	pr.lastIngest = nil
	switch sp.action {
	case actMerge:
		return &Result{}, true, nil
	case actPlan:
		res, err := s.partialPlan(ctx, sp)
		return res, true, err
	}
	if err := s.beforeRun(ctx, sp); err != nil {
		return nil, true, err
	}
	return nil, false, nil
}

// afterRun records what a statement a partial ran made.
func (s *Session) afterRun(res *Result, err error) {
	if s.scale == nil || s.scale.partial == nil || s.scale.cur == nil || err != nil || res == nil {
		return
	}
	pr, sp := s.scale.partial, s.scale.cur
	if sp.action != actRun {
		return
	}
	pr.rec.Message, pr.rec.Changes = res.Message, res.Changes
	switch x := sp.stmt.(type) {
	case *ast.Ingest:
		if t, err := s.db.Table(x.Table.Name); err == nil {
			pr.rec.Table = &tableRecord{Name: t.Name, Columns: t.Columns, Vectors: t.Vectors}
		}
		if rep := pr.lastIngest; rep != nil && sp.ingestSharded {
			pr.rec.Rows, pr.rec.Shards = rep.Rows, len(rep.Shards)
		}
	case *ast.CreateSet:
		if sets, err := s.db.Sets(); err == nil {
			for _, set := range sets {
				if strings.EqualFold(set.Name, x.Name.Name) {
					pr.rec.Set = &setRecord{Name: set.Name, Table: set.Table, Columns: set.Columns, Sharded: sp.setSharded}
					pr.rec.Rows = set.Rows
				}
			}
		}
	}
}

// beforeRun does what a partial needs before it runs a statement for
// real: digests and copies of the files it reads.
func (s *Session) beforeRun(ctx context.Context, sp *stmtPlan) error {
	pr := s.scale.partial
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	keep := func(e ast.Expr, what string) error {
		if e == nil {
			return nil
		}
		v, err := c.Constant(e, what)
		if err != nil {
			return err
		}
		if v.T != value.TString {
			return nil // the statement says what is wrong
		}
		rel, _, err := pr.keepFile(v.S)
		if err != nil {
			return value.ErrAt(e.Pos(), "%v", err)
		}
		if pr.rec.Files == nil {
			pr.rec.Files = map[string]string{}
		}
		pr.rec.Files[fmt.Sprint(e.Pos().Offset)] = rel
		return nil
	}
	switch x := sp.stmt.(type) {
	case *ast.ImportEmbeddings:
		if err := keep(x.Texts, "the texts file"); err != nil {
			return err
		}
		return keep(x.Vectors, "the vectors file")
	case *ast.ImportClassifier:
		if err := keep(x.Weights, "the weights file"); err != nil {
			return err
		}
		return keep(x.Classes, "the classes file")
	case *ast.ImportPredictions:
		return keep(x.File, "the predictions file")
	case *ast.Ingest:
		if sp.ingestSharded {
			return nil
		}
		var paths []string
		for _, p := range x.Paths {
			v, err := c.Constant(p, "the path of INGEST")
			if err != nil || v.T != value.TString {
				return nil // the statement says what is wrong
			}
			paths = append(paths, v.S)
		}
		d, err := filesDigest(paths)
		if err != nil {
			return value.ErrAt(x.Pos(), "INGEST: %v", err)
		}
		pr.rec.Digest = d
	}
	return nil
}

// filesDigest is the SHA-256 of the contents of the shards' files ingest
// finds in paths, in shard order.
func filesDigest(paths []string) (string, error) {
	shards, err := engine.FindShards(paths)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, sh := range shards {
		fmt.Fprintf(h, "shard %d\n", sh.Number)
		for _, f := range sh.Files() {
			fh, err := os.Open(f)
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, fh)
			fh.Close()
			if err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// partialPlan plans a statement whose answer the merge computes: planning
// computes the states of its cut blocks (Cut).
func (s *Session) partialPlan(ctx context.Context, sp *stmtPlan) (*Result, error) {
	return s.partialPlanStmt(ctx, sp.stmt)
}

// partialPlanStmt plans one statement in a partial run (a statement of
// the script, or one read as a source within it).
func (s *Session) partialPlanStmt(ctx context.Context, stmt ast.Stmt) (*Result, error) {
	h := s.host()
	planQ := func(q *ast.Select) error {
		_, err := plan.PlanQuery(h, ctx, q)
		return err
	}
	switch x := stmt.(type) {
	case *ast.SelectStmt:
		return &Result{}, planQ(x.Query)
	case *ast.Nearest:
		return &Result{}, planQ(plan.NearestQuery(x))
	case *ast.Plot:
		for _, q := range x.Queries {
			if err := planQ(q); err != nil {
				return nil, err
			}
		}
		return &Result{}, nil
	case *ast.Assert:
		c := &plan.Compiler{Sess: h, Ctx: ctx, NoAgg: "use a subquery, e.g. ASSERT (SELECT count(*) FROM t) > 0"}
		if _, err := c.Compile(x.Cond); err != nil {
			return nil, err
		}
		return &Result{}, nil
	case *ast.CompareIntraclass:
		if _, err := s.compareMethod(ctx, x); err != nil {
			return nil, err
		}
		on := "img"
		if !x.On.IsZero() {
			on = x.On.Name
		}
		for _, src := range []ast.Source{x.A, x.B} {
			if err := planQ(compareSelect(src, on, x.By, x.On.NamePos)); err != nil {
				return nil, err
			}
		}
		return &Result{}, nil
	case *ast.Export, *ast.Evaluate:
		// EXPORT writes this partial's rows (exports/); EVALUATE runs on
		// them and its answer is dropped: the merge evaluates all rows.
		var res *Result
		var err error
		if x, ok := stmt.(*ast.Export); ok {
			res, err = s.execExport(ctx, x)
		} else {
			res, err = s.execEvaluate(ctx, stmt.(*ast.Evaluate))
		}
		if err == nil && res != nil {
			if res.Rows != nil {
				res.Rows.Close()
			}
			s.scale.partial.rec.Message = res.Message
		}
		return &Result{}, err
	case *ast.Show, *ast.ShowSynset:
		return &Result{}, nil
	}
	return nil, value.ErrAt(stmt.Pos(), "internal error: %s has no partial plan", stmtKind(stmt))
}

// exportPath is where a partial writes an EXPORT's file: its own rows,
// beside its states.
func (s *Session) exportPath(to string) string {
	if s.scale == nil || s.scale.partial == nil || s.scale.cur == nil {
		return to
	}
	pr := s.scale.partial
	rel := filepath.Join("exports", fmt.Sprintf("%d-%s", s.scale.cur.index, filepath.Base(to)))
	pr.rec.Export = rel
	return filepath.Join(pr.tmp, rel)
}

// partialCut computes the state of a cut block in a partial run: the rows
// below the cut, with order keys, reduced to those the operators above
// could return, or an aggregate's groups. It writes the state and returns
// the partial's own rows at the cut.
func (s *Session) partialCut(ctx context.Context, c *plan.Cut) ([]value.Row, error) {
	pr, sp := s.scale.partial, s.scale.cur
	off := c.Block.Pos().Offset
	if rows, ok := pr.local[off]; ok {
		return rows, nil
	}
	if c.Correlated {
		return nil, value.ErrAt(c.Block.Pos(), "cannot run as a partial whose merge is exact: this subquery reads a column of the query around it and needs every shard's rows for each of its values")
	}
	var tap *exec.OrderTap
	var tapped int
	walkPlan(c.Below, func(n exec.PlanNode) {
		if sc, ok := n.(*exec.ScanNode); ok && sp.sharded[strings.ToLower(sc.Src.Info.Name)] {
			if tap == nil {
				tap = &exec.OrderTap{}
			}
			sc.Tap = tap
			tapped++
		}
	})
	if tapped > 1 {
		return nil, value.ErrAt(c.Block.Pos(), "cannot run as a partial whose merge is exact: this query reads the sharded table %s twice", s.scale.an.sharded)
	}
	ec := s.evalCtx(ctx)
	var e wire.Encoder
	e.B = append(e.B, stateMagic...)
	e.Byte(1)
	e.Uvarint(uint64(c.Kind))
	var local []value.Row
	n := 0
	if c.Kind == plan.CutAgg {
		if err := exec.PrefetchEmbeds(ec, c.Agg); err != nil {
			return nil, err
		}
		key := func() func() int64 {
			if tap != nil {
				return func() int64 { return tap.ID }
			}
			seq := int64(-1)
			return func() int64 { seq++; return seq }
		}()
		groups, err := c.Agg.Collect(ec, key)
		if err != nil {
			return nil, atStatement(err, c.Block.Pos())
		}
		if err := encodeGroups(&e, c.Agg, groups); err != nil {
			return nil, value.ErrAt(c.Block.Pos(), "%v", err)
		}
		n = len(groups)
		if len(groups) == 0 && len(c.Agg.Agg.Keys) == 0 {
			g, err := c.Agg.NewGroup(nil)
			if err != nil {
				return nil, err
			}
			groups = append(groups, g)
		}
		if local, err = c.Agg.Finish(ec, groups); err != nil {
			return nil, atStatement(err, c.Block.Pos())
		}
	} else {
		var p exec.PlanNode = &exec.KeyedNode{In: c.Below, Tap: tap}
		if c.Reduce != nil {
			p = c.Reduce(p)
		}
		if err := exec.PrefetchEmbeds(ec, p); err != nil {
			return nil, err
		}
		it, err := p.Open(ec)
		if err != nil {
			return nil, atStatement(err, c.Block.Pos())
		}
		var keyed []value.Row
		for it.Next() {
			keyed = append(keyed, append(value.Row(nil), it.Row()...))
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return nil, atStatement(err, c.Block.Pos())
		}
		w := len(c.Schema)
		sort.SliceStable(keyed, func(i, j int) bool { return keyed[i][w].I < keyed[j][w].I })
		e.Uvarint(uint64(w))
		e.Uvarint(uint64(len(keyed)))
		for _, r := range keyed {
			e.Varint(r[w].I)
			for _, v := range r[:w] {
				e.Value(v)
			}
			local = append(local, r[:w])
		}
		n = len(keyed)
	}
	sum := sha256.Sum256(e.B)
	sha := hex.EncodeToString(sum[:])
	rel := filepath.Join("states", sha[:24]+".bin")
	cr := &cutRecord{Offset: off, Kind: cutKindNames[c.Kind], Sharded: tap != nil, Rows: n, Bytes: int64(len(e.B)), SHA: sha}
	if tap != nil || !pr.opt.SharedDigestOnly {
		if err := pr.write(rel, e.B); err != nil {
			return nil, err
		}
		cr.File = rel
	}
	pr.rec.Cuts = append(pr.rec.Cuts, cr)
	pr.local[off] = local
	return local, nil
}

// walkPlan calls f on every operator of a plan (not the plans of
// subqueries in expressions).
func walkPlan(n exec.PlanNode, f func(exec.PlanNode)) {
	f(n)
	if k, ok := n.(*exec.KnnNode); ok {
		f(k.Scan)
	}
	if c, ok := n.(*exec.CountNode); ok {
		f(c.Scan)
	}
	for _, c := range n.Children() {
		walkPlan(c, f)
	}
}

// call modes in an aggregate's state
const (
	callState    = 0 // the call's Mergeable state
	callDistinct = 1 // DISTINCT: the distinct values with order keys
)

// encodeGroups writes an aggregate's groups.
func encodeGroups(e *wire.Encoder, agg *exec.AggNode, groups []*exec.AggGroup) error {
	calls := agg.Agg.Calls
	e.Uvarint(uint64(len(calls)))
	for _, c := range calls {
		if c.Distinct {
			e.Byte(callDistinct)
		} else {
			e.Byte(callState)
		}
	}
	e.Uvarint(uint64(len(groups)))
	var se wire.Encoder
	for _, g := range groups {
		e.Values(g.Keys)
		e.Varint(g.First)
		for i, c := range calls {
			if c.Distinct {
				e.Uvarint(uint64(len(g.Distinct[i])))
				for _, kv := range g.Distinct[i] {
					e.Value(kv.V)
					e.Varint(kv.Key)
				}
				continue
			}
			m, ok := g.States[i].(funcs.Mergeable)
			if !ok {
				return fmt.Errorf("the states of %s do not merge", c.Text)
			}
			se.B = se.B[:0]
			m.Encode(&se)
			e.Bytes(se.B)
		}
	}
	return nil
}

// CheckPartial analyses a script as StartPartial does, running and
// writing nothing: the statements whose answer a merge cannot give
// exactly, each refused with why (laiondb slurm asks before it submits
// the tasks). The sharded table is taken to exist: a job's tasks ingest
// it when the script does not.
func (s *Session) CheckPartial(stmts []ast.Stmt, sharded string) []error {
	if sharded == "" {
		sharded = DefaultSharded
	}
	tables := map[string]bool{sharded: true}
	for _, t := range s.db.Tables() {
		tables[t.Name] = true
	}
	_, errs := s.analyze(stmts, sharded, tables, map[string]reads{})
	return errs
}
