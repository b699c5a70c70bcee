package query

import (
	"sort"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"
)

// Var is a $variable of a session and its value.
type Var struct {
	Name  string // without the $, lower-cased
	Value Value
}

// ParseVar types a variable given as text (laiondb run --var k=v, the
// shell's .param set): integers and decimals become numbers, true and
// false booleans, anything else text.
func ParseVar(text string) Value { return parseVar(text) }

// SetVar sets $name (the $ is optional; names are case-insensitive) for
// the statements that follow.
func (s *Session) SetVar(name string, v Value) {
	s.vars[varKey(name)] = v
}

// UnsetVar removes $name and reports whether it was set.
func (s *Session) UnsetVar(name string) bool {
	k := varKey(name)
	_, ok := s.vars[k]
	delete(s.vars, k)
	return ok
}

// ClearVars removes every variable.
func (s *Session) ClearVars() { clear(s.vars) }

// Vars returns the variables, sorted by name.
func (s *Session) Vars() []Var {
	out := make([]Var, 0, len(s.vars))
	for k, v := range s.vars {
		out = append(out, Var{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func varKey(name string) string { return strings.ToLower(strings.TrimPrefix(name, "$")) }

// Setting is one SET name of a session: its current value, its default
// and what it does.
type Setting struct {
	Name           string
	Value, Default Value
	Help           string
}

// Settings returns every setting, sorted by name (SHOW SETTINGS).
func (s *Session) Settings() []Setting {
	out := make([]Setting, 0, len(settings))
	for name, def := range settings {
		out = append(out, Setting{Name: name, Value: s.Setting(name), Default: def.def, Help: def.help})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// execShowSettings lists the settings as SET would write their values.
func (s *Session) execShowSettings() (*Result, error) {
	var rows []value.Row
	for _, st := range s.Settings() {
		rows = append(rows, value.Row{value.StringV(st.Name), value.StringV(value.DisplayValue(st.Value)),
			value.StringV(value.DisplayValue(st.Default)), value.StringV(st.Help)})
	}
	return &Result{Columns: []Column{{Name: "setting", Type: value.TString}, {Name: "value", Type: value.TString},
		{Name: "default", Type: value.TString}, {Name: "meaning", Type: value.TString}}, Rows: value.NewSliceRows(rows)}, nil
}
