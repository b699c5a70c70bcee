package clip

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The token ids of OpenAI's CLIP vocabulary that are not text.
const (
	// ContextLength is the number of ids a tokenized text has: the text
	// tower's positions.
	ContextLength = 77
	// VocabSize is the number of token ids.
	VocabSize = 49408
	// SOT starts every text.
	SOT = 49406
	// EOT ends every text; the text tower pools at the first one.
	EOT = 49407
)

// mergesGz is OpenAI's BPE merge list, byte for byte as
// github.com/openai/CLIP ships it (clip/bpe_simple_vocab_16e6.txt.gz).
//
//go:embed bpe_simple_vocab_16e6.txt.gz
var mergesGz []byte

// MergesNotice is the MIT licence notice of OpenAI's CLIP code, under
// which the BPE merges built into laiondb are distributed.
//
//go:embed LICENSE-openai-clip.txt
var MergesNotice string

// numMerges is how many lines of the merges file the vocabulary uses:
// 49152 - 256 - 2, as in SimpleTokenizer.
const numMerges = 49152 - 256 - 2

// vocab is the immutable part of a tokenizer, parsed once per process.
type vocab struct {
	// ranks maps a pair of symbol ids (left<<32 | right) to the merge's
	// rank; the merged symbol's id is 512 + rank.
	ranks map[uint64]int32
	// byteID is the symbol id of each byte; +256 is the id of the byte
	// ending a word (with "</w>").
	byteID [256]int32
}

var loadVocab = sync.OnceValues(parseVocab)

// byteOrder is bytes_to_unicode's order of the 256 bytes: the printable
// Latin-1 bytes stand for themselves, in order, then the other 68 bytes,
// which are given the code points U+0100 on. A byte's position in this
// order is its symbol id.
func byteOrder() (order [256]byte, char [256]rune) {
	n, extra := 0, 0
	for b := range 256 {
		if b >= '!' && b <= '~' || b >= 0xa1 && b <= 0xac || b >= 0xae {
			order[n] = byte(b)
			n++
		}
	}
	for b := range 256 {
		if b >= '!' && b <= '~' || b >= 0xa1 && b <= 0xac || b >= 0xae {
			char[b] = rune(b)
			continue
		}
		order[n] = byte(b)
		char[b] = rune(0x100 + extra)
		n++
		extra++
	}
	return order, char
}

