package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
)

// TestEvaluateAgainstOracle checks EVALUATE against a computation written
// here from its definition: every class's score w_c·v in float64 for
// every image, the five best classes (ties to the lower class), per class
// the share of rows whose label is the best class (top-1) or among the
// five (top-5), Wilson intervals as the roots of
// (n + z²)p² − (2k + z²)p + k²/n = 0, and the equal-weighted accuracies
// as plain means over classes. The weights are noisy class vectors, so
// that predictions are often wrong.
func TestEvaluateAgainstOracle(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(dir, gen.Config{Rows: 100, Seed: 5, Dim: 64, ImageNetPerClass: 3}); err != nil {
		t.Fatal(err)
	}
	// Weights: the generator's class vectors plus noise, written (dim,
	// classes) so the import reads them transposed.
	const classes, dim = 1000, 64
	tv, err := npy.Open(filepath.Join(dir, "synsets", "synset_text_emb.npy"))
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, classes*dim*2)
	if err := tv.ReadRows(raw, 0, classes); err != nil {
		t.Fatal(err)
	}
	tv.Close()
	r := rand.New(rand.NewPCG(9, 9))
	w := make([][]float32, classes)
	flat := make([]float32, dim*classes) // (dim, classes)
	for c := range w {
		w[c] = make([]float32, dim)
		for j := range w[c] {
			h := uint16(raw[(c*dim+j)*2]) | uint16(raw[(c*dim+j)*2+1])<<8
			w[c][j] = vec.F16(h) + float32(0.15*r.NormFloat64())
			flat[j*classes+c] = w[c][j]
		}
	}
	wpath := filepath.Join(dir, "weights.npy")
	nw, err := npy.Create(wpath, npy.Float32, dim, classes)
	if err != nil {
		t.Fatal(err)
	}
	if err := nw.WriteFloat32(flat); err != nil {
		t.Fatal(err)
	}
	if err := nw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := engine.Open(engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, fmt.Sprintf("INGEST '%s' INTO imagenet", filepath.Join(dir, "imagenet")))
	execOne(t, s, "CREATE SET inet AS SELECT id, wnid AS synset FROM imagenet")
	execOne(t, s, fmt.Sprintf("IMPORT CLASSIFIER noisy FROM '%s'", wpath))

	// The oracle, over the rows as the database returns them.
	type counts struct{ n, top1, top5 int }
	per := map[string]*counts{}
	for _, row := range rowsOf(t, s, "SELECT synset, img FROM inet") {
		v := row[1].V
		idx := make([]int, classes)
		score := make([]float64, classes)
		for c := range idx {
			idx[c] = c
			for j := range v {
				score[c] += float64(w[c][j]) * float64(v[j])
			}
		}
		sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
		want := -1
		for c, id := range s.wnids {
			if id == row[0].S {
				want = c
			}
		}
		cc := per[row[0].S]
		if cc == nil {
			cc = &counts{}
			per[row[0].S] = cc
		}
		cc.n++
		if idx[0] == want {
			cc.top1++
		}
		for _, c := range idx[:5] {
			if c == want {
				cc.top5++
			}
		}
	}
	wilson := func(k, n int) (float64, float64) {
		const z = 1.96
		nf, kf := float64(n), float64(k)
		a, b, c := nf+z*z, -(2*kf + z*z), kf*kf/nf
		d := math.Sqrt(b*b - 4*a*c)
		return (-b - d) / (2 * a), (-b + d) / (2 * a)
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %.17g, want %.17g", what, got, want)
		}
	}
	rows := rowsOf(t, s, "EVALUATE noisy ON inet PER CLASS")
	if len(rows) != len(per) || len(rows) != classes {
		t.Fatalf("%d classes evaluated, oracle has %d", len(rows), len(per))
	}
	var n, top1, top5 int
	var eq1, eq5 float64
	wrong := 0
	for _, row := range rows {
		cc := per[row[0].S]
		if cc == nil || row[1].I != int64(cc.n) {
			t.Fatalf("class %s: n = %d, oracle %+v", row[0].S, row[1].I, cc)
		}
		p1, p5 := float64(cc.top1)/float64(cc.n), float64(cc.top5)/float64(cc.n)
		lo1, hi1 := wilson(cc.top1, cc.n)
		lo5, hi5 := wilson(cc.top5, cc.n)
		for i, want := range []float64{p1, lo1, hi1, p5, lo5, hi5} {
			near(fmt.Sprintf("%s column %d", row[0].S, i+2), row[2+i].F, want)
		}
		n, top1, top5 = n+cc.n, top1+cc.top1, top5+cc.top5
		eq1 += p1 / classes
		eq5 += p5 / classes
		wrong += cc.n - cc.top1
	}
	if wrong < n/10 || top1 < n/10 {
		t.Fatalf("the noisy classifier is right on %d of %d rows: too easy or too hard a test", top1, n)
	}
	sum := rowsOf(t, s, "EVALUATE noisy ON inet")[0]
	if sum[0].I != int64(n) || sum[1].I != classes {
		t.Fatalf("summary n = %d classes = %d, want %d and %d", sum[0].I, sum[1].I, n, classes)
	}
	near("top1", sum[2].F, float64(top1)/float64(n))
	near("top5", sum[3].F, float64(top5)/float64(n))
	near("top1_equal", sum[4].F, eq1)
	near("top5_equal", sum[5].F, eq5)

	// predict and predict_topk agree with the oracle's ranking of EVALUATE.
	got := rowsOf(t, s, "SELECT count(*) FROM inet WHERE predict(img, 'noisy') = synset")[0][0].I
	if got != int64(top1) {
		t.Errorf("predict is right on %d rows, EVALUATE's oracle on %d", got, top1)
	}
}
