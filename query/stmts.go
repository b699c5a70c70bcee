package query

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/ast"
)

// queryRows runs a plan under its own snapshot, closed with the rows.
type queryRows struct {
	Rows
	snap *engine.Snapshot
	pos  ast.Pos // of the statement, for errors raised while rows are read
}

// atStatement places an error without a position at pos.
func atStatement(err error, pos ast.Pos) error {
	var qe *Error
	if errors.As(err, &qe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Pos: pos, Msg: err.Error(), Err: err}
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

func (s *Session) evalCtx(ctx context.Context) *evalCtx {
	return &evalCtx{ctx: ctx, sess: s, snap: s.db.Snapshot()}
}

// run opens a plan with a fresh snapshot.
func (s *Session) run(ctx context.Context, p planNode) (Rows, error) {
	ec := s.evalCtx(ctx)
	if err := s.prefetchEmbeds(ec, p); err != nil {
		ec.snap.Close()
		return nil, err
	}
	rows, err := p.open(ec)
	if err != nil {
		ec.snap.Close()
		return nil, err
	}
	return &queryRows{Rows: rows, snap: ec.snap}, nil
}

func (s *Session) execSelect(ctx context.Context, q *ast.Select) (*Result, error) {
	p, err := s.planQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.run(ctx, p)
	if err != nil {
		return nil, atStatement(err, q.Pos())
	}
	rows.(*queryRows).pos = q.Pos()
	return &Result{Columns: visible(p.schema()), Rows: rows}, nil
}

func visible(sch schema) []Column { return sch.columns() }

func (s *Session) execExplain(ctx context.Context, st *ast.Explain) (*Result, error) {
	var p planNode
	var err error
	var head []string
	switch x := st.Stmt.(type) {
	case *ast.SelectStmt:
		p, err = s.planQuery(ctx, x.Query)
	case *ast.CreateSet:
		head = []string{"create set " + x.Name.Name}
		p, err = s.planQuery(ctx, x.Query)
	case *ast.Nearest:
		p, err = s.planQuery(ctx, nearestQuery(x))
	default:
		return nil, errAt(st.Pos(), "EXPLAIN takes a SELECT, CREATE SET or NEAREST")
	}
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, l := range head {
		rows = append(rows, Row{stringV(l)})
	}
	for _, l := range explainPlan(p) {
		if len(head) > 0 {
			l = "  " + l
		}
		rows = append(rows, Row{stringV(l)})
	}
	return &Result{Columns: []Column{{Name: "plan", Type: tString}}, Rows: newSliceRows(rows)}, nil
}

func (s *Session) execShow(ctx context.Context, st *ast.Show) (*Result, error) {
	switch st.What {
	case ast.ShowTables:
		var rows []Row
		for _, t := range s.db.Tables() {
			var vecs []string
			for _, v := range t.Vectors {
				vecs = append(vecs, fmt.Sprintf("%s %d-d %s", v.Name, v.Dim, v.Model))
			}
			rows = append(rows, Row{stringV(t.Name), intV(t.Rows()), intV(int64(len(t.Shards))), intV(int64(len(t.Columns))), stringV(strings.Join(vecs, ", "))})
		}
		return &Result{Columns: []Column{{"table", tString}, {"rows", tInt}, {"shards", tInt}, {"columns", tInt}, {"vectors", tString}}, Rows: newSliceRows(rows)}, nil
	case ast.ShowSets:
		sets, err := s.db.Sets()
		if err != nil {
			return nil, err
		}
		var rows []Row
		for _, set := range sets {
			var cols []string
			for _, c := range set.Columns {
				cols = append(cols, c.Name)
			}
			rows = append(rows, Row{stringV(set.Name), stringV(set.Table), intV(set.Rows), stringV(strings.Join(cols, ", ")), stringV(set.Query)})
		}
		return &Result{Columns: []Column{{"set", tString}, {"table", tString}, {"rows", tInt}, {"stored columns", tString}, {"made by", tString}}, Rows: newSliceRows(rows)}, nil
	case ast.ShowSynsets:
		pat := "%"
		if st.Like != nil {
			v, err := (&compiler{sess: s, ctx: ctx}).constant(st.Like, "the LIKE pattern")
			if err != nil {
				return nil, err
			}
			pat = v.S
		}
		var rows []Row
		for _, syn := range s.cat.Classes() {
			ok := likeMatch(syn.Head, pat) || likeMatch(syn.WNID.String(), pat) || likeMatch(syn.Name, pat)
			for _, l := range syn.Lemmas {
				ok = ok || likeMatch(l, pat)
			}
			if ok {
				rows = append(rows, Row{stringV(syn.WNID.String()), intV(int64(syn.Class)), stringV(syn.Head), stringV(strings.Join(syn.Lemmas, ", "))})
			}
		}
		return &Result{Columns: []Column{{"wnid", tString}, {"class", tInt}, {"name", tString}, {"lemmas", tString}}, Rows: newSliceRows(rows)}, nil
	}
	if st.What == ast.ShowIndexes {
		return s.execShowIndexes()
	}
	return nil, errAt(st.Pos(), "SHOW of this kind is not supported")
}

func (s *Session) execShowSynset(ctx context.Context, st *ast.ShowSynset) (*Result, error) {
	v, err := (&compiler{sess: s, ctx: ctx}).constant(st.Synset, "the synset")
	if err != nil {
		return nil, err
	}
	syn, err := s.resolveSynset(v.S)
	if err != nil {
		return nil, errAt(st.Synset.Pos(), "%v", err)
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
	class := Value{}
	if syn.Class >= 0 {
		class = intV(int64(syn.Class))
	}
	var paper []string
	if vocab, err := s.cat.Vocabulary(synset.Paper); err == nil && syn.Class >= 0 {
		for _, e := range vocab.EntriesOf(syn.Class) {
			paper = append(paper, vocab.Entries()[e].Lemma)
		}
	}
	row := Row{stringV(syn.WNID.String()), class, stringV(syn.Name), stringV(syn.Head), stringV(strings.Join(syn.Lemmas, ", ")),
		stringV(strings.Join(paper, ", ")), stringV(syn.Gloss), stringV(synset.Text(syn)), stringV(strings.Join(chain, " < "))}
	cols := []Column{{"wnid", tString}, {"class", tInt}, {"sense", tString}, {"name", tString}, {"lemmas", tString},
		{"matching lemmas", tString}, {"gloss", tString}, {"synset_text", tString}, {"hypernyms", tString}}
	return &Result{Columns: cols, Rows: newSliceRows([]Row{row})}, nil
}

func (s *Session) execDescribe(ctx context.Context, st *ast.Describe) (*Result, error) {
	src, err := s.openSource(st.Name.Name, "")
	if err != nil {
		return nil, errAt(st.Name.Pos(), "%v", err)
	}
	var rows []Row
	setCols := map[int]bool{}
	for _, p := range src.setPos {
		setCols[p] = true
	}
	for i, c := range src.sch {
		typ := typeName(c.typ)
		note := ""
		switch {
		case i == 0:
			note = "row id: shard × 100000000 + row in the shard's files"
		case c.typ == tVector:
			vc := src.table.Vectors[src.table.Vector(c.name)]
			typ = fmt.Sprintf("VECTOR(%d)", c.dim)
			note = fmt.Sprintf("%s embeddings, stored %s", vc.Model, vc.DType)
		case setCols[i]:
			note = "stored with the set"
		default:
			if tc := src.table.Column(c.name); tc >= 0 && src.table.Columns[tc].Source != "" && src.table.Columns[tc].Source != c.name {
				note = "from " + src.table.Columns[tc].Source
			}
		}
		rows = append(rows, Row{stringV(c.name), stringV(typ), stringV(note)})
	}
	msg := fmt.Sprintf("table %s: %d rows in %d shard%s", src.table.Name, src.table.Rows(), len(src.table.Shards), plural(len(src.table.Shards)))
	if src.set != nil {
		msg = fmt.Sprintf("set %s: %d rows of table %s", src.set.Name, src.set.Rows, src.table.Name)
	}
	return &Result{Columns: []Column{{"column", tString}, {"type", tString}, {"note", tString}}, Rows: newSliceRows(rows), Message: msg}, nil
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
		return nil, errAt(st.Name.Pos(), "unknown setting %s%s; settings are %s", st.Name.Name, didYouMean(name, names), strings.Join(names, ", "))
	}
	v, err := (&compiler{sess: s, ctx: ctx}).constant(st.Value, "the value of SET")
	if err != nil {
		return nil, err
	}
	if !typeFits(v.T, def.typ) {
		return nil, errAt(st.Value.Pos(), "%s takes %s, not %s", name, typeName(def.typ), displayValue(v))
	}
	if def.typ == tFloat && v.T == tInt {
		v = floatV(float64(v.I))
	}
	if def.check != nil {
		if err := def.check(v); err != nil {
			return nil, errAt(st.Value.Pos(), "%v", err)
		}
	}
	s.settings[name] = v
	if name == "embedder" || name == "embed_model" {
		s.resetEmbedder()
	}
	return &Result{Message: fmt.Sprintf("%s = %s", name, displayValue(v))}, nil
}

func (s *Session) execAssert(ctx context.Context, st *ast.Assert) (*Result, error) {
	c := &compiler{sess: s, ctx: ctx, noAgg: "use a subquery, e.g. ASSERT (SELECT count(*) FROM t) > 0"}
	e, err := c.compile(st.Cond)
	if err != nil {
		return nil, err
	}
	if err := c.wantBool(e, st.Cond); err != nil {
		return nil, err
	}
	ec := s.evalCtx(ctx)
	defer ec.snap.Close()
	v, err := e.eval(ec, nil)
	if err != nil {
		return nil, errAt(st.Cond.Pos(), "%v", err)
	}
	if truth(v) {
		return &Result{}, nil
	}
	msg := "ASSERT failed: " + st.Cond.String()
	if st.Message != nil {
		m, err := c.constant(st.Message, "the ASSERT message")
		if err == nil {
			msg = "ASSERT failed: " + asText(m) + " (" + st.Cond.String() + ")"
		}
	}
	if vals := assertValues(ec, st.Cond, e); vals != "" {
		msg += "; " + vals
	}
	qe := errAt(st.Pos(), "%s", msg)
	qe.Err = ErrAssert
	return nil, qe
}

// assertValues shows the operands of a failed comparison.
func assertValues(ec *evalCtx, n ast.Expr, e expr) string {
	cmp, ok := e.(*cmpExpr)
	if !ok {
		if v, err := e.eval(ec, nil); err == nil {
			return "it is " + displayValue(v)
		}
		return ""
	}
	b, _ := n.(*ast.Binary)
	if b == nil {
		return ""
	}
	var parts []string
	for _, side := range []struct {
		e expr
		n ast.Expr
	}{{cmp.x, b.X}, {cmp.y, b.Y}} {
		if isLiteral(side.n) {
			continue
		}
		v, err := side.e.eval(ec, nil)
		if err != nil {
			return ""
		}
		parts = append(parts, fmt.Sprintf("%s is %s", side.n.String(), displayValue(v)))
	}
	return strings.Join(parts, ", ")
}

func (s *Session) execIngest(ctx context.Context, st *ast.Ingest) (*Result, error) {
	c := &compiler{sess: s, ctx: ctx}
	var paths []string
	for _, p := range st.Paths {
		v, err := c.constant(p, "the path of INGEST")
		if err != nil {
			return nil, err
		}
		if v.T != tString {
			return nil, errAt(p.Pos(), "INGEST takes paths as text, e.g. INGEST 'shards/0000' INTO laion")
		}
		paths = append(paths, v.S)
	}
	opt := engine.DefaultIngestOptions()
	opt.Table = st.Table.Name
	if st.Shard != nil {
		v, err := c.constant(st.Shard, "the SHARD number")
		if err != nil {
			return nil, err
		}
		if v.T != tInt || v.I < 0 {
			return nil, errAt(st.Shard.Pos(), "SHARD takes a non-negative integer")
		}
		opt.Shard = v.I
	}
	opt.Warn = s.opts.Warn
	if s.opts.Progress != nil {
		opt.Progress = func(p engine.IngestProgress) { s.opts.Progress("ingest", p.Rows, p.TotalRows) }
	}
	rep, err := s.db.Ingest(ctx, paths, opt)
	if err != nil {
		return nil, errAt(st.Pos(), "INGEST: %v", err)
	}
	return &Result{Message: fmt.Sprintf("ingested %d rows into %s (%d shard%s)", rep.Rows, rep.Table, len(rep.Shards), plural(len(rep.Shards)))}, nil
}

func (s *Session) execCreateSet(ctx context.Context, st *ast.CreateSet) (*Result, error) {
	p := &planner{sess: s, ctx: ctx, q: st.Query}
	root, err := p.plan()
	if err != nil {
		return nil, err
	}
	if p.src == nil {
		return nil, errAt(st.Query.Pos(), "CREATE SET needs rows of a table or set: SELECT ... FROM laion WHERE ...")
	}
	sch := root.schema()
	idCol := -1
	for i, c := range sch {
		if strings.EqualFold(c.name, "id") && strings.EqualFold(c.qual, p.src.name) {
			idCol = i
		}
	}
	if idCol < 0 {
		return nil, errAt(st.Query.Pos(), "CREATE SET needs the row ids: select id (or *) so the set knows which rows it holds")
	}
	// Stored columns: everything selected that is not a plain column of
	// the base table (computed values, a bound synset, a set's own columns).
	var stored []int
	var cols []engine.Column
	for i, c := range sch {
		if i == idCol {
			continue
		}
		base := c.qual != "" && strings.EqualFold(c.qual, p.src.name) && (p.src.table.Column(c.name) >= 0 || p.src.table.Vector(c.name) >= 0) && !p.isSetColumn(c.name)
		if base {
			continue
		}
		if c.typ == tVector {
			return nil, errAt(st.Query.Pos(), "CREATE SET cannot store the computed vector %s; store scalars such as cos(...) AS score", c.name)
		}
		t := c.typ
		if t == tAny || t == tNull {
			t = tString
		}
		stored = append(stored, i)
		cols = append(cols, engine.Column{Name: c.name, Type: t})
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[strings.ToLower(c.Name)] {
			return nil, errAt(st.Query.Pos(), "two selected columns are named %s; give them different names with AS", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
	}
	w, err := s.db.NewSet(st.Name.Name, p.src.table.Name, cols, st.Span().Text)
	if err != nil {
		return nil, errAt(st.Name.Pos(), "%v", err)
	}
	rows, err := s.run(ctx, root)
	if err != nil {
		w.Abort()
		return nil, atStatement(err, st.Pos())
	}
	defer rows.Close()
	vals := make([]Value, len(stored))
	// Rows come in id order unless the query sorted them; sets keep ids in
	// order, so sorted queries are collected and reordered.
	type pending struct {
		id   uint64
		vals []Value
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
		buf = append(buf, pending{id, append([]Value(nil), vals...)})
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
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	msg := fmt.Sprintf("created set %s: %d rows of %s", st.Name.Name, len(buf), p.src.table.Name)
	if len(names) > 0 {
		msg += ", storing " + strings.Join(names, ", ")
	}
	return &Result{Message: msg}, nil
}

func (p *planner) isSetColumn(name string) bool {
	if p.src.set == nil {
		return false
	}
	for _, c := range p.src.set.Columns {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

func (s *Session) execDropSet(ctx context.Context, st *ast.DropSet) (*Result, error) {
	ok, err := s.db.DropSet(st.Name.Name)
	if err != nil {
		return nil, errAt(st.Pos(), "%v", err)
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
		return nil, errAt(st.Name.Pos(), "%v: %s%s", engine.ErrNoSet, st.Name.Name, didYouMean(st.Name.Name, names))
	}
	return &Result{Message: "dropped set " + st.Name.Name}, nil
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

var _ = errors.New
