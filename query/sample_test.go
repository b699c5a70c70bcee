package query

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/query/internal/stats"
)

// TestSampleIsShardIndependent: SAMPLE k PER e over a table of two shards
// equals the k rows with the smallest hash among the per-shard samples,
// so a sample can be drawn shard by shard (or job by job) and merged; and
// every row of a group is kept with probability k/n.
func TestSampleIsShardIndependent(t *testing.T) {
	dir := t.TempDir()
	for shard, seed := range []uint64{11, 12} {
		if _, err := gen.Generate(filepath.Join(dir, fmt.Sprint(shard)), gen.Config{Rows: 3000, Seed: seed, Dim: 8, Shard: shard}); err != nil {
			t.Fatal(err)
		}
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
	execOne(t, s, fmt.Sprintf("INGEST '%s', '%s' INTO laion", filepath.Join(dir, "0"), filepath.Join(dir, "1")))

	type row struct {
		id   uint64
		nsfw string
	}
	sample := func(where string, seed int) []row {
		var out []row
		for _, r := range rowsOf(t, s, fmt.Sprintf("SELECT id, nsfw FROM laion %s SAMPLE 20 PER nsfw SEED %d", where, seed)) {
			out = append(out, row{uint64(r[0].I), r[1].S})
		}
		return out
	}
	for _, seed := range []int{0, 5, 99} {
		whole := sample("", seed)
		parts := append(sample("WHERE id < 100000000", seed), sample("WHERE id >= 100000000", seed)...)
		// The merge: per group, the 20 smallest (hash, id).
		byGroup := map[string][]row{}
		for _, r := range parts {
			byGroup[r.nsfw] = append(byGroup[r.nsfw], r)
		}
		want := map[uint64]bool{}
		for _, rs := range byGroup {
			sort.Slice(rs, func(i, j int) bool {
				hi, hj := stats.Hash(uint64(seed), rs[i].id), stats.Hash(uint64(seed), rs[j].id)
				return hi < hj || hi == hj && rs[i].id < rs[j].id
			})
			for _, r := range rs[:min(20, len(rs))] {
				want[r.id] = true
			}
		}
		if len(whole) != len(want) || len(whole) != 60 {
			t.Fatalf("seed %d: %d rows sampled, %d from the merged shard samples (3 groups of at least 20)", seed, len(whole), len(want))
		}
		for i, r := range whole {
			if !want[r.id] {
				t.Fatalf("seed %d: row %d of the sample is not among the merged shard samples", seed, r.id)
			}
			if i > 0 && r.id <= whole[i-1].id {
				t.Fatalf("seed %d: sampled rows out of id order", seed)
			}
		}
	}

	// Inclusion probability: the NSFW group (n rows) under 100 seeds, each
	// row kept 100·k/n times in expectation; a chi-square test over rows.
	const k, seeds = 10, 100
	counts := map[int64]int{}
	n := rowsOf(t, s, "SELECT count(*) FROM laion WHERE nsfw = 'NSFW'")[0][0].I
	for seed := 0; seed < seeds; seed++ {
		for _, r := range rowsOf(t, s, fmt.Sprintf("SELECT id FROM laion WHERE nsfw = 'NSFW' SAMPLE %d SEED %d", k, seed)) {
			counts[r[0].I]++
		}
	}
	e := float64(seeds*k) / float64(n)
	var chi2 float64
	for _, r := range rowsOf(t, s, "SELECT id FROM laion WHERE nsfw = 'NSFW'") {
		d := float64(counts[r[0].I]) - e
		chi2 += d * d / e
	}
	// Under uniform inclusion chi2 is about n−1 with sd sqrt(2(n−1)).
	if df := float64(n - 1); math.Abs(chi2-df) > 5*math.Sqrt(2*df) {
		t.Errorf("inclusion counts over %d rows: chi-square %.1f, expected about %.0f ± %.0f", n, chi2, df, math.Sqrt(2*df))
	}
}
