package clip

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// refText is one line of testdata/tokens.jsonl: a text and the ids
// OpenAI's clip.tokenize gives it.
type refText struct {
	Src       string  `json:"src"`
	Key       string  `json:"key"`
	Text      string  `json:"text"`
	NBPE      int     `json:"n_bpe"`
	Truncated bool    `json:"truncated"`
	IDs       []int32 `json:"ids"`
}

func readRefTexts(t testing.TB) []refText {
	t.Helper()
	f, err := os.Open("testdata/tokens.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refText
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r refText
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTokenizeMatchesOpenAI checks every reference text: the 77 ids, the
// number of BPE ids before truncation.
func TestTokenizeMatchesOpenAI(t *testing.T) {
	tok, err := NewTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	refs := readRefTexts(t)
	if len(refs) != 626 {
		t.Fatalf("%d reference texts, want 626", len(refs))
	}
	for _, r := range refs {
		t.Run(r.Src+"/"+r.Key, func(t *testing.T) {
			if got := tok.Tokenize(r.Text); !slices.Equal(got, r.IDs) {
				t.Errorf("%q:\n got %v\nwant %v", r.Text, got, r.IDs)
			}
			if n := len(tok.Encode(r.Text)); n != r.NBPE {
				t.Errorf("%q: %d BPE ids, want %d", r.Text, n, r.NBPE)
			}
		})
	}
}

// TestTokenizeLikeCLIPWithFtfy checks texts that ftfy.fix_text changes:
// the ids are those of OpenAI's tokenizer with real ftfy, not with the
// identity stub of tokens.jsonl.
func TestTokenizeLikeCLIPWithFtfy(t *testing.T) {
	tok, err := NewTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/ftfy_tokens.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var r struct {
			Text string  `json:"text"`
			IDs  []int32 `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		want := make([]int32, ContextLength)
		copy(want, r.IDs)
		if got := tok.Tokenize(r.Text); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %v\nwant %v", r.Text, got, want)
		}
		n++
	}
	if n != 200 {
		t.Fatalf("%d texts, want 200", n)
	}
}

func TestTokenizeCleansLikeCLIP(t *testing.T) {
	tok, err := NewTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	same := [][2]string{
		// ftfy: curly quotes, ligatures, full-width letters, upper-case
		// entities, C1 controls read as Windows-1252.
		{"Women’s “fine” ﬁsh", `women's "fine" fish`},
		{"ＬＯＵＤ　ＮＯＩＳＥＳ", "loud noises"},
		{"P&EACUTE;REZ", "pérez"},
		{"it\u0092s", "it's"},
		{"\x1b[36mblue\x1b[0m", "blue"},
		// html.unescape twice: &amp;lt; is "<".
		{"&amp;lt;b&amp;gt;", "<b>"},
		{"fish &amp chips", "fish & chips"},
		// Python's str.lower: İ keeps its dot as a combining mark; a
		// word-final Σ is ς.
		{"İSTANBUL", "i\u0307stanbul"},
		{"ΟΔΟΣ ΣΑ", "οδος σα"},
		// Whitespace of every kind is one space; U+200B is not whitespace.
		{"a\u00a0\u2003\u3000b", "a b"},
	}
	for _, c := range same {
		if got, want := tok.Tokenize(c[0]), tok.Tokenize(c[1]); !slices.Equal(got, want) {
			t.Errorf("%q tokenizes as %v, want the ids of %q: %v", c[0], got[:8], c[1], want[:8])
		}
	}
	if a, b := tok.Tokenize("a\u200bb"), tok.Tokenize("a b"); slices.Equal(a, b) {
		t.Errorf("U+200B was taken for whitespace")
	}
}

func TestTokenizeTruncatesKeepingEOT(t *testing.T) {
	tok, err := NewTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("dog ", 200)
	ids := tok.Tokenize(long)
	if len(ids) != ContextLength || ids[0] != SOT || ids[ContextLength-1] != EOT {
		t.Fatalf("ids %v", ids)
	}
	if n := len(tok.Encode(long)); n != 200 {
		t.Fatalf("Encode gave %d ids, want 200", n)
	}
	if ids := tok.Tokenize(""); ids[0] != SOT || ids[1] != EOT || ids[2] != 0 {
		t.Fatalf("empty text: %v", ids[:4])
	}
	// A literal end-of-text token in the text ends the text early (the
	// encoder pools there), whatever its case.
	if ids := tok.Tokenize("an <|ENDOFTEXT|> in"); ids[2] != EOT || ids[3] == 0 {
		t.Fatalf("literal end token: %v", ids[:6])
	}
}
