package embed_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
)

// writePair writes texts (joined as given) and rows of vectors as an npy
// file of dtype; it returns both paths.
func writePair(t *testing.T, texts string, dtype npy.DType, rows [][]float32) (string, string) {
	t.Helper()
	dir := t.TempDir()
	tp, vp := filepath.Join(dir, "texts.txt"), filepath.Join(dir, "vectors.npy")
	if err := os.WriteFile(tp, []byte(texts), 0o644); err != nil {
		t.Fatal(err)
	}
	dim := 3
	if len(rows) > 0 {
		dim = len(rows[0])
	}
	w, err := npy.Create(vp, dtype, len(rows), dim)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteFloat32(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return tp, vp
}

var threeRows = [][]float32{{3, 4, 0}, {0, 0, 2}, {1, 1, 1}}

func TestImportRoundTrip(t *testing.T) {
	for _, dtype := range []npy.DType{npy.Float16, npy.Float32} {
		// A byte-order mark, CRLF line ends, a tab kept inside a text and no
		// final newline.
		tp, vp := writePair(t, "\ufeffgoldfish which is a fish\r\nshark\tin a tank\r\n  spaced  ", dtype, threeRows)
		im, err := embed.NewImport(tp, vp, "clip-test")
		if err != nil {
			t.Fatal(err)
		}
		if im.Model() != "clip-test" || im.Dim() != 3 || im.Len() != 3 {
			t.Fatalf("%s: model %q dim %d len %d", dtype, im.Model(), im.Dim(), im.Len())
		}
		want := []string{"goldfish which is a fish", "shark\tin a tank", "  spaced  "}
		if got := im.Texts(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s: texts %q", dtype, got)
		}
		got, err := im.Embed(context.Background(), []string{"  spaced  ", "goldfish which is a fish", "shark\tin a tank"})
		if err != nil {
			t.Fatal(err)
		}
		s3 := float32(1 / math.Sqrt(3))
		wantVecs := [][]float32{{s3, s3, s3}, {0.6, 0.8, 0}, {0, 0, 1}}
		for i := range got {
			for j := range got[i] {
				if math.Abs(float64(got[i][j]-wantVecs[i][j])) > 1e-3 {
					t.Fatalf("%s: vector %d = %v, want %v (unit length)", dtype, i, got[i], wantVecs[i])
				}
			}
		}
		if vs := im.Vectors(); len(vs) != 3 || vs[0][0] != got[1][0] {
			t.Fatalf("%s: Vectors() = %v", dtype, vs)
		}
	}
}

func TestImportFortranOrder(t *testing.T) {
	dir := t.TempDir()
	tp, vp := filepath.Join(dir, "t.txt"), filepath.Join(dir, "v.npy")
	os.WriteFile(tp, []byte("a\nb\nc\n"), 0o644)
	// Column-major data of the 3×3 array threeRows.
	data := npy.EncodeHeader(npy.Float32, true, 3, 3)
	for j := 0; j < 3; j++ {
		for i := 0; i < 3; i++ {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(threeRows[i][j]))
		}
	}
	os.WriteFile(vp, data, 0o644)
	im, err := embed.NewImport(tp, vp, "m")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := im.Embed(context.Background(), []string{"a"})
	if math.Abs(float64(got[0][0])-0.6) > 1e-6 || math.Abs(float64(got[0][1])-0.8) > 1e-6 {
		t.Fatalf("row 0 read as %v, want [0.6 0.8 0]", got[0])
	}
}

func TestImportSynsetsTSV(t *testing.T) {
	// `laiondb synsets --format tsv`: the header names the synset_text column.
	tsv := "wnid\tclass\tname\tlemmas\tgloss\tsynset_text\n" +
		"n01440764\t0\ttench\ttench, Tinca tinca\tfreshwater dace-like game fish\ttench which is freshwater dace-like game fish\n" +
		"n01443537\t1\tgoldfish\tgoldfish\tsmall golden fish\tgoldfish which is small golden fish\n"
	tp, vp := writePair(t, tsv, npy.Float16, threeRows[:2])
	im, err := embed.NewImport(tp, vp, "m")
	if err != nil {
		t.Fatal(err)
	}
	if got := im.Texts(); len(got) != 2 || got[1] != "goldfish which is small golden fish" {
		t.Fatalf("texts %q", got)
	}
}

