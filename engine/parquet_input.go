package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// canonicalNames maps the column names of LAION's metadata files
// (LAION-400M upper case, LAION-5B lower case) to laiondb's column names.
// Every other column keeps its own name.
var canonicalNames = map[string]string{
	"text":       "caption",
	"caption":    "caption",
	"url":        "url",
	"sample_id":  "sample_id",
	"key":        "key",
	"height":     "height",
	"width":      "width",
	"license":    "license",
	"nsfw":       "nsfw",
	"similarity": "similarity",
	"punsafe":    "punsafe",
	"pwatermark": "pwatermark",
	"language":   "language",
}

// inputColumn is one top-level parquet column that will be stored.
type inputColumn struct {
	Source string // name in the file
	Name   string // canonical name
	Type   Type
	leaf   int
	kind   parquet.Kind
}

// parquetInput is an open metadata file with its columns resolved.
type parquetInput struct {
	path    string
	f       *os.File
	pf      *parquet.File
	rows    int64
	cols    []inputColumn
	skipped []string // nested or repeated columns that are not stored
}

func openParquet(path string) (*parquetInput, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputErr(path, -1, err, "cannot open")
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, inputErr(path, -1, err, "cannot stat")
	}
	head := make([]byte, 4)
	if _, err := f.ReadAt(head, 0); err != nil || string(head) != "PAR1" {
		f.Close()
		return nil, inputErr(path, -1, nil, "not a parquet file (it does not start with PAR1); give LAION metadata parquet files")
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true), parquet.ReadBufferSize(1<<20))
	if err != nil {
		f.Close()
		return nil, inputErr(path, -1, err, "not a readable parquet file")
	}
	in := &parquetInput{path: path, f: f, pf: pf, rows: pf.NumRows()}
	seen := map[string]string{}
	for _, c := range pf.Root().Columns() {
		if !c.Leaf() || c.Repeated() {
			in.skipped = append(in.skipped, c.Name())
			continue
		}
		name := c.Name()
		if canon, ok := canonicalNames[strings.ToLower(name)]; ok {
			name = canon
		}
		if prev, dup := seen[strings.ToLower(name)]; dup {
			f.Close()
			return nil, inputErr(path, -1, nil, "columns %q and %q both map to %q; rename one", prev, c.Name(), name)
		}
		seen[strings.ToLower(name)] = c.Name()
		kind := c.Type().Kind()
		var t Type
		switch kind {
		case parquet.Boolean:
			t = TypeBool
		case parquet.Int32, parquet.Int64:
			t = TypeInt
		case parquet.Float, parquet.Double:
			t = TypeFloat
		case parquet.ByteArray, parquet.FixedLenByteArray:
			t = TypeString
		default:
			in.skipped = append(in.skipped, c.Name())
			continue
		}
		in.cols = append(in.cols, inputColumn{Source: c.Name(), Name: name, Type: t, leaf: c.Index(), kind: kind})
	}
	ci := in.column("caption")
	if ci < 0 && in.column("wnid") >= 0 {
		// A labelled image set (ImageNet-like): images and their WNIDs.
		return in, nil
	}
	if ci < 0 {
		f.Close()
		return nil, inputErr(path, -1, nil, "no caption column (expected TEXT or caption); laiondb needs the captions of a LAION metadata file (or, for a labelled image set such as ImageNet, a wnid column)")
	}
	if in.cols[ci].Type != TypeString {
		f.Close()
		return nil, inputErr(path, -1, nil, "caption column %q is %s, not text", in.cols[ci].Source, in.cols[ci].Type)
	}
	return in, nil
}

func (in *parquetInput) column(name string) int {
	for i, c := range in.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func (in *parquetInput) Close() error { return in.f.Close() }

// columnStream reads one column's values in order across row groups.
type columnStream struct {
	in    *parquetInput
	col   inputColumn
	rg    int
	pages parquet.Pages
	vals  parquet.ValueReader
	buf   []parquet.Value
	pos   int
	n     int
	row   int64 // values delivered so far
}

func (in *parquetInput) stream(i int) *columnStream {
	return &columnStream{in: in, col: in.cols[i], buf: make([]parquet.Value, 1024)}
}

func (s *columnStream) Close() {
	if s.pages != nil {
		s.pages.Close()
		s.pages = nil
	}
}

// fill makes at least one value available in buf[pos:n].
func (s *columnStream) fill() error {
	for s.pos >= s.n {
		if s.vals != nil {
			n, err := s.vals.ReadValues(s.buf)
			s.pos, s.n = 0, n
			if n > 0 {
				return nil
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			s.vals = nil
		}
		if s.pages != nil {
			p, err := s.pages.ReadPage()
			if err == nil {
				s.vals = p.Values()
				continue
			}
			if !errors.Is(err, io.EOF) {
				return err
			}
			s.pages.Close()
			s.pages = nil
		}
		groups := s.in.pf.RowGroups()
		if s.rg >= len(groups) {
			return io.ErrUnexpectedEOF
		}
		s.pages = groups[s.rg].ColumnChunks()[s.col.leaf].Pages()
		s.rg++
	}
	return nil
}

// read appends the next n values of the column to b. When stats is not nil,
// byte values that are not valid UTF-8 are counted there.
func (s *columnStream) read(n int, b *columnBuilder) error {
	for n > 0 {
		if err := s.fill(); err != nil {
			return inputErr(s.in.path, s.row, err, "column %s unreadable", s.col.Source)
		}
		m := s.n - s.pos
		if m > n {
			m = n
		}
		for _, v := range s.buf[s.pos : s.pos+m] {
			appendParquetValue(b, v)
		}
		s.pos += m
		s.row += int64(m)
		n -= m
	}
	return nil
}

// appendParquetValue converts one parquet value to the builder's type;
// an INT column may receive floats only through widening (see ingest).
func appendParquetValue(b *columnBuilder, v parquet.Value) {
	if v.IsNull() {
		b.appendNull()
		return
	}
	switch v.Kind() {
	case parquet.Boolean:
		b.appendBool(v.Boolean())
	case parquet.Int32:
		if b.typ == TypeFloat {
			b.appendFloat(float64(v.Int32()))
		} else {
			b.appendInt(int64(v.Int32()))
		}
	case parquet.Int64:
		if b.typ == TypeFloat {
			b.appendFloat(float64(v.Int64()))
		} else {
			b.appendInt(v.Int64())
		}
	case parquet.Float:
		b.appendFloat(float64(v.Float()))
	case parquet.Double:
		b.appendFloat(v.Double())
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b.appendBytes(v.ByteArray())
	default:
		b.appendNull()
	}
}

// String describes the input for messages.
func (in *parquetInput) String() string {
	return fmt.Sprintf("%s (%d rows, %d columns)", in.path, in.rows, len(in.cols))
}
