package plan

import (
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

func init() { funcs.CompiledFunctions = append(funcs.CompiledFunctions, "synsets_in") }

// compileSynsetsIn compiles synsets_in(caption [USING rule]).
func (c *Compiler) compileSynsetsIn(x *ast.Call) (exec.Expr, error) {
	if x.Star || x.Distinct || len(x.Args) != 1 {
		return nil, value.ErrAt(x.Pos(), "synsets_in takes one text argument, and optionally a rule: synsets_in(caption USING NORMALIZED)")
	}
	arg, err := c.Compile(x.Args[0])
	if err != nil {
		return nil, err
	}
	if !funcs.TypeFits(arg.Typ(), value.TString) {
		return nil, value.ErrAt(x.Args[0].Pos(), "synsets_in takes text such as caption, not %s", value.TypeName(arg.Typ()))
	}
	rule, err := c.ruleOf(x.Rule)
	if err != nil {
		return nil, value.ErrAt(x.Pos(), "%v", err)
	}
	vocab, err := c.Sess.Catalog().Vocabulary(rule)
	if err != nil {
		return nil, err
	}
	return &exec.SynsetsInExpr{X: arg, Vocab: vocab, Rule: rule}, nil
}

// synsetMatcher resolves MATCHES SYNSET s [WITH HYPONYMS]: the dictionary
// and the synset index in it that the predicate tests, and the synset
// itself.
//
//   - An ImageNet-1k class without WITH HYPONYMS: the rule's ImageNet
//     dictionary (under the paper rule, the paper's: lemmas shared with
//     another class dropped), as MATCHES IMAGENET labels.
//   - Any other WordNet noun synset (needs WordNet): its lemmas, all of
//     them.
//   - WITH HYPONYMS (needs WordNet): every lemma of s and of every synset
//     below it (hyponyms and instances, all levels), as one dictionary
//     entry list of one synset — a lemma two of them share still counts.
func (c *Compiler) synsetMatcher(x *ast.Matches, rule synset.Rule) (*synset.Vocabulary, int, *synset.Synset, error) {
	q, err := c.Constant(x.Synset, "the synset of MATCHES SYNSET")
	if err != nil {
		return nil, 0, nil, err
	}
	if q.T != value.TString {
		return nil, 0, nil, value.ErrAt(x.Synset.Pos(), "MATCHES SYNSET takes a synset as text: a WNID, a sense name such as 'dog.n.01', or a lemma")
	}
	if !x.Hyponyms {
		if syn, err := c.Sess.Catalog().Resolve(q.S); err == nil && syn.Class >= 0 {
			vocab, err := c.Sess.Catalog().Vocabulary(rule)
			return vocab, syn.Class, syn, err
		}
	}
	wn, err := c.Sess.WordNet()
	if err != nil {
		if syn, cerr := c.Sess.Catalog().Resolve(q.S); cerr != nil && !x.Hyponyms {
			return nil, 0, nil, value.ErrAt(x.Synset.Pos(), "%v", cerr)
		} else if !x.Hyponyms {
			return nil, 0, nil, value.ErrAt(x.Synset.Pos(), "%s (%s) is not an ImageNet-1k class; other synsets %v", syn.WNID, syn.Name, err)
		}
		return nil, 0, nil, value.ErrAt(x.Pos(), "WITH HYPONYMS %v", err)
	}
	syn, err := wn.Resolve(q.S)
	if err != nil {
		return nil, 0, nil, value.ErrAt(x.Synset.Pos(), "%v", err)
	}
	merged := &synset.Synset{WNID: syn.WNID, Class: -1, Name: syn.Name, Head: syn.Head}
	seen := map[string]bool{}
	group := []*synset.Synset{syn}
	if x.Hyponyms {
		group = append(group, wn.HyponymClosure(syn.WNID)...)
	}
	for _, s := range group {
		for _, l := range s.Lemmas {
			if !seen[l] {
				seen[l] = true
				merged.Lemmas = append(merged.Lemmas, l)
			}
		}
	}
	vocab, err := synset.NewVocabulary(rule, []*synset.Synset{merged}, wn.Morphology())
	if err != nil {
		return nil, 0, nil, value.ErrAt(x.Synset.Pos(), "%v", err)
	}
	return vocab, 0, syn, nil
}
