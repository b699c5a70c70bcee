package query

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"
	"github.com/laiondb/laiondb/query/internal/wire"
)

// Partials are the partial runs laiondb merge combines, checked to be
// partials of one script over disjoint shards.
type Partials struct {
	parts []*loadedPartial // in shard order
}

type loadedPartial struct {
	dir string
	m   *manifest
}

// ErrNotPartial says a directory holds no finished partial run.
var ErrNotPartial = errors.New("not a finished partial run")

// OpenPartials reads the manifests of partial runs and checks that they
// can be merged: the same format, script, sharded table and statements,
// no shard in two of them, and the same tables other than the sharded
// one (their digests).
func OpenPartials(dirs []string) (*Partials, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no partials to merge")
	}
	ps := &Partials{}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ManifestName))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: it has no %s (the run did not finish; run it again)", d, ErrNotPartial, ManifestName)
		}
		if err != nil {
			return nil, err
		}
		m := &manifest{}
		if err := json.Unmarshal(b, m); err != nil || m.Format != PartialFormat {
			return nil, fmt.Errorf("%s: %w: %s is not a laiondb partial manifest", d, ErrNotPartial, ManifestName)
		}
		if m.Version != PartialVersion {
			return nil, fmt.Errorf("%s: a partial of format version %d; this laiondb reads version %d (run the partials and the merge with the same laiondb)", d, m.Version, PartialVersion)
		}
		ps.parts = append(ps.parts, &loadedPartial{dir: d, m: m})
	}
	// Shard order, so that "the first partial" does not depend on the
	// order the partials were named in.
	sort.SliceStable(ps.parts, func(i, j int) bool { return firstShard(ps.parts[i].m) < firstShard(ps.parts[j].m) })
	if err := ps.check(); err != nil {
		return nil, err
	}
	return ps, nil
}

func firstShard(m *manifest) int64 {
	if len(m.Shards) == 0 {
		return math.MaxInt64
	}
	return int64(m.Shards[0])
}

// File and Script are the script the partials ran.
func (ps *Partials) File() string   { return ps.parts[0].m.File }
func (ps *Partials) Script() string { return ps.parts[0].m.Script }

// Sharded is the sharded table.
func (ps *Partials) Sharded() string { return ps.parts[0].m.Sharded }

// Vars are the first partial's --var values (as text).
func (ps *Partials) Vars() map[string]string { return ps.parts[0].m.Vars }

