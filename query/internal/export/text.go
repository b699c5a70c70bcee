package export

import (
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/engine"
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
// are counted in nonFinite.
func appendVector(b []byte, v []float32, nonFinite *int64) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			b = append(b, "null"...)
			*nonFinite++
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

// textFormat writes formats of one text line per row; each worker formats
// its batch into its own buffer, and commit copies the buffer out.
type textFormat struct {
	w         io.Writer
	header    []byte
	appendRow func(f *textFormat, b []byte, row []engine.Value, nonFinite *int64) []byte
	keys      [][]byte // JSONL: `{"name":` then `,"name":`
}

// textBatchBytes keeps batches small: formatting is per row, and small
// batches let the committer's writes overlap the workers' formatting.
const textBatchBytes = 4 << 20

func (f *textFormat) start() error {
	_, err := f.w.Write(f.header)
	return err
}
func (f *textFormat) batchBytes() int64 { return textBatchBytes }
func (f *textFormat) finish() error     { return nil }
func (f *textFormat) newWorker() worker { return &textWorker{f: f} }

type textWorker struct {
	f         *textFormat
	buf       []byte
	nonFinite int64
}

func (w *textWorker) encode(b *batch) error {
	w.buf, w.nonFinite = w.buf[:0], 0
	for i := range b.len() {
		w.buf = w.f.appendRow(w.f, w.buf, b.row(i), &w.nonFinite)
	}
	return nil
}

func (w *textWorker) commit() (int64, error) {
	_, err := w.f.w.Write(w.buf)
	return w.nonFinite, err
}

// newCSVFormat writes RFC 4180 CSV with "\n" line ends: a header row,
// NULL as an empty field, the empty string as "" (so the two stay apart
// for readers that tell them apart, e.g. DuckDB and PostgreSQL), vectors
// as a JSON array in one field.
func newCSVFormat(w io.Writer, names []string) *textFormat {
	var h []byte
	for i, n := range names {
		if i > 0 {
			h = append(h, ',')
		}
		h = appendCSVField(h, n)
	}
	return &textFormat{w: w, header: append(h, '\n'), appendRow: appendCSVRow}
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

func appendCSVRow(_ *textFormat, b []byte, row []engine.Value, nonFinite *int64) []byte {
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
			b = appendVector(b, v.V, nonFinite)
			b = append(b, '"')
		}
	}
	return append(b, '\n')
}

// newJSONLFormat writes one JSON object per line, keys in column order.
func newJSONLFormat(w io.Writer, names []string) *textFormat {
	f := &textFormat{w: w, appendRow: appendJSONLRow, keys: make([][]byte, len(names))}
	for i, n := range names {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		k := appendJSONString([]byte{sep}, n)
		f.keys[i] = append(k, ':')
	}
	return f
}

func appendJSONLRow(f *textFormat, b []byte, row []engine.Value, nonFinite *int64) []byte {
	for i, v := range row {
		b = append(b, f.keys[i]...)
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
				*nonFinite++
			} else {
				b = appendNumber(b, v.F, 64)
			}
		case engine.TypeString:
			b = appendJSONString(b, v.S)
		case engine.TypeVector:
			b = appendVector(b, v.V, nonFinite)
		}
	}
	return append(b, '}', '\n')
}
