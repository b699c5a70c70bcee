// Package synset owns everything laiondb knows about WordNet synsets and
// about matching captions to them, the first step of the LAIONet study: the
// ImageNet-1k Catalog compiled into the binary (generated from WordNet 3.0
// by `go generate`; see imagenet1k.txt and WORDNET_LICENSE), the full
// WordNet noun hierarchy when a database directory is present
// (LoadWordNet), the paper's synset text (Text), lemma dictionaries
// (Vocabulary) under two matching Rules — Paper, the study's exact rule, and
// Normalized, an opt-in improvement — with a plain scan (MatchCaption) that
// serves as the reference, and index-driven matching (Label, MatchSynset,
// Contains) over a Postings interface the engine implements per shard, with
// the Tokenizer that says which tokens that index must hold. It stores
// nothing itself.
//
// Caveats: tokens passed to Tokenizer callbacks are only valid during the
// call. Synsets, slices and bitmaps returned by this package are shared or
// owned by their container and must not be modified. The catalog keeps only
// the first hypernym path of each class (NLTK's hypernym_paths()[0]);
// WordNet keeps all of them. Paper matching is byte-exact and
// case-sensitive and never matches lemmas that contain punctuation, by
// design (it reproduces the paper).
package synset
