package synset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/engine/synset/internal/wordnet"
)

// DefaultWordNetDir is where Debian's wordnet-base installs WordNet 3.0.
const DefaultWordNetDir = "/usr/share/wordnet"

// WordNet is the full WordNet 3.0 noun hierarchy (82,115 synsets) loaded
// from a database directory, for ImageNet-21k style work and hyponym
// queries. Its synsets carry Class for the 1000 ImageNet-1k classes and -1
// otherwise. Immutable after LoadWordNet and safe for concurrent use.
type WordNet struct {
	dir      string
	db       *wordnet.DB
	synsets  []Synset  // parallel to db.Synsets
	up       [][]int32 // hypernyms, '@' then '@i', file order
	children [][]int32 // hyponyms and instance hyponyms
	morph    *Morphology
}

// LoadWordNet reads data.noun, index.noun and noun.exc from dir
// (DefaultWordNetDir if empty). A missing directory or file gives an error
// wrapping ErrNoWordNet that names the directory.
func LoadWordNet(dir string) (*WordNet, error) {
	if dir == "" {
		dir = DefaultWordNetDir
	}
	for _, f := range wordnet.Files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("%w in %s (%s: %v); install Debian's wordnet-base or pass --wordnet DIR", ErrNoWordNet, dir, f, errors.Unwrap(err))
		}
	}
	db, err := wordnet.Load(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w in %s: %w; install Debian's wordnet-base or pass --wordnet DIR", ErrNoWordNet, dir, err)
	case errors.Is(err, wordnet.ErrFormat):
		return nil, fmt.Errorf("%w in %s: %w", ErrWordNetFormat, dir, err)
	case err != nil:
		return nil, fmt.Errorf("reading WordNet in %s: %w", dir, err)
	}
	w := &WordNet{dir: dir, db: db}
	n := len(db.Synsets)
	w.synsets = make([]Synset, n)
	w.up = make([][]int32, n)
	w.children = make([][]int32, n)
	classOf := map[WNID]int{}
	if c, err := ImageNet1k(); err == nil {
		for _, s := range c.Classes() {
			classOf[s.WNID] = s.Class
		}
	}
	for i := range db.Synsets {
		ws := &db.Synsets[i]
		name, err := db.SenseName(ws)
		if err != nil {
			return nil, fmt.Errorf("%w in %s: %w", ErrWordNetFormat, dir, err)
		}
		lemmas := make([]string, len(ws.Lemmas))
		for j, l := range ws.Lemmas {
			lemmas[j] = strings.ReplaceAll(l, "_", " ")
		}
		s := &w.synsets[i]
		*s = Synset{WNID: WNID(ws.Offset), Class: -1, Name: name, Head: headOf(name), Lemmas: lemmas, Gloss: wordnet.Definition(ws.Gloss)}
		if c, ok := classOf[s.WNID]; ok {
			s.Class = c
		}
		for _, lists := range [][]uint32{ws.Hypernyms, ws.InstanceHypernyms} {
			for _, off := range lists {
				j, ok := db.IndexOf(off)
				if !ok {
					return nil, fmt.Errorf("%w in %s: synset %s points to missing %08d", ErrWordNetFormat, dir, s.WNID, off)
				}
				w.up[i] = append(w.up[i], int32(j))
				w.children[j] = append(w.children[j], int32(i))
			}
		}
	}
	// Parent: NLTK's first hypernym path ('@' before '@i', least name).
	for i := range w.synsets {
		ws := &db.Synsets[i]
		cands := w.up[i][:len(ws.Hypernyms)]
		if len(cands) == 0 {
			cands = w.up[i]
		}
		best := -1
		for _, j := range cands {
			if best < 0 || w.synsets[j].Name < w.synsets[best].Name {
				best = int(j)
			}
		}
		if best >= 0 {
			w.synsets[i].Parent = w.synsets[best].WNID
		}
	}
	var exc [][2]string
	for infl, bases := range db.Exc {
		for _, b := range bases {
			exc = append(exc, [2]string{infl, b})
		}
	}
	w.morph = newMorphology(exc)
	return w, nil
}

// Dir returns the directory the database was read from.
func (w *WordNet) Dir() string { return w.dir }

// Len returns the number of noun synsets.
func (w *WordNet) Len() int { return len(w.synsets) }

// Synset returns the synset with id (see Canonical).
func (w *WordNet) Synset(id WNID) (*Synset, bool) {
	i, ok := w.db.IndexOf(uint32(Canonical(id)))
	if !ok {
		return nil, false
	}
	return &w.synsets[i], true
}

func (w *WordNet) index(id WNID) int {
	i, ok := w.db.IndexOf(uint32(Canonical(id)))
	if !ok {
		return -1
	}
	return i
}

