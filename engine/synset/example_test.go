package synset_test

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/engine/synset"
)

func Example() {
	cat, err := synset.ImageNet1k()
	if err != nil {
		panic(err)
	}
	s, _ := cat.Resolve("goldfish")
	fmt.Println(s.WNID, s.Class, s.Name)
	fmt.Println(synset.Text(s))
	v, _ := cat.Vocabulary(synset.Paper)
	fmt.Println(v.Len(), "lemmas over", v.Active(), "WNIDs")
	// Output:
	// n01443537 1 goldfish.n.01
	// goldfish which is small golden or orange-red freshwater fishes of Eurasia used as pond or aquarium fishes
	// 1825 lemmas over 995 WNIDs
}

func ExampleVocabulary_MatchCaption() {
	cat, _ := synset.ImageNet1k()
	for _, rule := range []synset.Rule{synset.Paper, synset.Normalized} {
		v, _ := cat.Vocabulary(rule)
		for _, c := range []string{"my Golden Retrievers", "a goldfish (Carassius auratus)", "white T-shirt"} {
			var heads []string
			for _, i := range v.MatchCaption(c) {
				heads = append(heads, v.Synsets()[i].Head)
			}
			fmt.Printf("%s %q → %q\n", rule, c, heads)
		}
	}
	// Output:
	// paper "my Golden Retrievers" → []
	// paper "a goldfish (Carassius auratus)" → ["goldfish"]
	// paper "white T-shirt" → []
	// normalized "my Golden Retrievers" → ["golden retriever"]
	// normalized "a goldfish (Carassius auratus)" → ["goldfish"]
	// normalized "white T-shirt" → ["jersey"]
}

func ExampleLabel() {
	cat, _ := synset.ImageNet1k()
	v, _ := cat.Vocabulary(synset.Paper)
	m := synset.NewMemPostings() // an engine implements synset.Postings over its own index
	m.Add("goldfish in a bowl", true)
	m.Add("golden retriever with a goldfish", true)
	m.Add("", false) // NULL
	m.Add("a golden retriever puppy", true)
	l, err := synset.Label(context.Background(), m, v)
	if err != nil {
		panic(err)
	}
	for ord := range uint32(4) {
		if i, ok := l.UniqueSynset(ord); ok {
			fmt.Println(ord, v.Synsets()[i].WNID, l.Lemmas(ord))
		}
	}
	fmt.Println("dropped (≥2 synsets):", l.Multi.ToArray())
	// Output:
	// 0 n01443537 [goldfish]
	// 3 n02099601 [golden retriever]
	// dropped (≥2 synsets): [1]
}

func ExampleTokenizer() {
	for _, rule := range []synset.Rule{synset.Paper, synset.Normalized} {
		var toks []string
		synset.NewTokenizer(rule).TokensString("Cute T-Shirt,  GOLDEN\tRetriever!", func(tok []byte) {
			toks = append(toks, string(tok))
		})
		fmt.Printf("%s %q\n", rule, toks)
	}
	// Output:
	// paper ["Cute" "T" "Shirt" "GOLDEN\tRetriever"]
	// normalized ["cute" "t" "shirt" "golden" "retriever"]
}
