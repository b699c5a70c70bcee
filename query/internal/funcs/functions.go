package funcs

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/index/vec"
)

// Env is what functions need from the session: the synset catalog and
// WordNet.
type Env interface {
	ResolveSynset(q string) (*synset.Synset, error)
	WordNet() (*synset.WordNet, error)
}

// function is a scalar function of the language.
type Function struct {
	Name     string
	Min, Max int // argument counts (max -1: any)
	Help     string
	// result checks argument types and returns the result type.
	Result func(args []value.Type) (value.Type, error)
	Eval   func(env Env, args []value.Value) (value.Value, error)
	// pure functions of constant arguments are folded when planning.
	Pure bool
}

var Functions = map[string]*Function{}

func init() {
	for _, f := range []*Function{
		{Name: "name", Min: 1, Max: 1, Pure: true, Help: "name(wnid): the synset's head name (goldfish)",
			Result: wants(value.TString, value.TString), Eval: synsetFn(func(s *synset.Synset) value.Value { return value.StringV(s.Head) })},
		{Name: "gloss", Min: 1, Max: 1, Pure: true, Help: "gloss(wnid): the synset's definition",
			Result: wants(value.TString, value.TString), Eval: synsetFn(func(s *synset.Synset) value.Value { return value.StringV(s.Gloss) })},
		{Name: "lemmas", Min: 1, Max: 1, Pure: true, Help: "lemmas(wnid): the synset's lemmas, comma-separated",
			Result: wants(value.TString, value.TString), Eval: synsetFn(func(s *synset.Synset) value.Value { return value.StringV(strings.Join(s.Lemmas, ", ")) })},
		{Name: "synset_text", Min: 1, Max: 1, Pure: true, Help: "synset_text(wnid): '<name> which is <gloss>', the paper's text",
			Result: wants(value.TString, value.TString), Eval: synsetFn(func(s *synset.Synset) value.Value { return value.StringV(synset.Text(s)) })},
		{Name: "class_index", Min: 1, Max: 1, Pure: true, Help: "class_index(wnid): ImageNet-1k class index 0..999 (NULL for other synsets)",
			Result: wants(value.TInt, value.TString), Eval: synsetFn(func(s *synset.Synset) value.Value {
				if s.Class < 0 {
					return value.Value{}
				}
				return value.IntV(int64(s.Class))
			})},
		{Name: "is_a", Min: 2, Max: 2, Pure: true, Help: "is_a(wnid, ancestor): whether the synset is (a hyponym of) ancestor, e.g. is_a(synset, 'dog.n.01'); needs WordNet",
			Result: wants(value.TBool, value.TString, value.TString), Eval: isA},
		{Name: "cos", Min: 2, Max: 2, Pure: true, Help: "cos(a, b): cosine similarity of two vectors",
			Result: wants(value.TFloat, value.TVector, value.TVector), Eval: vec2(vec.Cosine)},
		{Name: "dot", Min: 2, Max: 2, Pure: true, Help: "dot(a, b): dot product of two vectors",
			Result: wants(value.TFloat, value.TVector, value.TVector), Eval: vec2(func(a, b []float32) float64 { return float64(vec.Dot(a, b)) })},
		{Name: "norm", Min: 1, Max: 1, Pure: true, Help: "norm(v): Euclidean norm of a vector",
			Result: wants(value.TFloat, value.TVector), Eval: func(_ Env, a []value.Value) (value.Value, error) {
				if a[0].T == value.TNull {
					return value.Value{}, nil
				}
				return value.FloatV(float64(vec.Norm(a[0].V))), nil
			}},
		{Name: "lower", Min: 1, Max: 1, Pure: true, Help: "lower(s)", Result: wants(value.TString, value.TString),
			Eval: str1(func(s string) value.Value { return value.StringV(strings.ToLower(s)) })},
		{Name: "upper", Min: 1, Max: 1, Pure: true, Help: "upper(s)", Result: wants(value.TString, value.TString),
			Eval: str1(func(s string) value.Value { return value.StringV(strings.ToUpper(s)) })},
		{Name: "length", Min: 1, Max: 1, Pure: true, Help: "length(s): characters in s (for vectors: the dimension)",
			Result: func(args []value.Type) (value.Type, error) { return value.TInt, nil },
			Eval: func(_ Env, a []value.Value) (value.Value, error) {
				switch a[0].T {
				case value.TNull:
					return value.Value{}, nil
				case value.TVector:
					return value.IntV(int64(len(a[0].V))), nil
				}
				return value.IntV(int64(utf8.RuneCountInString(value.AsText(a[0])))), nil
			}},
		{Name: "abs", Min: 1, Max: 1, Pure: true, Help: "abs(x)", Result: numeric1,
			Eval: func(_ Env, a []value.Value) (value.Value, error) {
				switch a[0].T {
				case value.TInt:
					if a[0].I < 0 {
						n, ok := value.NegInt(a[0].I)
						if !ok {
							return value.Value{}, value.ErrOverflow
						}
						return value.IntV(n), nil
					}
					return a[0], nil
				case value.TFloat:
					return value.FloatV(math.Abs(a[0].F)), nil
				}
				return value.Value{}, nil
			}},
		{Name: "sqrt", Min: 1, Max: 1, Pure: true, Help: "sqrt(x)", Result: wants(value.TFloat, value.TFloat),
			Eval: num1(math.Sqrt)},
		{Name: "round", Min: 1, Max: 2, Pure: true, Help: "round(x[, digits])",
			Result: func(args []value.Type) (value.Type, error) { return value.TFloat, checkNumeric(args) },
			Eval: func(_ Env, a []value.Value) (value.Value, error) {
				x, ok := a[0].AsFloat()
				if !ok {
					return value.Value{}, nil
				}
				d := 0.0
				if len(a) > 1 {
					if d, ok = a[1].AsFloat(); !ok {
						return value.Value{}, nil
					}
				}
				return value.FloatV(roundTo(x, d)), nil
			}},
		{Name: "coalesce", Min: 1, Max: -1, Pure: true, Help: "coalesce(a, b, ...): the first non-NULL argument",
			Result: func(args []value.Type) (value.Type, error) {
				for _, t := range args {
					if t != value.TAny && t != value.TNull {
						return t, nil
					}
				}
				return value.TAny, nil
			},
			Eval: func(_ Env, a []value.Value) (value.Value, error) {
				for _, v := range a {
					if v.T != value.TNull {
						return v, nil
					}
				}
				return value.Value{}, nil
			}},
	} {
		Functions[f.Name] = f
	}
}

