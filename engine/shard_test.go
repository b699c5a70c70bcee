package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
)

// testShard describes a small LAION-layout shard written by writeShard.
type testShard struct {
	rows   int
	dim    int
	number int
	dtype  npy.DType
	seed   uint64
	// scale multiplies every vector, to test normalisation.
	scale float32
}

// caption returns the caption of row i (NULL every 97th row).
func (s testShard) caption(i int) *string {
	if i%97 == 5 {
		return nil
	}
	c := fmt.Sprintf("photo %d of a goldfish, shard %d", i, s.number)
	if i%3 == 0 {
		c = fmt.Sprintf("Golden retriever puppy #%d", i)
	}
	return &c
}

// vectors returns the raw rows×dim vectors of column col.
func (s testShard) vectors(col string) []float32 {
	r := rand.New(rand.NewPCG(s.seed, uint64(len(col))))
	v := make([]float32, s.rows*s.dim)
	scale := s.scale
	if scale == 0 {
		scale = 1
	}
	for i := 0; i < s.rows; i++ {
		row := v[i*s.dim : (i+1)*s.dim]
		var n float64
		for j := range row {
			row[j] = float32(r.NormFloat64())
			n += float64(row[j]) * float64(row[j])
		}
		for j := range row {
			row[j] = row[j] / float32(math.Sqrt(n)) * scale
		}
	}
	return v
}

// writeShard writes the shard in the LAION-5B embedding layout under dir
// and returns dir.
func writeShard(t testing.TB, dir string, s testShard) string {
	t.Helper()
	if s.dtype == "" {
		s.dtype = npy.Float16
	}
	rows := make([]gen.Row, s.rows)
	for i := range rows {
		rows[i] = gen.Row{SampleID: int64(1000*s.number + i), URL: fmt.Sprintf("http://x/%d/%d.jpg", s.number, i), Text: s.caption(i),
			Height: int64(100 + i), Width: 200, License: "?", NSFW: []string{"UNLIKELY", "UNSURE", "NSFW"}[i%3], Similarity: 0.3 + float64(i%10)/100}
	}
	num := fmt.Sprintf("%04d", s.number)
	if err := gen.WriteMetadata(filepath.Join(dir, "metadata", "metadata_"+num+".parquet"), rows); err != nil {
		t.Fatal(err)
	}
	if s.dim > 0 {
		if err := gen.WriteVectors(filepath.Join(dir, "img_emb", "img_emb_"+num+".npy"), s.dtype, s.vectors("img"), s.dim); err != nil {
			t.Fatal(err)
		}
		if err := gen.WriteVectors(filepath.Join(dir, "text_emb", "text_emb_"+num+".npy"), s.dtype, s.vectors("txt"), s.dim); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
