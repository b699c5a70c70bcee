package synset

import "strings"

// Synset is one WordNet noun synset. Values are shared by the catalog or
// WordNet that returns them: do not modify them.
type Synset struct {
	WNID WNID
	// Class is the ImageNet-1k class index 0..999, or -1 when the synset
	// is not one of the 1000 classes.
	Class int
	// Name is NLTK's synset name: the first lemma lower-cased, ".n.", and
	// the sense number of that lemma in index.noun ("goldfish.n.01").
	Name string
	// Head is the part of Name before ".n." with '_' turned into ' '
	// ("great white shark"): the paper's name for the synset.
	Head string
	// Lemmas in WordNet order, '_' turned into ' ', case kept
	// ("goldfish", "Carassius auratus").
	Lemmas []string
	// Gloss is the definition as NLTK's Synset.definition() returns it
	// (quoted examples removed; see Definition).
	Gloss string
	// Parent is the next synset up the first hypernym path (0 for
	// entity.n.01): among the '@' hypernyms the one whose Name sorts
	// first, or among the '@i' instance hypernyms when there is no '@' —
	// the path NLTK's hypernym_paths()[0] follows.
	Parent WNID
}

// Text returns the paper's synset text, "<head> which is <gloss>", e.g.
// "goldfish which is small golden or orange-red freshwater fishes of
// Eurasia used as pond or aquarium fishes".
func Text(s *Synset) string {
	return s.Head + " which is " + s.Gloss
}

// headOf derives Head from a sense name.
func headOf(name string) string {
	h := name
	if i := strings.LastIndex(name, ".n."); i >= 0 {
		h = name[:i]
	}
	return strings.ReplaceAll(h, "_", " ")
}

// describe gives "n01443537 (goldfish.n.01)" for messages.
func describe(s *Synset) string { return s.WNID.String() + " (" + s.Name + ")" }
