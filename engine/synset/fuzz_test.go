package synset

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzLabelMatchesScan checks that index-answered matching (Label over
// MemPostings, Contains) agrees with the plain scan (MatchCaption) under
// both rules, for random captions and lemmas: punctuation, repeated spaces,
// tabs, case, invalid UTF-8. Captions are also built from the lemmas so
// that matches, near-matches and adjacency cases are common.
//
//	go test -fuzz FuzzLabelMatchesScan ./engine/synset
func FuzzLabelMatchesScan(f *testing.F) {
	f.Add("my golden retriever", "a GOLDFISH, or two", "golden retriever", "goldfish", "Geese", ", ")
	f.Add("T-shirt  sale\t!", "t shirts", "T-shirt", "tee shirt", "goose", "  ")
	f.Add("\xffdog\xfe cat", "caf\u00e9 CAF\u00c9", "dog", "caf\u00c9", "\xff", "-")
	f.Add("a  b", "a\tb", "a b", " a", "b ", "\t")
	f.Add("jack-o'-lantern", "Jack O Lanterns", "jack-o'-lantern", "lantern", "jack", "'")
	f.Add("", ",,,", "x y z", "y", "x  y", "")
	f.Fuzz(func(t *testing.T, c1, c2, la, lb, lc, sep string) {
		captions := []string{
			c1, c2,
			c1 + sep + la + sep + c2,
			strings.ToUpper(lb) + sep + c1,
			la + " " + lb + " " + lc,
			strings.ToLower(lc) + "s" + sep + la + "es",
			strings.ReplaceAll(la, " ", sep),
		}
		m := NewMemPostings()
		for _, c := range captions {
			m.Add(c, true)
		}
		m.Add(c1, false) // NULL row: never matches
		synsets := []*Synset{
			{WNID: 1, Class: -1, Name: "s.n.01", Lemmas: []string{la, lb}},
			{WNID: 2, Class: -1, Name: "t.n.01", Lemmas: []string{lc}},
			{WNID: 3, Class: -1, Name: "u.n.01", Lemmas: []string{lb + " " + lc, la}},
		}
		cat, err := ImageNet1k()
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, rule := range []Rule{Paper, Normalized} {
			v, err := NewVocabulary(rule, synsets, cat.Morphology())
			if errors.Is(err, ErrEmptyLemma) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			l, err := Label(ctx, m, v)
			if err != nil {
				t.Fatal(err)
			}
			for ord := range m.Len() {
				c, ok, _ := m.Caption(uint32(ord))
				var want []int
				var wantLemmas []string
				if ok {
					want = v.MatchCaption(c)
					for _, e := range v.MatchEntries(c) {
						wantLemmas = append(wantLemmas, v.Entries()[e].Lemma)
					}
				}
				if got := l.Synsets(uint32(ord)); !slices.Equal(got, want) {
					t.Fatalf("%s: caption %q lemmas %q %q %q: index %v, scan %v", rule, c, la, lb, lc, got, want)
				}
				if got := l.Lemmas(uint32(ord)); !slices.Equal(got, wantLemmas) {
					t.Fatalf("%s: caption %q: index lemmas %q, scan %q", rule, c, got, wantLemmas)
				}
				u, isUnique := l.UniqueSynset(uint32(ord))
				if isUnique != (len(want) == 1) || (isUnique && u != want[0]) {
					t.Fatalf("%s: caption %q: unique %d %v, scan %v", rule, c, u, isUnique, want)
				}
			}
			// Contains(phrase) is the match of one lemma.
			for _, phrase := range []string{la, lc, sep} {
				got, err := Contains(ctx, m, rule, phrase)
				if errors.Is(err, ErrEmptyLemma) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				// Under Paper, the phrase is the lemma as it is (the
				// paper's substring rule); under Normalized, its tokens.
				lemma := phrase
				if rule == Normalized {
					lemma = strings.Join(tokens(rule, phrase), " ")
				}
				one, err := NewVocabulary(rule, []*Synset{{WNID: 9, Name: "p.n.01", Lemmas: []string{lemma}}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				// Contains does not inflect: compare with the first form only.
				for ord := range m.Len() {
					c, ok, _ := m.Caption(uint32(ord))
					want := ok && len(one.forms) > 0 && strings.Contains(scanText(rule, c), one.forms[0].padded)
					if got.Contains(uint32(ord)) != want {
						t.Fatalf("%s: Contains(%q) on %q = %v, scan %v", rule, phrase, c, !want, want)
					}
				}
			}
		}
	})
}
