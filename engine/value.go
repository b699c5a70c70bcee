package engine

import (
	"fmt"
	"math"
	"strconv"
)

// Type is the type of a column or value.
type Type uint8

// The value types. Vectors are float32 in memory whatever their stored dtype.
const (
	TypeNull Type = iota
	TypeBool
	TypeInt
	TypeFloat
	TypeString
	TypeVector
)

var typeNames = [...]string{"NULL", "BOOL", "INT", "FLOAT", "TEXT", "VECTOR"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// MarshalText and UnmarshalText keep type names readable in the catalog.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func (t *Type) UnmarshalText(b []byte) error {
	for i, n := range typeNames {
		if n == string(b) {
			*t = Type(i)
			return nil
		}
	}
	return fmt.Errorf("unknown type %q", b)
}

// Value is one typed value. The zero Value is NULL.
type Value struct {
	T Type
	I int64 // TypeInt; TypeBool as 0/1
	F float64
	S string
	V []float32
}

// Constructors for values.
func Null() Value { return Value{} }
func Bool(b bool) Value {
	v := Value{T: TypeBool}
	if b {
		v.I = 1
	}
	return v
}
func Int(i int64) Value        { return Value{T: TypeInt, I: i} }
func Float(f float64) Value    { return Value{T: TypeFloat, F: f} }
func String(s string) Value    { return Value{T: TypeString, S: s} }
func Vector(v []float32) Value { return Value{T: TypeVector, V: v} }
func (v Value) IsNull() bool   { return v.T == TypeNull }
func (v Value) Bool() bool     { return v.I != 0 }

// AsFloat returns a numeric value as float64 (ok=false for other types).
func (v Value) AsFloat() (float64, bool) {
	switch v.T {
	case TypeInt, TypeBool:
		return float64(v.I), true
	case TypeFloat:
		return v.F, true
	}
	return 0, false
}

// String formats a value for display: NULL, numbers in their shortest
// exact form, strings raw, vectors abbreviated.
func (v Value) String() string {
	switch v.T {
	case TypeNull:
		return "NULL"
	case TypeBool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	case TypeInt:
		return strconv.FormatInt(v.I, 10)
	case TypeFloat:
		return FormatFloat(v.F)
	case TypeString:
		return v.S
	case TypeVector:
		return FormatVector(v.V, 3)
	}
	return "?"
}

// FormatFloat prints f in the shortest form that reads back exactly.
func FormatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// FormatVector abbreviates a vector to its first n values and its dimension:
// [0.012 -0.031 0.044 …] (512).
func FormatVector(v []float32, n int) string {
	s := "["
	for i := 0; i < len(v) && i < n; i++ {
		if i > 0 {
			s += " "
		}
		s += strconv.FormatFloat(float64(v[i]), 'f', 3, 32)
	}
	if len(v) > n {
		s += " …"
	}
	return s + "] (" + strconv.Itoa(len(v)) + ")"
}
