package synset

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func tokens(rule Rule, s string) []string {
	var out []string
	NewTokenizer(rule).TokensString(s, func(tok []byte) { out = append(out, string(tok)) })
	return out
}

func TestTokenizer(t *testing.T) {
	for _, tc := range []struct {
		rule Rule
		in   string
		want []string
	}{
		{Paper, "Golden Retriever, puppy!", []string{"Golden", "Retriever", "puppy"}},
		{Paper, "  T-shirt  ", []string{"T", "shirt"}},
		{Paper, "golden\tretriever\nfoo", []string{"golden\tretriever\nfoo"}}, // only ' ' and punctuation separate
		{Paper, "\xffdog\xfe caf\u00e9", []string{"\xffdog\xfe", "caf\u00e9"}},
		{Paper, "a_b~c`d", []string{"a", "b", "c", "d"}},
		{Paper, "", nil},
		{Paper, ",.;", nil},
		{Normalized, "T-SHIRT\u00a0Gr\u00d6\u00dfe\tX", []string{"t", "shirt", "gr\u00f6\u00dfe", "x"}},
		{Normalized, "\xffDOG\xfe  Caf\u00c9", []string{"\xffdog\xfe", "caf\u00e9"}},
		{Normalized, "jack-o'-lantern", []string{"jack", "o", "lantern"}},
	} {
		if got := tokens(tc.rule, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s tokens of %q = %q, want %q", tc.rule, tc.in, got, tc.want)
		}
	}
	var all []string
	SplitPaper([]byte(",a,,b "), func(tok []byte) { all = append(all, string(tok)) })
	if want := []string{"", "a", "", "b", ""}; !slices.Equal(all, want) {
		t.Errorf("SplitPaper = %q, want %q", all, want)
	}
}