// Lemma returns the synsets having lemma l ('_' or ' ' between words,
// case-insensitive) in WordNet's sense order, like NLTK's
// wn.synsets(l, 'n') without its morphological fallback.
func (w *WordNet) Lemma(l string) []*Synset {
	offs := w.db.Index[strings.ToLower(strings.ReplaceAll(l, " ", "_"))]
	out := make([]*Synset, 0, len(offs))
	for _, off := range offs {
		if s, ok := w.Synset(WNID(off)); ok {
			out = append(out, s)
		}
	}
	return out
}

// ByName returns the synset of a sense name "lemma.n.NN": the NN-th sense
// of lemma in index.noun (so "dog.n.01" and "domestic_dog.n.01" both give
// n02084071, as in NLTK).
func (w *WordNet) ByName(name string) (*Synset, bool) {
	s := w.bySenseName(name)
	return s, s != nil
}

func (w *WordNet) bySenseName(name string) *Synset {
	i := strings.LastIndex(strings.ToLower(name), ".n.")
	if i <= 0 {
		return nil
	}
	n, err := strconv.Atoi(name[i+3:])
	if err != nil || n < 1 {
		return nil
	}
	offs := w.db.Index[strings.ToLower(strings.ReplaceAll(name[:i], " ", "_"))]
	if n > len(offs) {
		return nil
	}
	s, _ := w.Synset(WNID(offs[n-1]))
	return s
}

func (w *WordNet) byLemmaFolded(l string) []*Synset { return w.Lemma(l) }

func (w *WordNet) suggestions(q string) []string { return w.Suggest(q, 3) }

// Resolve finds the synset a user means by q, as Catalog.Resolve does: a
// WNID, a sense name, or a lemma (exact case preferred, ImageNet-1k classes
// preferred over other senses). "dog" is ambiguous (seven senses); use
// "dog.n.01".
func (w *WordNet) Resolve(q string) (*Synset, error) { return resolve(w, q) }

// Suggest returns up to n lemmas or WNIDs closest to q by edit distance.
func (w *WordNet) Suggest(q string, n int) []string {
	wnidLike := len(q) > 1 && (q[0] == 'n' || q[0] == 'N') && q[1] >= '0' && q[1] <= '9'
	return suggest(q, n, func(yield func(string)) {
		if wnidLike {
			for i := range w.synsets {
				yield(w.synsets[i].WNID.String())
			}
			return
		}
		for i := range w.synsets {
			for _, l := range w.synsets[i].Lemmas {
				yield(l)
			}
		}
	})
}

// Hypernyms returns the direct hypernyms of id: '@' pointers, then
// instance hypernyms ('@i'), in file order.
func (w *WordNet) Hypernyms(id WNID) []*Synset { return w.list(w.up, id) }

// Hyponyms returns the direct hyponyms of id, instance hyponyms included.
func (w *WordNet) Hyponyms(id WNID) []*Synset { return w.list(w.children, id) }

func (w *WordNet) list(adj [][]int32, id WNID) []*Synset {
	i := w.index(id)
	if i < 0 {
		return nil
	}
	out := make([]*Synset, len(adj[i]))
	for k, j := range adj[i] {
		out[k] = &w.synsets[j]
	}
	return out
}

// HypernymChain returns the first hypernym path of id from its parent up
// to entity.n.01 (see Synset.Parent).
func (w *WordNet) HypernymChain(id WNID) []*Synset { return chain(w.Synset, id) }

// HyponymClosure returns every synset below id (id itself excluded), each
// once, breadth first: hyponyms and instance hyponyms, so the closure of
// city.n.01 includes the individual cities WordNet lists as instances.
// Nil if id is unknown.
func (w *WordNet) HyponymClosure(id WNID) []*Synset {
	i := w.index(id)
	if i < 0 {
		return nil
	}
	seen := map[int32]bool{int32(i): true}
	queue := []int32{int32(i)}
	var out []*Synset
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, c := range w.children[k] {
			if !seen[c] {
				seen[c] = true
				out = append(out, &w.synsets[c])
				queue = append(queue, c)
			}
		}
	}
	return out
}

// IsA reports whether ancestor is id or lies on any hypernym path of id
// ('@' and '@i' pointers), e.g. IsA(Siberian husky, dog.n.01).
func (w *WordNet) IsA(id, ancestor WNID) bool {
	i, a := w.index(id), w.index(ancestor)
	if i < 0 || a < 0 {
		return false
	}
	seen := map[int32]bool{}
	stack := []int32{int32(i)}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if int(k) == a {
			return true
		}
		for _, p := range w.up[k] {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return false
}

// Morphology returns the full noun.exc exception list.
func (w *WordNet) Morphology() *Morphology { return w.morph }
