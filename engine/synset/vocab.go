package synset

import (
	"fmt"
	"slices"
	"strings"

	"github.com/laiondb/laiondb/engine/synset/internal/textnorm"
)

// Vocabulary is a lemma dictionary compiled for one rule: which lemma
// (and, under Normalized, which token sequences) stands for which synset.
// Synset indices are positions in Synsets(); for the ImageNet-1k
// vocabularies they are the class indices. Immutable and safe for
// concurrent use.
type Vocabulary struct {
	rule     Rule
	synsets  []*Synset
	entries  []Entry
	forms    []form
	bySynset [][]int // entry indices per synset
	active   int
}

// Entry is one lemma of a vocabulary.
type Entry struct {
	// Lemma as WordNet spells it ('_' → ' ', case kept). Under Normalized,
	// lemmas of one synset that normalize alike (tree frog, tree-frog)
	// form one entry, named by the first.
	Lemma  string
	Synset int // index into Vocabulary.Synsets()
	// Forms are the token sequences that match, words joined by ' ': under
	// Paper the lemma itself; under Normalized its normalized tokens and
	// inflections (see Normalized), minus any form shared with another
	// synset.
	Forms []string
}

// form is one compiled form of an entry.
type form struct {
	entry  int
	words  []string // all words, in order (Paper: may include "" )
	padded string   // " " + words joined + " ", for the scan
	keys   []string // distinct non-empty words to look up, rarest first at run time
	never  bool     // Paper: a word holds punctuation, so no caption can match
}

// VocabOption adjusts NewVocabulary.
type VocabOption func(*vocabConfig)

type vocabConfig struct {
	silent map[WNID]bool
}

// WithoutLemmasOf makes the given synsets contribute no lemmas: they keep
// their synset index but have no entries, and their lemmas do not count
// when deciding which lemmas are shared. The paper's vocabulary uses it for
// CraneMachine.
func WithoutLemmasOf(ids ...WNID) VocabOption {
	return func(c *vocabConfig) {
		for _, id := range ids {
			c.silent[id] = true
		}
	}
}

// NewVocabulary compiles the lemmas of synsets for rule.
//
// Paper: every lemma, as it is. A lemma belonging to more than one synset
// (case-sensitive comparison) is dropped; a synset left without lemmas has
// no entries. A lemma made only of spaces is an error (ErrEmptyLemma).
//
// Normalized: lemmas are keyed by their normalized tokens. A key belonging
// to more than one synset is dropped (so "Cardigan" and "cardigan", kept
// apart by Paper, are both dropped). Each remaining entry gets its forms
// (see Normalized; morph supplies noun.exc, nil for the suffix rules only).
// A form that is itself some lemma's key belongs to that key's synset
// alone (an exact lemma beats an inflection: "sunglasses" stays with
// sunglasses although it also inflects sunglass); a form that is only an
// inflection and that the lemmas of more than one synset produce is
// dropped from all of them ("syringes": syringe, and syrinx via noun.exc).
// An entry left without forms is dropped. A lemma with no token is an error
// (ErrEmptyLemma).
func NewVocabulary(rule Rule, synsets []*Synset, morph *Morphology, opts ...VocabOption) (*Vocabulary, error) {
	if !rule.valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownRule, rule)
	}
	cfg := vocabConfig{silent: map[WNID]bool{}}
	for _, o := range opts {
		o(&cfg)
	}
	v := &Vocabulary{rule: rule, synsets: slices.Clone(synsets), bySynset: make([][]int, len(synsets))}
	type cand struct {
		lemma  string
		synset int
		key    string   // Paper: the lemma; Normalized: tokens joined by ' '
		toks   []string // Normalized tokens
	}
	var cands []cand
	owners := map[string][]int{} // key → distinct synsets, ascending
	own := func(m map[string][]int, key string, i int) {
		if o := m[key]; len(o) == 0 || o[len(o)-1] != i {
			m[key] = append(o, i)
		}
	}
	for i, s := range synsets {
		if cfg.silent[s.WNID] {
			continue
		}
		first := len(cands) // this synset's candidates start here
		for _, l := range s.Lemmas {
			c := cand{lemma: l, synset: i}
			if rule == Paper {
				if strings.Trim(l, " ") == "" {
					return nil, fmt.Errorf("%w: %q of %s under rule paper", ErrEmptyLemma, l, describe(s))
				}
				c.key = l
			} else {
				c.toks = textnorm.NormFields(l)
				if len(c.toks) == 0 {
					return nil, fmt.Errorf("%w: %q of %s under rule normalized", ErrEmptyLemma, l, describe(s))
				}
				c.key = strings.Join(c.toks, " ")
			}
			if slices.ContainsFunc(cands[first:], func(d cand) bool { return d.key == c.key }) {
				continue // same lemma (or same normalized key) twice in one synset
			}
			cands = append(cands, c)
			own(owners, c.key, i)
		}
	}
	var formsOf map[string][][]string
	formOwners := map[string][]int{}
	if rule == Normalized {
		formsOf = make(map[string][][]string, len(cands))
		for _, c := range cands {
			fs := morph.forms(c.toks)
			formsOf[c.key] = fs
			for _, f := range fs[1:] { // fs[0] is the lemma's own key
				own(formOwners, strings.Join(f, " "), c.synset)
			}
		}
	}
	for _, c := range cands {
		if len(owners[c.key]) > 1 {
			continue
		}
		e := Entry{Lemma: c.lemma, Synset: c.synset}
		var fws [][]string
		if rule == Paper {
			fws = [][]string{strings.Split(c.lemma, " ")}
		} else {
			for _, f := range formsOf[c.key] {
				k := strings.Join(f, " ")
				o, isLemma := owners[k]
				if !isLemma {
					o = formOwners[k]
				}
				if len(o) == 1 && o[0] == c.synset {
					fws = append(fws, f)
				}
			}
			if len(fws) == 0 {
				continue
			}
		}
		ei := len(v.entries)
		for _, ws := range fws {
			text := strings.Join(ws, " ")
			e.Forms = append(e.Forms, text)
			v.forms = append(v.forms, compileForm(rule, ei, ws))
		}
		v.entries = append(v.entries, e)
		v.bySynset[c.synset] = append(v.bySynset[c.synset], ei)
	}
	for _, es := range v.bySynset {
		if len(es) > 0 {
			v.active++
		}
	}
	return v, nil
}

