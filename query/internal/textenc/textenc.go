package textenc

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/laiondb/laiondb/engine"
)

// AppendJSON appends v as a JSON value and returns how many NaN or
// infinite numbers (a FLOAT, or elements of a vector) it wrote as null.
func AppendJSON(b []byte, v engine.Value) (_ []byte, nonFinite int) {
	switch v.T {
	case engine.TypeBool:
		return strconv.AppendBool(b, v.I != 0), 0
	case engine.TypeInt:
		return strconv.AppendInt(b, v.I, 10), 0
	case engine.TypeFloat:
		if !finite(v.F) {
			return append(b, "null"...), 1
		}
		return AppendNumber(b, v.F, 64), 0
	case engine.TypeString:
		return AppendJSONString(b, v.S), 0
	case engine.TypeVector:
		return appendVector(b, v.V)
	}
	return append(b, "null"...), 0
}

// AppendCSV appends v as one CSV field and returns how many NaN or
// infinite vector elements it wrote as null (a FLOAT field writes NaN,
// Inf or -Inf instead).
func AppendCSV(b []byte, v engine.Value) (_ []byte, nonFinite int) {
	switch v.T {
	case engine.TypeNull:
		return b, 0
	case engine.TypeFloat:
		switch {
		case math.IsNaN(v.F):
			return append(b, "NaN"...), 0
		case math.IsInf(v.F, 1):
			return append(b, "Inf"...), 0
		case math.IsInf(v.F, -1):
			return append(b, "-Inf"...), 0
		}
		return AppendNumber(b, v.F, 64), 0
	case engine.TypeString:
		return AppendCSVField(b, v.S), 0
	case engine.TypeVector:
		// The array is built where the field goes, then quoted if needed:
		// its numbers hold no quotes, so quoting is wrapping.
		start := len(b)
		b, nonFinite = appendVector(b, v.V)
		if csvNeedsQuotes(string(b[start:])) {
			b = append(b, 0, 0)
			copy(b[start+1:], b[start:len(b)-2])
			b[start], b[len(b)-1] = '"', '"'
		}
		return b, nonFinite
	}
	return AppendJSON(b, v) // booleans and integers read the same in both
}

// AppendNumber appends f, which must be finite, in the shortest form that
// reads back as the same float of the given size (64 or 32 bits): plain
// decimals from 1e-6 up to 1e21, exponents outside (1e-7, 1e+21).
func AppendNumber(b []byte, f float64, bits int) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// strconv writes at least two exponent digits: 1e-07 → 1e-7.
		if n := len(b); n-start >= 4 && b[n-4] == 'e' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendVector(b []byte, v []float32) (_ []byte, nonFinite int) {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if f := float64(x); finite(f) {
			b = AppendNumber(b, f, 32)
		} else {
			b = append(b, "null"...)
			nonFinite++
		}
	}
	return append(b, ']'), nonFinite
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// AppendCSVField appends s as a CSV field, quoted when it is empty, holds
// a comma, a quote or a line break, or starts or ends with a space or tab.
func AppendCSVField(b []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func csvNeedsQuotes(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c == ' ' || c == '\t' {
		return true
	}
	if c := s[len(s)-1]; c == ' ' || c == '\t' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029
// escaped.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
