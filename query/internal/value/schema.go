package value

import (
	"errors"
	"fmt"
	"strings"

	"github.com/laiondb/laiondb/query/ast"
)

// colInfo describes one position of the rows an operator produces.
type ColInfo struct {
	Name  string // as shown and resolved (case-insensitive)
	Qual  string // table, set or alias qualifying it; "" for computed
	Typ   Type
	Dim   int    // vectors
	Model string // vectors: the model that made them
	// hidden columns are resolvable but not part of SELECT *.
	Hidden bool
	// OnlyQualified columns are found as qual.name only, and are not part
	// of SELECT * (t.* has them): the right column of a JOIN ... USING
	// pair, whose bare name means the left one.
	OnlyQualified bool
}

// schema is the layout of an operator's rows.
type Schema []ColInfo

// resolve finds the column a reference names.
func (s Schema) Resolve(ref *ast.ColumnRef) (int, error) {
	name, qual := ref.Column.Name, ref.Table.Name
	found := -1
	for i, c := range s {
		if !strings.EqualFold(c.Name, name) {
			continue
		}
		if qual != "" && !strings.EqualFold(c.Qual, qual) || qual == "" && c.OnlyQualified {
			continue
		}
		if found >= 0 {
			f := s[found]
			switch {
			case !strings.EqualFold(f.Qual, c.Qual):
				return 0, ErrAt(ref.Pos(), "column %s is ambiguous; qualify it (%s.%s or %s.%s)", name, f.Qual, f.Name, c.Qual, c.Name)
			case !f.Hidden && !c.Hidden && f.Qual != "":
				return 0, ErrAt(ref.Pos(), "column %s.%s is ambiguous: %s has two columns named %s; name them apart with AS", f.Qual, name, f.Qual, name)
			}
			continue
		}
		found = i
	}
	if found >= 0 {
		return found, nil
	}
	var names []string
	for _, c := range s {
		names = append(names, c.Name)
	}
	what := name
	if qual != "" {
		what = qual + "." + name
	}
	e := ErrAt(ref.Pos(), "unknown column %s%s", what, DidYouMean(name, names))
	e.Err = ErrNoColumn
	return 0, e
}

// ErrNoColumn is wrapped by the error of a reference to a column that
// does not exist (where a correlated subquery looks further out).
var ErrNoColumn = errors.New("unknown column")

func (s Schema) Columns() []Column {
	out := make([]Column, len(s))
	for i, c := range s {
		out[i] = Column{Name: c.Name, Type: c.Typ}
	}
	return out
}

func (s Schema) String() string {
	var parts []string
	for _, c := range s {
		parts = append(parts, fmt.Sprintf("%s %s", c.Name, TypeName(c.Typ)))
	}
	return strings.Join(parts, ", ")
}
