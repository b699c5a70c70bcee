package exec

import (
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine/synset"
)

// SynsetsInExpr is synsets_in(caption [USING rule]): every ImageNet class
// whose lemmas occur in the caption under the rule, as "wnid (lemma)"
// joined by ", " in class order, one item per matching lemma — the
// caption's whole matching, including captions MATCHES IMAGENET drops
// for naming two classes. "" when nothing matches, NULL for NULL.
type SynsetsInExpr struct {
	X     Expr
	Vocab *synset.Vocabulary
	Rule  synset.Rule
}

func (e *SynsetsInExpr) Eval(ec *EvalCtx, row value.Row) (value.Value, error) {
	v, err := e.X.Eval(ec, row)
	if err != nil || v.T == value.TNull {
		return value.Value{}, err
	}
	var b strings.Builder
	for i, en := range e.Vocab.MatchEntries(value.AsText(v)) {
		if i > 0 {
			b.WriteString(", ")
		}
		ent := e.Vocab.Entries()[en]
		b.WriteString(ec.host.ClassWNID(ent.Synset))
		b.WriteString(" (")
		b.WriteString(ent.Lemma)
		b.WriteString(")")
	}
	return value.StringV(b.String()), nil
}

func (e *SynsetsInExpr) Typ() value.Type { return value.TString }

func (e *SynsetsInExpr) String() string {
	return "synsets_in(" + e.X.String() + " USING " + strings.ToUpper(e.Rule.String()) + ")"
}
