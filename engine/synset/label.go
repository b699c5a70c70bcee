package synset

import (
	"context"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/laiondb/laiondb/engine/synset/internal/textnorm"
)

// Postings is what Label needs from a caption index, implemented by the
// engine per shard. Ordinals are 0-based row numbers within the shard.
//
// Lookup is called only with tokens the rule's Tokenizer can produce: under
// Paper non-empty byte strings without ' ' or ASCII punctuation (lemma
// words containing punctuation are never looked up: they cannot match),
// under Normalized normalized tokens. An index holding exactly the
// Tokenizer's output for every non-NULL caption is therefore complete.
type Postings interface {
	// Lookup returns the ordinals of the captions having token among their
	// tokens under rule (see Tokenizer for exactly which tokens); nil or
	// empty when none. Label never modifies the bitmap.
	Lookup(rule Rule, token string) (*roaring.Bitmap, error)
	// Caption returns the stored caption of an ordinal (ok=false for
	// NULL). Label calls it only to verify candidates of multi-word forms.
	Caption(ord uint32) (caption string, ok bool, err error)
}

// Labels is the result of Label: which rows match which lemmas and
// synsets. All bitmaps are owned by the Labels (none aliases a Postings
// bitmap) and must not be modified while Labels is in use.
type Labels struct {
	Vocab *Vocabulary
	// Entry[e] holds the rows matching entry e (Vocab.Entries()[e]).
	Entry []*roaring.Bitmap
	// Any[i] holds the rows matching synset i through any of its lemmas.
	Any []*roaring.Bitmap
	// Unique[i] holds the rows matching synset i and no other: the
	// unique-match labelling (row → synset i), the paper's LAIONet
	// candidates. The Unique bitmaps are disjoint.
	Unique []*roaring.Bitmap
	// Matched holds the rows matching at least one synset; Multi those
	// matching two or more (dropped by unique-match labelling).
	Matched, Multi *roaring.Bitmap
	Stats          LabelStats
}

// LabelStats counts the work Label did.
type LabelStats struct {
	Lookups      int // distinct tokens looked up
	Verified     int // forms that needed caption verification
	Candidates   int // (form, row) candidate pairs verified
	CaptionReads int // Caption calls (each row read at most once)
}

// Label matches every entry of v against the rows of p and derives the
// per-synset and unique-match labelling. A one-word form is answered from
// its posting list alone. A form of several words takes the intersection
// of its words' postings as candidates and verifies each candidate by
// reading its caption once (shared by all forms) and checking that the
// words are consecutive tokens (Paper: empty tokens kept). Forms that can
// never match (Paper lemmas with punctuation) cost nothing. The result is
// the same as calling v.MatchCaption on every stored caption; NULL and
// empty captions never match. ctx is checked between forms and while
// verifying.
func Label(ctx context.Context, p Postings, v *Vocabulary) (*Labels, error) {
	lb := newLabeler(p, v.rule)
	fb, err := lb.run(ctx, v.forms)
	if err != nil {
		return nil, err
	}
	l := &Labels{
		Vocab:   v,
		Entry:   make([]*roaring.Bitmap, len(v.entries)),
		Any:     make([]*roaring.Bitmap, len(v.synsets)),
		Unique:  make([]*roaring.Bitmap, len(v.synsets)),
		Matched: roaring.New(),
		Multi:   roaring.New(),
		Stats:   lb.stats,
	}
	byEntry := make([][]*roaring.Bitmap, len(v.entries))
	for i, f := range v.forms {
		if fb[i] != nil && !fb[i].IsEmpty() {
			byEntry[f.entry] = append(byEntry[f.entry], fb[i])
		}
	}
	for e, bs := range byEntry {
		l.Entry[e] = roaring.FastOr(bs...) // always a fresh bitmap
	}
	for i := range v.synsets {
		var bs []*roaring.Bitmap
		for _, e := range v.bySynset[i] {
			if !l.Entry[e].IsEmpty() {
				bs = append(bs, l.Entry[e])
			}
		}
		any := roaring.FastOr(bs...)
		l.Any[i] = any
		if any.Intersects(l.Matched) { // cheap test first: most synsets overlap no other
			l.Multi.Or(roaring.And(l.Matched, any))
		}
		l.Matched.Or(any)
	}
	for i, any := range l.Any {
		if any.Intersects(l.Multi) {
			l.Unique[i] = roaring.AndNot(any, l.Multi)
		} else {
			l.Unique[i] = any.Clone()
		}
	}
	return l, nil
}