// Shards lists every shard of the sharded table the partials hold.
func (ps *Partials) Shards() []uint32 {
	var out []uint32
	for _, p := range ps.parts {
		out = append(out, p.m.Shards...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Rows counts the sharded table's rows in all partials.
func (ps *Partials) Rows() int64 {
	var n int64
	for _, p := range ps.parts {
		n += p.m.Rows
	}
	return n
}

// Len is the number of partials.
func (ps *Partials) Len() int { return len(ps.parts) }

func (ps *Partials) at(m *manifest, line, col int) string {
	return fmt.Sprintf("%s:%d:%d", m.File, line, col)
}

func (ps *Partials) check() error {
	p0 := ps.parts[0]
	m0 := p0.m
	owner := map[uint32]string{}
	for _, p := range ps.parts {
		m := p.m
		if m.Script != m0.Script || m.File != m0.File {
			return fmt.Errorf("%s and %s are partials of different scripts (%s); merge partials of one script", p0.dir, p.dir, describeScripts(m0, m))
		}
		if !strings.EqualFold(m.Sharded, m0.Sharded) {
			return fmt.Errorf("%s shards table %s, %s table %s", p0.dir, m0.Sharded, p.dir, m.Sharded)
		}
		if len(m.Statements) != len(m0.Statements) {
			return fmt.Errorf("%s ran %d statements of the script, %s %d", p0.dir, len(m0.Statements), p.dir, len(m.Statements))
		}
		for _, sh := range m.Shards {
			if o, dup := owner[sh]; dup {
				return fmt.Errorf("shard %d of table %s is in two partials, %s and %s: each shard must be in one partial only", sh, m.Sharded, o, p.dir)
			}
			owner[sh] = p.dir
		}
		if err := sameCatalog(p0, p); err != nil {
			return err
		}
		for i, st := range m.Statements {
			s0 := m0.Statements[i]
			where := ps.at(m, st.Line, st.Col)
			if st.Kind != s0.Kind || st.Line != s0.Line || st.Col != s0.Col {
				return fmt.Errorf("%s: statement %d differs between %s and %s", where, i+1, p0.dir, p.dir)
			}
			if st.Digest != s0.Digest {
				return fmt.Errorf("%s: %s reads files that differ between %s and %s; every partial must read the same files for tables other than %s", where, st.Kind, p0.dir, p.dir, m0.Sharded)
			}
			for k, f := range s0.Files {
				if st.Files[k] != f {
					return fmt.Errorf("%s: %s reads a file that differs between %s and %s (%s, %s); every partial must import the same files", where, st.Kind, p0.dir, p.dir, f, st.Files[k])
				}
			}
			if !tableEq(st.Table, s0.Table) {
				return fmt.Errorf("%s: INGEST made table %s with other columns in %s than in %s (%s, %s); the shards must have the same columns", where, s0.Table.Name, p.dir, p0.dir, describeTable(st.Table), describeTable(s0.Table))
			}
			if !setEq(st.Set, s0.Set) {
				return fmt.Errorf("%s: CREATE SET made a set with other columns in %s than in %s", where, p.dir, p0.dir)
			}
			if st.Action == "run" && st.Rows == 0 && s0.Rows == 0 && st.Message != s0.Message && st.Set == nil && !(st.Table != nil && strings.EqualFold(st.Table.Name, m0.Sharded)) {
				return fmt.Errorf("%s: %s said %q in %s and %q in %s; what it reads must be the same in every partial", where, st.Kind, s0.Message, p0.dir, st.Message, p.dir)
			}
			if len(st.Cuts) != len(s0.Cuts) {
				return fmt.Errorf("%s: the statement's queries were computed differently in %s and %s", where, p0.dir, p.dir)
			}
			for j, c := range st.Cuts {
				c0 := s0.Cuts[j]
				if c.Offset != c0.Offset || c.Kind != c0.Kind || c.Sharded != c0.Sharded {
					return fmt.Errorf("%s: the statement's queries were computed differently in %s and %s", where, p0.dir, p.dir)
				}
				if !c.Sharded && c.SHA != c0.SHA {
					line, col := lineCol(m0.Script, c.Offset)
					return fmt.Errorf("%s: this query reads no rows of %s, so every partial must compute the same from it, but %s and %s did not: the tables or sets it reads differ between them", ps.at(m, line, col), m0.Sharded, p0.dir, p.dir)
				}
			}
		}
	}
	return nil
}

func describeScripts(a, b *manifest) string {
	if a.File != b.File {
		return a.File + " and " + b.File
	}
	return a.File + ", changed in between"
}

func sameCatalog(p0, p *loadedPartial) error {
	a, b := p0.m.Catalog, p.m.Catalog
	if len(a.Tables) != len(b.Tables) || len(a.Sets) != len(b.Sets) || len(a.Classifiers) != len(b.Classifiers) {
		return fmt.Errorf("%s and %s held different tables, sets or classifiers before the script ran; start every partial from the same database (other than its shards)", p0.dir, p.dir)
	}
	for i := range a.Tables {
		x, y := a.Tables[i], b.Tables[i]
		if !tableEq(&x, &y) || x.Digest != y.Digest {
			return fmt.Errorf("table %s differs between %s and %s (before the script ran); every partial must hold the same tables other than %s", x.Name, p0.dir, p.dir, p0.m.Sharded)
		}
	}
	for i := range a.Sets {
		x, y := a.Sets[i], b.Sets[i]
		if !setEq(&x, &y) || x.Digest != y.Digest {
			return fmt.Errorf("set %s differs between %s and %s (before the script ran)", x.Name, p0.dir, p.dir)
		}
	}
	for i := range a.Classifiers {
		if a.Classifiers[i].SHA != b.Classifiers[i].SHA || a.Classifiers[i].Info.Name != b.Classifiers[i].Info.Name {
			return fmt.Errorf("classifier %s differs between %s and %s", a.Classifiers[i].Info.Name, p0.dir, p.dir)
		}
	}
	return nil
}

func tableEq(a, b *tableRecord) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !strings.EqualFold(a.Name, b.Name) || len(a.Columns) != len(b.Columns) || len(a.Vectors) != len(b.Vectors) {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i].Name != b.Columns[i].Name || a.Columns[i].Type != b.Columns[i].Type {
			return false
		}
	}
	for i := range a.Vectors {
		if a.Vectors[i] != b.Vectors[i] {
			return false
		}
	}
	return true
}

func describeTable(t *tableRecord) string {
	if t == nil {
		return "none"
	}
	tt := engine.Table{Name: t.Name, Columns: t.Columns, Vectors: t.Vectors}
	return tt.Describe()
}

func setEq(a, b *setRecord) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !strings.EqualFold(a.Name, b.Name) || !strings.EqualFold(a.Table, b.Table) || len(a.Columns) != len(b.Columns) || a.Sharded != b.Sharded {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i] != b.Columns[i] {
			return false
		}
	}
	return true
}

