package export

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/internal/atomicfile"
)

// Column describes one exported column.
type Column struct {
	Name string
	// Type is BOOL, INT, FLOAT, TEXT or VECTOR. NULL means unknown: the
	// column takes the type of its first non-NULL value in the first 1,024
	// rows, and is written as nullable text if it has none.
	Type engine.Type
	// Dim is a VECTOR column's dimension; 0 takes it from the first
	// non-NULL vector. Every vector of the column must have it.
	Dim int
}

// DefaultSimilarityColumn is the column that LAIONET naming renames to
// text_to_name_def_wnid_similarity_<model> unless Options.SimilarityColumn
// names another.
const DefaultSimilarityColumn = "text_similarity"

// Options change what Write writes; the zero value keeps column names.
type Options struct {
	// LaionetNames writes the LAIONet files' column names (see the
	// package documentation for the mapping).
	LaionetNames bool
	// SimilarityColumn is the caption–synset-text cosine column for
	// LaionetNames; empty means DefaultSimilarityColumn.
	SimilarityColumn string
	// Model names the text encoder behind that cosine, e.g.
	// "clip-vit-b32"; required when the similarity column is exported with
	// LaionetNames.
	Model string
}

// Result says what Write wrote; the counts let the caller warn.
type Result struct {
	Rows int64
	// Repaired counts text values (and column names) that were not valid
	// UTF-8 and were written with each run of invalid bytes replaced by
	// U+FFFD.
	Repaired int64
	// NonFinite counts NaN and ±Inf numbers written as JSON null (JSONL
	// values and vector elements in CSV and JSONL; JSON has no such numbers).
	NonFinite int64
}

// Formats lists the supported file name extensions.
var Formats = []string{".parquet", ".csv", ".jsonl"}

// formatFor returns the format of a file name extension, nil if none.
func formatFor(ext string, w io.Writer, names []string, cols []Column) (format, error) {
	switch ext {
	case ".parquet":
		return newParquetFormat(w, names, cols)
	case ".csv":
		return newCSVFormat(w, names), nil
	case ".jsonl":
		return newJSONLFormat(w, names), nil
	}
	return nil, nil
}

// checkEvery is how many rows pass between looks at the context.
const checkEvery = 256

// Write writes the rows that next returns to path, in the format its
// extension names (.parquet, .csv or .jsonl, any case), and returns how
// many rows it wrote. next returns the next row (its slice and vectors
// may be reused after the following call), ok=false at the end, or an
// error that stops the export.
//
// The file appears only when everything was written: rows go to a hidden
// temporary file in the same directory, which is renamed to path at the
// end (replacing a file already there) or removed on any error or when
// ctx is cancelled.
func Write(ctx context.Context, path string, cols []Column, next func() (row []engine.Value, ok bool, err error), opt Options) (Result, error) {
	var res Result
	fail := func(err error) (Result, error) {
		return res, fmt.Errorf("export %s: %w", path, err)
	}
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(Formats, ext) {
		what := "no extension"
		if ext != "" {
			what = "extension " + ext
		}
		return fail(fmt.Errorf("%w (%s): name the file .parquet, .csv or .jsonl", ErrFormat, what))
	}
	names, err := Names(cols, opt)
	if err != nil {
		return fail(err)
	}
	for i, n := range names {
		if !utf8.ValidString(n) {
			names[i] = strings.ToValidUTF8(n, "\uFFFD")
			res.Repaired++
		}
	}
	cols = append([]Column(nil), cols...)

	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail(fmt.Errorf("directory %s does not exist; create it first: %w", dir, fs.ErrNotExist))
		}
		return fail(err)
	} else if !fi.IsDir() {
		return fail(fmt.Errorf("%s is not a directory", dir))
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fail(fmt.Errorf("%s is a directory; name a file", path))
	}
	// A hidden temporary file beside path, renamed over it after an fsync,
	// so a crash leaves the old file or the whole new one, never a renamed
	// empty file; one a killed export left is removed by the next.
	file, err := atomicfile.Create(path)
	if err != nil {
		return fail(fmt.Errorf("cannot write in directory %s: %w", dir, err))
	}
	defer file.Cleanup()
	bw := bufio.NewWriterSize(file, 1<<20)
	src, err := probeTypes(cols, next)
	if err != nil {
		return fail(err)
	}
	f, err := formatFor(ext, bw, names, cols)
	if err != nil {
		return fail(err)
	}
	if err := run(ctx, f, cols, src, &res); err != nil {
		res.Rows = 0
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := file.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := file.Commit(); err != nil {
		return fail(err)
	}
	return res, nil
}

// typeProbeRows is how many rows Write reads ahead, at most, to find the
// type of columns declared NULL (the planner did not know it).
const typeProbeRows = 1024

