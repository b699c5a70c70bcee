package ast

import "github.com/laiondb/laiondb/query/internal/grammar"

// Lowering of issue 13's statements and clauses (grammar_paper.go).

// paperStatement lowers the statements of grammar_paper.go; nil for any
// other statement.
func (l *lowerer) paperStatement(s *grammar.Statement) Stmt {
	switch {
	case s.ImportClassifier != nil:
		c := s.ImportClassifier
		return &ImportClassifier{Name: ident(c.Name), Weights: l.concat(c.Weights), Classes: l.optConcat(c.Classes), Model: l.optConcat(c.Model)}
	case s.ImportPredictions != nil:
		return &ImportPredictions{File: l.concat(s.ImportPredictions.File), Name: ident(s.ImportPredictions.Name)}
	case s.CreateClassifier != nil:
		return &CreateClassifier{Name: ident(s.CreateClassifier.Name), Query: l.query(s.CreateClassifier.Query)}
	case s.DropClassifier != nil:
		return &DropClassifier{IfExists: s.DropClassifier.IfExists, Name: ident(s.DropClassifier.Name)}
	case s.ShowClassifiers != nil:
		return &ShowClassifiers{}
	case s.Plot != nil && s.Plot.Line != nil:
		return l.plotLine(s.Plot.Line)
	case s.Evaluate != nil:
		e := s.Evaluate
		return &Evaluate{Name: ident(e.Name), Source: l.evalSource(e.Source), Label: l.optExpr(e.Label), PerClass: e.PerClass}
	}
	return nil
}

func (l *lowerer) evalSource(s *grammar.EvalSource) Source {
	if s.Query != nil {
		q, st := l.queryOrStmt(s.Query)
		if q != nil {
			return &SubquerySource{Lparen: pos(s.Pos), Query: q, Alias: ident(s.QueryAlias)}
		}
		return &StmtSource{Lparen: pos(s.Pos), Stmt: st, Alias: ident(s.QueryAlias)}
	}
	return &TableSource{Name: ident(s.Table), Alias: ident(s.TableAlias)}
}

func (l *lowerer) sample(s *grammar.Sample) *Sample {
	if s == nil {
		return nil
	}
	return &Sample{SamplePos: pos(s.Pos), Size: l.concat(s.Size), Percent: s.Percent, Per: l.optConcat(s.Per), Seed: l.optConcat(s.Seed)}
}

// plotOption lowers PLOT HISTOGRAM's DENSITY, RANGE and XLABEL.
func (l *lowerer) plotOption(p *Plot, o *grammar.PlotOption) {
	switch {
	case o.Density && p.Density:
		l.fail(o.Pos, "DENSITY given twice")
	case o.Density:
		p.Density = true
	case o.RangeLo != nil && p.RangeLo != nil:
		l.fail(o.Pos, "RANGE given twice")
	case o.RangeLo != nil:
		p.RangeLo, p.RangeHi = l.concat(o.RangeLo), l.concat(o.RangeHi)
	case o.XLabel != nil && p.XLabel != nil:
		l.fail(o.Pos, "XLABEL given twice")
	case o.XLabel != nil:
		p.XLabel = l.concat(o.XLabel)
	}
}

func (l *lowerer) plotLine(ln *grammar.Line) *Plot {
	p := &Plot{Kind: PlotLine, To: l.concat(ln.To)}
	for _, q := range ln.Queries {
		p.Queries = append(p.Queries, l.query(q))
	}
	for _, o := range ln.Options {
		switch {
		case o.Title != nil && p.Title != nil:
			l.fail(o.Pos, "TITLE given twice")
		case o.Title != nil:
			p.Title = l.concat(o.Title)
		case o.XLabel != nil && p.XLabel != nil:
			l.fail(o.Pos, "XLABEL given twice")
		case o.XLabel != nil:
			p.XLabel = l.concat(o.XLabel)
		case p.YLabel != nil:
			l.fail(o.Pos, "YLABEL given twice")
		default:
			p.YLabel = l.concat(o.YLabel)
		}
	}
	return p
}