// lineCol finds the line and column of a byte offset of src.
func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndex(src[:off], "\n")
	return line, col
}

// mergeRun is what a merge keeps while the script runs.
type mergeRun struct {
	ps    *Partials
	cache map[int][]value.Row // the merged rows of the statement's cuts
}

// StartMerge makes the session, on an empty database, the merge of the
// partials: stmts are the partials' script as parsed; vars the --var
// values given to the merge, which replace the partials'. It puts the
// catalog the partials started from in the database and checks that the
// partials agree on every variable the merge reads and every text
// embedding they share. Exec then runs the statements in order, printing
// what one database holding every shard would.
func (s *Session) StartMerge(ps *Partials, stmts []ast.Stmt, vars map[string]string) []error {
	m0 := ps.parts[0].m
	for k, v := range m0.Vars {
		s.vars[k] = parseVar(v)
	}
	given := map[string]bool{}
	for k, v := range vars {
		s.vars[strings.ToLower(k)] = parseVar(v)
		given[strings.ToLower(k)] = true
	}
	if err := ps.checkVars(stmts, given); err != nil {
		return []error{err}
	}
	if err := ps.checkEmbeddings(); err != nil {
		return []error{err}
	}
	tables := map[string]bool{}
	for _, t := range m0.Catalog.Tables {
		if err := s.db.DefineTable(t.Name, t.Columns, t.Vectors); err != nil {
			return []error{err}
		}
		tables[t.Name] = true
	}
	sets := map[string]reads{}
	for _, set := range m0.Catalog.Sets {
		if err := s.emptySet(set.Name, set.Table, set.Columns, engine.SetDefinition{}); err != nil {
			return []error{err}
		}
		sets[set.Name] = readsOther
		if set.Sharded {
			sets[set.Name] = readsSharded
		}
	}
	for _, c := range m0.Catalog.Classifiers {
		b, err := os.ReadFile(ps.kept(c.File))
		if err != nil {
			return []error{err}
		}
		w := make([]float32, len(b)/4)
		if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, w); err != nil {
			return []error{err}
		}
		info := c.Info
		if err := s.db.PutClassifierWeights(&info, w, true); err != nil {
			return []error{err}
		}
	}
	an, errs := s.analyze(stmts, m0.Sharded, tables, sets)
	if len(errs) > 0 {
		return errs
	}
	if len(an.stmts) != len(m0.Statements) {
		return []error{fmt.Errorf("the script has %d statements and the partials ran %d", len(an.stmts), len(m0.Statements))}
	}
	s.scale = &scaleRun{an: an, merge: &mergeRun{ps: ps}}
	return nil
}

