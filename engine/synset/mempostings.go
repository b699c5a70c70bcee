package synset

import (
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// MemPostings is an in-memory Postings over captions added in row order,
// indexing the tokens of both rules (see Tokenizer). It serves tests and
// benchmarks, and is the reference for what an engine index must hold.
// Add must not run concurrently with anything else; Lookup and Caption may
// run concurrently with each other.
type MemPostings struct {
	captions []string
	null     []bool
	lists    [numRules]map[string][]uint32
	tok      [numRules]*Tokenizer

	mu   sync.Mutex
	bits [numRules]map[string]*roaring.Bitmap
}

// NewMemPostings returns an empty index.
func NewMemPostings() *MemPostings {
	m := &MemPostings{}
	for r := range Rule(numRules) {
		m.lists[r] = map[string][]uint32{}
		m.bits[r] = map[string]*roaring.Bitmap{}
		m.tok[r] = NewTokenizer(r)
	}
	return m
}

// Add appends a row (ok=false for a NULL caption) and returns its ordinal.
func (m *MemPostings) Add(caption string, ok bool) uint32 {
	ord := uint32(len(m.captions))
	m.captions = append(m.captions, caption)
	m.null = append(m.null, !ok)
	if !ok {
		return ord
	}
	for r := range Rule(numRules) {
		lists := m.lists[r]
		m.tok[r].TokensString(caption, func(tok []byte) {
			l := lists[string(tok)]
			if n := len(l); n > 0 && l[n-1] == ord {
				return // repeated token in one caption
			}
			lists[string(tok)] = append(l, ord)
		})
		clear(m.bits[r]) // cached bitmaps are stale
	}
	return ord
}

// Len returns the number of rows.
func (m *MemPostings) Len() int { return len(m.captions) }

// Tokens returns the number of distinct tokens indexed under rule.
func (m *MemPostings) Tokens(rule Rule) int {
	if !rule.valid() {
		return 0
	}
	return len(m.lists[rule])
}

// Lookup implements Postings.
func (m *MemPostings) Lookup(rule Rule, token string) (*roaring.Bitmap, error) {
	if !rule.valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownRule, rule)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.bits[rule][token]; ok {
		return b, nil
	}
	l := m.lists[rule][token]
	if len(l) == 0 {
		return nil, nil
	}
	b := roaring.New()
	b.AddMany(l)
	b.RunOptimize()
	m.bits[rule][token] = b
	return b, nil
}

// Caption implements Postings.
func (m *MemPostings) Caption(ord uint32) (string, bool, error) {
	if int(ord) >= len(m.captions) {
		return "", false, fmt.Errorf("row %d out of range (%d rows)", ord, len(m.captions))
	}
	return m.captions[ord], !m.null[ord], nil
}
