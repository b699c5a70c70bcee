package query

import (
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/ast"
)

// colInfo describes one position of the rows an operator produces.
type colInfo struct {
	name  string // as shown and resolved (case-insensitive)
	qual  string // table, set or alias qualifying it; "" for computed
	typ   Type
	dim   int    // vectors
	model string // vectors: the model that made them
	// hidden columns are resolvable but not part of SELECT *.
	hidden bool
}

// schema is the layout of an operator's rows.
type schema []colInfo

// resolve finds the column a reference names.
func (s schema) resolve(ref *ast.ColumnRef) (int, error) {
	name, qual := ref.Column.Name, ref.Table.Name
	found := -1
	for i, c := range s {
		if !strings.EqualFold(c.name, name) {
			continue
		}
		if qual != "" && !strings.EqualFold(c.qual, qual) {
			continue
		}
		if found >= 0 && !strings.EqualFold(s[found].qual, c.qual) {
			return 0, errAt(ref.Pos(), "column %s is ambiguous; qualify it (%s.%s or %s.%s)", name, s[found].qual, name, c.qual, name)
		}
		if found < 0 {
			found = i
		}
	}
	if found >= 0 {
		return found, nil
	}
	var names []string
	for _, c := range s {
		names = append(names, c.name)
	}
	what := name
	if qual != "" {
		what = qual + "." + name
	}
	return 0, errAt(ref.Pos(), "unknown column %s%s", what, didYouMean(name, names))
}

func (s schema) columns() []Column {
	out := make([]Column, len(s))
	for i, c := range s {
		out[i] = Column{Name: c.name, Type: c.typ}
	}
	return out
}

func (s schema) String() string {
	var parts []string
	for _, c := range s {
		parts = append(parts, fmt.Sprintf("%s %s", c.name, typeName(c.typ)))
	}
	return strings.Join(parts, ", ")
}
