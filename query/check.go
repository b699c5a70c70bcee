package query

import (
	"fmt"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/query/ast"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"
)

// Writes reports whether running stmt may write to the database (rows,
// sets, indexes, the catalog). Statement kinds it does not list as
// reading count as writing, so that a new kind errs on the safe side.
// The embedding cache that embed() fills is not counted: it is kept only
// where the database can be written.
func Writes(stmt ast.Stmt) bool {
	switch stmt.(type) {
	case *ast.SelectStmt, *ast.Explain, *ast.Show, *ast.ShowSynset, *ast.Describe,
		*ast.Assert, *ast.Set, *ast.Nearest, *ast.CompareIntraclass, *ast.Export, *ast.Plot,
		*ast.Evaluate, *ast.ShowClassifiers:
		return false
	}
	return true
}

// Check finds the errors of a script that can be known before any of it
// runs, so that a script does not stop half-way on a typo after its first
// statements have changed the database:
//
//   - a table or set that neither exists nor is made by an earlier
//     statement of the script (INGEST makes tables, CREATE SET sets, DROP
//     SET removes them), and CREATE SET of a name already taken;
//   - a $variable that is not set;
//   - an unknown function or setting.
//
// Each error is an *Error at the name, in script order. Check reads the
// catalog and changes nothing. Columns are not checked: the sets a script
// makes have the columns their queries give them, known only once they
// run.
func (s *Session) Check(stmts []ast.Stmt) []error {
	c := &checker{s: s, tables: map[string]string{}, sets: map[string]string{}, dropped: map[string]ast.Pos{}}
	for _, t := range s.db.Tables() {
		c.tables[strings.ToLower(t.Name)] = t.Name
	}
	if sets, err := s.db.Sets(); err == nil {
		for _, set := range sets {
			c.sets[strings.ToLower(set.Name)] = set.Name
		}
	}
	for _, st := range stmts {
		n := len(c.errs)
		c.statement(st)
		mine := c.errs[n:]
		sort.SliceStable(mine, func(i, j int) bool { return mine[i].Pos.Offset < mine[j].Pos.Offset })
	}
	out := make([]error, len(c.errs))
	for i, e := range c.errs {
		out[i] = e
	}
	return out
}

// checker follows the catalog through a script: names are lower-cased
// keys to the names as written.
type checker struct {
	s            *Session
	tables, sets map[string]string
	dropped      map[string]ast.Pos // sets dropped by the script, and where
	with         map[string]bool    // the WITH names of the statement being checked
	errs         []*value.Error
}

func (c *checker) errorf(p ast.Pos, format string, args ...any) {
	c.errs = append(c.errs, value.ErrAt(p, format, args...))
}

func (c *checker) statement(st ast.Stmt) {
	// The names of the statement's WITH queries are sources within it.
	c.with = map[string]bool{}
	ast.Inspect(st, func(n ast.Node) bool {
		if w, ok := n.(*ast.WithQuery); ok {
			c.with[strings.ToLower(w.Name.Name)] = true
		}
		return true
	})
	ast.Inspect(st, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.TableSource:
			c.source(x.Name)
		case *ast.Var:
			c.variable(x)
		case *ast.Call:
			c.function(x.Name)
		}
		return true
	})
	c.names(st)
	switch x := st.(type) {
	case *ast.Ingest:
		k := strings.ToLower(x.Table.Name)
		if c.tables[k] == "" {
			switch {
			case c.sets[k] != "":
				c.errorf(x.Table.Pos(), "%s is a set; choose another name for the table (a table of that name would hide the set)", x.Table.Name)
			case ast.IsReserved(x.Table.Name):
				c.errs = append(c.errs, reservedName("table", x.Table))
			}
		}
		c.tables[k] = x.Table.Name
	case *ast.CreateSet:
		k := strings.ToLower(x.Name.Name)
		switch {
		case ast.IsReserved(x.Name.Name):
			c.errs = append(c.errs, reservedName("set", x.Name))
		case c.sets[k] != "":
			c.errorf(x.Name.Pos(), "set %s already exists (DROP SET %s first, or REFRESH SET %s to make it again)", x.Name.Name, x.Name.Name, x.Name.Name)
		case c.tables[k] != "":
			c.errorf(x.Name.Pos(), "%s is a table; choose another name for the set", x.Name.Name)
		}
		c.sets[k] = x.Name.Name
		delete(c.dropped, k)
	case *ast.DropSet:
		k := strings.ToLower(x.Name.Name)
		if c.sets[k] != "" {
			c.dropped[k] = x.Pos()
		}
		delete(c.sets, k)
	}
}

