package clip

//go:generate sh -c "python3 internal/mkentities/mkentities.py | gofmt > entities.go"

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean is the text preparation of OpenAI's SimpleTokenizer.encode:
// whitespace_clean(basic_clean(text)).lower(), that is ftfy.fix_text,
// html.unescape twice, strip, every run of whitespace to one space, strip,
// and Python's str.lower. Bytes that are not UTF-8 become U+FFFD, one per
// byte, as Python's decoding with errors="replace" would give.
func clean(text string) string {
	if !utf8.ValidString(text) {
		var b strings.Builder
		for _, r := range text {
			b.WriteRune(r)
		}
		text = b.String()
	}
	text = fixText(text)
	text = unescapeHTML(unescapeHTML(text))
	text = strings.TrimFunc(text, pyIsSpace)
	text = collapseSpace(text)
	text = strings.TrimFunc(text, pyIsSpace)
	return pyLower(text)
}

// pyIsSpace is Python's str.isspace for one character, what str.strip()
// removes: the White_Space characters and also U+001C–U+001F, which the
// regex module's \s does not match.
func pyIsSpace(r rune) bool {
	return unicode.Is(unicode.White_Space, r) || (r >= 0x1c && r <= 0x1f)
}

// isSpace is the regex module's \s: the Unicode White_Space property.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.Is(unicode.White_Space, r)
}

// collapseSpace is re.sub(r'\s+', ' ', text) with the regex module.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inSpace := false
	for _, r := range s {
		if isSpace(r) {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
			continue
		}
		inSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// pyLower is Python's str.lower(): the full Unicode lower-case mapping,
// which differs from unicode.ToLower rune by rune in two places: İ
// (U+0130) becomes "i" and a combining dot above, and a capital sigma
// at the end of a word becomes the final form ς.
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, r := range rs {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if finalSigma(rs, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is the Final_Sigma condition of Unicode's SpecialCasing, as
// CPython's handle_capital_sigma tests it: a cased letter before the
// sigma and none after it, skipping case-ignorable characters both ways.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}

// cased is Unicode's Cased property: Lu, Ll, Lt, Other_Lowercase and
// Other_Uppercase.
func cased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// caseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk
// and the Word_Break classes MidLetter, MidNumLet and Single_Quote.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '·', 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// unescapeHTML is Python's html.unescape: HTML5 named references (legacy
// names also without the ";", and the longest legacy name that prefixes a
// longer run), decimal and hexadecimal references with HTML5's
// replacements for invalid code points.
func unescapeHTML(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		repl, n := charref(s)
		if n == 0 {
			b.WriteByte('&')
			s = s[1:]
			continue
		}
		b.WriteString(repl)
		s = s[n:]
	}
}

// charref decodes the reference at the start of s (which starts with
// "&") as html.unescape's regular expression
//
//	&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
//
// and _replace_charref do; n is the bytes consumed, 0 when nothing
// matches there.
func charref(s string) (string, int) {
	if len(s) > 1 && s[1] == '#' {
		digits, base := 2, 10
		if len(s) > 2 && (s[2] == 'x' || s[2] == 'X') {
			digits, base = 3, 16
		}
		end := digits
		for end < len(s) && isDigitIn(s[end], base) {
			end++
		}
		if end == digits {
			return "", 0
		}
		num := s[digits:end]
		if end < len(s) && s[end] == ';' {
			end++
		}
		return numericRef(num, base), end
	}
	// A named reference: up to 32 characters other than \t \n \f space
	// < & # ;, then an optional ";".
	end, count := 1, 0
	for end < len(s) && count < 32 {
		r, size := utf8.DecodeRuneInString(s[end:])
		if r == '\t' || r == '\n' || r == '\f' || r == ' ' || r == '<' || r == '&' || r == '#' || r == ';' {
			break
		}
		end += size
		count++
	}
	if count == 0 {
		return "", 0
	}
	if end < len(s) && s[end] == ';' {
		end++
	}
	name := s[1:end]
	if v, ok := html5Entities[name]; ok {
		return v, end
	}
	// The longest prefix (of at least two characters, shorter than the
	// whole) that is a name; the rest stays as it is.
	cut := len(name)
	for {
		_, size := utf8.DecodeLastRuneInString(name[:cut])
		cut -= size
		if utf8.RuneCountInString(name[:cut]) < 2 {
			break
		}
		if v, ok := html5Entities[name[:cut]]; ok {
			return v + name[cut:], end
		}
	}
	return "&" + name, end
}

func isDigitIn(c byte, base int) bool {
	switch {
	case c >= '0' && c <= '9':
		return true
	case base == 16:
		return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
	}
	return false
}

// numericRef is the numeric branch of _replace_charref.
func numericRef(digits string, base int) string {
	var v uint64
	if digits = strings.TrimLeft(digits, "0"); digits != "" {
		var err error
		if v, err = strconv.ParseUint(digits, base, 32); err != nil {
			return "\ufffd" // Python's int is unbounded: this is past U+10FFFF
		}
	}
	if r, ok := invalidCharrefs[v]; ok {
		return r
	}
	if v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) {
		return "\ufffd"
	}
	if invalidCodepoint(v) {
		return ""
	}
	return string(rune(v))
}

// invalidCharrefs is html's _invalid_charrefs: what HTML5 reads for
// references to NUL, CR and the C1 controls (as Windows-1252).
var invalidCharrefs = map[uint64]string{
	0x00: "\ufffd", 0x0d: "\r", 0x80: "\u20ac", 0x81: "\u0081", 0x82: "\u201a", 0x83: "\u0192",
	0x84: "\u201e", 0x85: "\u2026", 0x86: "\u2020", 0x87: "\u2021", 0x88: "\u02c6", 0x89: "\u2030",
	0x8a: "\u0160", 0x8b: "\u2039", 0x8c: "\u0152", 0x8d: "\u008d", 0x8e: "\u017d", 0x8f: "\u008f",
	0x90: "\u0090", 0x91: "\u2018", 0x92: "\u2019", 0x93: "\u201c", 0x94: "\u201d", 0x95: "\u2022",
	0x96: "\u2013", 0x97: "\u2014", 0x98: "\u02dc", 0x99: "\u2122", 0x9a: "\u0161", 0x9b: "\u203a",
	0x9c: "\u0153", 0x9d: "\u009d", 0x9e: "\u017e", 0x9f: "\u0178",
}

// invalidCodepoint is html's _invalid_codepoints: references to these
// decode to nothing.
func invalidCodepoint(v uint64) bool {
	switch {
	case v >= 0x1 && v <= 0x8, v == 0xb, v >= 0xe && v <= 0x1f, v >= 0x7f && v <= 0x9f,
		v >= 0xfdd0 && v <= 0xfdef:
		return true
	}
	return v&0xfffe == 0xfffe && v <= 0x10ffff
}
