package value

import (
	"fmt"
	"math"
	"strings"

	"github.com/laiondb/laiondb/engine"
)

// Value is a runtime value; the zero Value is NULL.
type Value = engine.Value

// Type is a value's type.
type Type = engine.Type

const (
	TNull   = engine.TypeNull
	TBool   = engine.TypeBool
	TInt    = engine.TypeInt
	TFloat  = engine.TypeFloat
	TString = engine.TypeString
	TVector = engine.TypeVector
	// tAny marks an expression whose type is known only at run time
	// (a variable, NULL).
	TAny = engine.Type(255)
)

func TypeName(t Type) string {
	if t == TAny {
		return "ANY"
	}
	return t.String()
}

func IsNumeric(t Type) bool { return t == TInt || t == TFloat || t == TBool || t == TAny || t == TNull }

// compareValues orders two non-NULL values of comparable types: numbers
// with numbers, text with text, booleans with booleans.
func CompareValues(a, b Value) (int, error) {
	switch {
	case a.T == TString && b.T == TString:
		return strings.Compare(a.S, b.S), nil
	case (a.T == TInt || a.T == TBool) && (b.T == TInt || b.T == TBool):
		switch {
		case a.I < b.I:
			return -1, nil
		case a.I > b.I:
			return 1, nil
		}
		return 0, nil
	}
	af, aok := a.AsFloat()
	bf, bok := b.AsFloat()
	if aok && bok {
		switch {
		case af < bf:
			return -1, nil
		case af > bf:
			return 1, nil
		case af == bf:
			return 0, nil
		}
		// NaN sorts first, consistently.
		switch {
		case math.IsNaN(af) && math.IsNaN(bf):
			return 0, nil
		case math.IsNaN(af):
			return -1, nil
		}
		return 1, nil
	}
	if a.T == TVector && b.T == TVector {
		return 0, fmt.Errorf("vectors cannot be ordered; compare cos(a, b) instead")
	}
	return 0, fmt.Errorf("cannot compare %s with %s", a.T, b.T)
}

// sortCompare orders values for ORDER BY and GROUP BY: NULL first, then by
// type, then by value.
func SortCompare(a, b Value) int {
	if a.T == TNull || b.T == TNull {
		switch {
		case a.T == b.T:
			return 0
		case a.T == TNull:
			return -1
		}
		return 1
	}
	c, err := CompareValues(a, b)
	if err != nil {
		return int(a.T) - int(b.T)
	}
	return c
}

// equalKey is a hashable form of a value for grouping and DISTINCT.
type ValueKey struct {
	T Type
	I int64
	F float64
	S string
}

func KeyOf(v Value) ValueKey {
	switch v.T {
	case TFloat:
		// 2 and 2.0 group together.
		if v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<53 {
			return ValueKey{T: TInt, I: int64(v.F)}
		}
		return ValueKey{T: TFloat, F: v.F}
	case TBool:
		return ValueKey{T: TInt, I: v.I}
	case TVector:
		return ValueKey{T: TVector, S: fmt.Sprint(v.V)}
	}
	return ValueKey{T: v.T, I: v.I, S: v.S}
}

// likeMatch implements SQL LIKE: % any run, _ one character, case-sensitive.
func LikeMatch(s, pat string) bool {
	sr, pr := []rune(s), []rune(pat)
	// Iterative matching with backtracking to the last %.
	si, pi, star, mark := 0, 0, -1, 0
	for si < len(sr) {
		switch {
		case pi < len(pr) && (pr[pi] == '_' || pr[pi] == sr[si]):
			si++
			pi++
		case pi < len(pr) && pr[pi] == '%':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pr) && pr[pi] == '%' {
		pi++
	}
	return pi == len(pr)
}

// truth interprets a value as a condition: NULL and false are not true.
func Truth(v Value) bool {
	switch v.T {
	case TBool, TInt:
		return v.I != 0
	case TFloat:
		return v.F != 0
	}
	return false
}

// displayValue renders a value for messages (ASSERT, errors).
func DisplayValue(v Value) string {
	if v.T == TString {
		return "'" + strings.ReplaceAll(v.S, "'", "''") + "'"
	}
	return v.String()
}

func AsText(v Value) string {
	if v.T == TString {
		return v.S
	}
	return v.String()
}

func BoolV(b bool) Value { return Value{T: TBool, I: b2i(b)} }

func IntV(i int64) Value { return Value{T: TInt, I: i} }

func FloatV(f float64) Value { return Value{T: TFloat, F: f} }

func StringV(s string) Value { return Value{T: TString, S: s} }

func VectorV(v []float32) Value { return Value{T: TVector, V: v} }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
