package synset

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/laiondb/laiondb/engine/synset/internal/textnorm"
)

// Rule is a caption matching rule.
type Rule uint8

const (
	// Paper is the rule of Shirali & Hardt, reproduced exactly. The caption
	// has every ASCII punctuation character (Python's string.punctuation,
	// !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) replaced by a space and is padded
	// with one space at each end; a lemma matches when " "+lemma+" "
	// occurs in it. Case-sensitive; the lemma is not transformed, so a
	// lemma containing punctuation (T-shirt, jack-o'-lantern) never
	// matches. The rule works on bytes: any other byte, including tab,
	// newline, non-ASCII UTF-8 and invalid UTF-8, is an ordinary
	// character.
	//
	// Token view (what an index stores): split the punctuation-replaced
	// caption on the single byte ' ', keeping empty tokens. A lemma whose
	// words (split on ' ') are w1..wk matches iff w1..wk are k consecutive
	// tokens; a one-word lemma matches iff it equals some token.
	Paper Rule = iota
	// Normalized is laiondb's opt-in improvement. Caption and lemma are
	// both tokenized the same way: each valid UTF-8 rune is lower-cased
	// (unicode.ToLower; invalid bytes are kept as they are), ASCII
	// punctuation and Unicode white space separate tokens, empty tokens
	// are dropped. A lemma matches when one of its forms occurs as
	// consecutive caption tokens. The forms of a lemma are its own tokens
	// and the inflections of its last word(s) that WordNet's morphology
	// (morphy) would map back to it: the noun suffix rules reversed
	// (s←"", ses←s, xes←x, zes←z, ches←ch, shes←sh, men←man, ies←y) on
	// the last token, and every noun.exc entry whose base form is the
	// lemma's last token(s). So "T-shirt" matches "t shirt", "T-SHIRT" and
	// "t-shirts"; "golden retriever" matches "Golden Retrievers"; "goose"
	// matches "geese".
	Normalized

	numRules = 2
)

// String returns "paper" or "normalized".
func (r Rule) String() string {
	switch r {
	case Paper:
		return "paper"
	case Normalized:
		return "normalized"
	}
	return fmt.Sprintf("Rule(%d)", uint8(r))
}

func (r Rule) valid() bool { return r < numRules }

// ParseRule accepts "paper" or "normalized" (any case).
func ParseRule(s string) (Rule, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "paper":
		return Paper, nil
	case "normalized", "normalised":
		return Normalized, nil
	}
	return 0, fmt.Errorf("%w %q (want paper or normalized)", ErrUnknownRule, s)
}

// Tokenizer produces the index tokens of captions under one rule. The index
// must map each token to the ordinals of the captions it occurs in:
//
//   - Paper: the non-empty tokens of the caption split at ' ' and at every
//     ASCII punctuation byte, byte for byte as in the caption (case kept;
//     tab, newline, other white space, non-ASCII and invalid UTF-8 bytes
//     belong to tokens).
//   - Normalized: the non-empty tokens described at Normalized (lower-cased
//     runes, split at ASCII punctuation and Unicode white space).
//
// Captions that are NULL or have no token contribute nothing. A Tokenizer
// keeps a scratch buffer: use one per goroutine.
type Tokenizer struct {
	rule Rule
	buf  []byte
}

// NewTokenizer returns a tokenizer for rule.
func NewTokenizer(rule Rule) *Tokenizer { return &Tokenizer{rule: rule} }

// Rule returns the tokenizer's rule.
func (t *Tokenizer) Rule() Rule { return t.rule }

// Tokens calls emit for each non-empty token of caption in order
// (repeats included). tok is valid only during the call: it aliases caption
// (Paper) or the tokenizer's buffer (Normalized); copy it to keep it.
func (t *Tokenizer) Tokens(caption []byte, emit func(tok []byte)) {
	if t.rule == Normalized {
		t.buf = textnorm.NormTokens(t.buf, caption, emit)
		return
	}
	textnorm.PaperTokens(caption, emit)
}

// TokensString is Tokens for a string caption, without copying it.
func (t *Tokenizer) TokensString(caption string, emit func(tok []byte)) {
	t.Tokens(bytesOf(caption), emit)
}

// SplitPaper calls emit for every token of s under the paper rule,
// including empty ones (see Paper), so that positions are exact.
func SplitPaper(s []byte, emit func(tok []byte)) { textnorm.SplitPaper(s, emit) }

// Words returns the words of a lemma or phrase under rule: for Paper the
// lemma split on ' ' (not otherwise transformed; words may be empty or
// contain punctuation, and such a word can only match an empty token or
// nothing); for Normalized its normalized tokens.
func Words(rule Rule, lemma string) []string {
	if rule == Normalized {
		return textnorm.NormFields(lemma)
	}
	return strings.Split(lemma, " ")
}

// bytesOf views s as bytes without copying. The bytes must not be
// modified; every use here only reads them.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
