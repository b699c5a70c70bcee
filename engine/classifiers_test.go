package engine

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestClassifiersStoreReplaceDrop(t *testing.T) {
	db := openTestDB(t)
	// Weights over more than one chunk: 3 classes × 100,000 values.
	const classes, dim = 3, 100000
	w := make([]float32, classes*dim)
	for i := range w {
		w[i] = float32(i%977) / 977
	}
	c := &Classifier{Name: "clip", Classes: []string{"n01", "n02", "n03"}, Dim: dim, Model: "m", Source: "w.npy"}
	if err := db.PutClassifierWeights(c, w, false); err != nil {
		t.Fatal(err)
	}
	if err := db.PutClassifierWeights(&Classifier{Name: "clip", Classes: []string{"a"}, Dim: 1}, []float32{1}, false); !errors.Is(err, ErrExists) {
		t.Fatalf("second classifier of one name: %v", err)
	}
	p := &Predictions{IDs: []uint64{3, 7, 100000002}, Classes: []uint32{0, 1, 1, 0, 2, 2}, K: 2}
	if err := db.PutPredictions(&Classifier{Name: "preds", Classes: []string{"x", "y", "z"}, Source: "p.parquet"}, p, false); err != nil {
		t.Fatal(err)
	}
	if err := db.PutPredictions(&Classifier{Name: "bad", Classes: []string{"x"}}, &Predictions{IDs: []uint64{2, 1}, Classes: []uint32{0, 0}, K: 1}, false); err == nil {
		t.Fatal("predictions out of id order accepted")
	}
	s := db.Snapshot()
	got, err := s.Classifier("CLIP")
	if err != nil {
		t.Fatal(err)
	}
	gw, err := s.ClassifierWeights(got)
	if err != nil || !slices.Equal(gw, w) || got.Model != "m" || got.Kind != ClassifierWeights {
		t.Fatalf("weights read back: %v (kind %s, model %s)", err, got.Kind, got.Model)
	}
	pc, err := s.Classifier("preds")
	if err != nil {
		t.Fatal(err)
	}
	gp, err := s.Predictions(pc)
	if err != nil || !slices.Equal(gp.IDs, p.IDs) || !slices.Equal(gp.Classes, p.Classes) || pc.Rows != 3 || pc.K != 2 {
		t.Fatalf("predictions read back: %v %+v", err, gp)
	}
	if k := gp.Lookup(7); !slices.Equal(k, []uint32{1, 0}) {
		t.Errorf("Lookup(7) = %v", k)
	}
	if k := gp.Lookup(8); k != nil {
		t.Errorf("Lookup(8) = %v, want nil", k)
	}
	s.Close()
	all, err := db.Classifiers()
	if err != nil || len(all) != 2 || all[0].Name != "clip" || all[1].Name != "preds" {
		t.Fatalf("Classifiers() = %v, %v", all, err)
	}
	// Replacing keeps one copy of the data.
	if err := db.PutClassifierWeights(&Classifier{Name: "clip", Classes: []string{"a"}, Dim: 2}, []float32{1, 0}, true); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, db, kindClassifier); n != 2 {
		t.Errorf("%d classifier data keys after replacing, want 2 (one per classifier)", n)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.DropClassifier("preds"); !ok || err != nil {
		t.Fatalf("drop: %v %v", ok, err)
	}
	if ok, err := db.DropClassifier("preds"); ok || err != nil {
		t.Fatalf("second drop: %v %v", ok, err)
	}
	s = db.Snapshot()
	if _, err := s.Classifier("preds"); !errors.Is(err, ErrNoClassifier) {
		t.Errorf("dropped classifier: %v", err)
	}
	s.Close()
	// Data nobody refers to (a crash mid-write) goes at VACUUM.
	wb := db.bdb.NewWriteBatch()
	if err := wb.Set(classifierKey(999, 0), []byte("orphan")); err != nil {
		t.Fatal(err)
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Vacuum(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Orphans != 1 || countKeys(t, db, kindClassifier) != 1 {
		t.Errorf("vacuum removed %d orphans; %d classifier keys left, want 1", rep.Orphans, countKeys(t, db, kindClassifier))
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestReadPredictionsFile(t *testing.T) {
	dir := t.TempDir()
	classes := []string{"n00", "n01", "n02"}
	type byNumber struct {
		ID   int64 `parquet:"id"`
		Top1 int32 `parquet:"top1"`
		Top2 int32 `parquet:"TOP2"`
	}
	type byLabel struct {
		ID   int32   `parquet:"ID"`
		Top1 *string `parquet:"top1,optional"`
		Note string  `parquet:"note"`
	}
	write := func(name string, rows any) string {
		t.Helper()
		p := filepath.Join(dir, name)
		var err error
		switch r := rows.(type) {
		case []byNumber:
			err = parquet.WriteFile(p, r)
		case []byLabel:
			err = parquet.WriteFile(p, r)
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	str := func(s string) *string { return &s }

	// Class numbers, rows out of order: sorted by id.
	table, p, err := ReadPredictionsFile(write("n.parquet", []byNumber{{9, 2, 0}, {4, 1, 1}}), classes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(table, classes) || !slices.Equal(p.IDs, []uint64{4, 9}) || !slices.Equal(p.Classes, []uint32{1, 1, 2, 0}) || p.K != 2 {
		t.Fatalf("numbers: %v %+v", table, p)
	}
	// Labels, one of them new: it joins the class table.
	table, p, err = ReadPredictionsFile(write("l.parquet", []byLabel{{1, str("n02"), "x"}, {2, str("n99"), "y"}}), classes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(table, append(classes, "n99")) || !slices.Equal(p.Classes, []uint32{2, 3}) || p.K != 1 {
		t.Fatalf("labels: %v %+v", table, p)
	}
	for _, c := range []struct {
		name string
		rows any
		want string
	}{
		{"range.parquet", []byNumber{{1, 3, 0}}, "row 0: top1 is class number 3, but there are classes 0 to 2"},
		{"dup.parquet", []byNumber{{1, 0, 0}, {1, 1, 1}}, "id 1 is given twice"},
		{"null.parquet", []byLabel{{1, str("n00"), ""}, {2, nil, ""}}, "row 1: top1 is NULL"},
	} {
		_, _, err := ReadPredictionsFile(write(c.name, c.rows), classes)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrBadInput) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
