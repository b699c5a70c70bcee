package export

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"laiondb/engine"
)

// Row groups end when their values reach about this many bytes
// (uncompressed), so a writer holds one row group at a time: ~16k rows
// with a 512-d vector column.
const rowGroupBytes = 32 << 20

// Rows go to the parquet writer in batches of at most this many rows or
// values, whichever comes first.
const (
	batchRows   = 128
	batchValues = 1 << 16
)

// parquetSink writes each column as one nullable leaf (a nullable LIST of
// FLOAT for vectors), Snappy-compressed, in row groups of rowGroupBytes.
type parquetSink struct {
	w      *parquet.Writer
	vals   []parquet.Value // the batch's values, row after row
	ends   []int           // where each row of the batch ends in vals
	rows   []parquet.Row
	batch  int64 // bytes in the current row group
	strbuf []byte
}

func newParquetSink(w io.Writer, names []string, cols []Column, _ *Result) (sink, error) {
	root := make(orderedGroup, len(cols))
	for i, c := range cols {
		var n parquet.Node
		switch c.Type {
		case engine.TypeBool:
			n = parquet.Leaf(parquet.BooleanType)
		case engine.TypeInt:
			n = parquet.Leaf(parquet.Int64Type)
		case engine.TypeFloat:
			n = parquet.Leaf(parquet.DoubleType)
		case engine.TypeString, engine.TypeNull:
			n = parquet.String()
		case engine.TypeVector:
			n = parquet.List(parquet.Leaf(parquet.FloatType))
		default:
			return nil, fmt.Errorf("%w: column %s: type %s", ErrColumns, c.Name, c.Type)
		}
		root[i] = orderedField{Node: parquet.Optional(n), name: names[i]}
	}
	pw := parquet.NewWriter(w,
		parquet.NewSchema("laiondb", root),
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("laiondb", "", ""),
	)
	return &parquetSink{w: pw}, nil
}

func (s *parquetSink) write(row []engine.Value) error {
	for i, v := range row {
		switch v.T {
		case engine.TypeNull:
			s.vals = append(s.vals, parquet.NullValue().Level(0, 0, i))
		case engine.TypeBool:
			s.vals = append(s.vals, parquet.BooleanValue(v.I != 0).Level(0, 1, i))
			s.batch++
		case engine.TypeInt:
			s.vals = append(s.vals, parquet.Int64Value(v.I).Level(0, 1, i))
			s.batch += 8
		case engine.TypeFloat:
			s.vals = append(s.vals, parquet.DoubleValue(v.F).Level(0, 1, i))
			s.batch += 8
		case engine.TypeString:
			// The values must outlive the caller's row until the batch is
			// written, so the bytes are copied into one buffer per batch.
			start := len(s.strbuf)
			s.strbuf = append(s.strbuf, v.S...)
			s.vals = append(s.vals, parquet.ByteArrayValue(s.strbuf[start:len(s.strbuf):len(s.strbuf)]).Level(0, 1, i))
			s.batch += int64(len(v.S)) + 4
		case engine.TypeVector:
			for j, x := range v.V {
				rep := 1
				if j == 0 {
					rep = 0
				}
				s.vals = append(s.vals, parquet.FloatValue(x).Level(rep, 2, i))
			}
			s.batch += 4 * int64(len(v.V))
		}
	}
	s.ends = append(s.ends, len(s.vals))
	if len(s.ends) >= batchRows || len(s.vals) >= batchValues {
		return s.flush()
	}
	return nil
}

// flush writes the batch and ends the row group when it is big enough.
func (s *parquetSink) flush() error {
	if len(s.ends) == 0 {
		return nil
	}
	s.rows = s.rows[:0]
	start := 0
	for _, end := range s.ends {
		s.rows = append(s.rows, s.vals[start:end:end])
		start = end
	}
	if _, err := s.w.WriteRows(s.rows); err != nil {
		return err
	}
	clear(s.rows)
	s.vals, s.ends, s.strbuf = s.vals[:0], s.ends[:0], s.strbuf[:0]
	if s.batch >= rowGroupBytes {
		s.batch = 0
		return s.w.Flush()
	}
	return nil
}

func (s *parquetSink) close() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.w.Close()
}

// orderedGroup is a parquet group whose fields keep the order they were
// given: parquet.Group is a map and would sort the columns by name.
type orderedGroup []orderedField

type orderedField struct {
	parquet.Node
	name string
}

func (f orderedField) Name() string                      { return f.name }
func (f orderedField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }

// GoType is not used: rows are written as parquet values, never
// reflected from Go structs.
func (g orderedGroup) GoType() reflect.Type { return reflect.TypeFor[map[string]any]() }

func (g orderedGroup) Fields() []parquet.Field {
	fs := make([]parquet.Field, len(g))
	for i := range g {
		fs[i] = g[i]
	}
	return fs
}

func (g orderedGroup) String() string {
	var b strings.Builder
	b.WriteString("group {")
	for i, f := range g {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s %s", f.name, f.Node)
	}
	b.WriteString(" }")
	return b.String()
}