func TestParseRule(t *testing.T) {
	for s, want := range map[string]Rule{"paper": Paper, "PAPER": Paper, "normalized": Normalized, " normalised ": Normalized} {
		if r, err := ParseRule(s); err != nil || r != want {
			t.Errorf("ParseRule(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := ParseRule("fuzzy"); !errors.Is(err, ErrUnknownRule) {
		t.Errorf("fuzzy: %v", err)
	}
	if Paper.String() != "paper" || Normalized.String() != "normalized" {
		t.Error("String")
	}
}

// match returns the WNIDs the catalog vocabulary of rule finds in caption.
func match(t *testing.T, rule Rule, caption string) []string {
	v := mustVocab(t, rule)
	var out []string
	for _, i := range v.MatchCaption(caption) {
		out = append(out, v.Synsets()[i].WNID.String())
	}
	return out
}

func TestRules(t *testing.T) {
	const (
		jersey    = "n03595614" // jersey, T-shirt, tee shirt
		golden    = "n02099601" // golden retriever
		goldfish  = "n01443537"
		goose     = "n01855672"
		mouse     = "n03793489" // mouse, computer mouse
		ox        = "n02403003"
		redWolf   = "n02114712" // red wolf, maned wolf, ...
		hippo     = "n02398521"
		corgi     = "n02113186" // Cardigan, Cardigan Welsh corgi
		cardigan  = "n02963159" // the sweater
		lantern   = "n03590841" // jack-o'-lantern
		bigCrane  = "n02012849" // crane, the bird
		letterOpn = "n03658185" // letter opener, paper knife, paperknife
		jackfruit = "n07754684" // jackfruit, jak, jack
	)
	for _, tc := range []struct {
		caption       string
		paper, normal []string
	}{
		{"cool T-shirt for sale", nil, []string{jersey}},
		{"cool t shirt", nil, []string{jersey}},
		{"two t-shirts", nil, []string{jersey}},
		{"tee shirt", []string{jersey}, []string{jersey}},
		{"my golden retriever!", []string{golden}, []string{golden}},
		{"Golden Retrievers at play", nil, []string{golden}},
		{"golden  retriever", nil, []string{golden}}, // two spaces: paper needs exactly one
		{"golden\tretriever", nil, []string{golden}},
		{"golden,retriever", []string{golden}, []string{golden}}, // punctuation becomes the one space
		{"goldfish", []string{goldfish}, []string{goldfish}},
		{"three goldfishes", nil, []string{goldfish}}, // noun.exc, and the shes→sh rule
		{"GOLDFISH", nil, []string{goldfish}},
		{"a gaggle of geese", nil, []string{goose}},
		{"two mice", nil, []string{mouse}},
		{"oxen ploughing", nil, []string{ox}},
		{"red wolves", nil, []string{redWolf}},
		{"hippopotami", nil, []string{hippo}},
		{"paperknives", nil, []string{letterOpn}},
		{"Cardigan Welsh corgi", []string{corgi}, []string{corgi}},
		{"Cardigan", []string{corgi}, nil},            // Cardigan/cardigan are one key after folding: dropped
		{"knitted cardigan", []string{cardigan}, nil}, // idem
		// Paper never matches lemmas with punctuation; "jack" (the fruit) matches both.
		{"jack-o'-lantern", []string{jackfruit}, []string{lantern, jackfruit}},
		{"crane", []string{bigCrane}, []string{bigCrane}},
		{"goldfish and golden retriever", []string{goldfish, golden}, []string{goldfish, golden}},
		{"", nil, nil},
	} {
		if got := match(t, Paper, tc.caption); !slices.Equal(got, tc.paper) {
			t.Errorf("paper %q = %v, want %v", tc.caption, got, tc.paper)
		}
		if got := match(t, Normalized, tc.caption); !slices.Equal(got, tc.normal) {
			t.Errorf("normalized %q = %v, want %v", tc.caption, got, tc.normal)
		}
	}
}

func TestMorphologyForms(t *testing.T) {
	m := mustCatalog(t).Morphology()
	for lemma, want := range map[string][]string{
		"goose":      {"goose", "gooses", "geese"},
		"box":        {"box", "boxs", "boxes"},
		"lady":       {"lady", "ladys", "ladies"},
		"snowman":    {"snowman", "snowmans", "snowmen"},
		"T-shirt":    {"t shirt", "t shirts"},
		"church":     {"church", "churchs", "churches"},
		"red wolf":   {"red wolf", "red wolfs", "red wolves"},
		"--":         nil,
		"Great Dane": {"great dane", "great danes"},
	} {
		if got := m.Forms(lemma); !slices.Equal(got, want) {
			t.Errorf("Forms(%q) = %q, want %q", lemma, got, want)
		}
	}
}

func TestLabelSmall(t *testing.T) {
	ctx := context.Background()
	m := NewMemPostings()
	for _, c := range []struct {
		s  string
		ok bool
	}{
		{"my golden retriever and a goldfish", true}, // 0: two synsets
		{"", false},                 // 1: NULL
		{"golden retriever", true},  // 2
		{"golden  retriever", true}, // 3: two spaces, no paper match
		{"goldfish bowl", true},     // 4
		{"", true},                  // 5: empty
		{"retriever golden", true},  // 6: words present, not adjacent
	} {
		m.Add(c.s, c.ok)
	}
	v := mustVocab(t, Paper)
	l, err := Label(ctx, m, v)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Matched.ToArray(); !slices.Equal(got, []uint32{0, 2, 4}) {
		t.Errorf("matched %v", got)
	}
	if got := l.Multi.ToArray(); !slices.Equal(got, []uint32{0}) {
		t.Errorf("multi %v", got)
	}
	if s, ok := l.UniqueSynset(2); !ok || v.Synsets()[s].Head != "golden retriever" {
		t.Errorf("row 2 → %d %v", s, ok)
	}
	if got := l.Lemmas(0); !slices.Equal(got, []string{"goldfish", "golden retriever"}) {
		t.Errorf("lemmas of row 0: %q", got)
	}
	if l.Stats.CaptionReads != 4 { // rows 0, 2, 3, 6: candidates of "golden retriever"
		t.Errorf("caption reads %d", l.Stats.CaptionReads)
	}
	b, err := Contains(ctx, m, Paper, "golden retriever")
	if err != nil || !slices.Equal(b.ToArray(), []uint32{0, 2}) {
		t.Errorf("Contains golden retriever: %v %v", b, err)
	}
	b, err = Contains(ctx, m, Normalized, "GOLDEN-retriever")
	if err != nil || !slices.Equal(b.ToArray(), []uint32{0, 2, 3}) {
		t.Errorf("Contains normalized: %v %v", b, err)
	}
	if _, err := Contains(ctx, m, Paper, " ,; "); !errors.Is(err, ErrEmptyLemma) {
		t.Errorf("empty phrase: %v", err)
	}
	gi := 1 // goldfish's class index
	b, err = MatchSynset(ctx, m, v, gi)
	if err != nil || !slices.Equal(b.ToArray(), []uint32{0, 4}) {
		t.Errorf("MatchSynset goldfish: %v %v", b, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Label(cctx, m, v); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
