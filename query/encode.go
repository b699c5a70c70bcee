package query

import (
	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/internal/textenc"
)

// What a caller that prints results (the shell, `laiondb query`) needs of
// values, so that it need not import the engine: the types of Value and
// Column, and the one CSV and JSON encoding that EXPORT also writes (see
// package query/internal/textenc for its rules).

// The value types.
const (
	TypeNull   = engine.TypeNull
	TypeBool   = engine.TypeBool
	TypeInt    = engine.TypeInt
	TypeFloat  = engine.TypeFloat
	TypeString = engine.TypeString
	TypeVector = engine.TypeVector
)

// FormatVector shows the first n elements of v to 3 decimals and its
// length, as the shell's table and line modes do: [0.012 -0.031 …] (512).
func FormatVector(v []float32, n int) string { return engine.FormatVector(v, n) }

// AppendJSON appends v as JSON: NULL, NaN and ±Inf as null, numbers in
// their shortest exact form (1e-7, not 1e-07), vectors as arrays.
func AppendJSON(b []byte, v Value) []byte {
	b, _ = textenc.AppendJSON(b, v)
	return b
}

// AppendCSV appends v as one CSV field: NULL empty, the empty string "",
// NaN, Inf and -Inf as such, vectors as a JSON array in one field.
func AppendCSV(b []byte, v Value) []byte {
	b, _ = textenc.AppendCSV(b, v)
	return b
}

// AppendCSVField appends s as a CSV field, quoted when it needs to be.
func AppendCSVField(b []byte, s string) []byte { return textenc.AppendCSVField(b, s) }

// AppendJSONString appends s as a JSON string.
func AppendJSONString(b []byte, s string) []byte { return textenc.AppendJSONString(b, s) }
