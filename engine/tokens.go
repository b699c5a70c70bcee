package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
)

// captionRule is one tokenizer the caption index is built for; the
// matching rules of engine/synset say which tokens they need.
type captionRule struct {
	name   string
	id     byte
	tokens func(caption []byte, emit func(tok []byte))
}

// captionRules lists the rules whose token index every shard gets at
// ingest (set up in captions.go).
var captionRules []captionRule

func ruleByName(name string) (captionRule, bool) {
	for _, r := range captionRules {
		if r.name == name {
			return r, true
		}
	}
	return captionRule{}, false
}

// Token index segment layout (per table, shard, generation and rule):
//
//	prefix 'd'            directory: count(4) then per chunk uvarint len + first token
//	prefix 'c' chunk(4)   chunk: count(4) offsets((count+1)×4) entries
//	entry:                uvarint len, token, uvarint len, portable roaring bitmap
//
// Tokens are sorted, so a lookup reads the directory once and one chunk.
const tokenChunkBytes = 64 << 10

// tokenBuilder accumulates the postings of one shard for every rule.
type tokenBuilder struct {
	mu       sync.Mutex
	postings []map[string][]uint32 // per rule
}

func newTokenBuilder() *tokenBuilder {
	tb := &tokenBuilder{postings: make([]map[string][]uint32, len(captionRules))}
	for i := range tb.postings {
		tb.postings[i] = map[string][]uint32{}
	}
	return tb
}

// add indexes the caption of ordinal ord. Ordinals must arrive in
// increasing order.
func (tb *tokenBuilder) add(ord uint32, caption []byte) {
	for i, r := range captionRules {
		m := tb.postings[i]
		r.tokens(caption, func(tok []byte) {
			if l, ok := m[string(tok)]; ok {
				if l[len(l)-1] != ord {
					m[string(tok)] = append(l, ord)
				}
				return
			}
			m[string(tok)] = []uint32{ord}
		})
	}
}

func (tb *tokenBuilder) rules() []string {
	var out []string
	for _, r := range captionRules {
		out = append(out, r.name)
	}
	return out
}

// write stores every rule's segment through wb.
func (tb *tokenBuilder) write(wb *badger.WriteBatch, table, shard, gen uint32) error {
	for i, r := range captionRules {
		m := tb.postings[i]
		toks := make([]string, 0, len(m))
		for t := range m {
			toks = append(toks, t)
		}
		sort.Strings(toks)
		prefix := tokenPrefix(table, shard, gen, r.id)
		var dir []byte
		var nchunks uint32
		var chunk, entries []byte
		var offs []uint32
		var bm roaring.Bitmap
		var bmBuf bytes.Buffer
		flush := func() error {
			if len(offs) == 0 {
				return nil
			}
			chunk = binary.LittleEndian.AppendUint32(chunk[:0], uint32(len(offs)))
			for _, o := range offs {
				chunk = binary.LittleEndian.AppendUint32(chunk, o)
			}
			chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(entries)))
			chunk = append(chunk, entries...)
			if err := wb.Set(u32Key(append(prefix, 'c'), nchunks), append([]byte(nil), chunk...)); err != nil {
				return err
			}
			nchunks++
			entries, offs = entries[:0], offs[:0]
			return nil
		}
		for _, tok := range toks {
			if len(offs) == 0 {
				dir = binary.AppendUvarint(dir, uint64(len(tok)))
				dir = append(dir, tok...)
			}
			offs = append(offs, uint32(len(entries)))
			bm.Clear()
			bm.AddMany(m[tok])
			bm.RunOptimize()
			bmBuf.Reset()
			if _, err := bm.WriteTo(&bmBuf); err != nil {
				return err
			}
			entries = binary.AppendUvarint(entries, uint64(len(tok)))
			entries = append(entries, tok...)
			entries = binary.AppendUvarint(entries, uint64(bmBuf.Len()))
			entries = append(entries, bmBuf.Bytes()...)
			if len(entries) >= tokenChunkBytes {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		d := binary.LittleEndian.AppendUint32(nil, nchunks)
		if err := wb.Set(append(prefix, 'd'), append(d, dir...)); err != nil {
			return err
		}
		tb.postings[i] = nil // free memory as soon as written
	}
	return nil
}

