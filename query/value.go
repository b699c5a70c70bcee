package query

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
	tNull   = engine.TypeNull
	tBool   = engine.TypeBool
	tInt    = engine.TypeInt
	tFloat  = engine.TypeFloat
	tString = engine.TypeString
	tVector = engine.TypeVector
	// tAny marks an expression whose type is known only at run time
	// (a variable, NULL).
	tAny = engine.Type(255)
)

func typeName(t Type) string {
	if t == tAny {
		return "ANY"
	}
	return t.String()
}

func isNumeric(t Type) bool { return t == tInt || t == tFloat || t == tBool || t == tAny || t == tNull }

// compareValues orders two non-NULL values of comparable types: numbers
// with numbers, text with text, booleans with booleans.
func compareValues(a, b Value) (int, error) {
	switch {
	case a.T == tString && b.T == tString:
		return strings.Compare(a.S, b.S), nil
	case (a.T == tInt || a.T == tBool) && (b.T == tInt || b.T == tBool):
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
	if a.T == tVector && b.T == tVector {
		return 0, fmt.Errorf("vectors cannot be ordered; compare cos(a, b) instead")
	}
	return 0, fmt.Errorf("cannot compare %s with %s", a.T, b.T)
}

// sortCompare orders values for ORDER BY and GROUP BY: NULL first, then by
// type, then by value.
func sortCompare(a, b Value) int {
	if a.T == tNull || b.T == tNull {
		switch {
		case a.T == b.T:
			return 0
		case a.T == tNull:
			return -1
		}
		return 1
	}
	c, err := compareValues(a, b)
	if err != nil {
		return int(a.T) - int(b.T)
	}
	return c
}

// equalKey is a hashable form of a value for grouping and DISTINCT.
type valueKey struct {
	t Type
	i int64
	f float64
	s string
}

func keyOf(v Value) valueKey {
	switch v.T {
	case tFloat:
		// 2 and 2.0 group together.
		if v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<53 {
			return valueKey{t: tInt, i: int64(v.F)}
		}
		return valueKey{t: tFloat, f: v.F}
	case tBool:
		return valueKey{t: tInt, i: v.I}
	case tVector:
		return valueKey{t: tVector, s: fmt.Sprint(v.V)}
	}
	return valueKey{t: v.T, i: v.I, s: v.S}
}

// likeMatch implements SQL LIKE: % any run, _ one character, case-sensitive.
func likeMatch(s, pat string) bool {
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
func truth(v Value) bool {
	switch v.T {
	case tBool, tInt:
		return v.I != 0
	case tFloat:
		return v.F != 0
	}
	return false
}

// displayValue renders a value for messages (ASSERT, errors).
func displayValue(v Value) string {
	if v.T == tString {
		return "'" + strings.ReplaceAll(v.S, "'", "''") + "'"
	}
	return v.String()
}

func asText(v Value) string {
	if v.T == tString {
		return v.S
	}
	return v.String()
}

func boolV(b bool) Value { return Value{T: tBool, I: b2i(b)} }

func intV(i int64) Value { return Value{T: tInt, I: i} }

func floatV(f float64) Value { return Value{T: tFloat, F: f} }

func stringV(s string) Value { return Value{T: tString, S: s} }

func vectorV(v []float32) Value { return Value{T: tVector, V: v} }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