// Synsets returns the synset indices row ord matches, ascending.
func (l *Labels) Synsets(ord uint32) []int {
	if !l.Matched.Contains(ord) {
		return nil
	}
	var out []int
	for i, b := range l.Any {
		if b.Contains(ord) {
			out = append(out, i)
		}
	}
	return out
}

// UniqueSynset returns the synset row ord is labelled with by unique-match
// labelling, or false if it matches none or several.
func (l *Labels) UniqueSynset(ord uint32) (int, bool) {
	if !l.Matched.Contains(ord) || l.Multi.Contains(ord) {
		return 0, false
	}
	for i, b := range l.Unique {
		if b.Contains(ord) {
			return i, true
		}
	}
	return 0, false
}

// Lemmas returns the lemmas (entry names) row ord matches, in entry order.
func (l *Labels) Lemmas(ord uint32) []string {
	if !l.Matched.Contains(ord) {
		return nil
	}
	var out []string
	for e, b := range l.Entry {
		if b.Contains(ord) {
			out = append(out, l.Vocab.entries[e].Lemma)
		}
	}
	return out
}

// MatchSynset returns the rows matching synset index i of v through any of
// its entries (regardless of other synsets), answered like Label. Only the
// vocabulary's entries count (the paper vocabulary has dropped shared
// lemmas); to match every lemma of one synset, pass
// NewVocabulary(rule, []*Synset{s}, morph) and index 0.
func MatchSynset(ctx context.Context, p Postings, v *Vocabulary, i int) (*roaring.Bitmap, error) {
	if i < 0 || i >= len(v.synsets) {
		return nil, fmt.Errorf("%w: synset index %d of %d", ErrUnknownSynset, i, len(v.synsets))
	}
	var forms []form
	for _, f := range v.forms {
		if v.entries[f.entry].Synset == i {
			forms = append(forms, f)
		}
	}
	return matchForms(ctx, p, v.rule, forms)
}

// Contains returns the rows whose caption contains phrase under rule.
//
// Paper: the paper's substring rule, the one MATCHES uses for lemmas — the
// caption's punctuation becomes spaces, it is padded with a space at each
// end, and " "+phrase+" " must occur in it, the phrase untransformed. So a
// phrase with punctuation (T-shirt) never matches (NeverMatches says so),
// and "golden retriever" does not match "golden, retriever".
//
// Normalized: the phrase's normalized tokens must occur consecutively
// (case and punctuation ignored, no inflection).
//
// A one-word phrase needs no caption reads. ErrEmptyLemma if the phrase
// has no word (only spaces, or under Paper only spaces and punctuation).
func Contains(ctx context.Context, p Postings, rule Rule, phrase string) (*roaring.Bitmap, error) {
	if !rule.valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownRule, rule)
	}
	var words []string
	NewTokenizer(rule).TokensString(phrase, func(tok []byte) { words = append(words, string(tok)) })
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: phrase %q under rule %s", ErrEmptyLemma, phrase, rule)
	}
	if rule == Paper {
		words = Words(Paper, phrase)
	}
	return matchForms(ctx, p, rule, []form{compileForm(rule, 0, words)})
}

// NeverMatches reports whether a lemma or CONTAINS phrase can match no
// caption under rule: under Paper, one with an ASCII punctuation character
// (captions have theirs replaced by spaces), such as T-shirt.
func NeverMatches(rule Rule, phrase string) bool {
	return rule == Paper && compileForm(rule, 0, Words(rule, phrase)).never
}

func matchForms(ctx context.Context, p Postings, rule Rule, forms []form) (*roaring.Bitmap, error) {
	fb, err := newLabeler(p, rule).run(ctx, forms)
	if err != nil {
		return nil, err
	}
	var bs []*roaring.Bitmap
	for _, b := range fb {
		if b != nil && !b.IsEmpty() {
			bs = append(bs, b)
		}
	}
	return roaring.FastOr(bs...), nil
}

// labeler answers forms from postings, caching lookups.
type labeler struct {
	p     Postings
	rule  Rule
	cache map[string]*roaring.Bitmap
	stats LabelStats
}

