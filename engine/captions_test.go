package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine/synset"
)

// The stored caption index must answer exactly as the plain scan of the
// paper rule over the real captions.
func TestStoredIndexLabelsRealCaptionsLikeTheScan(t *testing.T) {
	db := openTestDB(t)
	if _, err := db.Ingest(context.Background(), []string{"../testdata/laion-captions-10k.parquet"}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.Table("laion")
	s := db.Snapshot()
	defer s.Close()
	for _, rule := range []synset.Rule{synset.Paper, synset.Normalized} {
		labels, err := s.Labels(context.Background(), tbl, rule)
		if err != nil {
			t.Fatal(err)
		}
		vocab, _ := imagenetVocabulary(rule)
		l := labels.shards[0].labels
		sh := tbl.Shards[0]
		p, _ := s.Postings(tbl, sh)
		matched, unique := 0, 0
		for ord := uint32(0); ord < sh.Rows; ord++ {
			c, ok, err := p.Caption(ord)
			if err != nil {
				t.Fatal(err)
			}
			var want []int
			if ok {
				want = vocab.MatchCaption(c)
			}
			got := l.Synsets(ord)
			if len(got) != len(want) {
				t.Fatalf("%s row %d %q: index %v, scan %v", rule, ord, c, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s row %d %q: index %v, scan %v", rule, ord, c, got, want)
				}
			}
			if len(want) > 0 {
				matched++
			}
			if len(want) == 1 {
				unique++
			}
		}
		t.Logf("%s: %d rows match, %d exactly one synset", rule, matched, unique)
		if rule == synset.Paper && (matched != 503 || unique != 459) {
			t.Errorf("paper rule: %d matched, %d unique; want 503 and 459", matched, unique)
		}
	}
}

func TestContainsAndMatchSynsetFromIndex(t *testing.T) {
	db := openTestDB(t)
	dir := writeShard(t, t.TempDir(), testShard{rows: 9000, number: 4, seed: 3})
	if _, err := db.Ingest(context.Background(), []string{dir}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.Table("laion")
	s := db.Snapshot()
	defer s.Close()
	ids, err := s.Contains(context.Background(), tbl, synset.Paper, "Golden retriever")
	if err != nil {
		t.Fatal(err)
	}
	// writeShard gives every third row "Golden retriever puppy #i" unless
	// the caption is NULL (i%97 == 5).
	want := 0
	for i := 0; i < 9000; i++ {
		c := testShard{number: 4}.caption(i)
		if c != nil && strings.Contains(*c, "Golden retriever") {
			want++
			if !ids.Contains(rowID(4, uint32(i))) {
				t.Fatalf("row %d missing", i)
			}
		}
	}
	if int(ids.GetCardinality()) != want {
		t.Errorf("CONTAINS found %d rows, want %d", ids.GetCardinality(), want)
	}
	cat, _ := synset.ImageNet1k()
	gold, _ := cat.Resolve("goldfish")
	g, err := s.MatchSynset(context.Background(), tbl, synset.Paper, gold.Class)
	if err != nil {
		t.Fatal(err)
	}
	if g.GetCardinality() == 0 || g.Contains(rowID(4, 0)) || !g.Contains(rowID(4, 1)) {
		t.Errorf("goldfish rows: %d, row0 %v row1 %v", g.GetCardinality(), g.Contains(rowID(4, 0)), g.Contains(rowID(4, 1)))
	}
}

// The labelling stored per shard generation answers like a fresh one, and
// a re-ingest (a new generation) gets its own.
func TestStoredLabelsMatchFreshOnes(t *testing.T) {
	db := openTestDB(t)
	dir := writeShard(t, t.TempDir(), testShard{rows: 6000, number: 2, seed: 5})
	if _, err := db.Ingest(context.Background(), []string{dir}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.Table("laion")
	sh := tbl.Shards[0]
	s := db.Snapshot()
	defer s.Close()
	if _, err := s.txn.Get(labelsKey(tbl.ID, sh.Number, sh.Gen, 'p')); err != nil {
		t.Fatalf("ingest did not store the paper labelling: %v", err)
	}
	for _, rule := range []synset.Rule{synset.Paper, synset.Normalized} {
		stored, err := s.Labels(context.Background(), tbl, rule)
		if err != nil {
			t.Fatal(err)
		}
		vocab, _ := imagenetVocabulary(rule)
		p, _ := s.Postings(tbl, sh)
		fresh, err := synset.Label(context.Background(), p, vocab)
		if err != nil {
			t.Fatal(err)
		}
		st := stored.shards[0].labels
		for c := range fresh.Unique {
			if !fresh.Unique[c].Equals(st.Unique[c]) {
				t.Fatalf("%s class %d: stored %v, fresh %v", rule, c, st.Unique[c].ToArray(), fresh.Unique[c].ToArray())
			}
		}
		if !fresh.Multi.Equals(st.Multi) || !fresh.Matched.Equals(st.Matched) {
			t.Errorf("%s: stored Multi/Matched differ from fresh ones", rule)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// A database whose shards lack the caption index (as one from before the
// index would) answers from the captions in memory, and BuildCaptionIndex
// stores the index and gives the same answers.
func TestBuildCaptionIndexForShardsWithoutOne(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	if _, err := db.Ingest(ctx, []string{"../testdata/laion-captions-10k.parquet"}, DefaultIngestOptions()); err != nil {
		t.Fatal(err)
	}
	count := func() uint64 {
		tbl, _ := db.Table("laion")
		s := db.Snapshot()
		defer s.Close()
		ls, err := s.Labels(ctx, tbl, synset.Paper)
		if err != nil {
			t.Fatal(err)
		}
		return ls.IDs().GetCardinality()
	}
	want := count()
	// Take the index away.
	if err := db.DropCaptionIndex("laion"); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CaptionIndexMissing("laion"); n != 10000 {
		t.Fatalf("%d rows reported without an index, want 10000", n)
	}
	if got := count(); got != want {
		t.Fatalf("without the index: %d labelled rows, want %d", got, want)
	}
	// Reads never write: answering without the index stored nothing.
	if n, _ := db.CaptionIndexMissing("laion"); n != 10000 {
		t.Fatalf("a read built the caption index: %d rows left without one", n)
	}
	tbl, _ := db.Table("laion")
	sh := tbl.Shards[0]
	s := db.Snapshot()
	if _, err := s.txn.Get(labelsKey(tbl.ID, sh.Number, sh.Gen, 'p')); err == nil {
		t.Errorf("a read stored a labelling")
	}
	s.Close()
	var last int64
	built, err := db.BuildCaptionIndex(ctx, "laion", func(done, total int64) { last = done })
	if err != nil || built != 1 || last != 10000 {
		t.Fatalf("BuildCaptionIndex: %d shards, progress %d, %v", built, last, err)
	}
	if n, _ := db.CaptionIndexMissing("laion"); n != 0 {
		t.Errorf("%d rows still without an index", n)
	}
	if got := count(); got != want {
		t.Errorf("with the rebuilt index: %d labelled rows, want %d", got, want)
	}
	if built, _ := db.BuildCaptionIndex(ctx, "laion", nil); built != 0 {
		t.Errorf("a second call rebuilt %d shards", built)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
