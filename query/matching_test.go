package query

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
)

// paperMatch is the paper's substring rule, written out: punctuation to
// spaces, padded, " "+lemma+" " a substring.
func paperMatch(caption, lemma string) bool {
	return strings.Contains(paperText(caption), " "+lemma+" ")
}

func paperText(caption string) string {
	b := []byte(" " + caption + " ")
	for i, c := range b {
		if strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0 {
			b[i] = ' '
		}
	}
	return string(b)
}

func captionSession(t *testing.T, warn func(string)) *Session {
	t.Helper()
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := NewSession(db, Options{Warn: warn})
	if err != nil {
		t.Fatal(err)
	}
	captions, _ := filepath.Abs("../testdata/laion-captions-10k.parquet")
	execOne(t, s, "INGEST '"+captions+"' INTO laion")
	return s
}

// TestWhyARowMatched: the bound lemma is a lemma of the bound class that
// the paper rule finds in the caption, and CONTAINS is the paper's
// substring rule (a phrase with punctuation never matches, with a
// warning).
func TestWhyARowMatched(t *testing.T) {
	var warnings []string
	s := captionSession(t, func(m string) { warnings = append(warnings, m) })
	cat, err := synset.ImageNet1k()
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(t, s, "SELECT synset, lemma, caption FROM laion WHERE caption MATCHES IMAGENET")
	if len(rows) != 459 {
		t.Fatalf("%d rows, want 459", len(rows))
	}
	for _, r := range rows {
		syn, err := cat.Resolve(r[0].S)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(r[1].S, ", ") {
			if !slices.Contains(syn.Lemmas, l) || !paperMatch(r[2].S, l) {
				t.Errorf("%q labelled %s through lemma %q", r[2].S, syn.Name, l)
			}
		}
	}
	all := rowsOf(t, s, "SELECT caption FROM laion")
	for _, phrase := range []string{"T shirt", "golden retriever", "dog", "Light"} {
		want := 0
		for _, r := range all {
			if r[0].T == engine.TypeString && paperMatch(r[0].S, phrase) {
				want++
			}
		}
		if got := rowsOf(t, s, "SELECT count(*) FROM laion WHERE caption CONTAINS '"+phrase+"'")[0][0].I; got != int64(want) {
			t.Errorf("CONTAINS %q: %d rows, the substring rule %d", phrase, got, want)
		}
	}
	if got := rowsOf(t, s, "SELECT count(*) FROM laion WHERE caption CONTAINS 'T-shirt'")[0][0].I; got != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "can never match") {
		t.Errorf("CONTAINS 'T-shirt': %d rows, warnings %q", got, warnings)
	}
}

// TestMatchesSynsetWithHyponyms: MATCHES SYNSET 'dog.n.01' WITH HYPONYMS
// keeps exactly the captions where the paper rule finds a lemma of
// dog.n.01 or of a synset below it, read from WordNet here; the caption
// index and the row-by-row scan agree.
func TestMatchesSynsetWithHyponyms(t *testing.T) {
	wn, err := synset.LoadWordNet("")
	if err != nil {
		t.Skipf("needs WordNet (apt-get install wordnet-base): %v", err)
	}
	s := captionSession(t, nil)
	dog, err := wn.Resolve("dog.n.01")
	if err != nil {
		t.Fatal(err)
	}
	lemmas := slices.Clone(dog.Lemmas)
	for _, h := range wn.HyponymClosure(dog.WNID) {
		lemmas = append(lemmas, h.Lemmas...)
	}
	want := map[int64]bool{}
	for _, r := range rowsOf(t, s, "SELECT id, caption FROM laion WHERE caption IS NOT NULL") {
		text := paperText(r[1].S)
		for _, l := range lemmas {
			if strings.Contains(text, " "+l+" ") {
				want[r[0].I] = true
				break
			}
		}
	}
	for _, q := range []string{
		"SELECT id FROM laion WHERE caption MATCHES SYNSET 'dog.n.01' WITH HYPONYMS",
		"SELECT id FROM laion WHERE caption MATCHES SYNSET 'dog.n.01' WITH HYPONYMS OR FALSE", // row by row
	} {
		got := rowsOf(t, s, q)
		if len(got) != len(want) || len(want) < 20 {
			t.Errorf("%s: %d rows, the lemmas say %d", q, len(got), len(want))
		}
		for _, r := range got {
			if !want[r[0].I] {
				t.Errorf("%s: row %d does not name a dog", q, r[0].I)
			}
		}
	}
	// Without WITH HYPONYMS, only dog.n.01's own lemmas (dog, domestic
	// dog, Canis familiaris).
	n := rowsOf(t, s, "SELECT count(*) FROM laion WHERE caption MATCHES SYNSET 'dog.n.01'")[0][0].I
	var direct int64
	for _, r := range rowsOf(t, s, "SELECT caption FROM laion WHERE caption IS NOT NULL") {
		for _, l := range dog.Lemmas {
			if paperMatch(r[0].S, l) {
				direct++
				break
			}
		}
	}
	if n != direct || n == 0 {
		t.Errorf("MATCHES SYNSET 'dog.n.01': %d rows, its lemmas %d", n, direct)
	}
}
