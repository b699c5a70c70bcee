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

	"github.com/laiondb/laiondb/engine/synset"
)

// captionRule is one tokenizer the caption index is built for; the
// matching rules of engine/synset say which tokens they need.
type captionRule struct {
	name string
	id   byte
	rule synset.Rule
}

// captionRules lists the rules whose token index every shard gets at
// ingest: the token streams of engine/synset's tokenizers.
var captionRules = []captionRule{
	{name: synset.Paper.String(), id: 'p', rule: synset.Paper},
	{name: synset.Normalized.String(), id: 'n', rule: synset.Normalized},
}

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

// tokenBuilder accumulates a shard's caption index. Only the paper rule's
// tokens are collected row by row; the normalized rule's postings are
// derived from them per distinct token when written, since a caption's
// normalized tokens are exactly the normalized tokens of its paper tokens
// (paper separators separate under both rules, and lower-casing works
// rune by rune). Captions are tokenized in groups of blocks on several
// goroutines into group-local maps, which one goroutine merges in order,
// so every posting list stays sorted.
type tokenBuilder struct {
	postings map[string][]uint32 // paper rule
	group    []*columnBlock
	base     uint32
	pending  chan chan map[string][]uint32
	done     chan struct{}
	once     sync.Once
}

// tokenGroupBlocks is how many blocks are tokenized together.
const tokenGroupBlocks = 16

func newTokenBuilder() *tokenBuilder {
	tb := &tokenBuilder{
		postings: map[string][]uint32{},
		pending:  make(chan chan map[string][]uint32, 2),
		done:     make(chan struct{}),
	}
	go func() {
		defer close(tb.done)
		for fut := range tb.pending {
			for tok, l := range <-fut {
				tb.postings[tok] = append(tb.postings[tok], l...)
			}
		}
	}()
	return tb
}

// addBlock indexes the captions of a block whose first row has ordinal
// base. Calls must come in increasing base order from one goroutine; the
// work happens in the background until finish.
func (tb *tokenBuilder) addBlock(base uint32, cb *columnBlock) {
	if len(tb.group) == 0 {
		tb.base = base
	}
	tb.group = append(tb.group, cb)
	if len(tb.group) == tokenGroupBlocks {
		tb.dispatch()
	}
}

func (tb *tokenBuilder) dispatch() {
	if len(tb.group) == 0 {
		return
	}
	group, base := tb.group, tb.base
	tb.group = nil
	fut := make(chan map[string][]uint32, 1)
	tb.pending <- fut
	go func() {
		m := make(map[string][]uint32, 1<<14)
		tz := synset.NewTokenizer(synset.Paper)
		ord := base
		for _, cb := range group {
			for j := 0; j < cb.Rows(); j, ord = j+1, ord+1 {
				if cb.IsNull(j) {
					continue
				}
				tz.Tokens(cb.Bytes(j), func(tok []byte) {
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
		fut <- m
	}()
}

// finish waits until every block is merged. It may be called again.
func (tb *tokenBuilder) finish() {
	tb.once.Do(func() {
		tb.dispatch()
		close(tb.pending)
	})
	<-tb.done
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
	paper := make([]string, 0, len(tb.postings))
	for t := range tb.postings {
		paper = append(paper, t)
	}
	sort.Strings(paper)
	for _, r := range captionRules {
		sw := newSegmentWriter(wb, tokenPrefix(table, shard, gen, r.id))
		switch r.rule {
		case synset.Paper:
			var bm roaring.Bitmap
			for _, tok := range paper {
				bm.Clear()
				bm.AddMany(tb.postings[tok])
				if err := sw.add(tok, &bm); err != nil {
					return err
				}
			}
		default:
			derived := map[string]*roaring.Bitmap{}
			tz := synset.NewTokenizer(r.rule)
			for _, tok := range paper {
				l := tb.postings[tok]
				tz.TokensString(tok, func(nt []byte) {
					bm, ok := derived[string(nt)]
					if !ok {
						bm = roaring.New()
						derived[string(nt)] = bm
					}
					bm.AddMany(l)
				})
			}
			toks := make([]string, 0, len(derived))
			for t := range derived {
				toks = append(toks, t)
			}
			sort.Strings(toks)
			for _, tok := range toks {
				if err := sw.add(tok, derived[tok]); err != nil {
					return err
				}
			}
		}
		if err := sw.close(); err != nil {
			return err
		}
	}
	tb.postings = nil // free memory as soon as written
	return nil
}

// segmentWriter writes one rule's sorted tokens as chunks and a directory.
type segmentWriter struct {
	wb      *badger.WriteBatch
	prefix  []byte
	dir     []byte
	nchunks uint32
	entries []byte
	offs    []uint32
	buf     bytes.Buffer
}

func newSegmentWriter(wb *badger.WriteBatch, prefix []byte) *segmentWriter {
	return &segmentWriter{wb: wb, prefix: prefix}
}

// add appends a token (in sorted order) and its postings.
func (sw *segmentWriter) add(tok string, bm *roaring.Bitmap) error {
	if len(sw.offs) == 0 {
		sw.dir = binary.AppendUvarint(sw.dir, uint64(len(tok)))
		sw.dir = append(sw.dir, tok...)
	}
	sw.offs = append(sw.offs, uint32(len(sw.entries)))
	bm.RunOptimize()
	sw.buf.Reset()
	if _, err := bm.WriteTo(&sw.buf); err != nil {
		return err
	}
	sw.entries = binary.AppendUvarint(sw.entries, uint64(len(tok)))
	sw.entries = append(sw.entries, tok...)
	sw.entries = binary.AppendUvarint(sw.entries, uint64(sw.buf.Len()))
	sw.entries = append(sw.entries, sw.buf.Bytes()...)
	if len(sw.entries) >= tokenChunkBytes {
		return sw.flush()
	}
	return nil
}

func (sw *segmentWriter) flush() error {
	if len(sw.offs) == 0 {
		return nil
	}
	chunk := make([]byte, 0, 8+4*len(sw.offs)+len(sw.entries))
	chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(sw.offs)))
	for _, o := range sw.offs {
		chunk = binary.LittleEndian.AppendUint32(chunk, o)
	}
	chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(sw.entries)))
	chunk = append(chunk, sw.entries...)
	if err := sw.wb.Set(u32Key(append(sw.prefix, 'c'), sw.nchunks), chunk); err != nil {
		return err
	}
	sw.nchunks++
	sw.entries, sw.offs = sw.entries[:0], sw.offs[:0]
	return nil
}

func (sw *segmentWriter) close() error {
	if err := sw.flush(); err != nil {
		return err
	}
	d := binary.LittleEndian.AppendUint32(nil, sw.nchunks)
	return sw.wb.Set(append(sw.prefix, 'd'), append(d, sw.dir...))
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
	dir, err := valueCopy(item)
	if err != nil {
		return nil, valueErr(err, "caption index directory")
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
		if chunk, err = valueCopy(item); err != nil {
			return nil, valueErr(err, fmt.Sprintf("caption index chunk %d", c))
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
		return nil, fmt.Errorf("%w: caption index chunk %d: %w", ErrCorrupt, c, ferr)
	}
	if i >= n {
		return nil, nil
	}
	t, b, err := entry(i)
	if err != nil {
		return nil, fmt.Errorf("%w: caption index chunk %d: %w", ErrCorrupt, c, err)
	}
	if t != token {
		return nil, nil
	}
	bm := roaring.New()
	if _, err := bm.FromUnsafeBytes(b); err != nil {
		return nil, fmt.Errorf("%w: caption index postings of %q: %w", ErrCorrupt, token, err)
	}
	return bm, nil
}
