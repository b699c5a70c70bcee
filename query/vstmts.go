package query

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/ast"
)

// execShowIndexes lists the vector indexes.
func (s *Session) execShowIndexes() (*Result, error) {
	all, err := s.db.Indexes()
	if err != nil {
		return nil, err
	}
	var rows []value.Row
	for _, v := range all {
		rows = append(rows, value.Row{value.StringV(v.Name), value.StringV(v.Table), value.StringV(v.Column), value.IntV(v.Rows),
			value.IntV(int64(v.M)), value.IntV(int64(v.EfConstruction)), value.IntV(int64(math.Round(float64(v.Bytes) / float64(max(v.Rows, 1)))))})
	}
	return &Result{Columns: []Column{{Name: "index", Type: value.TString}, {Name: "table", Type: value.TString}, {Name: "column", Type: value.TString}, {Name: "rows", Type: value.TInt},
		{Name: "m", Type: value.TInt}, {Name: "ef_construction", Type: value.TInt}, {Name: "graph bytes per row", Type: value.TInt}}, Rows: value.NewSliceRows(rows)}, nil
}

func (s *Session) execCreateIndex(ctx context.Context, st *ast.CreateIndex) (*Result, error) {
	opt := engine.DefaultIndexOptions()
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	for _, o := range st.Options {
		v, err := c.Constant(o.Value, "the index option "+o.Name.Name)
		if err != nil {
			return nil, err
		}
		if v.T != value.TInt {
			return nil, value.ErrAt(o.Value.Pos(), "%s takes an integer", o.Name.Name)
		}
		switch strings.ToLower(o.Name.Name) {
		case "m":
			opt.M = int(v.I)
		case "ef_construction":
			opt.EfConstruction = int(v.I)
		case "seed":
			opt.Seed = uint64(v.I)
		case "threads":
			opt.Threads = int(v.I)
		default:
			return nil, value.ErrAt(o.Name.Pos(), "unknown index option %s%s; options are m, ef_construction, seed, threads", o.Name.Name, value.DidYouMean(o.Name.Name, []string{"m", "ef_construction", "seed", "threads"}))
		}
	}
	if s.opts.Progress != nil {
		opt.Progress = func(done, total int64) { s.opts.Progress("index", done, total) }
	}
	if _, err := s.db.Table(st.Table.Name); err != nil {
		return nil, value.ErrAt(st.Table.Pos(), "%v%s", err, value.DidYouMean(st.Table.Name, s.sourceNames()))
	}
	meta, err := s.db.CreateIndex(ctx, st.Name.Name, st.Table.Name, st.Column.Name, opt)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "CREATE INDEX: %v", err)
	}
	return &Result{Message: fmt.Sprintf("created index %s on %s(%s): %d rows, m = %d, ef_construction = %d",
		meta.Name, meta.Table, meta.Column, meta.Rows, meta.M, meta.EfConstruction)}, nil
}

func (s *Session) execDropIndex(ctx context.Context, st *ast.DropIndex) (*Result, error) {
	name := st.Name.Name
	if name == "" {
		v, err := s.db.IndexOn(st.Table.Name, st.Column.Name)
		if err != nil {
			return nil, err
		}
		if v == nil {
			if st.IfExists {
				return &Result{Message: fmt.Sprintf("no index on %s(%s)", st.Table.Name, st.Column.Name)}, nil
			}
			return nil, value.ErrAt(st.Table.Pos(), "no index on %s(%s)", st.Table.Name, st.Column.Name)
		}
		name = v.Name
	}
	ok, err := s.db.DropIndex(name)
	if err != nil {
		return nil, value.ErrAt(st.Pos(), "%v", err)
	}
	if !ok {
		if st.IfExists {
			return &Result{Message: "no index " + name}, nil
		}
		var names []string
		if all, err := s.db.Indexes(); err == nil {
			for _, v := range all {
				names = append(names, v.Name)
			}
		}
		return nil, value.ErrAt(st.Name.Pos(), "no index %s%s", name, value.DidYouMean(name, names))
	}
	return &Result{Message: "dropped index " + name}, nil
}
