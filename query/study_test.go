package query

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/enginetest"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/query/ast"
)

func execOne(t *testing.T, s *Session, src string) *Result {
	t.Helper()
	st, err := ast.ParseStatement("", src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Exec(context.Background(), st)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return res
}

func rowsOf(t *testing.T, s *Session, src string) []value.Row {
	t.Helper()
	rows, err := Collect(execOne(t, s, src).Rows)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// direct computes the mean and population std of all pairwise cosines of
// vs the plain way: every pair, float64, each vector normalised.
func direct(vs [][]float32) (mean, std float64, pairs int) {
	u := make([][]float64, len(vs))
	for i, v := range vs {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		n = math.Sqrt(n)
		u[i] = make([]float64, len(v))
		for k, x := range v {
			u[i][k] = float64(x) / n
		}
	}
	var s1, s2 float64
	for i := range u {
		for j := i + 1; j < len(u); j++ {
			var c float64
			for k := range u[i] {
				c += u[i][k] * u[j][k]
			}
			s1 += c
			s2 += c * c
			pairs++
		}
	}
	mean = s1 / float64(pairs)
	return mean, math.Sqrt(s2/float64(pairs) - mean*mean), pairs
}

func TestIntraclassAndCompareMatchDirectPairwise(t *testing.T) {
	dir := t.TempDir()
	// A dense on-topic share gives classes of a few to ~100 rows, and 60
	// ImageNet-like images per class exercise groups above the dimension
	// (the Gram-matrix path) once two sets are combined below.
	if _, err := gen.Generate(dir, gen.Config{Rows: 20000, Seed: 3, Dim: 64, OnTopic: 0.3, ImageNetPerClass: 80}); err != nil {
		t.Fatal(err)
	}
	db := enginetest.Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	s, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	execOne(t, s, "INGEST '"+dir+"' INTO laion")
	execOne(t, s, "INGEST '"+filepath.Join(dir, "imagenet")+"' INTO imagenet")
	execOne(t, s, "CREATE SET laionet AS SELECT * FROM laion WHERE caption MATCHES IMAGENET")
	execOne(t, s, "CREATE SET inet AS SELECT id, wnid AS synset FROM imagenet WHERE wnid IN (SELECT synset FROM laionet)")

	vectors := func(set string) map[string][][]float32 {
		out := map[string][][]float32{}
		for _, r := range rowsOf(t, s, "SELECT synset, img FROM "+set) {
			out[r[0].S] = append(out[r[0].S], append([]float32(nil), r[1].V...))
		}
		return out
	}
	for _, set := range []string{"laionet", "inet"} {
		groups := vectors(set)
		got := rowsOf(t, s, "SELECT synset, intraclass(img), intraclass_std(img), intraclass_pairs(img), count(*) FROM "+set+" GROUP BY synset")
		if len(got) != len(groups) {
			t.Fatalf("%s: %d groups, want %d", set, len(got), len(groups))
		}
		var worst float64
		big := 0
		for _, r := range got {
			vs := groups[r[0].S]
			if len(vs) > 64 {
				big++
			}
			if len(vs) < 2 {
				if r[1].T != engine.TypeNull || r[2].T != engine.TypeNull || r[3].T != engine.TypeNull {
					t.Errorf("%s %s: a group of %d rows must give NULLs, got %v", set, r[0].S, len(vs), r)
				}
				continue
			}
			mean, std, pairs := direct(vs)
			worst = max(worst, math.Abs(r[1].F-mean), math.Abs(r[2].F-std))
			if r[3].I != int64(pairs) {
				t.Errorf("%s %s: pairs %d, want %d", set, r[0].S, r[3].I, pairs)
			}
		}
		t.Logf("%s: %d classes (%d above the dimension), max |difference| %.2g", set, len(got), big, worst)
		if worst > 1e-5 {
			t.Errorf("%s: intraclass differs from the direct pairwise computation by %g", set, worst)
		}
		if set == "inet" && big == 0 {
			t.Errorf("no group above the dimension: the Gram path went untested")
		}
	}

	// COMPARE INTRACLASS: every number and verdict, and the summary counts.
	res := execOne(t, s, "COMPARE INTRACLASS laionet, inet BY synset MIN PAIRS 7")
	rows, err := Collect(res.Rows)
	if err != nil {
		t.Fatal(err)
	}
	la, in := vectors("laionet"), vectors("inet")
	counts := map[string]int{}
	var worst float64
	for _, r := range rows {
		a, b := la[r[0].S], in[r[0].S]
		ma, sa, pa := direct(a)
		mb, sb, pb := direct(b)
		if pa < 7 || pb < 7 {
			t.Errorf("%s compared with %d and %d pairs", r[0].S, pa, pb)
		}
		ca := 1.96 * sa / math.Sqrt(float64(pa-1))
		cb := 1.96 * sb / math.Sqrt(float64(pb-1))
		for i, want := range map[int]float64{3: ma, 4: sa, 5: ca, 7: mb, 8: sb, 9: cb, 10: ma - mb} {
			worst = max(worst, math.Abs(r[i].F-want))
		}
		h := math.Sqrt(ca*ca + cb*cb)
		want := "neither"
		if ma-mb+h < 0 {
			want = "lower"
		} else if ma-mb-h > 0 {
			want = "higher"
		}
		if r[11].S != want {
			t.Errorf("%s: verdict %s, recount says %s", r[0].S, r[11].S, want)
		}
		counts[want]++
	}
	if worst > 1e-5 {
		t.Errorf("COMPARE numbers differ from the direct computation by %g", worst)
	}
	if len(rows) < 20 {
		t.Fatalf("only %d classes compared", len(rows))
	}
	n := len(rows)
	pct := func(c int) float64 { return 100 * float64(c) / float64(n) }
	summary := res.Message
	for _, w := range []string{
		fmt.Sprintf("lower than inet in %.1f%% of %d classes (%d)", pct(counts["lower"]), n, counts["lower"]),
		fmt.Sprintf("higher in %.1f%% (%d)", pct(counts["higher"]), counts["higher"]),
		fmt.Sprintf("neither in %.1f%% (%d)", pct(counts["neither"]), counts["neither"]),
	} {
		if !strings.Contains(summary, w) {
			t.Errorf("summary %q lacks %q", summary, w)
		}
	}
	t.Logf("%s", summary)

	// METHOD jackknife: every interval is 1.96 times the jackknife standard
	// error computed by deleting each image in turn and averaging the
	// cosines of the pairs that remain.
	deleteOne := func(vs [][]float32) float64 {
		n := len(vs)
		thetas := make([]float64, n)
		var mean float64
		for i := range vs {
			rest := append(append([][]float32(nil), vs[:i]...), vs[i+1:]...)
			thetas[i], _, _ = direct(rest)
			mean += thetas[i] / float64(n)
		}
		var ss float64
		for _, th := range thetas {
			ss += (th - mean) * (th - mean)
		}
		return math.Sqrt(float64(n-1) / float64(n) * ss)
	}
	jk := execOne(t, s, "COMPARE INTRACLASS laionet, inet BY synset MIN PAIRS 7 METHOD jackknife")
	jrows, err := Collect(jk.Rows)
	if err != nil {
		t.Fatal(err)
	}
	worst = 0
	checked := 0
	for _, r := range jrows {
		if len(la[r[0].S]) > 40 || checked == 8 { // the delete-one loop is O(n³d)
			continue
		}
		checked++
		worst = max(worst, math.Abs(r[5].F-1.96*deleteOne(la[r[0].S])), math.Abs(r[9].F-1.96*deleteOne(in[r[0].S])))
	}
	if worst > 1e-6 {
		t.Errorf("COMPARE METHOD jackknife intervals differ from the delete-one computation by %g", worst)
	}
	t.Logf("%s", jk.Message)
}
