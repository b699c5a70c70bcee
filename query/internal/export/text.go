package export

import (
	"io"
	"math"
	"strconv"
	"strings"

	"laiondb/engine"
)

// appendNumber appends f in the shortest form that reads back exactly
// (bits 64 for float64, 32 for float32), as JSON writes numbers: plain
// decimals, exponents only below 1e-6 and from 1e21.
func appendNumber(b []byte, f float64, bits int) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, bits)
}

// appendVector appends v as a JSON array; NaN and ±Inf become null and
// are counted.
func appendVector(b []byte, v []float32, res *Result) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			b = append(b, "null"...)
			res.NonFinite++
		} else {
			b = appendNumber(b, f, 32)
		}
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
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
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// csvSink writes RFC 4180 CSV with "\n" line ends: a header row, NULL as
// an empty field, the empty string as "" (so the two stay apart for
// readers that tell them apart, e.g. DuckDB and PostgreSQL), vectors as a
// JSON array in one field.
type csvSink struct {
	w   io.Writer
	res *Result
	buf []byte
}

func newCSVSink(w io.Writer, names []string, _ []Column, res *Result) (sink, error) {
	s := &csvSink{w: w, res: res}
	for i, n := range names {
		if i > 0 {
			s.buf = append(s.buf, ',')
		}
		s.buf = appendCSVField(s.buf, n)
	}
	s.buf = append(s.buf, '\n')
	_, err := w.Write(s.buf)
	return s, err
}

func appendCSVField(b []byte, s string) []byte {
	if s != "" && !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

func (s *csvSink) write(row []engine.Value) error {
	b := s.buf[:0]
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		switch v.T {
		case engine.TypeBool:
			b = strconv.AppendBool(b, v.I != 0)
		case engine.TypeInt:
			b = strconv.AppendInt(b, v.I, 10)
		case engine.TypeFloat:
			switch {
			case math.IsNaN(v.F):
				b = append(b, "NaN"...)
			case math.IsInf(v.F, 1):
				b = append(b, "Inf"...)
			case math.IsInf(v.F, -1):
				b = append(b, "-Inf"...)
			default:
				b = appendNumber(b, v.F, 64)
			}
		case engine.TypeString:
			b = appendCSVField(b, v.S)
		case engine.TypeVector:
			b = append(b, '"')
			b = appendVector(b, v.V, s.res)
			b = append(b, '"')
		}
	}
	b = append(b, '\n')
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

func (s *csvSink) close() error { return nil }

// jsonlSink writes one JSON object per line, keys in column order.
type jsonlSink struct {
	w    io.Writer
	res  *Result
	keys [][]byte // `{"name":` then `,"name":`
	buf  []byte
}

func newJSONLSink(w io.Writer, names []string, _ []Column, res *Result) (sink, error) {
	s := &jsonlSink{w: w, res: res, keys: make([][]byte, len(names))}
	for i, n := range names {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		k := appendJSONString([]byte{sep}, n)
		s.keys[i] = append(k, ':')
	}
	return s, nil
}

func (s *jsonlSink) write(row []engine.Value) error {
	b := s.buf[:0]
	for i, v := range row {
		b = append(b, s.keys[i]...)
		switch v.T {
		case engine.TypeNull:
			b = append(b, "null"...)
		case engine.TypeBool:
			b = strconv.AppendBool(b, v.I != 0)
		case engine.TypeInt:
			b = strconv.AppendInt(b, v.I, 10)
		case engine.TypeFloat:
			if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
				b = append(b, "null"...)
				s.res.NonFinite++
			} else {
				b = appendNumber(b, v.F, 64)
			}
		case engine.TypeString:
			b = appendJSONString(b, v.S)
		case engine.TypeVector:
			b = appendVector(b, v.V, s.res)
		}
	}
	b = append(b, '}', '\n')
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

func (s *jsonlSink) close() error { return nil }