func TestImportGeneratedSynsetPair(t *testing.T) {
	// laiondb gen writes the 1000 synset texts and their vectors as a pair.
	dir := t.TempDir()
	if _, err := gen.Generate(dir, gen.Config{Rows: 10, Seed: 1, Dim: 16}); err != nil {
		t.Fatal(err)
	}
	im, err := embed.NewImport(filepath.Join(dir, "synsets", "synset_text.tsv"), filepath.Join(dir, "synsets", "synset_text_emb.npy"), "gen")
	if err != nil {
		t.Fatal(err)
	}
	if im.Dim() != 16 || im.Len() != 1000 {
		t.Fatalf("dim %d, %d texts", im.Dim(), im.Len())
	}
	if _, err := im.Embed(context.Background(), im.Texts()[:3]); err != nil {
		t.Fatal(err)
	}
}

func TestImportBadFiles(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name   string
		texts  string
		rows   [][]float32
		is     error
		inFile string // "texts" or "vectors": the file the error must name first
		want   []string
	}{
		{"more rows than texts", "a\nb\n", threeRows, embed.ErrBadInput, "vectors", []string{"3 rows", "has 2 texts", "texts.txt"}},
		{"fewer rows than texts", "a\nb\nc\nd\n", threeRows, embed.ErrBadInput, "vectors", []string{"3 rows", "has 4 texts"}},
		{"nan row", "a\nb\nc\n", [][]float32{{1, 0, 0}, {0, nan, 0}, {0, 0, 1}}, embed.ErrBadInput, "vectors", []string{"row 1", "texts.txt line 2", `"b"`, "NaN"}},
		{"inf row", "a\nb\nc\n", [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, float32(math.Inf(1))}}, embed.ErrBadInput, "vectors", []string{"row 2", "line 3", "+Inf"}},
		{"zero row", "a\nb\nc\n", [][]float32{{1, 0, 0}, {0, 0, 0}, {0, 0, 1}}, embed.ErrBadInput, "vectors", []string{"row 1", "zero vector"}},
		{"empty line", "a\n\nc\n", threeRows, embed.ErrBadInput, "texts", []string{"line 2", "empty text"}},
		{"blank line at end", "a\nb\n\n", threeRows, embed.ErrBadInput, "texts", []string{"line 3", "empty text"}},
		{"duplicate text", "a\nb\na\n", threeRows, embed.ErrBadInput, "texts", []string{"line 3", "also on line 1", "different vector"}},
		{"not utf-8", "a\n\xff\xfe\nc\n", threeRows, embed.ErrBadInput, "texts", []string{"line 2", "UTF-8"}},
		{"empty file", "", threeRows, embed.ErrBadInput, "texts", []string{"empty"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, vp := writePair(t, c.texts, npy.Float32, c.rows)
			_, err := embed.NewImport(tp, vp, "m")
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			var fe *embed.FileError
			if !errors.Is(err, c.is) || !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FileError wrapping %v", err, c.is)
			}
			path := tp
			if c.inFile == "vectors" {
				path = vp
			}
			if fe.Path != path || !strings.HasPrefix(err.Error(), path) {
				t.Fatalf("error %q does not start with %s", err, path)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestImportDuplicateWithSameVector(t *testing.T) {
	tp, vp := writePair(t, "a\nb\na\n", npy.Float16, [][]float32{{1, 2, 3}, {0, 0, 1}, {2, 4, 6}})
	im, err := embed.NewImport(tp, vp, "m")
	if err != nil {
		t.Fatal(err)
	}
	if im.Len() != 2 || len(im.Vectors()) != 2 {
		t.Fatalf("%d texts, want the duplicate kept once", im.Len())
	}
}

func TestImportMissingFiles(t *testing.T) {
	tp, vp := writePair(t, "a\nb\nc\n", npy.Float32, threeRows)
	dir := t.TempDir()
	for _, c := range []struct{ texts, vectors, missing string }{
		{filepath.Join(dir, "nope.txt"), vp, filepath.Join(dir, "nope.txt")},
		{tp, filepath.Join(dir, "nope.npy"), filepath.Join(dir, "nope.npy")},
	} {
		_, err := embed.NewImport(c.texts, c.vectors, "m")
		var fe *embed.FileError
		if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &fe) || fe.Path != c.missing {
			t.Fatalf("error %v, want a *FileError for %s wrapping fs.ErrNotExist", err, c.missing)
		}
		if strings.Count(err.Error(), c.missing) != 1 {
			t.Fatalf("error %q names the file other than once", err)
		}
	}
	os.WriteFile(vp, []byte("not an npy file at all"), 0o644)
	_, err := embed.NewImport(tp, vp, "m")
	if !errors.Is(err, npy.ErrFormat) || !errors.Is(err, embed.ErrBadInput) || !strings.HasPrefix(err.Error(), vp) {
		t.Fatalf("not npy: %v", err)
	}
	if _, err := embed.NewImport(tp, vp, ""); err == nil || !strings.Contains(err.Error(), "model name is required") {
		t.Fatalf("no model: %v", err)
	}
}

func TestImportUnknownText(t *testing.T) {
	tp, vp := writePair(t, "a\nb\nc\n", npy.Float32, threeRows)
	im, err := embed.NewImport(tp, vp, "m")
	if err != nil {
		t.Fatal(err)
	}
	long := "zebra which is " + strings.Repeat("any of several fleet black-and-white striped African equines ", 5)
	_, err = im.Embed(context.Background(), []string{"a", long})
	t.Log(err)
	if !errors.Is(err, embed.ErrUnknownText) || !strings.Contains(err.Error(), `"zebra which is any`) || !strings.Contains(err.Error(), tp) {
		t.Fatalf("error %v, want ErrUnknownText naming the text and %s", err, tp)
	}
	if len(err.Error()) > len(long)+len(tp)+len(vp)+200 || !strings.Contains(err.Error(), "…") {
		t.Fatalf("error does not truncate the text: %q", err)
	}
}

// TestImportTransposed reads a (dim, texts) file as the transpose of its
// array, and hands the model chooser the real dimension.
func TestImportTransposed(t *testing.T) {
	// Two texts, 3-d vectors, written as the 3 × 2 matrix whose columns
	// are the vectors.
	tp, vp := writePair(t, "a\nb\n", npy.Float32, [][]float32{{3, 0}, {4, 0}, {0, 2}})
	var gotDim int
	im, err := embed.NewImportWith(tp, vp, func(dim int) (string, error) { gotDim = dim; return "m3", nil })
	if err != nil {
		t.Fatal(err)
	}
	if !im.Transposed() || im.Dim() != 3 || gotDim != 3 || im.Model() != "m3" {
		t.Fatalf("transposed %v dim %d chooser saw %d model %q", im.Transposed(), im.Dim(), gotDim, im.Model())
	}
	vs := im.Vectors()
	want := [][]float32{{0.6, 0.8, 0}, {0, 0, 1}}
	for i := range want {
		for j := range want[i] {
			if math.Abs(float64(vs[i][j]-want[i][j])) > 1e-6 {
				t.Fatalf("vector %d = %v, want %v", i, vs[i], want[i])
			}
		}
	}
	// A square file is read as written (row i is text i): the shape
	// cannot say otherwise.
	tp, vp = writePair(t, "a\nb\nc\n", npy.Float32, threeRows)
	im, err = embed.NewImport(tp, vp, "m")
	if err != nil || im.Transposed() {
		t.Fatalf("square file: transposed %v, %v", im != nil && im.Transposed(), err)
	}
	// The chooser's error is the import's error.
	tp, vp = writePair(t, "a\nb\n", npy.Float32, [][]float32{{3, 0}, {4, 0}, {0, 2}})
	_, err = embed.NewImportWith(tp, vp, func(dim int) (string, error) { return "", errors.New("no model for 3-d") })
	if err == nil || !strings.Contains(err.Error(), "no model for 3-d") {
		t.Fatalf("chooser error: %v", err)
	}
}
