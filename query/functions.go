package query

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

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
type function struct {
	name     string
	min, max int // argument counts (max -1: any)
	help     string
	// result checks argument types and returns the result type.
	result func(args []Type) (Type, error)
	eval   func(env Env, args []Value) (Value, error)
	// pure functions of constant arguments are folded when planning.
	pure bool
}

var functions = map[string]*function{}

func init() {
	for _, f := range []*function{
		{name: "name", min: 1, max: 1, pure: true, help: "name(wnid): the synset's head name (goldfish)",
			result: wants(tString, tString), eval: synsetFn(func(s *synset.Synset) Value { return stringV(s.Head) })},
		{name: "gloss", min: 1, max: 1, pure: true, help: "gloss(wnid): the synset's definition",
			result: wants(tString, tString), eval: synsetFn(func(s *synset.Synset) Value { return stringV(s.Gloss) })},
		{name: "lemmas", min: 1, max: 1, pure: true, help: "lemmas(wnid): the synset's lemmas, comma-separated",
			result: wants(tString, tString), eval: synsetFn(func(s *synset.Synset) Value { return stringV(strings.Join(s.Lemmas, ", ")) })},
		{name: "synset_text", min: 1, max: 1, pure: true, help: "synset_text(wnid): '<name> which is <gloss>', the paper's text",
			result: wants(tString, tString), eval: synsetFn(func(s *synset.Synset) Value { return stringV(synset.Text(s)) })},
		{name: "class_index", min: 1, max: 1, pure: true, help: "class_index(wnid): ImageNet-1k class index 0..999 (NULL for other synsets)",
			result: wants(tInt, tString), eval: synsetFn(func(s *synset.Synset) Value {
				if s.Class < 0 {
					return Value{}
				}
				return intV(int64(s.Class))
			})},
		{name: "is_a", min: 2, max: 2, pure: true, help: "is_a(wnid, ancestor): whether the synset is (a hyponym of) ancestor, e.g. is_a(synset, 'dog.n.01'); needs WordNet",
			result: wants(tBool, tString, tString), eval: isA},
		{name: "cos", min: 2, max: 2, pure: true, help: "cos(a, b): cosine similarity of two vectors",
			result: wants(tFloat, tVector, tVector), eval: vec2(vec.Cosine)},
		{name: "dot", min: 2, max: 2, pure: true, help: "dot(a, b): dot product of two vectors",
			result: wants(tFloat, tVector, tVector), eval: vec2(func(a, b []float32) float64 { return float64(vec.Dot(a, b)) })},
		{name: "norm", min: 1, max: 1, pure: true, help: "norm(v): Euclidean norm of a vector",
			result: wants(tFloat, tVector), eval: func(_ Env, a []Value) (Value, error) {
				if a[0].T == tNull {
					return Value{}, nil
				}
				return floatV(float64(vec.Norm(a[0].V))), nil
			}},
		{name: "lower", min: 1, max: 1, pure: true, help: "lower(s)", result: wants(tString, tString),
			eval: str1(func(s string) Value { return stringV(strings.ToLower(s)) })},
		{name: "upper", min: 1, max: 1, pure: true, help: "upper(s)", result: wants(tString, tString),
			eval: str1(func(s string) Value { return stringV(strings.ToUpper(s)) })},
		{name: "length", min: 1, max: 1, pure: true, help: "length(s): characters in s (for vectors: the dimension)",
			result: func(args []Type) (Type, error) { return tInt, nil },
			eval: func(_ Env, a []Value) (Value, error) {
				switch a[0].T {
				case tNull:
					return Value{}, nil
				case tVector:
					return intV(int64(len(a[0].V))), nil
				}
				return intV(int64(utf8.RuneCountInString(asText(a[0])))), nil
			}},
		{name: "abs", min: 1, max: 1, pure: true, help: "abs(x)", result: numeric1,
			eval: func(_ Env, a []Value) (Value, error) {
				switch a[0].T {
				case tInt:
					if a[0].I < 0 {
						return intV(-a[0].I), nil
					}
					return a[0], nil
				case tFloat:
					return floatV(math.Abs(a[0].F)), nil
				}
				return Value{}, nil
			}},
		{name: "sqrt", min: 1, max: 1, pure: true, help: "sqrt(x)", result: wants(tFloat, tFloat),
			eval: num1(math.Sqrt)},
		{name: "round", min: 1, max: 2, pure: true, help: "round(x[, digits])",
			result: func(args []Type) (Type, error) { return tFloat, checkNumeric(args) },
			eval: func(_ Env, a []Value) (Value, error) {
				x, ok := a[0].AsFloat()
				if !ok {
					return Value{}, nil
				}
				d := 0.0
				if len(a) > 1 {
					if d, ok = a[1].AsFloat(); !ok {
						return Value{}, nil
					}
				}
				p := math.Pow(10, d)
				return floatV(math.Round(x*p) / p), nil
			}},
		{name: "coalesce", min: 1, max: -1, pure: true, help: "coalesce(a, b, ...): the first non-NULL argument",
			result: func(args []Type) (Type, error) {
				for _, t := range args {
					if t != tAny && t != tNull {
						return t, nil
					}
				}
				return tAny, nil
			},
			eval: func(_ Env, a []Value) (Value, error) {
				for _, v := range a {
					if v.T != tNull {
						return v, nil
					}
				}
				return Value{}, nil
			}},
	} {
		functions[f.name] = f
	}
}

