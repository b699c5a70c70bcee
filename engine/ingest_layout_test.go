package engine

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
)

// storedVector returns the stored vector of ordinal ord of shard num.
func storedVector(t *testing.T, db *DB, table string, num uint32, col string, ord int) []float32 {
	t.Helper()
	tbl, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	sh := tbl.Shard(num)
	vc := tbl.Vector(col)
	if sh == nil || vc < 0 {
		t.Fatalf("no shard %d or column %s", num, col)
	}
	dim := tbl.Vectors[vc].Dim
	out := make([]float32, dim)
	s := db.Snapshot()
	defer s.Close()
	called := false
	err = s.vectorBlock(tbl, sh, uint32(ord/BlockRows), vc, func(data []byte) error {
		called = true
		i := ord % BlockRows
		if tbl.Vectors[vc].DType == "f32" {
			vec.DecodeF32(out, data[i*dim*4:])
		} else {
			vec.F16ToF32(out, data[i*dim*2:(i+1)*dim*2])
		}
		return nil
	})
	if err != nil || !called {
		t.Fatalf("vector block: %v (called %v)", err, called)
	}
	return out
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

func TestIngestLaion5BLayoutIdsAndVectors(t *testing.T) {
	db := openTestDB(t)
	s := testShard{rows: 9000, dim: 16, number: 3, seed: 7, scale: 2.5}
	dir := writeShard(t, t.TempDir(), s)
	var warnings []string
	opt := DefaultIngestOptions()
	opt.Warn = func(m string) { warnings = append(warnings, m) }
	rep, err := db.Ingest(context.Background(), []string{dir}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Shards) != 1 || rep.Shards[0].Number != 3 || rep.Rows != 9000 {
		t.Fatalf("report %+v", rep)
	}
	tbl, _ := db.Table("laion")
	want := []string{"sample_id INT", "url TEXT", "caption TEXT", "height INT", "width INT", "license TEXT", "nsfw TEXT", "similarity FLOAT", "img VECTOR(16 f16 unknown)", "txt VECTOR(16 f16 unknown)"}
	for _, w := range want {
		if !strings.Contains(tbl.Describe(), w) {
			t.Errorf("schema %s lacks %q", tbl.Describe(), w)
		}
	}
	// Vectors were scaled by 2.5: stored unit-normalised, same direction,
	// and the user was told once per file with a count.
	raw := s.vectors("img")
	for _, ord := range []int{0, 4095, 4096, 8999} {
		got := storedVector(t, db, "laion", 3, "img", ord)
		if n := vec.Norm(got); math.Abs(float64(n)-1) > 2e-3 {
			t.Errorf("row %d norm %v", ord, n)
		}
		if c := cosine(got, raw[ord*16:(ord+1)*16]); c < 0.999 {
			t.Errorf("row %d cosine with input %v", ord, c)
		}
	}
	normWarnings := 0
	for _, w := range warnings {
		if strings.Contains(w, "9000 of 9000 vectors had a norm outside") {
			normWarnings++
		}
	}
	if normWarnings != 2 {
		t.Errorf("want one norm warning per npy file, got %q", warnings)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestReingestIsIdempotentAndReplaces(t *testing.T) {
	db := openTestDB(t)
	dir := writeShard(t, t.TempDir(), testShard{rows: 5000, dim: 8, number: 1, seed: 1})
	ctx := context.Background()
	if _, err := db.Ingest(ctx, []string{dir}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	first := storedVector(t, db, "laion", 1, "txt", 4321)
	rep, err := db.Ingest(ctx, []string{dir}, DefaultIngestOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Shards[0].Replaced {
		t.Errorf("second ingest not reported as a replacement")
	}
	tbl, _ := db.Table("laion")
	if tbl.Rows() != 5000 || len(tbl.Shards) != 1 {
		t.Fatalf("after re-ingest: %d rows in %d shards", tbl.Rows(), len(tbl.Shards))
	}
	if again := storedVector(t, db, "laion", 1, "txt", 4321); cosine(first, again) != 1 {
		t.Errorf("re-ingest changed a vector")
	}
	// New content for the same shard (fewer rows, other vectors) replaces it.
	dir2 := writeShard(t, t.TempDir(), testShard{rows: 4500, dim: 8, number: 1, seed: 99})
	if _, err := db.Ingest(ctx, []string{dir2}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	tbl, _ = db.Table("laion")
	if tbl.Rows() != 4500 {
		t.Fatalf("rows %d after replacing with 4500", tbl.Rows())
	}
	if replaced := storedVector(t, db, "laion", 1, "txt", 4321); cosine(first, replaced) > 0.99 {
		t.Errorf("vector not replaced")
	}
	// Nothing of the old generations is left behind.
	n := 0
	s := db.Snapshot()
	it := s.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindBlock}})
	for it.Rewind(); it.Valid(); it.Next() {
		if be32(it.Item().Key()[9:]) != tbl.Shards[0].Gen {
			n++
		}
	}
	it.Close()
	s.Close()
	if n != 0 {
		t.Errorf("%d keys of old generations remain", n)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestOlderLayoutFortranFloat32(t *testing.T) {
	db := openTestDB(t)
	dir := t.TempDir()
	s := testShard{rows: 300, dim: 6, seed: 5}
	rows := make([]gen.Row, s.rows)
	for i := range rows {
		rows[i] = gen.Row{SampleID: int64(i), URL: "u", Text: s.caption(i)}
	}
	if err := gen.WriteMetadata(filepath.Join(dir, "part-00007-abc.snappy.parquet"), rows); err != nil {
		t.Fatal(err)
	}
	// images/img_emb_7.npy as float32 in Fortran order.
	v := s.vectors("img")
	fort := make([]byte, 0, len(v)*4)
	for j := 0; j < s.dim; j++ {
		for i := 0; i < s.rows; i++ {
			b := math.Float32bits(v[i*s.dim+j])
			fort = append(fort, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
		}
	}
	os.MkdirAll(filepath.Join(dir, "images"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "images", "img_emb_7.npy"), append(npy.EncodeHeader(npy.Float32, true, s.rows, s.dim), fort...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := gen.WriteVectors(filepath.Join(dir, "texts", "text_emb_7.npy"), npy.Float32, s.vectors("txt"), s.dim); err != nil {
		t.Fatal(err)
	}
	opt := DefaultIngestOptions()
	opt.VectorDType = "f32"
	if _, err := db.Ingest(context.Background(), []string{dir}, opt); err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.Table("laion")
	if tbl.Shards[0].Number != 7 {
		t.Errorf("shard number %d, want 7 from part-00007", tbl.Shards[0].Number)
	}
	for _, ord := range []int{0, 1, 299} {
		got := storedVector(t, db, "laion", 7, "img", ord)
		for j := range got {
			if math.Abs(float64(got[j]-v[ord*s.dim+j])) > 1e-6 {
				t.Fatalf("row %d: stored %v, input %v", ord, got, v[ord*s.dim:(ord+1)*s.dim])
			}
		}
	}
}

func TestShardNumbersFromNames(t *testing.T) {
	for name, want := range map[string]uint32{
		"metadata_0003.parquet": 3, "part-00012-5f1d.snappy.parquet": 12, "img_emb_3.npy": 3,
		"text_emb_0410.npy": 410, "laion_part_17.parquet": 17,
	} {
		if got, ok, err := shardNumber(name); !ok || got != want || err != nil {
			t.Errorf("%s: %d, %v, %v", name, got, ok, err)
		}
	}
	if _, ok, _ := shardNumber("captions.parquet"); ok {
		t.Errorf("captions.parquet has no shard number")
	}
}

func TestInvalidUTF8StoredAsIsWithOneWarning(t *testing.T) {
	db := openTestDB(t)
	dir := t.TempDir()
	bad1, bad2, ok := "caf\xe9 au lait", "\xff\xfe goldfish", "plain"
	rows := []gen.Row{{Text: &bad1}, {Text: &ok}, {Text: &bad2}}
	p := filepath.Join(dir, "metadata_0000.parquet")
	if err := gen.WriteMetadata(p, rows); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	opt := DefaultIngestOptions()
	opt.Warn = func(m string) { warnings = append(warnings, m) }
	if _, err := db.Ingest(context.Background(), []string{p}, opt); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "2 captions are not valid UTF-8") {
		t.Errorf("warnings %q", warnings)
	}
	tbl, _ := db.Table("laion")
	s := db.Snapshot()
	defer s.Close()
	cb, _ := s.columnBlock(tbl, tbl.Shards[0].Number, tbl.Shards[0].Gen, 0, tbl.Column("caption"))
	if cb.Str(0) != bad1 || cb.Str(2) != bad2 {
		t.Errorf("captions changed: %q %q", cb.Str(0), cb.Str(2))
	}
}

func TestColumnWidenedWhenALaterShardHasFloats(t *testing.T) {
	db := openTestDB(t)
	type intRow struct {
		TEXT   string `parquet:"TEXT"`
		HEIGHT int64  `parquet:"HEIGHT"`
	}
	type floatRow struct {
		TEXT   string  `parquet:"TEXT"`
		HEIGHT float64 `parquet:"HEIGHT"`
	}
	dir := t.TempDir()
	gen.WriteParquet(filepath.Join(dir, "metadata_0000.parquet"), []intRow{{"a", 10}})
	gen.WriteParquet(filepath.Join(dir, "metadata_0001.parquet"), []floatRow{{"b", 12.5}})
	if _, err := db.Ingest(context.Background(), []string{dir}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.Table("laion")
	if c := tbl.Columns[tbl.Column("height")]; c.Type != TypeFloat {
		t.Errorf("height is %s, want FLOAT", c.Type)
	}
}