func parseVocab() (*vocab, error) {
	zr, err := gzip.NewReader(bytes.NewReader(mergesGz))
	if err != nil {
		return nil, fmt.Errorf("clip: the built-in BPE merges: %w", err)
	}
	v := &vocab{ranks: make(map[uint64]int32, numMerges)}
	// ids of the vocabulary's strings, to resolve the merges' halves.
	ids := make(map[string]int32, VocabSize)
	order, char := byteOrder()
	for i, b := range order {
		v.byteID[b] = int32(i)
		ids[string(char[b])] = int32(i)
		ids[string(char[b])+"</w>"] = int32(256 + i)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	sc.Scan() // the version line
	for rank := range numMerges {
		if !sc.Scan() {
			return nil, fmt.Errorf("clip: the built-in BPE merges end after %d of %d merges: %w", rank, numMerges, io.ErrUnexpectedEOF)
		}
		left, right, ok := strings.Cut(sc.Text(), " ")
		l, lok := ids[left]
		r, rok := ids[right]
		if !ok || !lok || !rok {
			return nil, fmt.Errorf("clip: the built-in BPE merge %d (%q) joins symbols not in the vocabulary", rank, sc.Text())
		}
		v.ranks[uint64(l)<<32|uint64(r)] = int32(rank)
		ids[left+right] = int32(512 + rank)
	}
	return v, nil
}

// Tokenizer turns text into CLIP's token ids exactly as OpenAI's
// clip.tokenize(text, context_length=77, truncate=True) does (but for
// ftfy's mojibake repair, see the package documentation). A Tokenizer is
// safe for concurrent use; it remembers the ids of the words it has seen,
// up to a bound.
type Tokenizer struct {
	v *vocab

	mu    sync.RWMutex
	cache map[string][]int32
}

// cacheWords bounds a Tokenizer's memory of words: it is emptied when it
// holds more.
const cacheWords = 1 << 16

// NewTokenizer returns a tokenizer over the built-in vocabulary (parsed
// once per process, about 50 ms).
func NewTokenizer() (*Tokenizer, error) {
	v, err := loadVocab()
	if err != nil {
		return nil, err
	}
	return &Tokenizer{v: v, cache: map[string][]int32{}}, nil
}

// Encode returns the BPE ids of text without SOT and EOT and without
// truncation, as SimpleTokenizer.encode.
func (t *Tokenizer) Encode(text string) []int32 {
	var ids []int32
	splitPieces(clean(text), func(piece string) {
		ids = append(ids, t.word(piece)...)
	})
	return ids
}

// Tokenize returns the 77 ids of text: SOT, the BPE ids, EOT, zeros. A
// text longer than 75 ids is cut and still ends with EOT.
func (t *Tokenizer) Tokenize(text string) []int32 {
	out := make([]int32, ContextLength)
	out[0] = SOT
	n := 1
	full := false
	splitPieces(clean(text), func(piece string) {
		if full {
			return
		}
		for _, id := range t.word(piece) {
			if n == ContextLength-1 {
				full = true
				return
			}
			out[n] = id
			n++
		}
	})
	out[n] = EOT
	return out
}

// word returns the ids of one piece of the split.
func (t *Tokenizer) word(piece string) []int32 {
	switch piece {
	case "<|startoftext|>":
		return []int32{SOT}
	case "<|endoftext|>":
		return []int32{EOT}
	}
	t.mu.RLock()
	ids, ok := t.cache[piece]
	t.mu.RUnlock()
	if ok {
		return ids
	}
	ids = t.v.bpe(piece)
	t.mu.Lock()
	if len(t.cache) >= cacheWords {
		clear(t.cache)
	}
	t.cache[piece] = ids
	t.mu.Unlock()
	return ids
}

// bpe is SimpleTokenizer.bpe on the piece's bytes: each byte is a symbol,
// the last one marked as ending the word; then the adjacent pair of
// lowest rank is merged everywhere (left to right), until no pair has a
// rank.
func (v *vocab) bpe(piece string) []int32 {
	word := make([]int32, len(piece))
	for i := 0; i < len(piece); i++ {
		word[i] = v.byteID[piece[i]]
	}
	word[len(word)-1] += 256
	for len(word) > 1 {
		best, bestRank := -1, int32(0)
		for i := 0; i+1 < len(word); i++ {
			if r, ok := v.ranks[uint64(word[i])<<32|uint64(word[i+1])]; ok && (best < 0 || r < bestRank) {
				best, bestRank = i, r
			}
		}
		if best < 0 {
			break
		}
		first, second := word[best], word[best+1]
		out := word[:best]
		for i := best; i < len(word); {
			if i+1 < len(word) && word[i] == first && word[i+1] == second {
				out = append(out, 512+bestRank)
				i += 2
				continue
			}
			out = append(out, word[i])
			i++
		}
		word = out
	}
	return word
}

// splitPieces is re.findall with SimpleTokenizer's pattern (regex module,
// IGNORECASE) on cleaned, lower-cased text:
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// Whitespace matches nothing and is skipped.
func splitPieces(s string, emit func(string)) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if n := literalAt(s[i:]); n > 0 {
			emit(s[i : i+n])
			i += n
			continue
		}
		switch {
		case isLetter(r):
			j := i + size
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !isLetter(r) {
					break
				}
				j += size
			}
			emit(s[i:j])
			i = j
		case unicode.IsNumber(r):
			emit(s[i : i+size])
			i += size
		case isSpace(r):
			i += size
		default:
			j := i + size
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if isSpace(r) || isLetter(r) || unicode.IsNumber(r) {
					break
				}
				j += size
			}
			emit(s[i:j])
			i = j
		}
	}
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// literalAt returns the length of the special token or contraction s
// starts with, 0 if none. The pattern is case-insensitive and the text
// lower-cased, so what remains of IGNORECASE is simple case folding: ſ
// (U+017F) folds to s.
func literalAt(s string) int {
	if s == "" || (s[0] != '<' && s[0] != '\'') {
		return 0
	}
	for _, lit := range [...]string{"<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"} {
		if n := foldPrefix(s, lit); n > 0 {
			return n
		}
	}
	return 0
}

// foldPrefix returns the bytes of s that match lit (lower-case ASCII)
// under simple case folding, 0 if s does not start with it.
func foldPrefix(s, lit string) int {
	i := 0
	for j := 0; j < len(lit); j++ {
		if i >= len(s) {
			return 0
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		c := rune(lit[j])
		if r != c && !(c == 's' && r == 'ſ') && !(c >= 'a' && c <= 'z' && r == c-'a'+'A') {
			return 0
		}
		i += size
	}
	return i
}