func newLabeler(p Postings, rule Rule) *labeler {
	return &labeler{p: p, rule: rule, cache: map[string]*roaring.Bitmap{}}
}

func (lb *labeler) lookup(tok string) (*roaring.Bitmap, error) {
	if b, ok := lb.cache[tok]; ok {
		return b, nil
	}
	b, err := lb.p.Lookup(lb.rule, tok)
	if err != nil {
		return nil, fmt.Errorf("synset: lookup %q under rule %s: %w", tok, lb.rule, err)
	}
	if b != nil && b.IsEmpty() {
		b = nil
	}
	lb.cache[tok] = b
	lb.stats.Lookups++
	return b, nil
}

// run returns one bitmap per form (nil for none). Bitmaps of one-word
// forms alias the postings; callers copy before exposing them.
func (lb *labeler) run(ctx context.Context, forms []form) ([]*roaring.Bitmap, error) {
	out := make([]*roaring.Bitmap, len(forms))
	pending := map[uint32][]int32{} // candidate row → forms to verify
	for i, f := range forms {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if f.never || len(f.keys) == 0 {
			continue
		}
		posts := make([]*roaring.Bitmap, 0, len(f.keys))
		empty := false
		for _, k := range f.keys {
			b, err := lb.lookup(k)
			if err != nil {
				return nil, err
			}
			if b == nil {
				empty = true
				break
			}
			posts = append(posts, b)
		}
		if empty {
			continue
		}
		if len(f.words) == 1 {
			out[i] = posts[0] // exact: the token is the whole form
			continue
		}
		slices.SortFunc(posts, func(a, b *roaring.Bitmap) int {
			return int(a.GetCardinality()) - int(b.GetCardinality())
		})
		cand := roaring.FastAnd(posts...)
		if cand.IsEmpty() {
			continue
		}
		lb.stats.Verified++
		lb.stats.Candidates += int(cand.GetCardinality())
		it := cand.Iterator()
		for it.HasNext() {
			r := it.Next()
			pending[r] = append(pending[r], int32(i))
		}
	}
	if len(pending) == 0 {
		return out, nil
	}
	rows := make([]uint32, 0, len(pending))
	for r := range pending {
		rows = append(rows, r)
	}
	slices.Sort(rows) // read captions in row order: friendlier to storage
	var seq tokenSeq
	for n, r := range rows {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c, ok, err := lb.p.Caption(r)
		lb.stats.CaptionReads++
		if err != nil {
			return nil, fmt.Errorf("synset: caption of row %d: %w", r, err)
		}
		if !ok {
			continue
		}
		seq.split(lb.rule, c)
		for _, fi := range pending[r] {
			if seq.contains(forms[fi].words) {
				if out[fi] == nil {
					out[fi] = roaring.New()
				}
				out[fi].Add(r)
			}
		}
	}
	return out, nil
}

// tokenSeq is a caption's token sequence for verification, reused across
// captions.
type tokenSeq struct {
	buf  []byte // token bytes, concatenated
	ends []int  // end offset in buf of each token
	norm []byte // scratch for the normalized tokenizer
}

func (t *tokenSeq) split(rule Rule, caption string) {
	t.buf, t.ends = t.buf[:0], t.ends[:0]
	add := func(tok []byte) {
		t.buf = append(t.buf, tok...)
		t.ends = append(t.ends, len(t.buf))
	}
	if rule == Paper {
		textnorm.SplitPaper(bytesOf(caption), add) // empty tokens kept: adjacency is exact
		return
	}
	t.norm = textnorm.NormTokens(t.norm, bytesOf(caption), add)
}

// contains reports whether words occur as consecutive tokens.
func (t *tokenSeq) contains(words []string) bool {
	n, k := len(t.ends), len(words)
outer:
	for i := 0; i+k <= n; i++ {
		for j, w := range words {
			if !tokenEq(t, i+j, w) {
				continue outer
			}
		}
		return true
	}
	return false
}

func tokenEq(t *tokenSeq, i int, w string) bool {
	start := 0
	if i > 0 {
		start = t.ends[i-1]
	}
	return string(t.buf[start:t.ends[i]]) == w // compiles to a comparison, no allocation
}