// names checks the names a statement takes outside its expressions and
// queries (which ast.Inspect visits).
func (c *checker) names(st ast.Stmt) {
	switch x := st.(type) {
	case *ast.Explain:
		c.names(x.Stmt)
	case *ast.Nearest:
		c.source(x.Source)
	case *ast.Describe:
		c.source(x.Name)
	case *ast.Export:
		if x.Name.Name != "" {
			c.source(x.Name)
		}
	case *ast.CreateIndex:
		c.table(x.Table)
	case *ast.DropIndex:
		if x.Table.Name != "" && !x.IfExists {
			c.table(x.Table)
		}
	case *ast.Reindex:
		if x.Table.Name != "" {
			c.table(x.Table)
		}
	case *ast.RefreshSet:
		c.set(x.Name)
	case *ast.DropSet:
		if !x.IfExists {
			c.set(x.Name)
		}
	case *ast.Set:
		if _, ok := settings[strings.ToLower(x.Name.Name)]; !ok {
			names := settingNames()
			c.errorf(x.Name.Pos(), "unknown setting %s%s; settings are %s", x.Name.Name, value.DidYouMean(x.Name.Name, names), strings.Join(names, ", "))
		}
	}
}

// source checks the name of a table or set.
func (c *checker) source(id ast.Ident) {
	k := strings.ToLower(id.Name)
	if c.tables[k] != "" || c.sets[k] != "" || c.with[k] {
		return
	}
	c.errorf(id.Pos(), "unknown table or set %s%s%s", id.Name, value.DidYouMean(id.Name, c.known(c.tables, c.sets)), c.gone(k))
}

// gone explains why a name is unknown: the script dropped it, or there is
// no database.
func (c *checker) gone(k string) string {
	if p, ok := c.dropped[k]; ok {
		return fmt.Sprintf(": the DROP SET at line %d removed it", p.Line)
	}
	return c.missing()
}

func (c *checker) table(id ast.Ident) {
	k := strings.ToLower(id.Name)
	switch {
	case c.tables[k] != "":
	case c.sets[k] != "":
		c.errorf(id.Pos(), "%s is a set, not a table", id.Name)
	default:
		c.errorf(id.Pos(), "unknown table %s%s%s", id.Name, value.DidYouMean(id.Name, c.known(c.tables)), c.missing())
	}
}

func (c *checker) set(id ast.Ident) {
	k := strings.ToLower(id.Name)
	switch {
	case c.sets[k] != "":
	case c.tables[k] != "":
		c.errorf(id.Pos(), "%s is a table, not a set", id.Name)
	default:
		c.errorf(id.Pos(), "unknown set %s%s%s", id.Name, value.DidYouMean(id.Name, c.known(c.sets)), c.gone(k))
	}
}

// missing explains an unknown name when the database does not exist.
func (c *checker) missing() string {
	if dir := c.s.opts.MissingDatabase; dir != "" {
		return fmt.Sprintf(": there is no database at %s yet (a statement that writes, such as INGEST, creates it)", dir)
	}
	return ""
}

func (c *checker) known(maps ...map[string]string) []string {
	var out []string
	for _, m := range maps {
		for _, name := range m {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (c *checker) variable(x *ast.Var) {
	if _, ok := c.s.vars[strings.ToLower(x.Name)]; ok {
		return
	}
	c.errorf(x.Pos(), "variable $%s is not set%s; set it with --var %s=VALUE (laiondb run, query, shell) or .param set %s VALUE (in the shell)",
		x.Name, value.DidYouMean(x.Name, c.s.host().VarNames()), x.Name, x.Name)
}

// function checks a call's name as the planner resolves it: an aggregate,
// embed, or a scalar function.
func (c *checker) function(id ast.Ident) {
	name := strings.ToLower(id.Name)
	if funcs.Known(name) {
		return
	}
	c.errorf(id.Pos(), "unknown function %s%s", id.Name, value.DidYouMean(name, funcs.FunctionNames()))
}

func settingNames() []string {
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// reservedName is the error for a new table or set named with a reserved
// word (select, from, tail ...): every statement would have to write it in
// double quotes.
func reservedName(kind string, id ast.Ident) *value.Error {
	return value.ErrAt(id.Pos(), "%s", NewNameError(kind, id.Name))
}

// NewNameError says why name cannot be given to a new table or set (kind),
// or is nil: a reserved word of the language (SELECT, FROM, TAIL ...)
// would have to be written in double quotes in every statement that
// reads it. laiondb ingest --table checks its name with it.
func NewNameError(kind, name string) error {
	if !ast.IsReserved(name) {
		return nil
	}
	return fmt.Errorf("%s is a reserved word of the language: a %s of that name could only be written \"%s\" in every statement; choose another name", name, kind, name)
}
