package ast

// Printing of issue 13's statements and clauses (see ast_paper.go).

func (p *printer) sample(s *Sample) {
	p.WriteString("SAMPLE ")
	p.value(s.Size)
	switch {
	case s.Percent:
		p.WriteString(" PERCENT")
	case s.Per != nil:
		p.WriteString(" PER ")
		p.value(s.Per)
	}
	if s.Seed != nil {
		p.WriteString(" SEED ")
		p.value(s.Seed)
	}
}

func (p *printer) compareMethod(x *CompareIntraclass) {
	if x.Method == MethodDefault {
		return
	}
	p.WriteString(" METHOD ")
	p.WriteString(x.Method)
	if x.Resamples != nil {
		p.WriteString(" RESAMPLES ")
		p.value(x.Resamples)
	}
	if x.Seed != nil {
		p.WriteString(" SEED ")
		p.value(x.Seed)
	}
}

func (p *printer) plotOptions(x *Plot) {
	if x.Density {
		p.WriteString(" DENSITY")
	}
	if x.RangeLo != nil {
		p.WriteString(" RANGE ")
		p.value(x.RangeLo)
		p.WriteString(", ")
		p.value(x.RangeHi)
	}
	if x.XLabel != nil {
		p.WriteString(" XLABEL ")
		p.value(x.XLabel)
	}
	if x.YLabel != nil {
		p.WriteString(" YLABEL ")
		p.value(x.YLabel)
	}
}

// evalSource prints EVALUATE's source, always with AS before an alias.
func (p *printer) evalSource(s Source) {
	if t, ok := s.(*TableSource); ok && !t.Alias.IsZero() {
		p.ident(t.Name)
		p.WriteString(" AS ")
		p.ident(t.Alias)
		return
	}
	p.source(s)
}

// paperStmt prints the statements of ast_paper.go and reports whether s
// was one of them.
func (p *printer) paperStmt(s Stmt) bool {
	switch x := s.(type) {
	case *ImportClassifier:
		p.WriteString("IMPORT CLASSIFIER ")
		p.ident(x.Name)
		p.WriteString(" FROM ")
		p.value(x.Weights)
		if x.Classes != nil {
			p.WriteString(" CLASSES ")
			p.value(x.Classes)
		}
		if x.Model != nil {
			p.WriteString(" MODEL ")
			p.value(x.Model)
		}
	case *ImportPredictions:
		p.WriteString("IMPORT PREDICTIONS FROM ")
		p.value(x.File)
		p.WriteString(" AS ")
		p.ident(x.Name)
	case *CreateClassifier:
		p.WriteString("CREATE CLASSIFIER ")
		p.ident(x.Name)
		p.WriteString(" AS ")
		p.query(x.Query)
	case *DropClassifier:
		p.WriteString("DROP CLASSIFIER ")
		if x.IfExists {
			p.WriteString("IF EXISTS ")
		}
		p.ident(x.Name)
	case *ShowClassifiers:
		p.WriteString("SHOW CLASSIFIERS")
	case *Evaluate:
		p.WriteString("EVALUATE ")
		p.ident(x.Name)
		p.WriteString(" ON ")
		p.evalSource(x.Source)
		if x.Label != nil {
			p.WriteString(" LABEL ")
			p.expr(x.Label, precLowest)
		}
		if x.PerClass {
			p.WriteString(" PER CLASS")
		}
	default:
		return false
	}
	return true
}

func (x *Sample) String() string {
	var p printer
	p.sample(x)
	return p.String()
}

func (x *ImportClassifier) String() string  { return stmtString(x) }
func (x *ImportPredictions) String() string { return stmtString(x) }
func (x *CreateClassifier) String() string  { return stmtString(x) }
func (x *DropClassifier) String() string    { return stmtString(x) }
func (x *ShowClassifiers) String() string   { return stmtString(x) }
func (x *Evaluate) String() string          { return stmtString(x) }
