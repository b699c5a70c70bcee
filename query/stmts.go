package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// queryRows are a statement's rows: reading them may need the
// statement's snapshot, which closes with them.
type queryRows struct {
	value.Rows
	snap *engine.Snapshot
	pos  ast.Pos // of the statement, for errors raised while rows are read
}

// atStatement places an error without a position at pos.
func atStatement(err error, pos ast.Pos) error {
	var qe *value.Error
	if errors.As(err, &qe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &value.Error{Pos: pos, Msg: err.Error(), Err: err}
}

// Err places a run-time error (a missing embedding, a failed read) at the
// statement.
func (r *queryRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		if !r.pos.IsValid() {
			return err // the caller places it
		}
		return atStatement(err, r.pos)
	}
	return nil
}

func (r *queryRows) Close() error {
	err := r.Rows.Close()
	if r.snap != nil {
		r.snap.Close()
		r.snap = nil
	}
	return err
}

func (s *Session) evalCtx(ctx context.Context) *exec.EvalCtx {
	return exec.NewEvalCtx(ctx, s.host(), s.snapshot())
}

// run opens a plan in the statement's snapshot. The texts its scans will
// ask embed() for are embedded first, together (see exec.PrefetchEmbeds).
func (s *Session) run(ctx context.Context, p exec.PlanNode) (value.Rows, error) {
	ec := s.evalCtx(ctx)
	if err := exec.PrefetchEmbeds(ec, p); err != nil {
		return nil, err
	}
	return p.Open(ec)
}