// checkVars checks that the partials agree on the variables of every
// statement the merge evaluates, or on any other than INGEST's and
// IMPORT's paths (those statements' files are compared by content).
func (ps *Partials) checkVars(stmts []ast.Stmt, given map[string]bool) error {
	used := map[string]ast.Pos{}
	for _, st := range stmts {
		switch st.(type) {
		case *ast.Ingest, *ast.ImportEmbeddings, *ast.ImportClassifier, *ast.ImportPredictions:
			continue
		}
		ast.Inspect(st, func(n ast.Node) bool {
			if v, ok := n.(*ast.Var); ok {
				k := strings.ToLower(v.Name)
				if _, seen := used[k]; !seen {
					used[k] = v.Pos()
				}
			}
			return true
		})
	}
	p0 := ps.parts[0]
	for k, pos := range used {
		if given[k] {
			continue
		}
		for _, p := range ps.parts[1:] {
			if p.m.Vars[k] != p0.m.Vars[k] {
				return fmt.Errorf("%s: $%s is %q in %s and %q in %s; the partials must agree on it (or give laiondb merge --var %s=VALUE)", ps.at(p0.m, pos.Line, pos.Column), k, p0.m.Vars[k], p0.dir, p.m.Vars[k], p.dir, k)
			}
		}
	}
	return nil
}

// checkEmbeddings checks that partials that embedded the same text got
// the same vector.
func (ps *Partials) checkEmbeddings() error {
	seen := map[string]uint64{}
	from := map[string]string{}
	for _, p := range ps.parts {
		b, err := os.ReadFile(filepath.Join(p.dir, "embeddings.bin"))
		if err != nil {
			return err
		}
		d := wire.NewDecoder(b)
		n := d.Len(2)
		for i := 0; i < n && d.Err() == nil; i++ {
			k, h := d.String(), uint64(d.Varint())
			if old, ok := seen[k]; ok && old != h {
				model, text, _ := strings.Cut(k, "\x00")
				return fmt.Errorf("the %s embedding of %q differs between %s and %s; every partial must embed texts the same way (the same IMPORT EMBEDDINGS files or embedder)", model, clipText(text), from[k], p.dir)
			}
			seen[k], from[k] = h, p.dir
		}
		if d.Err() != nil {
			return fmt.Errorf("%s: embeddings.bin: %w", p.dir, d.Err())
		}
	}
	return nil
}

