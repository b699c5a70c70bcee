package synset

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func mustCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := ImageNet1k()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustVocab(t testing.TB, rule Rule) *Vocabulary {
	t.Helper()
	v, err := mustCatalog(t).Vocabulary(rule)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The class order must be the standard one of testdata/imagenet-1k-wnids.txt.
func TestCatalogClassOrder(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/imagenet-1k-wnids.txt")
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(string(raw))
	c := mustCatalog(t)
	if len(ids) != 1000 || len(c.Classes()) != 1000 {
		t.Fatalf("%d WNIDs in file, %d classes", len(ids), len(c.Classes()))
	}
	for i, id := range ids {
		s := c.Classes()[i]
		if s.WNID.String() != id || s.Class != i {
			t.Fatalf("class %d: %s (class %d), want %s", i, s.WNID, s.Class, id)
		}
		if len(s.Lemmas) == 0 || s.Gloss == "" || s.Name == "" || s.Head == "" {
			t.Errorf("class %d %s: incomplete %+v", i, id, s)
		}
		if ch := c.HypernymChain(s.WNID); len(ch) == 0 || ch[len(ch)-1].Name != "entity.n.01" {
			t.Errorf("class %d %s: chain does not end in entity", i, id)
		}
	}
}

func TestGoldfish(t *testing.T) {
	c := mustCatalog(t)
	s, err := c.Resolve("goldfish")
	if err != nil {
		t.Fatal(err)
	}
	if s.WNID.String() != "n01443537" || s.Class != 1 || s.Name != "goldfish.n.01" || s.Head != "goldfish" {
		t.Fatalf("goldfish: %+v", s)
	}
	if !slices.Equal(s.Lemmas, []string{"goldfish", "Carassius auratus"}) {
		t.Errorf("lemmas %q", s.Lemmas)
	}
	const want = "goldfish which is small golden or orange-red freshwater fishes of Eurasia used as pond or aquarium fishes"
	if got := Text(s); got != want {
		t.Errorf("Text = %q\nwant   %q", got, want)
	}
	var names []string
	for _, a := range c.HypernymChain(s.WNID) {
		names = append(names, a.Name)
	}
	// The first path as NLTK's goldfish.hypernym_paths()[0] gives it, reversed.
	wantChain := []string{"cyprinid.n.01", "cypriniform_fish.n.01", "soft-finned_fish.n.01", "teleost_fish.n.01",
		"bony_fish.n.01", "fish.n.01", "aquatic_vertebrate.n.01", "vertebrate.n.01", "chordate.n.01",
		"animal.n.01", "organism.n.01", "living_thing.n.01", "whole.n.02", "object.n.01",
		"physical_entity.n.01", "entity.n.01"}
	if !slices.Equal(names, wantChain) {
		t.Errorf("chain %q\nwant  %q", names, wantChain)
	}
	if !c.IsA(s.WNID, 1740) || c.IsA(1740, s.WNID) { // 1740 = entity.n.01
		t.Error("IsA along the chain")
	}
}

// Glosses are NLTK's Synset.definition(). NLTK (>= 3.5) removes every
// double-quoted stretch of the gloss, strips white space, then strips ';'
// and ' ' from both ends. The expected strings below were written by
// reading each synset's line in /usr/share/wordnet/data.noun and applying
// that rule by hand: e.g. the line of n02412080 ends
// `| uncastrated adult male sheep; "a British term is `tup'"`.
func TestGlossIsNLTKDefinition(t *testing.T) {
	c := mustCatalog(t)
	for id, want := range map[string]string{
		"n02412080": "uncastrated adult male sheep",
		"n03201208": "a table at which meals are served", // two examples follow
		"n01773549": "an orange and tan spider with darkly banded legs that spins an orb web daily",
		"n01484850": "large aggressive shark widespread in warm seas; known to attack humans", // "; " inside a definition stays
		"n01443537": "small golden or orange-red freshwater fishes of Eurasia used as pond or aquarium fishes",
	} {
		s, err := c.Resolve(id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Gloss != want {
			t.Errorf("%s: gloss %q\nwant %q", id, s.Gloss, want)
		}
	}
}

// TestPaperVocabulary pins the paper's dictionary: 1,825 lemmas over 995
// WNIDs (Catalog.Vocabulary explains how the numbers arise).
func TestPaperVocabulary(t *testing.T) {
	v := mustVocab(t, Paper)
	if v.Len() != 1825 || v.Active() != 995 {
		t.Fatalf("paper vocabulary: %d lemmas over %d WNIDs, want 1825 over 995", v.Len(), v.Active())
	}
	owner := map[string]string{}
	for _, e := range v.Entries() {
		if _, dup := owner[e.Lemma]; dup {
			t.Fatalf("lemma %q twice", e.Lemma)
		}
		owner[e.Lemma] = v.Synsets()[e.Synset].WNID.String()
	}
	for _, l := range []string{"Sus scrofa", "crawfish", "crayfish", "harp", "missile", "panda", "panther", "wagon"} {
		if w, ok := owner[l]; ok {
			t.Errorf("shared lemma %q kept (→ %s)", l, w)
		}
	}
	for l, want := range map[string]string{
		"crane":            "n02012849", // the bird: the machine n03126707 is not in the paper's list
		"Cardigan":         "n02113186", // the corgi
		"cardigan":         "n02963159", // the sweater: case-sensitive
		"Siberian husky":   "n02110185",
		"goldfish":         "n01443537",
		"golden retriever": "n02099601",
		"red panda":        "n02509815",
		"T-shirt":          "n03595614", // jersey; kept, though it can never match under Paper
	} {
		if owner[l] != want {
			t.Errorf("lemma %q → %q, want %s", l, owner[l], want)
		}
	}
	for _, id := range []string{"n03126707", "n01807496", "n03495258", "n03710637", "n03773504"} {
		wid, _ := ParseWNID(id)
		s, _ := mustCatalog(t).Synset(wid)
		if len(v.EntriesOf(s.Class)) != 0 {
			t.Errorf("%s should have no lemmas", id)
		}
	}
}

// TestNormalizedVocabulary pins the normalized dictionary's counts; the
// dropping rules are those of NewVocabulary.
func TestNormalizedVocabulary(t *testing.T) {
	v := mustVocab(t, Normalized)
	t.Logf("normalized vocabulary: %d lemmas over %d WNIDs, %d forms; %d noun.exc entries embedded",
		v.Len(), v.Active(), v.FormCount(), mustCatalog(t).Morphology().Len())
	byLemma := map[string]Entry{}
	for _, e := range v.Entries() {
		byLemma[e.Lemma] = e
	}
	for _, l := range []string{"Cardigan", "cardigan", "panda", "crawfish"} {
		if _, ok := byLemma[l]; ok {
			t.Errorf("%q should be dropped under normalized (shared after lower-casing)", l)
		}
	}
	for l, form := range map[string]string{"T-shirt": "t shirts", "golden retriever": "golden retrievers", "goose": "geese"} {
		e, ok := byLemma[l]
		if !ok || !slices.Contains(e.Forms, form) {
			t.Errorf("%q: forms %q lack %q", l, e.Forms, form)
		}
	}
}

func TestResolve(t *testing.T) {
	c := mustCatalog(t)
	for q, want := range map[string]string{
		"n01443537":         "n01443537",
		"N01443537":         "n01443537",
		"goldfish.n.01":     "n01443537",
		"Carassius auratus": "n01443537",
		"carassius_auratus": "n01443537",
		"Cardigan":          "n02113186",
		"cardigan":          "n02963159",
		"dog":               "n02084071", // an ancestor, not a class
		"entity":            "n00001740",
	} {
		s, err := c.Resolve(q)
		if err != nil || s.WNID.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", q, s, err, want)
		}
	}
	_, err := c.Resolve("crane")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || !errors.Is(err, ErrAmbiguous) || len(amb.Candidates) != 2 {
		t.Errorf("crane: %v", err)
	}
	_, err = c.Resolve("goldfsh")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrUnknownSynset) || len(nf.Suggestions) == 0 || nf.Suggestions[0] != "goldfish" {
		t.Errorf("goldfsh: %v", err)
	}
	t.Log(err)
	if s, err := c.Resolve("n02112837"); err != nil || s.WNID.String() != "n02110185" { // the paper's id for Siberian husky
		t.Errorf("n02112837: %v %v", s, err)
	}
	if _, err := c.Resolve("n99999999"); !errors.Is(err, ErrUnknownSynset) {
		t.Errorf("n99999999: %v", err)
	}
}

func TestParseWNID(t *testing.T) {
	for _, bad := range []string{"", "n0144353", "n014435377", "x01443537", "n0144353a", "n00000000"} {
		if _, err := ParseWNID(bad); !errors.Is(err, ErrBadWNID) {
			t.Errorf("ParseWNID(%q) = %v", bad, err)
		}
	}
	id, err := ParseWNID("n01443537")
	if err != nil || id != 1443537 || id.String() != "n01443537" {
		t.Errorf("%v %v", id, err)
	}
}
