package synset

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine/synset/internal/wordnet"
)

var loadWN = sync.OnceValues(func() (*WordNet, error) { return LoadWordNet(DefaultWordNetDir) })

func needWordNet(t *testing.T) *WordNet {
	t.Helper()
	if _, err := os.Stat(filepath.Join(DefaultWordNetDir, "data.noun")); err != nil {
		t.Skipf("WordNet 3.0 not installed at %s (Debian package wordnet-base): skipping the loader tests", DefaultWordNetDir)
	}
	w, err := loadWN()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWordNetLoad(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DefaultWordNetDir, "data.noun")); err != nil {
		t.Skipf("WordNet 3.0 not installed at %s", DefaultWordNetDir)
	}
	start := time.Now()
	w, err := LoadWordNet("")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d noun synsets from %s in %v", w.Len(), w.Dir(), time.Since(start))
	if w.Len() != 82115 {
		t.Errorf("%d synsets, want 82115", w.Len())
	}
}

func TestWordNetDog(t *testing.T) {
	w := needWordNet(t)
	dog, ok := w.ByName("dog.n.01")
	if !ok || dog.WNID.String() != "n02084071" {
		t.Fatalf("dog.n.01 = %v", dog)
	}
	if s, ok := w.ByName("domestic_dog.n.01"); !ok || s != dog {
		t.Errorf("domestic_dog.n.01 = %v", s)
	}
	const wantDef = "a member of the genus Canis (probably descended from the common wolf) that has been domesticated by man since prehistoric times; occurs in many breeds"
	if dog.Gloss != wantDef {
		t.Errorf("dog gloss %q", dog.Gloss)
	}
	husky, _ := ParseWNID("n02110185")
	closure := w.HyponymClosure(dog.WNID)
	if !slices.ContainsFunc(closure, func(s *Synset) bool { return s.WNID == husky }) {
		t.Errorf("closure of dog.n.01 (%d synsets) lacks Siberian husky", len(closure))
	}
	classes := 0
	for _, s := range closure {
		if s.Class >= 0 {
			classes++
		}
	}
	t.Logf("dog.n.01: %d hyponyms in closure, %d of them ImageNet-1k classes", len(closure), classes)
	if !w.IsA(husky, dog.WNID) || w.IsA(dog.WNID, husky) || !w.IsA(dog.WNID, dog.WNID) {
		t.Error("IsA")
	}
	if s, _ := w.Synset(husky); s.Class != 250 || s.Head != "siberian husky" {
		t.Errorf("husky %+v", s)
	}
	// Instance hyponyms are in the closure: Paris is an instance of city.
	city, _ := w.ByName("city.n.01")
	paris := w.Lemma("Paris")
	if len(paris) == 0 || !w.IsA(paris[0].WNID, city.WNID) {
		t.Errorf("Paris is a city: %v", paris)
	}
	if !slices.Contains(w.HyponymClosure(city.WNID), paris[0]) {
		t.Error("closure of city lacks Paris")
	}
	if len(w.Lemma("dog")) != 7 {
		t.Errorf("dog has %d noun senses, want 7", len(w.Lemma("dog")))
	}
	if _, err := w.Resolve("dog"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Resolve(dog): %v", err)
	}
	if s, err := w.Resolve("tiger"); err != nil || s.Class < 0 { // the class beats tiger.n.01 (a person)
		t.Errorf("Resolve(tiger) = %v, %v", s, err)
	}
	if _, err := w.Resolve("siberan husky"); !errors.Is(err, ErrUnknownSynset) || !strings.Contains(err.Error(), "Siberian husky") {
		t.Errorf("Resolve(siberan husky): %v", err)
	}
}

// The catalog's records must equal what the full WordNet gives for the same
// synsets (names, lemmas, glosses, first-path parents).
func TestCatalogAgreesWithWordNet(t *testing.T) {
	w := needWordNet(t)
	c := mustCatalog(t)
	for _, s := range sortedByWNID(c.byWNID) {
		ws, ok := w.Synset(s.WNID)
		if !ok {
			t.Fatalf("%s missing from WordNet", s.WNID)
		}
		if ws.Name != s.Name || ws.Gloss != s.Gloss || ws.Parent != s.Parent || !slices.Equal(ws.Lemmas, s.Lemmas) || ws.Class != s.Class {
			t.Errorf("%s: catalog %+v, WordNet %+v", s.WNID, s, ws)
		}
	}
}

// NLTK's definition(): quoted stretches removed even inside the definition.
func TestDefinitionNLTKQuirks(t *testing.T) {
	for gloss, want := range map[string]string{
		`small golden fishes  `:        "small golden fishes",
		`a table; "he ate"; "she ate"`: "a table",
		`significant progress (especially in the phrase "make strides"); "they made big strides"`: "significant progress (especially in the phrase )",
		`complete change; "the permutations"- Henry Miller`:                                       "complete change; - Henry Miller",
		`a "quote without end`: `a "quote without end`,
		`;definition;`:         "definition",
	} {
		if got := wordnet.Definition(gloss); got != want {
			t.Errorf("Definition(%q) = %q, want %q", gloss, got, want)
		}
	}
	w := needWordNet(t)
	if s, _ := w.Synset(249987); s.Gloss != "significant progress (especially in the phrase )" {
		t.Errorf("n00249987 gloss %q", s.Gloss)
	}
}

func TestWordNetMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowordnet")
	_, err := LoadWordNet(dir)
	if !errors.Is(err, ErrNoWordNet) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "install Debian's wordnet-base or pass --wordnet DIR") {
		t.Fatalf("missing dir: %v", err)
	}
	t.Log(err)
	// A directory with a broken data.noun is a format error.
	dir = t.TempDir()
	for _, f := range wordnet.Files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("00000000 garbage\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadWordNet(dir); !errors.Is(err, ErrWordNetFormat) {
		t.Fatalf("garbage: %v", err)
	}
}
