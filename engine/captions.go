package engine

import (
	"context"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/laiondb/laiondb/engine/synset"
)

// shardPostings answers synset's matching from one shard's caption index:
// posting lists for tokens, stored captions for verification.
type shardPostings struct {
	s   *Snapshot
	t   *Table
	sh  *Shard
	idx map[synset.Rule]*tokenIndex
	ci  int
}

// Postings returns the caption index of a shard as synset.Postings. A
// shard ingested before its table had a caption index gets one built in
// memory for this snapshot (BuildCaptionIndex stores it).
func (s *Snapshot) Postings(t *Table, sh *Shard) (synset.Postings, error) {
	ci := t.Column("caption")
	if ci < 0 {
		return nil, fmt.Errorf("%w: table %s has no caption column", ErrNoColumn, t.Name)
	}
	p := &shardPostings{s: s, t: t, sh: sh, idx: map[synset.Rule]*tokenIndex{}, ci: ci}
	for _, r := range captionRules {
		if !sh.hasTokens(r.name) {
			return s.memPostings(t, sh)
		}
	}
	return p, nil
}

func (p *shardPostings) Lookup(rule synset.Rule, token string) (*roaring.Bitmap, error) {
	ti, ok := p.idx[rule]
	if !ok {
		var cr captionRule
		for _, r := range captionRules {
			if r.rule == rule {
				cr = r
			}
		}
		var err error
		if ti, err = p.s.tokenIndexFor(p.t, p.sh, cr); err != nil {
			return nil, err
		}
		p.idx[rule] = ti
	}
	return ti.lookup(token)
}

// Caption returns the stored caption of ordinal ord. The string shares
// the snapshot's copy of the block.
func (p *shardPostings) Caption(ord uint32) (string, bool, error) {
	if ord >= p.sh.Rows {
		return "", false, nil
	}
	cb, err := p.s.shardColumnBlock(p.t, p.sh, ord/BlockRows, p.ci)
	if err != nil || cb == nil {
		return "", false, err
	}
	i := int(ord % BlockRows)
	if cb.IsNull(i) {
		return "", false, nil
	}
	return cb.Str(i), true, nil
}

// memPostings indexes a shard's captions in memory.
func (s *Snapshot) memPostings(t *Table, sh *Shard) (synset.Postings, error) {
	ci := t.Column("caption")
	mp := synset.NewMemPostings()
	for b := uint32(0); b < sh.Blocks(); b++ {
		cb, err := s.shardColumnBlock(t, sh, b, ci)
		if err != nil {
			return nil, err
		}
		for i := 0; i < BlockRows && b*BlockRows+uint32(i) < sh.Rows; i++ {
			// MemPostings numbers captions in the order added: add every
			// row, NULL ones as not ok, so ordinals line up.
			if cb == nil || cb.IsNull(i) {
				mp.Add("", false)
			} else {
				mp.Add(cb.Str(i), true)
			}
		}
	}
	return mp, nil
}

// Labelling is the unique-match labelling of a table's captions under one
// rule: the rows whose caption names exactly one ImageNet-1k class, and
// that class.
type Labelling struct {
	shards []shardLabelling
	ids    *roaring64.Bitmap
	class  map[uint64]int // built on the first call to Class
}

type shardLabelling struct {
	shard  uint32
	labels *synset.Labels
}

// Labels labels every caption of t under rule, shard by shard: from the
// labelling stored at ingest, or computed from the caption index (see
// labels.go).
func (s *Snapshot) Labels(ctx context.Context, t *Table, rule synset.Rule) (*Labelling, error) {
	vocab, err := imagenetVocabulary(rule)
	if err != nil {
		return nil, err
	}
	l := &Labelling{ids: roaring64.New()}
	for _, sh := range t.Shards {
		if sh.Rows == 0 {
			continue
		}
		sl, err := s.shardLabels(ctx, t, sh, rule, vocab, false)
		if err != nil {
			return nil, err
		}
		l.shards = append(l.shards, shardLabelling{sh.Number, sl})
		for _, u := range sl.Unique {
			addShardRows(l.ids, sh.Number, u)
		}
	}
	return l, nil
}

// IDs returns the labelled rows. The bitmap belongs to the labelling.
func (l *Labelling) IDs() *roaring64.Bitmap { return l.ids }

// Class returns the class index (0..999) of a labelled row.
func (l *Labelling) Class(id uint64) (int, bool) {
	if l.class == nil {
		l.class = make(map[uint64]int, l.ids.GetCardinality())
		for _, sl := range l.shards {
			for class, u := range sl.labels.Unique {
				if u == nil {
					continue
				}
				it := u.Iterator()
				for it.HasNext() {
					l.class[rowID(sl.shard, it.Next())] = class
				}
			}
		}
	}
	c, ok := l.class[id]
	return c, ok
}

// MatchSynset returns the ids of rows whose caption matches synset i (a
// class index) under rule.
func (s *Snapshot) MatchSynset(ctx context.Context, t *Table, rule synset.Rule, i int) (*roaring64.Bitmap, error) {
	vocab, err := imagenetVocabulary(rule)
	if err != nil {
		return nil, err
	}
	return s.eachShard(t, func(p synset.Postings) (*roaring.Bitmap, error) {
		return synset.MatchSynset(ctx, p, vocab, i)
	})
}

// Contains returns the ids of rows whose caption contains phrase as whole
// words under rule.
func (s *Snapshot) Contains(ctx context.Context, t *Table, rule synset.Rule, phrase string) (*roaring64.Bitmap, error) {
	return s.eachShard(t, func(p synset.Postings) (*roaring.Bitmap, error) {
		return synset.Contains(ctx, p, rule, phrase)
	})
}

func (s *Snapshot) eachShard(t *Table, f func(p synset.Postings) (*roaring.Bitmap, error)) (*roaring64.Bitmap, error) {
	out := roaring64.New()
	for _, sh := range t.Shards {
		if sh.Rows == 0 {
			continue
		}
		p, err := s.Postings(t, sh)
		if err != nil {
			return nil, err
		}
		bm, err := f(p)
		if err != nil {
			return nil, fmt.Errorf("table %s shard %d: %w", t.Name, sh.Number, err)
		}
		addShardRows(out, sh.Number, bm)
	}
	return out, nil
}

// addShardRows adds the ids of a shard's ordinals to ids.
func addShardRows(ids *roaring64.Bitmap, shard uint32, ords *roaring.Bitmap) {
	if ords == nil || ords.IsEmpty() {
		return
	}
	base := uint64(shard) * RowsPerShard
	buf := make([]uint64, 0, 4096)
	it := ords.Iterator()
	for it.HasNext() {
		buf = append(buf, base+uint64(it.Next()))
		if len(buf) == cap(buf) {
			ids.AddMany(buf)
			buf = buf[:0]
		}
	}
	ids.AddMany(buf)
}

// imagenetVocabulary returns the ImageNet-1k vocabulary of a rule.
func imagenetVocabulary(rule synset.Rule) (*synset.Vocabulary, error) {
	cat, err := synset.ImageNet1k()
	if err != nil {
		return nil, err
	}
	return cat.Vocabulary(rule)
}
