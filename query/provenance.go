package query

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/value"
)

// definition records what makes a set: its statement, every setting as it
// is now, the values of the $variables the statement uses, and the
// version of every table and set the statement has read (its snapshot
// knows what it opened).
func (s *Session) definition(st *ast.CreateSet) engine.SetDefinition {
	def := engine.SetDefinition{
		Statement: st.Span().Text,
		Settings:  map[string]value.Value{},
		Reads:     s.snapshot().Reads(),
	}
	for name := range settings {
		def.Settings[name] = s.Setting(name)
	}
	ast.Inspect(st, func(n ast.Node) bool {
		if v, ok := n.(*ast.Var); ok {
			if val, ok := s.vars[strings.ToLower(v.Name)]; ok {
				if def.Vars == nil {
					def.Vars = map[string]value.Value{}
				}
				def.Vars[strings.ToLower(v.Name)] = val
			}
		}
		return true
	})
	return def
}

// describeDefinition shows a set's definition in one line: its statement
// and the settings (those not at their default) and variables it was made
// under.
func describeDefinition(set *engine.Set) string {
	def := set.Definition
	if def == nil {
		return set.Statement()
	}
	var under []string
	for name, v := range def.Settings {
		if d, ok := settings[name]; ok && !sameValue(v, d.def) {
			under = append(under, fmt.Sprintf("%s = %s", name, value.DisplayValue(v)))
		}
	}
	for name, v := range def.Vars {
		under = append(under, fmt.Sprintf("$%s = %s", name, value.DisplayValue(v)))
	}
	sort.Strings(under)
	if len(under) == 0 {
		return def.Statement
	}
	return def.Statement + " -- with " + strings.Join(under, ", ")
}

func sameValue(a, b value.Value) bool {
	return a.T == b.T && a.I == b.I && a.F == b.F && a.S == b.S
}

// execRefreshSet runs a set's recorded statement again, under its
// recorded settings and variables, and replaces the set's rows in one
// step: exactly what a fresh CREATE SET with that definition gives now.
func (s *Session) execRefreshSet(ctx context.Context, st *ast.RefreshSet) (*Result, error) {
	set, err := s.snapshot().SetInfo(st.Name.Name)
	if err != nil {
		return nil, value.ErrAt(st.Name.Pos(), "%v", err)
	}
	def := set.Definition
	if def == nil {
		return nil, value.ErrAt(st.Pos(), "set %s was made by a laiondb that did not record its definition; make it again with DROP SET %s and %s", set.Name, set.Name, set.Query)
	}
	parsed, err := ast.ParseStatement("", def.Statement)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "set %s: its recorded statement no longer parses: %v", set.Name, err)
	}
	create, ok := parsed.(*ast.CreateSet)
	if !ok || !strings.EqualFold(create.Name.Name, set.Name) {
		return nil, value.ErrAt(st.Pos(), "set %s: its recorded statement is not CREATE SET %s: %s", set.Name, set.Name, def.Statement)
	}
	// The statement runs under the recorded settings and variables, then
	// the session's own come back.
	savedSettings, savedVars := s.settings, s.vars
	s.settings, s.vars = map[string]value.Value{}, map[string]value.Value{}
	for name, v := range def.Settings {
		if _, known := settings[name]; known {
			s.settings[name] = v
		}
	}
	for name, v := range def.Vars {
		s.vars[name] = v
	}
	s.resetEmbedder()
	defer func() {
		s.settings, s.vars = savedSettings, savedVars
		s.resetEmbedder()
	}()
	// The refresh reads the sources as they are now: a fresh snapshot.
	if s.stmt != nil {
		s.stmt.Close()
		s.stmt = nil
	}
	return s.createSet(ctx, create, true)
}

// execReindex builds the caption index of shards that lack one and
// stores the vector indexes brought up to date with their tables: the
// write-path repairs that queries, which never write, only do in memory.
func (s *Session) execReindex(ctx context.Context, st *ast.Reindex) (*Result, error) {
	var tables []string
	if !st.Table.IsZero() {
		if _, err := s.db.Table(st.Table.Name); err != nil {
			return nil, value.ErrAt(st.Table.Pos(), "%v%s", err, value.DidYouMean(st.Table.Name, s.sourceNames()))
		}
		tables = []string{st.Table.Name}
	} else {
		for _, t := range s.db.Tables() {
			tables = append(tables, t.Name)
		}
	}
	var parts []string
	for _, t := range tables {
		var progress func(done, total int64)
		if s.opts.Progress != nil {
			progress = func(done, total int64) { s.opts.Progress("caption index", done, total) }
		}
		n, err := s.db.BuildCaptionIndex(ctx, t, progress)
		if err != nil {
			return nil, value.ErrAt(st.Pos(), "REINDEX: %v", err)
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("indexed the captions of %d shard%s of %s", n, plural(n), t))
		}
		stored, err := s.db.RepairIndexes(ctx, t, s.warn)
		if err != nil {
			return nil, value.ErrAt(st.Pos(), "REINDEX: %v", err)
		}
		for _, name := range stored {
			parts = append(parts, "stored the repaired vector index "+name)
		}
	}
	if len(parts) == 0 {
		return &Result{Message: "every index is up to date"}, nil
	}
	return &Result{Message: strings.Join(parts, "; ")}, nil
}

// execVacuum gives back the space of everything nobody can reach any more
// (a full pass; every write gives back what it made garbage already).
func (s *Session) execVacuum(ctx context.Context, st *ast.Vacuum) (*Result, error) {
	var progress func(step string, done, total int64)
	if s.opts.Progress != nil {
		progress = func(step string, done, total int64) { s.opts.Progress("vacuum: "+step, done, total) }
	}
	rep, err := s.db.Vacuum(ctx, progress)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "VACUUM: %v", err)
	}
	msg := fmt.Sprintf("vacuumed: %s on disk, was %s (%d orphaned object%s removed, %d value log file%s rewritten",
		humanBytes(rep.BytesAfter), humanBytes(rep.BytesBefore), rep.Orphans, plural(rep.Orphans), rep.Rewrites, plural(rep.Rewrites))
	if len(rep.Indexes) > 0 {
		msg += "; vector indexes stored without deleted rows: " + strings.Join(rep.Indexes, ", ")
	}
	return &Result{Message: msg + ")"}, nil
}

// humanBytes writes a size with two significant decimals (1.3 GB).
func humanBytes(n int64) string {
	units := []string{"bytes", "KB", "MB", "GB", "TB"}
	f, u := float64(n), 0
	for f >= 1000 && u < len(units)-1 {
		f /= 1000
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}