// tokenIndex reads one rule's segment of one shard generation.
type tokenIndex struct {
	txn    *badger.Txn
	prefix []byte
	first  []string // first token of each chunk
	chunks map[uint32][]byte
}

func openTokenIndex(txn *badger.Txn, table, shard, gen uint32, rule byte) (*tokenIndex, error) {
	ti := &tokenIndex{txn: txn, prefix: tokenPrefix(table, shard, gen, rule), chunks: map[uint32][]byte{}}
	item, err := txn.Get(append(append([]byte(nil), ti.prefix...), 'd'))
	if err != nil {
		return nil, fmt.Errorf("caption index directory: %w", err)
	}
	dir, err := item.ValueCopy(nil)
	if err != nil {
		return nil, err
	}
	if len(dir) < 4 {
		return nil, fmt.Errorf("%w: caption index directory too short", ErrCorrupt)
	}
	n := binary.LittleEndian.Uint32(dir)
	p := dir[4:]
	for i := uint32(0); i < n; i++ {
		l, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < l {
			return nil, fmt.Errorf("%w: caption index directory truncated", ErrCorrupt)
		}
		ti.first = append(ti.first, string(p[k:k+int(l)]))
		p = p[k+int(l):]
	}
	return ti, nil
}

// lookup returns the postings of token (nil when absent). The bitmap is
// the caller's.
func (ti *tokenIndex) lookup(token string) (*roaring.Bitmap, error) {
	c := sort.Search(len(ti.first), func(i int) bool { return ti.first[i] > token }) - 1
	if c < 0 {
		return nil, nil
	}
	chunk, ok := ti.chunks[uint32(c)]
	if !ok {
		item, err := ti.txn.Get(u32Key(append(append([]byte(nil), ti.prefix...), 'c'), uint32(c)))
		if err != nil {
			return nil, fmt.Errorf("caption index chunk %d: %w", c, err)
		}
		if chunk, err = item.ValueCopy(nil); err != nil {
			return nil, err
		}
		ti.chunks[uint32(c)] = chunk
	}
	if len(chunk) < 8 {
		return nil, fmt.Errorf("%w: caption index chunk too short", ErrCorrupt)
	}
	n := int(binary.LittleEndian.Uint32(chunk))
	if len(chunk) < 4+4*(n+1) {
		return nil, fmt.Errorf("%w: caption index chunk truncated", ErrCorrupt)
	}
	entries := chunk[4+4*(n+1):]
	entry := func(i int) (string, []byte, error) {
		off := binary.LittleEndian.Uint32(chunk[4+4*i:])
		if int(off) >= len(entries) {
			return "", nil, errors.New("offset out of range")
		}
		p := entries[off:]
		l, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < l {
			return "", nil, errors.New("bad token")
		}
		tok := p[k : k+int(l)]
		p = p[k+int(l):]
		bl, k2 := binary.Uvarint(p)
		if k2 <= 0 || uint64(len(p)-k2) < bl {
			return "", nil, errors.New("bad bitmap")
		}
		return string(tok), p[k2 : k2+int(bl)], nil
	}
	var ferr error
	i := sort.Search(n, func(i int) bool {
		t, _, err := entry(i)
		if err != nil {
			ferr = err
			return true
		}
		return t >= token
	})
	if ferr != nil {
		return nil, fmt.Errorf("%w: caption index chunk %d: %v", ErrCorrupt, c, ferr)
	}
	if i >= n {
		return nil, nil
	}
	t, b, err := entry(i)
	if err != nil {
		return nil, fmt.Errorf("%w: caption index chunk %d: %v", ErrCorrupt, c, err)
	}
	if t != token {
		return nil, nil
	}
	bm := roaring.New()
	if _, err := bm.FromUnsafeBytes(b); err != nil {
		return nil, fmt.Errorf("%w: caption index postings of %q: %v", ErrCorrupt, token, err)
	}
	return bm, nil
}
