package embed

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
)

// sameVector is the cosine above which two vectors given for one text are
// taken as the same embedding (re-running an encoder, or float16 rounding,
// moves a unit vector by far less).
const sameVector = 0.9999

// importChunk is how many npy rows are read at a time.
const importChunk = 1024

// Import is a Provider answering from a table of texts and their vectors
// imported from two files: a texts file, one text a line, and an npy file
// whose row i is the embedding of line i. It never computes an embedding:
// asking for a text the files do not hold is an ErrUnknownText error.
//
// Texts file format: UTF-8, lines end in "\n" (a "\r" before it is
// dropped), a leading byte-order mark is skipped. The whole line is the
// text, tabs and spaces included, with one exception: when the first line
// is a tab-separated header with a column named synset_text (the output of
// `laiondb synsets --format tsv`), the header is skipped and that column
// of every later line is the text. Empty or blank lines are errors, since they
// would shift every later line against the npy rows.
type Import struct {
	model       string
	transposed  bool
	textsPath   string
	vectorsPath string
	dim         int
	texts       []string // distinct, in the order of first appearance
	flat        []float32
	index       map[string]int
}

// NewImport reads textsPath and vectorsPath (float16 or float32, C or
// Fortran order) into memory and checks them: as many rows as texts, no
// NaN, infinite or zero vector, no text given twice with different
// vectors. Vectors are normalised to unit length. A vectors file written
// the other way round, (dim, texts), is read transposed when its shape
// says so unambiguously: its second dimension, not its first, is the
// number of texts (Transposed then reports it). Problems are *FileError
// values naming the file and the line or row.
func NewImport(textsPath, vectorsPath, model string) (*Import, error) {
	if model == "" {
		return nil, fmt.Errorf("import %s: a model name is required: the cache keys vectors by model", vectorsPath)
	}
	return NewImportWith(textsPath, vectorsPath, func(int) (string, error) { return model, nil })
}

