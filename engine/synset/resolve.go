package synset

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// namer is what resolve needs from a Catalog or a WordNet.
type namer interface {
	Synset(WNID) (*Synset, bool)
	bySenseName(name string) *Synset
	byLemmaFolded(lemma string) []*Synset
	suggestions(q string) []string
}

var senseNameRE = regexp.MustCompile(`^.+\.[nN]\.[0-9]+$`)

func resolve(n namer, q string) (*Synset, error) {
	q = strings.TrimSpace(q)
	if looksLikeWNID(q) {
		id, _ := ParseWNID(q)
		if s, ok := n.Synset(id); ok {
			return s, nil
		}
		return nil, &NotFoundError{Query: q, Suggestions: n.suggestions(q)}
	}
	if senseNameRE.MatchString(q) {
		if s := n.bySenseName(q); s != nil {
			return s, nil
		}
		return nil, &NotFoundError{Query: q, Suggestions: n.suggestions(q)}
	}
	lemma := strings.ReplaceAll(q, "_", " ")
	cands := n.byLemmaFolded(lemma)
	var exact []*Synset
	for _, s := range cands {
		if slices.Contains(s.Lemmas, lemma) {
			exact = append(exact, s)
		}
	}
	if len(exact) > 0 {
		cands = exact
	}
	var classes []*Synset
	for _, s := range cands {
		if s.Class >= 0 {
			classes = append(classes, s)
		}
	}
	if len(classes) > 0 {
		cands = classes
	}
	cands = slices.CompactFunc(cands, func(a, b *Synset) bool { return a == b })
	switch len(cands) {
	case 0:
		return nil, &NotFoundError{Query: q, Suggestions: n.suggestions(q)}
	case 1:
		return cands[0], nil
	}
	e := &AmbiguousError{Query: q}
	for _, s := range cands {
		e.Candidates = append(e.Candidates, describe(s))
	}
	return nil, e
}

// chain follows Parent links from id up to the root.
func chain(get func(WNID) (*Synset, bool), id WNID) []*Synset {
	s, ok := get(id)
	if !ok {
		return nil
	}
	var out []*Synset
	for s.Parent != 0 && len(out) < 100 { // WordNet paths are < 20 long; the bound guards a corrupt cycle
		p, ok := get(s.Parent)
		if !ok {
			break
		}
		out = append(out, p)
		s = p
	}
	return out
}

func sortedByWNID(m map[WNID]*Synset) []*Synset {
	return slices.SortedFunc(maps.Values(m), func(a, b *Synset) int { return cmp.Compare(a.WNID, b.WNID) })
}

// suggest returns up to n of the names produced by each that are closest to
// q by Levenshtein distance over runes, case-insensitively, keeping only
// those within max(2, len(q)/3) edits; ties keep the order of each.
func suggest(q string, n int, each func(yield func(string))) []string {
	if n <= 0 {
		return nil
	}
	lq := []rune(strings.ToLower(q))
	limit := max(2, len(lq)/3)
	type cand struct {
		s string
		d int
	}
	var best []cand
	seen := map[string]bool{}
	var row []int
	each(func(s string) {
		if seen[s] {
			return
		}
		ls := strings.ToLower(s)
		if d := utf8.RuneCountInString(ls) - len(lq); d > limit || -d > limit {
			return
		}
		var d int
		d, row = levenshtein(lq, []rune(ls), row)
		if d > limit {
			return
		}
		seen[s] = true
		best = append(best, cand{s, d})
	})
	slices.SortStableFunc(best, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
	out := make([]string, 0, min(n, len(best)))
	for _, c := range best[:min(n, len(best))] {
		out = append(out, c.s)
	}
	return out
}

// levenshtein returns the edit distance between a and b, reusing row.
func levenshtein(a, b []rune, row []int) (int, []int) {
	row = slices.Grow(row[:0], len(b)+1)[:len(b)+1]
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)], row
}