func clipText(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// emptySet makes a set without rows in the merge's database.
func (s *Session) emptySet(name, table string, cols []engine.Column, def engine.SetDefinition) error {
	w, err := s.db.NewSet(name, table, cols, def, false)
	if err != nil {
		return err
	}
	return w.Commit()
}

// mergeExec runs a statement of a merge.
func (s *Session) mergeExec(ctx context.Context, sp *stmtPlan) (*Result, bool, error) {
	mr := s.scale.merge
	mr.cache = map[int][]value.Row{}
	if sp.action != actRun {
		return nil, false, nil
	}
	recs := make([]*stmtRecord, len(mr.ps.parts))
	for i, p := range mr.ps.parts {
		recs[i] = p.m.Statements[sp.index]
	}
	r0 := recs[0]
	sum := func(f func(*stmtRecord) int64) int64 {
		var n int64
		for _, r := range recs {
			n += f(r)
		}
		return n
	}
	switch x := sp.stmt.(type) {
	case *ast.Ingest:
		t := r0.Table
		if t == nil {
			return nil, true, value.ErrAt(x.Pos(), "the partials recorded no table for this INGEST")
		}
		if err := s.db.DefineTable(t.Name, t.Columns, t.Vectors); err != nil {
			return nil, true, value.ErrAt(x.Pos(), "%v", err)
		}
		if !sp.ingestSharded {
			return &Result{Message: r0.Message, Changes: r0.Changes}, true, nil
		}
		rows := sum(func(r *stmtRecord) int64 { return r.Rows })
		shards := int(sum(func(r *stmtRecord) int64 { return int64(r.Shards) }))
		return &Result{Message: fmt.Sprintf("ingested %d rows into %s (%d shard%s)", rows, t.Name, shards, plural(shards)), Changes: rows}, true, nil
	case *ast.CreateSet:
		set := r0.Set
		if set == nil {
			return nil, true, value.ErrAt(x.Pos(), "the partials recorded no set for this CREATE SET")
		}
		if err := s.emptySet(set.Name, set.Table, set.Columns, engine.SetDefinition{Statement: x.Span().Text}); err != nil {
			return nil, true, value.ErrAt(x.Pos(), "%v", err)
		}
		if !set.Sharded {
			return &Result{Message: r0.Message, Changes: r0.Changes}, true, nil
		}
		rows := sum(func(r *stmtRecord) int64 { return r.Rows })
		return &Result{Message: setMessage("created", set.Name, rows, set.Table, set.Columns), Changes: rows}, true, nil
	case *ast.DropSet:
		res, err := s.execDropSet(ctx, x)
		if err != nil {
			return nil, true, err
		}
		res.Changes = r0.Changes
		if sp.sharded[strings.ToLower(x.Name.Name)] {
			res.Changes = sum(func(r *stmtRecord) int64 { return r.Changes })
		}
		return res, true, nil
	case *ast.ImportEmbeddings:
		y := *x
		y.Texts, y.Vectors = mr.file(x.Texts, r0), mr.file(x.Vectors, r0)
		if _, err := s.execImport(ctx, &y); err != nil {
			return nil, true, err
		}
	case *ast.ImportClassifier:
		y := *x
		y.Weights, y.Classes = mr.file(x.Weights, r0), mr.file(x.Classes, r0)
		if _, err := s.execImportClassifier(ctx, &y); err != nil {
			return nil, true, err
		}
	case *ast.ImportPredictions:
		y := *x
		y.File = mr.file(x.File, r0)
		if _, err := s.execImportPredictions(ctx, &y); err != nil {
			return nil, true, err
		}
	default:
		return nil, false, nil // SET, CREATE and DROP CLASSIFIER run as they are
	}
	return &Result{Message: r0.Message, Changes: r0.Changes}, true, nil
}

// file is an IMPORT's file argument pointed at the first partial's copy.
func (mr *mergeRun) file(e ast.Expr, r0 *stmtRecord) ast.Expr {
	if e == nil {
		return nil
	}
	rel, ok := r0.Files[strconv.Itoa(e.Pos().Offset)]
	if !ok {
		return e
	}
	return &ast.StringLit{ValuePos: e.Pos(), Value: mr.ps.kept(rel)}
}

// kept is the path of a file of the partials (files/, kept by content)
// in the first partial that has it.
func (ps *Partials) kept(rel string) string {
	for _, p := range ps.parts {
		path := filepath.Join(p.dir, rel)
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	return filepath.Join(ps.parts[0].dir, rel) // the import says it is missing
}

// mergeCut gives a cut block of a merge the rows its partials' states
// make together.
func (s *Session) mergeCut(ctx context.Context, c *plan.Cut) ([]value.Row, error) {
	mr, sp := s.scale.merge, s.scale.cur
	off := c.Block.Pos().Offset
	if rows, ok := mr.cache[off]; ok {
		return rows, nil
	}
	if c.Correlated {
		return nil, value.ErrAt(c.Block.Pos(), "cannot merge: this subquery reads a column of the query around it")
	}
	var recs []*cutRecord
	var dirs []string
	for _, p := range mr.ps.parts {
		var rec *cutRecord
		for _, cr := range p.m.Statements[sp.index].Cuts {
			if cr.Offset == off {
				rec = cr
			}
		}
		if rec == nil {
			return nil, value.ErrAt(c.Block.Pos(), "%s has no state for this query; was it made by another version of laiondb?", p.dir)
		}
		recs = append(recs, rec)
		dirs = append(dirs, p.dir)
	}
	if !recs[0].Sharded {
		// The same in every partial (OpenPartials compared them): read
		// the first partial that kept it.
		i := 0
		for i < len(recs) && recs[i].File == "" {
			i++
		}
		if i == len(recs) {
			return nil, value.ErrAt(c.Block.Pos(), "no partial kept the state of this query (all ran with only its digest); run one partial without --shared digest")
		}
		recs, dirs = recs[i:i+1], dirs[i:i+1]
	}
	var rows []value.Row
	var err error
	if c.Kind == plan.CutAgg {
		rows, err = s.mergeGroups(ctx, c, recs, dirs)
	} else {
		rows, err = mergeRows(c, recs, dirs)
	}
	if err != nil {
		return nil, err
	}
	mr.cache[off] = rows
	return rows, nil
}

// readState reads a state file and checks its header.
func readState(c *plan.Cut, rec *cutRecord, dir string) (*wire.Decoder, error) {
	b, err := os.ReadFile(filepath.Join(dir, rec.File))
	if err != nil {
		return nil, err
	}
	d := wire.NewDecoder(b)
	if !bytes.HasPrefix(b, []byte(stateMagic)) {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, rec.File), wire.ErrCorrupt)
	}
	d.B = d.B[len(stateMagic):]
	if v := d.Byte(); v != 1 {
		return nil, fmt.Errorf("%s: state version %d, this laiondb reads 1", filepath.Join(dir, rec.File), v)
	}
	if k := plan.CutKind(d.Uvarint()); k != c.Kind {
		return nil, value.ErrAt(c.Block.Pos(), "%s: the partial cut this query as %s, the merge as %s; run the partials and the merge with the same laiondb", filepath.Join(dir, rec.File), cutKindNames[k], cutKindNames[c.Kind])
	}
	return d, d.Err()
}