func compileForm(rule Rule, entry int, words []string) form {
	f := form{entry: entry, words: words, padded: " " + strings.Join(words, " ") + " "}
	for _, w := range words {
		if w == "" {
			continue
		}
		if rule == Paper && strings.ContainsFunc(w, func(r rune) bool { return r < 0x80 && textnorm.IsPunct[r] }) {
			f.never = true
		}
		if !slices.Contains(f.keys, w) {
			f.keys = append(f.keys, w)
		}
	}
	return f
}

// Rule returns the vocabulary's rule.
func (v *Vocabulary) Rule() Rule { return v.rule }

// Synsets returns the synsets by index, including those left without
// entries. Shared: do not modify.
func (v *Vocabulary) Synsets() []*Synset { return v.synsets }

// Entries returns the lemma entries, grouped by synset in synset order and
// in WordNet lemma order within a synset. Shared: do not modify.
func (v *Vocabulary) Entries() []Entry { return v.entries }

// EntriesOf returns the entry indices of synset index i.
func (v *Vocabulary) EntriesOf(i int) []int {
	if i < 0 || i >= len(v.bySynset) {
		return nil
	}
	return v.bySynset[i]
}

// CanMatch reports whether entry e can match any caption: false for a
// Paper lemma with punctuation (T-shirt), which the paper's rule never
// finds in a caption whose punctuation became spaces.
func (v *Vocabulary) CanMatch(e int) bool {
	for _, f := range v.forms {
		if f.entry == e && !f.never {
			return true
		}
	}
	return false
}

// LemmasIn returns the lemmas (entry names) of synset index i that match
// caption, in entry order: why a caption labelled i was labelled so.
func (v *Vocabulary) LemmasIn(caption string, i int) []string {
	if i < 0 || i >= len(v.bySynset) {
		return nil
	}
	text := scanText(v.rule, caption)
	var out []string
	for _, e := range v.bySynset[i] {
		for _, f := range v.forms {
			if f.entry == e && strings.Contains(text, f.padded) {
				out = append(out, v.entries[e].Lemma)
				break
			}
		}
	}
	return out
}

// Len returns the number of entries (lemmas).
func (v *Vocabulary) Len() int { return len(v.entries) }

// Active returns the number of synsets with at least one entry.
func (v *Vocabulary) Active() int { return v.active }

// FormCount returns the number of forms over all entries.
func (v *Vocabulary) FormCount() int { return len(v.forms) }

// MatchEntries returns, in ascending order, the entries whose lemma matches
// caption, computed the plain way: the rule's caption transformation
// followed by a substring search for each form. It is the reference the
// index-driven Label is tested against.
//
// Paper: " " + caption with ASCII punctuation → ' ' + " ", and
// strings.Contains with " "+lemma+" ". Normalized: the caption lower-cased
// (valid runes only), ASCII punctuation → ' ', split into fields at
// Unicode white space and re-joined with single spaces, padded; then
// strings.Contains with " "+form+" ".
func (v *Vocabulary) MatchEntries(caption string) []int {
	text := scanText(v.rule, caption)
	var out []int
	last := -1
	for _, f := range v.forms {
		if f.entry != last && strings.Contains(text, f.padded) {
			out = append(out, f.entry)
			last = f.entry
		}
	}
	return out
}

// MatchCaption returns, in ascending order, the synset indices whose
// lemmas match caption (see MatchEntries). An empty caption matches
// nothing; a NULL caption is the caller's business and never matches.
func (v *Vocabulary) MatchCaption(caption string) []int {
	var out []int
	for _, e := range v.MatchEntries(caption) {
		if s := v.entries[e].Synset; len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// scanText is the rule's caption transformation for substring search.
func scanText(rule Rule, caption string) string {
	b := make([]byte, 0, len(caption)+2)
	b = append(b, ' ')
	if rule == Paper {
		for i := 0; i < len(caption); i++ {
			c := caption[i]
			if textnorm.IsPunct[c] {
				c = ' '
			}
			b = append(b, c)
		}
		return string(append(b, ' '))
	}
	lower := textnorm.LowerKeepInvalid(nil, caption)
	for i, c := range lower {
		if textnorm.IsPunct[c] {
			lower[i] = ' '
		}
	}
	b = append(b, strings.Join(strings.Fields(string(lower)), " ")...)
	return string(append(b, ' '))
}