func (s *Session) execSelect(ctx context.Context, q *ast.Select) (*Result, error) {
	p, err := plan.PlanQuery(s.host(), ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.run(ctx, p)
	if err != nil {
		return nil, atStatement(err, q.Pos())
	}
	return &Result{Columns: visible(p.Schema()), Rows: &queryRows{Rows: rows, pos: q.Pos()}}, nil
}

func visible(sch value.Schema) []value.Column { return sch.Columns() }

func (s *Session) execExplain(ctx context.Context, st *ast.Explain) (*Result, error) {
	var q *ast.Select
	var head []string
	switch x := st.Stmt.(type) {
	case *ast.SelectStmt:
		q = x.Query
	case *ast.CreateSet:
		head = []string{"create set " + x.Name.Name}
		q = x.Query
	case *ast.Nearest:
		q = plan.NearestQuery(x)
	default:
		return nil, value.ErrAt(st.Pos(), "EXPLAIN takes a SELECT, CREATE SET or NEAREST")
	}
	p, fired, err := plan.PlanWithRules(s.host(), ctx, q)
	if err != nil {
		return nil, err
	}
	var rows []value.Row
	for _, l := range head {
		rows = append(rows, value.Row{value.StringV(l)})
	}
	for _, l := range exec.ExplainPlan(p) {
		if len(head) > 0 {
			l = "  " + l
		}
		rows = append(rows, value.Row{value.StringV(l)})
	}
	if len(fired) == 0 {
		fired = []string{"none"}
	}
	rows = append(rows, value.Row{value.StringV("rules: " + strings.Join(fired, ", "))})
	return &Result{Columns: []Column{{Name: "plan", Type: value.TString}}, Rows: value.NewSliceRows(rows)}, nil
}

func (s *Session) execShow(ctx context.Context, st *ast.Show) (*Result, error) {
	switch st.What {
	case ast.ShowTables:
		var rows []value.Row
		for _, t := range s.db.Tables() {
			var vecs []string
			for _, v := range t.Vectors {
				vecs = append(vecs, fmt.Sprintf("%s %d-d %s", v.Name, v.Dim, v.Model))
			}
			rows = append(rows, value.Row{value.StringV(t.Name), value.IntV(t.Rows()), value.IntV(int64(len(t.Shards))), value.IntV(int64(len(t.Columns))), value.StringV(strings.Join(vecs, ", "))})
		}
		return &Result{Columns: []Column{{Name: "table", Type: value.TString}, {Name: "rows", Type: value.TInt}, {Name: "shards", Type: value.TInt}, {Name: "columns", Type: value.TInt}, {Name: "vectors", Type: value.TString}}, Rows: value.NewSliceRows(rows)}, nil
	case ast.ShowSets:
		sets, err := s.db.Sets()
		if err != nil {
			return nil, err
		}
		var rows []value.Row
		for _, set := range sets {
			var cols []string
			for _, c := range set.Columns {
				cols = append(cols, c.Name)
			}
			state := "fresh"
			switch why, err := s.snapshot().Stale(set); {
			case err != nil:
				return nil, err
			case why != nil:
				state = "stale: " + why.Why
			case set.Definition == nil:
				state = "unknown (made before definitions were recorded)"
			}
			rows = append(rows, value.Row{value.StringV(set.Name), value.StringV(set.Table), value.IntV(set.Rows),
				value.StringV(strings.Join(cols, ", ")), value.StringV(describeDefinition(set)), value.StringV(state)})
		}
		return &Result{Columns: []Column{{Name: "set", Type: value.TString}, {Name: "table", Type: value.TString}, {Name: "rows", Type: value.TInt},
			{Name: "stored columns", Type: value.TString}, {Name: "definition", Type: value.TString}, {Name: "state", Type: value.TString}}, Rows: value.NewSliceRows(rows)}, nil
	case ast.ShowSynsets:
		pat := "%"
		if st.Like != nil {
			v, err := (&plan.Compiler{Sess: s.host(), Ctx: ctx}).Constant(st.Like, "the LIKE pattern")
			if err != nil {
				return nil, err
			}
			pat = v.S
		}
		var rows []value.Row
		for _, syn := range s.cat.Classes() {
			ok := value.LikeMatch(syn.Head, pat) || value.LikeMatch(syn.WNID.String(), pat) || value.LikeMatch(syn.Name, pat)
			for _, l := range syn.Lemmas {
				ok = ok || value.LikeMatch(l, pat)
			}
			if ok {
				rows = append(rows, value.Row{value.StringV(syn.WNID.String()), value.IntV(int64(syn.Class)), value.StringV(syn.Head), value.StringV(strings.Join(syn.Lemmas, ", "))})
			}
		}
		return &Result{Columns: []Column{{Name: "wnid", Type: value.TString}, {Name: "class", Type: value.TInt}, {Name: "name", Type: value.TString}, {Name: "lemmas", Type: value.TString}}, Rows: value.NewSliceRows(rows)}, nil
	}
	if st.What == ast.ShowIndexes {
		return s.execShowIndexes()
	}
	if st.What == ast.ShowSettings {
		return s.execShowSettings()
	}
	return nil, value.ErrAt(st.Pos(), "SHOW of this kind is not supported")
}

func (s *Session) execShowSynset(ctx context.Context, st *ast.ShowSynset) (*Result, error) {
	v, err := (&plan.Compiler{Sess: s.host(), Ctx: ctx}).Constant(st.Synset, "the synset")
	if err != nil {
		return nil, err
	}
	syn, err := s.resolveSynset(v.S)
	if err != nil {
		return nil, value.ErrAt(st.Synset.Pos(), "%v", err)
	}
	var chain []string
	for _, h := range s.cat.HypernymChain(syn.WNID) {
		chain = append(chain, h.Name)
	}
	if len(chain) == 0 {
		if wn, err := s.wordNet(); err == nil {
			for _, h := range wn.HypernymChain(syn.WNID) {
				chain = append(chain, h.Name)
			}
		}
	}
	class := value.Value{}
	if syn.Class >= 0 {
		class = value.IntV(int64(syn.Class))
	}
	paper, never := s.paperLemmas(syn)
	row := value.Row{value.StringV(syn.WNID.String()), class, value.StringV(syn.Name), value.StringV(syn.Head), value.StringV(strings.Join(syn.Lemmas, ", ")),
		value.StringV(strings.Join(paper, ", ")), value.StringV(strings.Join(never, ", ")), value.StringV(syn.Gloss), value.StringV(synset.Text(syn)), value.StringV(strings.Join(chain, " < "))}
	cols := []Column{{Name: "wnid", Type: value.TString}, {Name: "class", Type: value.TInt}, {Name: "sense", Type: value.TString}, {Name: "name", Type: value.TString}, {Name: "lemmas", Type: value.TString},
		{Name: "matching lemmas", Type: value.TString}, {Name: "never matching", Type: value.TString}, {Name: "gloss", Type: value.TString}, {Name: "synset_text", Type: value.TString}, {Name: "hypernyms", Type: value.TString}}
	return &Result{Columns: cols, Rows: value.NewSliceRows([]value.Row{row})}, nil
}

func (s *Session) execDescribe(ctx context.Context, st *ast.Describe) (*Result, error) {
	// A stale set is described as it is: describing reads no rows.
	info, err := s.snapshot().SourceMaybeStale(st.Name.Name)
	if errors.Is(err, engine.ErrNoSource) {
		return nil, value.ErrAt(st.Name.Pos(), "unknown table or set %s%s", st.Name.Name, value.DidYouMean(st.Name.Name, s.sourceNames()))
	}
	if err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "%v", err)
	}
	src := &exec.Source{Info: info}
	var rows []value.Row
	for _, c := range src.Info.Columns {
		typ := value.TypeName(c.Type)
		note := ""
		switch c.Kind {
		case engine.KindID:
			note = "row id: shard × 100000000 + row in the shard's files"
		case engine.KindVector:
			typ = fmt.Sprintf("VECTOR(%d)", c.Dim)
			note = fmt.Sprintf("%s embeddings, stored %s", c.Model, c.DType)
		case engine.KindStored:
			note = "stored with the set"
		default:
			if c.From != "" {
				note = "from " + c.From
			}
		}
		rows = append(rows, value.Row{value.StringV(c.Name), value.StringV(typ), value.StringV(note)})
	}
	t := src.Info.Table
	msg := fmt.Sprintf("table %s: %d rows in %d shard%s", t.Name, t.Rows(), len(t.Shards), plural(len(t.Shards)))
	if set := src.Info.Set; set != nil {
		msg = fmt.Sprintf("set %s: %d rows of table %s", set.Name, set.Rows, t.Name)
	}
	return &Result{Columns: []Column{{Name: "column", Type: value.TString}, {Name: "type", Type: value.TString}, {Name: "note", Type: value.TString}}, Rows: value.NewSliceRows(rows), Message: msg}, nil
}