// functionNames lists scalar and aggregate functions (for completion and
// suggestions).
func functionNames() []string {
	var out []string
	for n := range functions {
		out = append(out, n)
	}
	for n := range aggregates {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// wants returns a result checker for fixed argument types (tAny accepted
// everywhere; ints accepted for floats).
func wants(result Type, args ...Type) func([]Type) (Type, error) {
	return func(got []Type) (Type, error) {
		for i, t := range got {
			if i >= len(args) {
				break
			}
			if !typeFits(t, args[i]) {
				return 0, fmt.Errorf("argument %d is %s, expected %s", i+1, typeName(t), typeName(args[i]))
			}
		}
		return result, nil
	}
}

func typeFits(got, want Type) bool {
	switch {
	case got == want, got == tAny, got == tNull:
		return true
	case want == tFloat && (got == tInt || got == tBool):
		return true
	}
	return false
}

func numeric1(args []Type) (Type, error) {
	if err := checkNumeric(args); err != nil {
		return 0, err
	}
	if args[0] == tInt {
		return tInt, nil
	}
	return tFloat, nil
}

func checkNumeric(args []Type) error {
	for i, t := range args {
		if !isNumeric(t) {
			return fmt.Errorf("argument %d is %s, expected a number", i+1, typeName(t))
		}
	}
	return nil
}

func str1(f func(string) Value) func(Env, []Value) (Value, error) {
	return func(_ Env, a []Value) (Value, error) {
		if a[0].T == tNull {
			return Value{}, nil
		}
		return f(asText(a[0])), nil
	}
}

func num1(f func(float64) float64) func(Env, []Value) (Value, error) {
	return func(_ Env, a []Value) (Value, error) {
		x, ok := a[0].AsFloat()
		if !ok {
			return Value{}, nil
		}
		return floatV(f(x)), nil
	}
}

func vec2(f func(a, b []float32) float64) func(Env, []Value) (Value, error) {
	return func(_ Env, a []Value) (Value, error) {
		if a[0].T == tNull || a[1].T == tNull {
			return Value{}, nil
		}
		if len(a[0].V) != len(a[1].V) {
			return Value{}, fmt.Errorf("vectors of dimensions %d and %d", len(a[0].V), len(a[1].V))
		}
		return floatV(f(a[0].V, a[1].V)), nil
	}
}

func synsetFn(f func(*synset.Synset) Value) func(Env, []Value) (Value, error) {
	return func(env Env, a []Value) (Value, error) {
		if a[0].T == tNull {
			return Value{}, nil
		}
		s, err := env.ResolveSynset(a[0].S)
		if err != nil {
			return Value{}, err
		}
		return f(s), nil
	}
}

func isA(env Env, a []Value) (Value, error) {
	if a[0].T == tNull || a[1].T == tNull {
		return Value{}, nil
	}
	wn, err := env.WordNet()
	if err != nil {
		return Value{}, err
	}
	s, err := wn.Resolve(a[0].S)
	if err != nil {
		return Value{}, err
	}
	anc, err := wn.Resolve(a[1].S)
	if err != nil {
		return Value{}, err
	}
	return boolV(wn.IsA(s.WNID, anc.WNID)), nil
}
