package synset

import (
	"slices"
	"strings"

	"github.com/laiondb/laiondb/engine/synset/internal/textnorm"
)

// Morphology is the part of WordNet's noun morphology the normalized rule
// uses: the noun.exc exception list (irregular plurals such as geese →
// goose, brothers-in-law → brother-in-law), kept in normalized form. The
// regular suffix rules need no data. A nil *Morphology means suffix rules
// only. Immutable and safe for concurrent use.
type Morphology struct {
	byBase map[string][]string // normalized base → normalized inflected forms (tokens joined by ' ')
}

func newMorphology(pairs [][2]string) *Morphology {
	m := &Morphology{byBase: make(map[string][]string, len(pairs))}
	for _, p := range pairs {
		infl := strings.Join(textnorm.NormFields(p[0]), " ")
		base := strings.Join(textnorm.NormFields(p[1]), " ")
		if infl == "" || base == "" || infl == base || slices.Contains(m.byBase[base], infl) {
			continue
		}
		m.byBase[base] = append(m.byBase[base], infl)
	}
	return m
}

// Len returns the number of exception entries (inflected, base) held.
func (m *Morphology) Len() int {
	if m == nil {
		return 0
	}
	n := 0
	for _, v := range m.byBase {
		n += len(v)
	}
	return n
}

// Forms returns the token sequences (joined by ' ') the normalized rule
// accepts for lemma: its own normalized tokens first, then the inflections
// (see Normalized), without repeats. Nil if the lemma has no token.
func (m *Morphology) Forms(lemma string) []string {
	var out []string
	for _, f := range m.forms(textnorm.NormFields(lemma)) {
		out = append(out, strings.Join(f, " "))
	}
	return out
}

// forms inflects normalized lemma tokens.
func (m *Morphology) forms(toks []string) [][]string {
	k := len(toks)
	if k == 0 {
		return nil
	}
	out := [][]string{toks}
	seen := map[string]bool{strings.Join(toks, " "): true}
	add := func(f []string) {
		key := strings.Join(f, " ")
		if !seen[key] {
			seen[key] = true
			out = append(out, f)
		}
	}
	withLast := func(w string) []string {
		f := slices.Clone(toks)
		f[k-1] = w
		return f
	}
	for _, w := range inflectRegular(toks[k-1]) {
		add(withLast(w))
	}
	if m != nil {
		for j := 1; j <= k; j++ {
			for _, infl := range m.byBase[strings.Join(toks[k-j:], " ")] {
				add(append(slices.Clone(toks[:k-j]), strings.Split(infl, " ")...))
			}
		}
	}
	return out
}

// inflectRegular reverses WordNet's noun detachment rules (morphy): it
// returns every word w such that one rule maps w back to base.
//
//	rule (w → base)   reversed
//	s    → ""         base+"s"
//	ses  → s          base+"es" if base ends in s
//	xes  → x          base+"es" if base ends in x
//	zes  → z          base+"es" if base ends in z
//	ches → ch         base+"es" if base ends in ch
//	shes → sh         base+"es" if base ends in sh
//	men  → man        base[:-3]+"men" if base ends in man
//	ies  → y          base[:-1]+"ies" if base ends in y
func inflectRegular(base string) []string {
	out := []string{base + "s"}
	for _, suf := range []string{"s", "x", "z", "ch", "sh"} {
		if strings.HasSuffix(base, suf) {
			out = append(out, base+"es")
			break
		}
	}
	if b, ok := strings.CutSuffix(base, "man"); ok {
		out = append(out, b+"men")
	}
	if b, ok := strings.CutSuffix(base, "y"); ok {
		out = append(out, b+"ies")
	}
	return out
}