func (s *Session) execSet(ctx context.Context, st *ast.Set) (*Result, error) {
	name := strings.ToLower(st.Name.Name)
	def, ok := settings[name]
	if !ok {
		var names []string
		for k := range settings {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, value.ErrAt(st.Name.Pos(), "unknown setting %s%s; settings are %s", st.Name.Name, value.DidYouMean(name, names), strings.Join(names, ", "))
	}
	v, err := (&plan.Compiler{Sess: s.host(), Ctx: ctx}).Constant(st.Value, "the value of SET")
	if err != nil {
		return nil, err
	}
	if !funcs.TypeFits(v.T, def.typ) {
		return nil, value.ErrAt(st.Value.Pos(), "%s takes %s, not %s", name, value.TypeName(def.typ), value.DisplayValue(v))
	}
	if def.typ == value.TFloat && v.T == value.TInt {
		v = value.FloatV(float64(v.I))
	}
	if def.check != nil {
		if err := def.check(v); err != nil {
			return nil, value.ErrAt(st.Value.Pos(), "%v", err)
		}
	}
	s.settings[name] = v
	if name == "embedder" || name == "embed_model" {
		s.resetEmbedder()
	}
	return &Result{Message: fmt.Sprintf("%s = %s", name, value.DisplayValue(v))}, nil
}

func (s *Session) execAssert(ctx context.Context, st *ast.Assert) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx, NoAgg: "use a subquery, e.g. ASSERT (SELECT count(*) FROM t) > 0"}
	e, err := c.Compile(st.Cond)
	if err != nil {
		return nil, err
	}
	if err := c.WantBool(e, st.Cond); err != nil {
		return nil, err
	}
	ec := s.evalCtx(ctx)
	v, err := e.Eval(ec, nil)
	if err != nil {
		return nil, value.ErrAt(st.Cond.Pos(), "%v", err)
	}
	if value.Truth(v) {
		return &Result{}, nil
	}
	msg := "ASSERT failed: " + st.Cond.String()
	if st.Message != nil {
		m, err := c.Constant(st.Message, "the ASSERT message")
		if err == nil {
			msg = "ASSERT failed: " + value.AsText(m) + " (" + st.Cond.String() + ")"
		}
	}
	if vals := assertValues(ec, st.Cond, e); vals != "" {
		msg += "; " + vals
	}
	qe := value.ErrAt(st.Pos(), "%s", msg)
	qe.Err = ErrAssert
	return nil, qe
}