// probeTypes gives each column declared NULL the type of its first
// non-NULL value in the first typeProbeRows rows, and returns a source
// that replays the rows it read before going on with next. A column with
// no such value stays NULL.
func probeTypes(cols []Column, next func() ([]engine.Value, bool, error)) (func() ([]engine.Value, bool, error), error) {
	unknown := 0
	for _, c := range cols {
		if c.Type == engine.TypeNull {
			unknown++
		}
	}
	if unknown == 0 {
		return next, nil
	}
	var held [][]engine.Value
	ended := false
	for unknown > 0 && len(held) < typeProbeRows {
		row, ok, err := next()
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", len(held)+1, err)
		}
		if !ok {
			ended = true
			break
		}
		keep := make([]engine.Value, len(row))
		for i, v := range row {
			if v.T == engine.TypeVector {
				v.V = append([]float32(nil), v.V...)
			}
			keep[i] = v
			if i < len(cols) && cols[i].Type == engine.TypeNull && v.T != engine.TypeNull {
				cols[i].Type = v.T
				unknown--
			}
		}
		held = append(held, keep)
	}
	return func() ([]engine.Value, bool, error) {
		if len(held) > 0 {
			row := held[0]
			held = held[1:]
			return row, true, nil
		}
		if ended {
			return nil, false, nil
		}
		return next()
	}, nil
}

// fit returns v as its column stores it: INT widened for a FLOAT column,
// invalid UTF-8 repaired, a vector's dimension checked (and fixed on the
// first one when the column did not know it).
func fit(c *Column, v engine.Value, res *Result) (engine.Value, error) {
	if v.T == engine.TypeNull || v.T == c.Type {
		switch v.T {
		case engine.TypeString:
			if !utf8.ValidString(v.S) {
				v.S = strings.ToValidUTF8(v.S, "\uFFFD")
				res.Repaired++
			}
		case engine.TypeVector:
			if len(v.V) == 0 {
				return v, fmt.Errorf("%w: empty vector", ErrValue)
			}
			if c.Dim == 0 {
				c.Dim = len(v.V)
			}
			if len(v.V) != c.Dim {
				return v, fmt.Errorf("%w: vector of dimension %d in a column of dimension %d", ErrValue, len(v.V), c.Dim)
			}
		}
		return v, nil
	}
	if c.Type == engine.TypeFloat && v.T == engine.TypeInt {
		return engine.Float(float64(v.I)), nil
	}
	return v, fmt.Errorf("%w: %s value in a %s column", ErrValue, v.T, c.Type)
}

// Names returns the column names Write writes: the columns' own names, or
// with opt.LaionetNames the LAIONet names. It fails on an empty or
// repeated name, an unsupported type, or LAIONET names for a similarity
// column without opt.Model.
func Names(cols []Column, opt Options) ([]string, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: no columns to export", ErrColumns)
	}
	sim := opt.SimilarityColumn
	if sim == "" {
		sim = DefaultSimilarityColumn
	}
	names := make([]string, len(cols))
	seen := make(map[string]string, len(cols))
	for i, c := range cols {
		switch c.Type {
		case engine.TypeNull, engine.TypeBool, engine.TypeInt, engine.TypeFloat, engine.TypeString, engine.TypeVector:
		default:
			return nil, fmt.Errorf("%w: column %q has type %s, which cannot be exported", ErrColumns, c.Name, c.Type)
		}
		if c.Dim < 0 || (c.Dim > 0 && c.Type != engine.TypeVector) {
			return nil, fmt.Errorf("%w: column %q: dimension %d for a %s column", ErrColumns, c.Name, c.Dim, c.Type)
		}
		n := c.Name
		if n == "" {
			return nil, fmt.Errorf("%w: column %d has no name; name it with AS", ErrColumns, i+1)
		}
		if opt.LaionetNames {
			switch n {
			case "url":
				n = "URL"
			case "caption":
				n = "TEXT"
			case "synset":
				n = "name_def_wnid"
			case sim:
				if opt.Model == "" {
					return nil, fmt.Errorf("%w: LAIONET names need the text encoder's model name for column %s (text_to_name_def_wnid_similarity_<model>)", ErrColumns, c.Name)
				}
				n = "text_to_name_def_wnid_similarity_" + opt.Model
			}
		}
		if prev, ok := seen[n]; ok {
			if prev == c.Name {
				return nil, fmt.Errorf("%w: column %q appears twice; rename one with AS", ErrColumns, n)
			}
			return nil, fmt.Errorf("%w: columns %q and %q would both be written as %q; rename one with AS", ErrColumns, prev, c.Name, n)
		}
		seen[n] = c.Name
		names[i] = n
	}
	return names, nil
}
