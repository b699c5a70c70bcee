// Package textnorm holds the byte-level text rules shared by package synset
// and its catalog generator: which bytes are ASCII punctuation, and the two
// caption tokenizers. Package synset documents the rules; this package only
// implements them once.
package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// Punctuation is Python's string.punctuation: the 32 ASCII punctuation
// characters.
const Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// IsPunct reports whether b is one of Punctuation. Bytes ≥ 0x80 never are,
// so the test is safe on UTF-8 (and on invalid UTF-8) byte by byte.
var IsPunct [256]bool

// isPaperSep marks the bytes that end a token under the paper rule.
var isPaperSep [256]bool

func init() {
	for i := range len(Punctuation) {
		IsPunct[Punctuation[i]] = true
		isPaperSep[Punctuation[i]] = true
	}
	isPaperSep[' '] = true
}

// SplitPaper calls emit for every token of s under the paper rule: s with
// each ASCII punctuation byte replaced by ' ', split on the single byte ' '.
// Empty tokens are emitted too (between two adjacent separators, and at
// either end), so token positions are exact: there is always one more token
// than separators. tok aliases s.
func SplitPaper(s []byte, emit func(tok []byte)) {
	start := 0
	for i, b := range s {
		if isPaperSep[b] {
			emit(s[start:i])
			start = i + 1
		}
	}
	emit(s[start:])
}

// PaperTokens calls emit for every non-empty token of s under the paper
// rule (see SplitPaper). tok aliases s.
func PaperTokens(s []byte, emit func(tok []byte)) {
	start := 0
	for i, b := range s {
		if isPaperSep[b] {
			if i > start {
				emit(s[start:i])
			}
			start = i + 1
		}
	}
	if len(s) > start {
		emit(s[start:])
	}
}

// asciiSpace marks the ASCII bytes unicode.IsSpace accepts.
var asciiSpace = [128]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// NormTokens calls emit for every token of s under the normalized rule:
// every valid UTF-8 rune is lower-cased with unicode.ToLower; ASCII
// punctuation and Unicode white space (unicode.IsSpace) separate tokens;
// bytes that are not valid UTF-8 are kept unchanged inside tokens. Only
// non-empty tokens are emitted. tok lives in buf (grown as needed, returned
// for reuse) and is valid only during the call to emit.
func NormTokens(buf, s []byte, emit func(tok []byte)) []byte {
	buf = buf[:0]
	flush := func() {
		if len(buf) > 0 {
			emit(buf)
			buf = buf[:0]
		}
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			i++
			switch {
			case IsPunct[b] || asciiSpace[b]:
				flush()
			case 'A' <= b && b <= 'Z':
				buf = append(buf, b+('a'-'A'))
			default:
				buf = append(buf, b)
			}
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, b) // invalid byte: kept as is
			i++
			continue
		}
		i += size
		if unicode.IsSpace(r) {
			flush()
			continue
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	flush()
	return buf
}

// NormFields returns the normalized tokens of s as strings (allocating; for
// building vocabularies, not for captions in bulk).
func NormFields(s string) []string {
	var out []string
	NormTokens(nil, []byte(s), func(tok []byte) { out = append(out, string(tok)) })
	return out
}

// LowerKeepInvalid appends s to dst with every valid UTF-8 rune lower-cased
// by unicode.ToLower and every invalid byte copied unchanged (unlike
// strings.ToLower, which would turn it into U+FFFD).
func LowerKeepInvalid(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[i])
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		i += size
	}
	return dst
}
