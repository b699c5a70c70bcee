package export

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/laiondb/laiondb/engine"
)

// A row group is one batch of about this many bytes of values
// (uncompressed): ~8k rows with a 512-d vector column. Each worker holds
// one row group's pages until its commit.
const rowGroupBytes = 16 << 20

// parquetFormat writes each column as one nullable leaf (a nullable LIST
// of FLOAT for vectors), Snappy-compressed. Workers fill row groups of
// their own (parquet-go's ConcurrentRowGroupWriter) and commit them in
// order.
type parquetFormat struct {
	w *parquet.GenericWriter[any] // [any]: the schema is built at run time
}

func newParquetFormat(w io.Writer, names []string, cols []Column) (*parquetFormat, error) {
	root := make(orderedGroup, len(cols))
	opts := []parquet.WriterOption{
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("laiondb", "", ""),
	}
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
			// The min and max of embedding elements across a page tell a
			// reader nothing and cost a pass over the values.
			opts = append(opts, parquet.SkipPageBounds(names[i], "list", "element"))
		default:
			return nil, fmt.Errorf("%w: column %s: type %s", ErrColumns, c.Name, c.Type)
		}
		root[i] = orderedField{Node: parquet.Optional(n), name: names[i]}
	}
	opts = append(opts, parquet.NewSchema("laiondb", root))
	return &parquetFormat{w: parquet.NewGenericWriter[any](w, opts...)}, nil
}

func (f *parquetFormat) start() error      { return nil }
func (f *parquetFormat) batchBytes() int64 { return rowGroupBytes }
func (f *parquetFormat) finish() error     { return f.w.Close() }
func (f *parquetFormat) newWorker() worker {
	return &parquetWorker{rg: f.w.BeginRowGroup()}
}

type parquetWorker struct {
	rg    *parquet.ConcurrentRowGroupWriter
	vals  []parquet.Value
	bytes []byte
}

// encode hands each value to its column's writer row by row, which keeps
// a 512-d vector's values in cache: assembling whole rows first was 3×
// slower.
func (w *parquetWorker) encode(b *batch) error {
	cw := w.rg.ColumnWriters()
	for r := range b.len() {
		for i, v := range b.row(r) {
			vals := w.vals[:0]
			switch v.T {
			case engine.TypeNull:
				vals = append(vals, parquet.NullValue().Level(0, 0, i))
			case engine.TypeBool:
				vals = append(vals, parquet.BooleanValue(v.I != 0).Level(0, 1, i))
			case engine.TypeInt:
				vals = append(vals, parquet.Int64Value(v.I).Level(0, 1, i))
			case engine.TypeFloat:
				vals = append(vals, parquet.DoubleValue(v.F).Level(0, 1, i))
			case engine.TypeString:
				// The column copies the bytes before WriteRowValues returns.
				w.bytes = append(w.bytes[:0], v.S...)
				vals = append(vals, parquet.ByteArrayValue(w.bytes).Level(0, 1, i))
			case engine.TypeVector:
				vals = append(vals, parquet.FloatValue(v.V[0]).Level(0, 2, i))
				for _, x := range v.V[1:] {
					vals = append(vals, parquet.FloatValue(x).Level(1, 2, i))
				}
			}
			if _, err := cw[i].WriteRowValues(vals); err != nil {
				return err
			}
			w.vals = vals
		}
	}
	return nil
}

func (w *parquetWorker) commit() (int64, error) {
	_, err := w.rg.Commit()
	return 0, err
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
