package engine

import (
	"context"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine/synset"
)

// MatchVocabulary returns the ids of rows whose caption matches synset i
// of v through any of its entries, under v's rule, from the caption index.
// MatchSynset is the case of the ImageNet-1k dictionary; v may be any
// other, such as the lemmas of a WordNet synset and all its hyponyms.
func (s *Snapshot) MatchVocabulary(ctx context.Context, t *Table, v *synset.Vocabulary, i int) (*roaring64.Bitmap, error) {
	return s.eachShard(t, func(p synset.Postings) (*roaring.Bitmap, error) {
		return synset.MatchSynset(ctx, p, v, i)
	})
}
