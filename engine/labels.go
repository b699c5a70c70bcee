package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/engine/synset"
)

// Labelling a shard for all 1000 synsets reads a few thousand posting
// lists and verifies multi-word candidates against their captions: tens of
// milliseconds per million rows. Its result, the unique-match labelling,
// is small (the matched rows, a bitmap per class), so it is stored per
// shard generation and rule the first time it is computed (at ingest for
// every rule), and read back afterwards. A fingerprint of the vocabulary
// is stored with it, so a binary with another vocabulary recomputes.
//
// Stored value: fingerprint(8) classes(4), then per class with rows
// class(2) len(4) bitmap of the rows matching it (Any), then len(4) the
// rows matching several synsets (Multi); Unique and Matched follow.

var vocabPrints sync.Map // synset.Rule → [8]byte

func vocabFingerprint(rule synset.Rule, v *synset.Vocabulary) [8]byte {
	if fp, ok := vocabPrints.Load(rule); ok {
		return fp.([8]byte)
	}
	h := sha256.New()
	for _, e := range v.Entries() {
		fmt.Fprintf(h, "%d %q %q\n", e.Synset, e.Lemma, e.Forms)
	}
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	vocabPrints.Store(rule, fp)
	return fp
}

// labelsPrint is what a stored labelling is checked against: the
// vocabulary it used and the stamp of the generation whose rows it
// labels, so a labelling never passes for another generation's, whatever
// its key. Generations written before stamps have stamp 0 and keep the
// plain vocabulary fingerprint.
func labelsPrint(rule synset.Rule, v *synset.Vocabulary, stamp uint64) [8]byte {
	fp := vocabFingerprint(rule, v)
	if stamp == 0 {
		return fp
	}
	h := sha256.New()
	h.Write(fp[:])
	h.Write(binary.LittleEndian.AppendUint64(nil, stamp))
	copy(fp[:], h.Sum(nil))
	return fp
}

func ruleID(rule synset.Rule) byte {
	for _, r := range captionRules {
		if r.rule == rule {
			return r.id
		}
	}
	return 0
}

func encodeLabels(fp [8]byte, l *synset.Labels) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(fp[:])
	n := 0
	for _, a := range l.Any {
		if a != nil && !a.IsEmpty() {
			n++
		}
	}
	binary.Write(&buf, binary.LittleEndian, uint32(n))
	var bm bytes.Buffer
	write := func(b *roaring.Bitmap) error {
		bm.Reset()
		if _, err := b.WriteTo(&bm); err != nil {
			return err
		}
		binary.Write(&buf, binary.LittleEndian, uint32(bm.Len()))
		buf.Write(bm.Bytes())
		return nil
	}
	for c, a := range l.Any {
		if a == nil || a.IsEmpty() {
			continue
		}
		binary.Write(&buf, binary.LittleEndian, uint16(c))
		if err := write(a); err != nil {
			return nil, err
		}
	}
	if err := write(l.Multi); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeLabels rebuilds stored labels: Any, Unique, Matched and Multi are
// set; Entry (per lemma) is not stored and stays nil.
func decodeLabels(b []byte, fp [8]byte, v *synset.Vocabulary) (*synset.Labels, bool, error) {
	if len(b) < 12 {
		return nil, false, fmt.Errorf("%w: stored labels too short", ErrCorrupt)
	}
	if !bytes.Equal(b[:8], fp[:]) {
		return nil, false, nil // another vocabulary: recompute
	}
	n := int(binary.LittleEndian.Uint32(b[8:]))
	p := b[12:]
	read := func() (*roaring.Bitmap, error) {
		if len(p) < 4 {
			return nil, errors.New("truncated")
		}
		l := int(binary.LittleEndian.Uint32(p))
		if len(p) < 4+l {
			return nil, errors.New("truncated")
		}
		bm := roaring.New()
		if _, err := bm.ReadFrom(bytes.NewReader(p[4 : 4+l])); err != nil {
			return nil, err
		}
		p = p[4+l:]
		return bm, nil
	}
	l := &synset.Labels{Vocab: v, Any: make([]*roaring.Bitmap, len(v.Synsets())), Unique: make([]*roaring.Bitmap, len(v.Synsets())), Matched: roaring.New()}
	for i := 0; i < n; i++ {
		if len(p) < 2 {
			return nil, false, fmt.Errorf("%w: stored labels truncated", ErrCorrupt)
		}
		c := int(binary.LittleEndian.Uint16(p))
		p = p[2:]
		bm, err := read()
		if err != nil || c >= len(l.Any) {
			return nil, false, fmt.Errorf("%w: stored labels: %w", ErrCorrupt, err)
		}
		l.Any[c] = bm
		l.Matched.Or(bm)
	}
	multi, err := read()
	if err != nil {
		return nil, false, fmt.Errorf("%w: stored labels: %w", ErrCorrupt, err)
	}
	l.Multi = multi
	for c, a := range l.Any {
		switch {
		case a == nil:
			l.Any[c], l.Unique[c] = roaring.New(), roaring.New()
		case a.Intersects(multi):
			l.Unique[c] = roaring.AndNot(a, multi)
		default:
			l.Unique[c] = a
		}
	}
	return l, true, nil
}

// shardLabels returns a shard's unique-match labelling under rule: stored,
// or computed from the caption index, and then stored when store is set
// (the write paths: ingest and reindex; reads never write).
func (s *Snapshot) shardLabels(ctx context.Context, t *Table, sh *Shard, rule synset.Rule, v *synset.Vocabulary, store bool) (*synset.Labels, error) {
	fp := labelsPrint(rule, v, sh.Stamp)
	key := labelsKey(t.ID, sh.Number, sh.Gen, ruleID(rule))
	item, err := s.txn.Get(key)
	if err == nil {
		var l *synset.Labels
		var ok bool
		err = valueOf(item, func(b []byte) error {
			var derr error
			l, ok, derr = decodeLabels(b, fp, v)
			return derr
		})
		if err != nil {
			return nil, fmt.Errorf("table %s shard %d: %w", t.Name, sh.Number, err)
		}
		if ok {
			return l, nil
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return nil, err
	}
	p, err := s.Postings(t, sh)
	if err != nil {
		return nil, err
	}
	l, err := synset.Label(ctx, p, v)
	if err != nil {
		return nil, fmt.Errorf("table %s shard %d: %w", t.Name, sh.Number, err)
	}
	if store {
		b, err := encodeLabels(fp, l)
		if err != nil {
			return nil, err
		}
		if err := s.db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(key, b) }); err != nil {
			return nil, fmt.Errorf("table %s shard %d: storing the labelling: %w", t.Name, sh.Number, err)
		}
	}
	return l, nil
}