type keyedRow struct {
	key int64
	row value.Row
}

// mergeRows puts the partials' rows together in order-key order (stable:
// a partial's rows with one key keep their order).
func mergeRows(c *plan.Cut, recs []*cutRecord, dirs []string) ([]value.Row, error) {
	var all []keyedRow
	for i, rec := range recs {
		d, err := readState(c, rec, dirs[i])
		if err != nil {
			return nil, err
		}
		w := int(d.Uvarint())
		if d.Err() == nil && w != len(c.Schema) {
			return nil, value.ErrAt(c.Block.Pos(), "%s: rows of %d columns where the query has %d", filepath.Join(dirs[i], rec.File), w, len(c.Schema))
		}
		n := d.Len(2)
		for j := 0; j < n && d.Err() == nil; j++ {
			k := d.Varint()
			row := make(value.Row, w)
			for x := range row {
				row[x] = d.Value()
			}
			all = append(all, keyedRow{k, row})
		}
		if d.Err() != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dirs[i], rec.File), d.Err())
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].key < all[j].key })
	rows := make([]value.Row, len(all))
	for i, kr := range all {
		rows[i] = kr.row
	}
	return rows, nil
}

// partGroup is one partial's state of a group.
type partGroup struct {
	g        *exec.AggGroup
	distinct [][]exec.KeyedValue
}