// roundTo rounds x to d decimal digits (d < 0: to tens, hundreds, ...).
// Beyond the range of float64 the answer is x itself (there are no
// digits left to round) or 0 (every digit rounded away), never the NaN
// of Inf/Inf.
func roundTo(x, d float64) float64 {
	d = math.Trunc(d)
	p := math.Pow(10, d)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return x
	case math.IsInf(x*p, 0):
		return x
	case p == 0 || math.IsInf(1/p, 0):
		return math.Copysign(0, x)
	}
	return math.Round(x*p) / p
}

// CompiledFunctions are the functions the planner compiles itself
// (embed, predict, ...), listed for completion and suggestions.
var CompiledFunctions = []string{"embed"}

// Known reports whether name (lower-case) is a function of the language:
// scalar, aggregate, or compiled by the planner itself.
func Known(name string) bool {
	if Functions[name] != nil || Aggregates[name] != nil {
		return true
	}
	for _, n := range CompiledFunctions {
		if n == name {
			return true
		}
	}
	return false
}

// FunctionNames lists scalar and aggregate functions (for completion and
// suggestions).
func FunctionNames() []string {
	out := append([]string(nil), CompiledFunctions...)
	for n := range Functions {
		out = append(out, n)
	}
	for n := range Aggregates {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// wants returns a result checker for fixed argument types (tAny accepted
// everywhere; ints accepted for floats).
func wants(result value.Type, args ...value.Type) func([]value.Type) (value.Type, error) {
	return func(got []value.Type) (value.Type, error) {
		for i, t := range got {
			if i >= len(args) {
				break
			}
			if !TypeFits(t, args[i]) {
				return 0, fmt.Errorf("argument %d is %s, expected %s", i+1, value.TypeName(t), value.TypeName(args[i]))
			}
		}
		return result, nil
	}
}

func TypeFits(got, want value.Type) bool {
	switch {
	case got == want, got == value.TAny, got == value.TNull:
		return true
	case want == value.TFloat && (got == value.TInt || got == value.TBool):
		return true
	}
	return false
}

func numeric1(args []value.Type) (value.Type, error) {
	if err := checkNumeric(args); err != nil {
		return 0, err
	}
	if args[0] == value.TInt {
		return value.TInt, nil
	}
	return value.TFloat, nil
}

func checkNumeric(args []value.Type) error {
	for i, t := range args {
		if !value.IsNumeric(t) {
			return fmt.Errorf("argument %d is %s, expected a number", i+1, value.TypeName(t))
		}
	}
	return nil
}

func str1(f func(string) value.Value) func(Env, []value.Value) (value.Value, error) {
	return func(_ Env, a []value.Value) (value.Value, error) {
		if a[0].T == value.TNull {
			return value.Value{}, nil
		}
		return f(value.AsText(a[0])), nil
	}
}

func num1(f func(float64) float64) func(Env, []value.Value) (value.Value, error) {
	return func(_ Env, a []value.Value) (value.Value, error) {
		x, ok := a[0].AsFloat()
		if !ok {
			return value.Value{}, nil
		}
		return value.FloatV(f(x)), nil
	}
}

func vec2(f func(a, b []float32) float64) func(Env, []value.Value) (value.Value, error) {
	return func(_ Env, a []value.Value) (value.Value, error) {
		if a[0].T == value.TNull || a[1].T == value.TNull {
			return value.Value{}, nil
		}
		if len(a[0].V) != len(a[1].V) {
			return value.Value{}, fmt.Errorf("vectors of dimensions %d and %d", len(a[0].V), len(a[1].V))
		}
		return value.FloatV(f(a[0].V, a[1].V)), nil
	}
}

func synsetFn(f func(*synset.Synset) value.Value) func(Env, []value.Value) (value.Value, error) {
	return func(env Env, a []value.Value) (value.Value, error) {
		if a[0].T == value.TNull {
			return value.Value{}, nil
		}
		s, err := env.ResolveSynset(a[0].S)
		if err != nil {
			return value.Value{}, err
		}
		return f(s), nil
	}
}

func isA(env Env, a []value.Value) (value.Value, error) {
	if a[0].T == value.TNull || a[1].T == value.TNull {
		return value.Value{}, nil
	}
	wn, err := env.WordNet()
	if err != nil {
		return value.Value{}, err
	}
	s, err := wn.Resolve(a[0].S)
	if err != nil {
		return value.Value{}, err
	}
	anc, err := wn.Resolve(a[1].S)
	if err != nil {
		return value.Value{}, err
	}
	return value.BoolV(wn.IsA(s.WNID, anc.WNID)), nil
}