// assertValues shows the operands of a failed comparison.
func assertValues(ec *exec.EvalCtx, n ast.Expr, e exec.Expr) string {
	cmp, ok := e.(*exec.CmpExpr)
	if !ok {
		if v, err := e.Eval(ec, nil); err == nil {
			return "it is " + value.DisplayValue(v)
		}
		return ""
	}
	b, _ := n.(*ast.Binary)
	if b == nil {
		return ""
	}
	var parts []string
	for _, side := range []struct {
		e exec.Expr
		n ast.Expr
	}{{cmp.X, b.X}, {cmp.Y, b.Y}} {
		if isLiteral(side.n) {
			continue
		}
		v, err := side.e.Eval(ec, nil)
		if err != nil {
			return ""
		}
		parts = append(parts, fmt.Sprintf("%s is %s", side.n.String(), value.DisplayValue(v)))
	}
	return strings.Join(parts, ", ")
}

func (s *Session) execIngest(ctx context.Context, st *ast.Ingest) (*Result, error) {
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	var paths []string
	for _, p := range st.Paths {
		v, err := c.Constant(p, "the path of INGEST")
		if err != nil {
			return nil, err
		}
		if v.T != value.TString {
			return nil, value.ErrAt(p.Pos(), "INGEST takes paths as text, e.g. INGEST 'shards/0000' INTO laion")
		}
		paths = append(paths, v.S)
	}
	if _, err := s.db.Table(st.Table.Name); err != nil {
		if ast.IsReserved(st.Table.Name) {
			return nil, reservedName("table", st.Table)
		}
		if sets, err := s.db.Sets(); err == nil {
			for _, set := range sets {
				if strings.EqualFold(set.Name, st.Table.Name) {
					return nil, value.ErrAt(st.Table.Pos(), "%s is a set; choose another name for the table (a table of that name would hide the set)", st.Table.Name)
				}
			}
		}
	}
	opt := engine.DefaultIngestOptions()
	opt.Table = st.Table.Name
	if st.Shard != nil {
		v, err := c.Constant(st.Shard, "the SHARD number")
		if err != nil {
			return nil, err
		}
		if v.T != value.TInt || v.I < 0 {
			return nil, value.ErrAt(st.Shard.Pos(), "SHARD takes a non-negative integer")
		}
		opt.Shard = v.I
	}
	opt.Warn = s.opts.Warn
	if s.opts.Progress != nil {
		opt.Progress = func(p engine.IngestProgress) { s.opts.Progress("ingest", p.Rows, p.TotalRows) }
		opt.IndexProgress = func(name string, done, total int64) { s.opts.Progress("index "+name, done, total) }
	}
	rep, err := s.db.Ingest(ctx, paths, opt)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "INGEST: %v", err)
	}
	if s.scale != nil && s.scale.partial != nil {
		s.scale.partial.lastIngest = rep
	}
	return &Result{Message: fmt.Sprintf("ingested %d rows into %s (%d shard%s)", rep.Rows, rep.Table, len(rep.Shards), plural(len(rep.Shards))), Changes: rep.Rows}, nil
}

