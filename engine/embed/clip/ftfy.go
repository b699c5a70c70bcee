package clip

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fixText is the part of ftfy.fix_text (ftfy 6.3, default settings) that
// works character by character, which OpenAI's tokenizer applies first:
// HTML entities (only until a line holding "<"), C1 controls read as
// Windows-1252, Latin ligatures and full-width forms taken apart, curly
// quotes straightened, line breaks unified, terminal escapes and stray
// control characters removed, NFC; repeated until nothing changes. Its
// mojibake repair (fix_encoding, a statistical guess at a wrong decoding)
// is not reproduced: text such as "cafÃ©" is tokenized as it stands.
func fixText(text string) string {
	if plainASCII(text) {
		return text
	}
	var out strings.Builder
	out.Grow(len(text))
	unescape := true
	for text != "" {
		seg := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			seg = text[:i+1]
		}
		text = text[len(seg):]
		// As in fix_text: from the first line that looks like HTML on,
		// entities are left to the tokenizer's own html.unescape.
		if strings.Contains(seg, "<") {
			unescape = false
		}
		out.WriteString(fixSegment(seg, unescape))
	}
	return out.String()
}

// plainASCII reports text that no fix changes: printable ASCII, tabs,
// newlines and form feeds, without "&".
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '&' || c >= 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\f') {
			return false
		}
	}
	return true
}

// fixSegment is ftfy's fix_and_explain on one line, without fix_encoding.
func fixSegment(s string, unescape bool) string {
	for {
		orig := s
		if unescape {
			s = ftfyUnescape(s)
		}
		s = mapRunes(s, fixC1)
		s = mapRunes(s, fixLigatureWidthQuote)
		s = fixLineBreaks(s)
		s = removeTerminalEscapes(s)
		s = mapRunes(s, removeControl)
		s = norm.NFC.String(s)
		if s == orig {
			return s
		}
	}
}

// mapRunes rewrites s rune by rune; f returns the replacement and whether
// there is one.
func mapRunes(s string, f func(rune) (string, bool)) string {
	for i, r := range s {
		if _, ok := f(r); !ok {
			continue
		}
		var b strings.Builder
		b.Grow(len(s))
		b.WriteString(s[:i])
		for _, r := range s[i:] {
			if repl, ok := f(r); ok {
				b.WriteString(repl)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return s
}

// fixC1 is fix_c1_controls: U+0080–U+009F read as the Windows-1252 bytes
// they were (the five bytes Windows-1252 leaves undefined stay).
func fixC1(r rune) (string, bool) {
	if r < 0x80 || r > 0x9f {
		return "", false
	}
	return invalidCharrefs[uint64(r)], true // the same table HTML5 uses
}

// fixLigatureWidthQuote is fix_latin_ligatures, fix_character_width and
// uncurl_quotes, which never feed one another.
func fixLigatureWidthQuote(r rune) (string, bool) {
	switch {
	case r == 0x2bc || (r >= 0x2018 && r <= 0x201b):
		return "'", true
	case r >= 0x201c && r <= 0x201f:
		return `"`, true
	case r == 0x3000:
		return " ", true
	case r >= 0xff01 && r <= 0xffef:
		if n := norm.NFKC.String(string(r)); n != string(r) {
			return n, true
		}
	default:
		if l, ok := latinLigatures[r]; ok {
			return l, true
		}
	}
	return "", false
}

// latinLigatures is ftfy's LIGATURES table.
var latinLigatures = map[rune]string{
	'Ĳ': "IJ", 'ĳ': "ij", 'ŉ': "ʼn", 'Ǳ': "DZ", 'ǲ': "Dz", 'ǳ': "dz", 'Ǆ': "DŽ", 'ǅ': "Dž", 'ǆ': "dž",
	'Ǉ': "LJ", 'ǈ': "Lj", 'ǉ': "lj", 'Ǌ': "NJ", 'ǋ': "Nj", 'ǌ': "nj",
	'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "ſt", 'ﬆ': "st",
}

// fixLineBreaks is fix_line_breaks: CRLF, CR, U+2028, U+2029 and U+0085
// become "\n".
func fixLineBreaks(s string) string {
	if !strings.ContainsAny(s, "\r\u2028\u2029\u0085") {
		return s
	}
	return strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n", "\u0085", "\n").Replace(s)
}

// removeTerminalEscapes is remove_terminal_escapes: ANSI sequences
// ESC [ (digits or ;)* letter are removed (\d is any decimal digit, as in
// Python's re).
func removeTerminalEscapes(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := i + 2
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if r != ';' && !unicode.IsDigit(r) {
				break
			}
			j += size
		}
		if j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
			s = s[j+1:]
			continue
		}
		b.WriteByte(0x1b)
		s = s[i+1:]
	}
}

// removeControl is remove_control_chars: C0 controls other than \t \n
// \f \r, DEL, the deprecated Arabic format characters, the BOM and the
// interlinear annotation characters are removed.
func removeControl(r rune) (string, bool) {
	switch {
	case r <= 0x08, r == 0x0b, r >= 0x0e && r <= 0x1f, r == 0x7f,
		r >= 0x206a && r <= 0x206f, r == 0xfeff, r >= 0xfff9 && r <= 0xfffc:
		return "", true
	}
	return "", false
}

// ftfyUnescape is ftfy's unescape_html: a reference &name; or &#...;
// (1 to 24 ASCII letters and digits, the ";" required) is decoded when it
// names an HTML5 entity, an all-caps spelling of a lower-case one
// (&EACUTE; → É), or a character number; anything else stays.
func ftfyUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := 1
		if j < len(s) && s[j] == '#' {
			j++
		}
		k := j
		for k < len(s) && isAlnum(s[k]) {
			k++
		}
		if k == j || k-j > 24 || k >= len(s) || s[k] != ';' {
			b.WriteByte('&')
			s = s[1:]
			continue
		}
		ref := s[:k+1]
		s = s[k+1:]
		name := ref[1:]
		if v, ok := html5Entities[name]; ok {
			b.WriteString(v)
		} else if v, ok := ftfyUpperEntities[name]; ok {
			b.WriteString(v)
		} else if j == 2 {
			// html.unescape must consume the whole reference.
			if u := unescapeHTML(ref); !strings.Contains(u, ";") {
				b.WriteString(u)
			} else {
				b.WriteString(ref)
			}
		} else {
			b.WriteString(ref)
		}
	}
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