// mergeGroups merges the aggregate states of the partials group by group
// (each group's parts in the order of their first rows) and returns the
// aggregate's rows, groups in the order of their first rows.
func (s *Session) mergeGroups(ctx context.Context, c *plan.Cut, recs []*cutRecord, dirs []string) ([]value.Row, error) {
	agg := c.Agg
	calls := agg.Agg.Calls
	byKey := map[string][]*partGroup{}
	var order []string
	for i, rec := range recs {
		file := filepath.Join(dirs[i], rec.File)
		d, err := readState(c, rec, dirs[i])
		if err != nil {
			return nil, err
		}
		nc := d.Len(1)
		if d.Err() == nil && nc != len(calls) {
			return nil, value.ErrAt(c.Block.Pos(), "%s: %d aggregates where the query has %d", file, nc, len(calls))
		}
		modes := make([]byte, nc)
		for j := range modes {
			modes[j] = d.Byte()
		}
		ng := d.Len(1)
		for j := 0; j < ng && d.Err() == nil; j++ {
			keys := d.Values()
			g, err := agg.NewGroup(keys)
			if err != nil {
				return nil, err
			}
			g.First = d.Varint()
			pg := &partGroup{g: g, distinct: make([][]exec.KeyedValue, nc)}
			for k := 0; k < nc && d.Err() == nil; k++ {
				if modes[k] == callDistinct {
					n := d.Len(2)
					for x := 0; x < n && d.Err() == nil; x++ {
						pg.distinct[k] = append(pg.distinct[k], exec.KeyedValue{V: d.Value(), Key: d.Varint()})
					}
					continue
				}
				m, ok := g.States[k].(funcs.Mergeable)
				if !ok {
					return nil, value.ErrAt(c.Block.Pos(), "the states of %s do not merge", calls[k].Text)
				}
				sd := wire.NewDecoder(d.Bytes())
				m.Decode(sd)
				if sd.Err() != nil || !sd.Done() {
					return nil, fmt.Errorf("%s: the state of %s: %w", file, calls[k].Text, wire.ErrCorrupt)
				}
			}
			gk := groupKey(keys)
			if _, ok := byKey[gk]; !ok {
				order = append(order, gk)
			}
			byKey[gk] = append(byKey[gk], pg)
		}
		if d.Err() != nil {
			return nil, fmt.Errorf("%s: %w", file, d.Err())
		}
	}
	var groups []*exec.AggGroup
	for _, gk := range order {
		parts := byKey[gk]
		sort.SliceStable(parts, func(i, j int) bool { return parts[i].g.First < parts[j].g.First })
		g := parts[0].g
		for _, p := range parts[1:] {
			for k := range calls {
				if calls[k].Distinct {
					continue
				}
				if err := g.States[k].(funcs.Mergeable).Merge(p.g.States[k]); err != nil {
					return nil, fmt.Errorf("%s: %w", calls[k].Text, err)
				}
			}
		}
		for k, call := range calls {
			if !call.Distinct {
				continue
			}
			// The distinct values of all parts, each at its first row, added
			// in the order one database would have first seen them.
			first := map[value.ValueKey]exec.KeyedValue{}
			for _, p := range parts {
				for _, kv := range p.distinct[k] {
					vk := value.KeyOf(kv.V)
					if old, ok := first[vk]; !ok || kv.Key < old.Key {
						first[vk] = kv
					}
				}
			}
			vals := make([]exec.KeyedValue, 0, len(first))
			for _, kv := range first {
				vals = append(vals, kv)
			}
			sort.Slice(vals, func(i, j int) bool { return vals[i].Key < vals[j].Key })
			for _, kv := range vals {
				if err := g.States[k].Add(kv.V); err != nil {
					return nil, fmt.Errorf("%s: %w", call.Text, err)
				}
			}
		}
		groups = append(groups, g)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].First < groups[j].First })
	if len(groups) == 0 && len(agg.Agg.Keys) == 0 {
		g, err := agg.NewGroup(nil)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	rows, err := agg.Finish(s.evalCtx(ctx), groups)
	if err != nil {
		return nil, atStatement(err, c.Block.Pos())
	}
	return rows, nil
}

// groupKey is a map key of a group's keys: equal for keys that group
// together (value.KeyOf).
func groupKey(keys []value.Value) string {
	var e wire.Encoder
	for _, v := range keys {
		k := value.KeyOf(v)
		e.Byte(byte(k.T))
		e.Varint(k.I)
		e.Float(k.F)
		e.String(k.S)
	}
	return string(e.B)
}