// NewImportWith is NewImport with the model chosen once the vectors'
// dimension is known: model is called with it and returns the model name
// or why there is none (for example a hint that follows the dimension).
func NewImportWith(textsPath, vectorsPath string, model func(dim int) (string, error)) (*Import, error) {
	lines, firstLine, err := readTexts(textsPath)
	if err != nil {
		return nil, err
	}
	r, err := npy.Open(vectorsPath)
	if err != nil {
		return nil, fileErr(vectorsPath, -1, "cannot read the vectors", err)
	}
	defer r.Close()
	transposed := false
	if r.Rows != len(lines) && r.Dim == len(lines) {
		r.Transpose()
		transposed = true
	}
	if r.Rows != len(lines) {
		return nil, &FileError{Path: vectorsPath, Row: -1,
			Msg: fmt.Sprintf("%d rows of %d values, but %s has %d texts: row i (or, in a (dim, texts) file, column i) must be the embedding of text i; write both files from the same list", r.Rows, r.Dim, textsPath, len(lines))}
	}
	name, err := model(r.Dim)
	if err != nil {
		return nil, err
	}
	im := &Import{
		model: name, transposed: transposed, textsPath: textsPath, vectorsPath: vectorsPath, dim: r.Dim,
		index: make(map[string]int, len(lines)),
		flat:  make([]float32, 0, len(lines)*r.Dim),
	}
	d := r.Dim
	es := r.DType.Size()
	raw := make([]byte, importChunk*d*es)
	row := make([]float32, d)
	lineOf := make([]int, 0, len(lines)) // file line of each distinct text
	for start := 0; start < r.Rows; start += importChunk {
		n := min(importChunk, r.Rows-start)
		if err := r.ReadRows(raw[:n*d*es], start, n); err != nil {
			return nil, fileErr(vectorsPath, start, "cannot read the vectors", err)
		}
		for k := 0; k < n; k++ {
			i := start + k
			b := raw[k*d*es : (k+1)*d*es]
			if r.DType == npy.Float16 {
				vec.F16ToF32(row, b)
			} else {
				for j := range row {
					row[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
				}
			}
			text, line := lines[i], firstLine+i
			if err := normalize(row); err != nil {
				return nil, &FileError{Path: vectorsPath, Row: i,
					Msg: fmt.Sprintf("unusable vector for %s line %d %s: %v", textsPath, line, excerpt(text, 60), err)}
			}
			if prev, ok := im.index[text]; ok {
				if c := vec.Dot(row, im.flat[prev*d:(prev+1)*d]); c < sameVector {
					return nil, &FileError{Path: textsPath, Line: line, Row: -1,
						Msg: fmt.Sprintf("text %s is also on line %d with a different vector (rows %d and %d of %s have cosine %.4f); keep one of them",
							excerpt(text, 60), lineOf[prev], prev, i, vectorsPath, c)}
				}
				continue
			}
			im.index[text] = len(im.texts)
			im.texts = append(im.texts, text)
			lineOf = append(lineOf, line)
			im.flat = append(im.flat, row...)
		}
	}
	return im, nil
}

// readTexts returns the texts of path and the file line of the first one.
func readTexts(path string) ([]string, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fileErr(path, -1, "cannot read the texts", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(data) == 0 {
		return nil, 0, &FileError{Path: path, Row: -1, Msg: "no texts: the file is empty"}
	}
	raw := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := range raw {
		raw[i] = strings.TrimSuffix(raw[i], "\r")
	}
	col, first := -1, 1
	if strings.Contains(raw[0], "\t") {
		for j, name := range strings.Split(raw[0], "\t") {
			if name == "synset_text" {
				col, first = j, 2
				raw = raw[1:]
				break
			}
		}
	}
	if len(raw) == 0 {
		return nil, 0, &FileError{Path: path, Row: -1, Msg: "no texts after the header line"}
	}
	for i, s := range raw {
		line := first + i
		if !utf8.ValidString(s) {
			return nil, 0, &FileError{Path: path, Line: line, Row: -1, Msg: "not valid UTF-8; save the file as UTF-8"}
		}
		if col >= 0 {
			f := strings.Split(s, "\t")
			if col >= len(f) {
				return nil, 0, &FileError{Path: path, Line: line, Row: -1,
					Msg: fmt.Sprintf("%d tab-separated fields, but the header puts synset_text in field %d", len(f), col+1)}
			}
			s = f[col]
			raw[i] = s
		}
		if strings.TrimSpace(s) == "" {
			return nil, 0, &FileError{Path: path, Line: line, Row: -1,
				Msg: "empty text: every line is one text and line i goes with row i of the vectors; remove the line and its row"}
		}
	}
	return raw, first, nil
}

// fileErr wraps an error from opening or reading path without repeating
// the path that os and npy errors already carry.
func fileErr(path string, row int, msg string, err error) error {
	var pe *fs.PathError
	var ne *npy.Error
	switch {
	case errors.As(err, &ne):
		row = ne.Row
		err = ne.Err
	case errors.As(err, &pe):
		err = pe.Err
	}
	return &FileError{Path: path, Row: row, Msg: msg, Err: err}
}

// Model returns the model name given to NewImport.
func (im *Import) Model() string { return im.model }

// Transposed reports whether the vectors file was read as the transpose
// of its array: shaped (dim, texts) rather than (texts, dim).
func (im *Import) Transposed() bool { return im.transposed }

// Dim returns the vectors' dimension.
func (im *Import) Dim() int { return im.dim }

// Len returns the number of distinct texts.
func (im *Import) Len() int { return len(im.texts) }

// Texts returns the distinct texts in file order (a text given twice with
// the same vector appears once).
func (im *Import) Texts() []string { return append([]string(nil), im.texts...) }

// Vectors returns the unit vectors of Texts, in the same order. They are
// shared with the Import: do not modify them.
func (im *Import) Vectors() [][]float32 {
	out := make([][]float32, len(im.texts))
	for i := range out {
		out[i] = im.vector(i)
	}
	return out
}

func (im *Import) vector(i int) []float32 {
	d := im.dim
	return im.flat[i*d : (i+1)*d : (i+1)*d]
}

// Embed returns the imported vectors of texts; a text not in the texts
// file is an ErrUnknownText error naming it. The vectors are shared with
// the Import: do not modify them.
func (im *Import) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for k, t := range texts {
		i, ok := im.index[t]
		if !ok {
			return nil, fail(fmt.Sprintf("no imported embedding for %s: it is not in %s (%d texts imported for model %q); add it there and its vector to %s, or SET embedder to an HTTP server",
				excerpt(t, 80), im.textsPath, len(im.texts), im.model, im.vectorsPath), ErrUnknownText)
		}
		out[k] = im.vector(i)
	}
	return out, nil
}