func (s *Session) execCreateSet(ctx context.Context, st *ast.CreateSet) (*Result, error) {
	return s.createSet(ctx, st, false)
}

// createSet runs CREATE SET, or (replace) makes an existing set again.
func (s *Session) createSet(ctx context.Context, st *ast.CreateSet, replace bool) (*Result, error) {
	if !replace && ast.IsReserved(st.Name.Name) {
		return nil, reservedName("set", st.Name)
	}
	p := &plan.Planner{Sess: s.host(), Ctx: ctx, Q: st.Query}
	root, err := p.Plan()
	if err != nil {
		return nil, err
	}
	if p.Src == nil {
		return nil, value.ErrAt(st.Query.Pos(), "CREATE SET stores rows of one table or set, so its query reads one: SELECT ... FROM laion WHERE ...; to keep the rows that match another source, use WHERE EXISTS (SELECT ...) or WHERE url IN (SELECT ...)")
	}
	sch := root.Schema()
	idCol := -1
	for i, c := range sch {
		if strings.EqualFold(c.Name, "id") && strings.EqualFold(c.Qual, p.Src.Name) {
			idCol = i
		}
	}
	if idCol < 0 {
		return nil, value.ErrAt(st.Query.Pos(), "CREATE SET needs the row ids: select id (or *) so the set knows which rows it holds")
	}
	// Stored columns: everything selected that is not a plain column of
	// the base table (computed values, a bound synset, a set's own columns).
	var stored []int
	var cols []engine.Column
	for i, c := range sch {
		if i == idCol {
			continue
		}
		base := c.Qual != "" && strings.EqualFold(c.Qual, p.Src.Name) && (p.Src.Info.Table.Column(c.Name) >= 0 || p.Src.Info.Table.Vector(c.Name) >= 0) && !p.Src.IsStored(c.Name)
		if base {
			continue
		}
		if c.Typ == value.TVector {
			return nil, value.ErrAt(st.Query.Pos(), "CREATE SET cannot store the computed vector %s; store scalars such as cos(...) AS score", c.Name)
		}
		t := c.Typ
		if t == value.TAny || t == value.TNull {
			t = value.TString
		}
		stored = append(stored, i)
		cols = append(cols, engine.Column{Name: c.Name, Type: t})
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[strings.ToLower(c.Name)] {
			return nil, value.ErrAt(st.Query.Pos(), "two selected columns are named %s; give them different names with AS", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
	}
	w, err := s.db.NewSet(st.Name.Name, p.Src.Info.Table.Name, cols, s.definition(st), replace)
	if err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "%v", err)
	}
	rows, err := s.run(ctx, root)
	if err != nil {
		w.Abort()
		return nil, atStatement(err, st.Pos())
	}
	defer rows.Close()
	vals := make([]value.Value, len(stored))
	// Rows come in id order unless the query sorted them; sets keep ids in
	// order, so sorted queries are collected and reordered.
	type pending struct {
		id   uint64
		vals []value.Value
	}
	var buf []pending
	ordered := true
	var last uint64
	n := 0
	for rows.Next() {
		row := rows.Row()
		id := uint64(row[idCol].I)
		for j, i := range stored {
			vals[j] = row[i]
		}
		if n > 0 && id <= last {
			ordered = false
		}
		last = id
		n++
		buf = append(buf, pending{id, append([]value.Value(nil), vals...)})
	}
	if err := rows.Err(); err != nil {
		w.Abort()
		return nil, atStatement(err, st.Pos())
	}
	if !ordered {
		sort.Slice(buf, func(i, j int) bool { return buf[i].id < buf[j].id })
	}
	for i, r := range buf {
		if i > 0 && r.id == buf[i-1].id {
			continue
		}
		if err := w.Add(r.id, r.vals); err != nil {
			w.Abort()
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.Commit(); err != nil {
		return nil, err
	}
	verb := "created"
	if replace {
		verb = "refreshed"
	}
	return &Result{Message: setMessage(verb, st.Name.Name, int64(len(buf)), p.Src.Info.Table.Name, cols), Changes: int64(len(buf))}, nil
}

// setMessage is what CREATE SET and REFRESH SET say.
func setMessage(verb, name string, rows int64, table string, cols []engine.Column) string {
	msg := fmt.Sprintf("%s set %s: %d rows of %s", verb, name, rows, table)
	if len(cols) > 0 {
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		msg += ", storing " + strings.Join(names, ", ")
	}
	return msg
}

func (s *Session) execDropSet(ctx context.Context, st *ast.DropSet) (*Result, error) {
	var rows int64
	if sets, err := s.db.Sets(); err == nil {
		for _, set := range sets {
			if strings.EqualFold(set.Name, st.Name.Name) {
				rows = set.Rows
			}
		}
	}
	ok, err := s.db.DropSet(st.Name.Name)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "%v", err)
	}
	if !ok {
		if st.IfExists {
			return &Result{Message: "no set " + st.Name.Name}, nil
		}
		sets, _ := s.db.Sets()
		var names []string
		for _, set := range sets {
			names = append(names, set.Name)
		}
		return nil, value.ErrAt(st.Name.Pos(), "%v: %s%s", engine.ErrNoSet, st.Name.Name, value.DidYouMean(st.Name.Name, names))
	}
	return &Result{Message: "dropped set " + st.Name.Name, Changes: rows}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func isLiteral(e ast.Expr) bool {
	switch e.(type) {
	case *ast.IntLit, *ast.FloatLit, *ast.StringLit, *ast.BoolLit, *ast.NullLit:
		return true
	}
	return false
}

// paperLemmas splits an ImageNet class's lemmas under the paper rule into
// those that can match a caption and those that never can, each with the
// reason: a lemma with punctuation (T-shirt) cannot survive the caption's
// punctuation becoming spaces, and a lemma another class shares is dropped
// from the dictionary. Synsets outside ImageNet-1k have neither.
func (s *Session) paperLemmas(syn *synset.Synset) (matching, never []string) {
	vocab, err := s.cat.Vocabulary(synset.Paper)
	if err != nil || syn.Class < 0 {
		return nil, nil
	}
	inVocab := map[string]bool{}
	for _, e := range vocab.EntriesOf(syn.Class) {
		l := vocab.Entries()[e].Lemma
		inVocab[l] = true
		if vocab.CanMatch(e) {
			matching = append(matching, l)
		} else {
			never = append(never, l+" (punctuation: the rule turns it into a space in captions)")
		}
	}
	for _, l := range syn.Lemmas {
		if inVocab[l] {
			continue
		}
		var others []string
		for _, o := range s.cat.Classes() {
			if o.Class != syn.Class && slices.Contains(o.Lemmas, l) {
				others = append(others, o.WNID.String()+" "+o.Head)
			}
		}
		switch {
		case syn.WNID == synset.CraneMachine:
			never = append(never, l+" (the paper's list leaves this class out; crane is the bird's)")
		case len(others) == 0:
			never = append(never, l+" (not in the paper's dictionary)")
		default:
			never = append(never, l+" (shared with "+strings.Join(others, ", ")+")")
		}
	}
	return matching, never
}

var _ = errors.New
