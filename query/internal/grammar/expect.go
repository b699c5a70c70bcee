package grammar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Participle reports the deepest point it reached and the rest of the
// sequence it was in, in its own EBNF; that is neither always the first
// bad token nor something a user can read. So on a syntax error we run a
// second, exact recogniser (Earley's algorithm) over the same grammar,
// read from participle's EBNF, to find the first token no statement could
// continue with and the terminals that would have fitted there. Those are
// then named in the user's terms: a production with a label (below) that
// was about to start stands for all of its first terminals, so the
// message says "expression" rather than listing 20 tokens.

// labels names productions for error messages; productions not listed
// contribute their terminals one by one.
var labels = map[string]string{
	"Statement":   "statement",
	"Expression":  "expression",
	"Conjunction": "expression",
	"Negation":    "expression",
	"Comparison":  "expression",
	"Concat":      "expression",
	"Sum":         "expression",
	"Product":     "expression",
	"Unary":       "expression",
	"Primary":     "expression",
	"OrTail":      "operator",
	"AndTail":     "operator",
	"Predicate":   "operator",
	"ConcatTail":  "operator",
	"SumTail":     "operator",
	"ProductTail": "operator",
	"Source":      "table or set name",
	"SourceName":  "table or set name",
	"TableName":   "table name",
	"SetName":     "set name",
	"ColumnName":  "column name",
	"IndexName":   "index name",
	"Alias":       "alias",
	"SettingName": "setting name",
	"OptionName":  "option name",
	"Name":        "name",
	"From":        "table or set name",
	"Join":        "JOIN",
	"Union":       "UNION",
	"SelectCore":  "SELECT",
	"WithQuery":   "name",
	"WithName":    "name",

	"ClassifierName": "classifier name",
	"EvalSource":     "table or set name",
}

// phrases spells out keywords that only ever come in pairs.
var phrases = map[string]string{
	"GROUP": "GROUP BY",
	"ORDER": "ORDER BY",
	"MIN":   "MIN PAIRS",
	"IF":    "IF EXISTS",
}

var typeNames = map[lexer.TokenType]string{
	Ident:       "name",
	QuotedIdent: "name",
	String:      "string",
	Int:         "integer",
	Float:       "number",
	Var:         "variable",
}

// terminal is a literal (matched like participle does: case-insensitively
// against keywords and identifiers, exactly against punctuation) or a
// token type.
type terminal struct {
	lit string
	typ lexer.TokenType
}

func (t terminal) matches(tok lexer.Token) bool {
	if t.lit == "" {
		return tok.Type == t.typ
	}
	switch tok.Type {
	case Keyword, Ident:
		return strings.EqualFold(tok.Value, t.lit)
	case Punct:
		return tok.Value == t.lit
	}
	return false
}

func (t terminal) String() string {
	if t.lit == "" {
		return typeNames[t.typ]
	}
	if c := t.lit[0]; 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' {
		w := strings.ToUpper(t.lit)
		if p, ok := phrases[w]; ok {
			return p
		}
		return w
	}
	return strconv.Quote(t.lit)
}

// symbol is a nonterminal (>= 0) or a terminal (-1 - index into terms).
type symbol int

func (s symbol) isTerm() bool { return s < 0 }
func (s symbol) term() int    { return int(-1 - s) }

type rule struct {
	lhs int
	rhs []symbol
}

// cfg is the grammar as plain context-free rules.
type cfg struct {
	names     []string // nonterminal names; "" for the groups EBNF inlines
	ntIndex   map[string]int
	rules     []rule
	byLHS     [][]int
	terms     []terminal
	termIndex map[terminal]int
	nullable  []bool
	first     [][]int // terminals each nonterminal can start with, sorted
}

// newCFG reads participle's EBNF ("Name = expr ." per production).
func newCFG(ebnf string) (*cfg, error) {
	g := &cfg{ntIndex: map[string]int{}, termIndex: map[terminal]int{}}
	toks, err := ebnfTokens(ebnf)
	if err != nil {
		return nil, err
	}
	p := &ebnfParser{g: g, toks: toks}
	for p.i < len(p.toks) {
		name := p.next()
		if p.next() != "=" {
			return nil, fmt.Errorf("grammar EBNF: expected = after %s", name)
		}
		nt := g.nt(name)
		alts, err := p.alternatives()
		if err != nil {
			return nil, err
		}
		if p.next() != "." {
			return nil, fmt.Errorf("grammar EBNF: production %s does not end with a period", name)
		}
		for _, a := range alts {
			g.addRule(nt, a)
		}
	}
	for i, n := range g.names {
		if n != "" && len(g.byLHS[i]) == 0 {
			return nil, fmt.Errorf("grammar EBNF: production %s is used but not defined", n)
		}
	}
	g.analyse()
	return g, nil
}

func (g *cfg) nt(name string) int {
	if name != "" {
		if i, ok := g.ntIndex[name]; ok {
			return i
		}
		g.ntIndex[name] = len(g.names)
	}
	g.names = append(g.names, name)
	g.byLHS = append(g.byLHS, nil)
	return len(g.names) - 1
}

func (g *cfg) termSym(t terminal) symbol {
	i, ok := g.termIndex[t]
	if !ok {
		i = len(g.terms)
		g.terms = append(g.terms, t)
		g.termIndex[t] = i
	}
	return symbol(-1 - i)
}

func (g *cfg) addRule(lhs int, rhs []symbol) {
	g.byLHS[lhs] = append(g.byLHS[lhs], len(g.rules))
	g.rules = append(g.rules, rule{lhs: lhs, rhs: rhs})
}

// analyse computes nullable and FIRST by fixed-point iteration.
func (g *cfg) analyse() {
	n := len(g.names)
	g.nullable = make([]bool, n)
	first := make([]map[int]bool, n)
	for i := range first {
		first[i] = map[int]bool{}
	}
	for changed := true; changed; {
		changed = false
		for _, r := range g.rules {
			allNullable := true
			for _, s := range r.rhs {
				if s.isTerm() {
					if !first[r.lhs][s.term()] {
						first[r.lhs][s.term()] = true
						changed = true
					}
					allNullable = false
					break
				}
				for t := range first[s] {
					if !first[r.lhs][t] {
						first[r.lhs][t] = true
						changed = true
					}
				}
				if !g.nullable[s] {
					allNullable = false
					break
				}
			}
			if allNullable && !g.nullable[r.lhs] {
				g.nullable[r.lhs] = true
				changed = true
			}
		}
	}
	g.first = make([][]int, n)
	for i, m := range first {
		for t := range m {
			g.first[i] = append(g.first[i], t)
		}
		slices.Sort(g.first[i])
	}
}

func ebnfTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("grammar EBNF: unterminated literal")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case c == '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return nil, fmt.Errorf("grammar EBNF: unterminated token reference")
			}
			toks = append(toks, s[i:i+j+1])
			i += j + 1
		case strings.IndexByte("=.|()?*+!", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		default:
			j := i
			for j < len(s) && (s[j] == '_' || 'a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z' || '0' <= s[j] && s[j] <= '9') {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("grammar EBNF: unexpected %q", c)
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

type ebnfParser struct {
	g    *cfg
	toks []string
	i    int
}

func (p *ebnfParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *ebnfParser) next() string {
	t := p.peek()
	p.i++
	return t
}

// alternatives parses seq ("|" seq)*.
func (p *ebnfParser) alternatives() ([][]symbol, error) {
	var alts [][]symbol
	for {
		seq, err := p.sequence()
		if err != nil {
			return nil, err
		}
		alts = append(alts, seq)
		if p.peek() != "|" {
			return alts, nil
		}
		p.next()
	}
}

func (p *ebnfParser) sequence() ([]symbol, error) {
	var seq []symbol
	for {
		switch p.peek() {
		case "|", ")", ".", "":
			return seq, nil
		}
		s, err := p.item()
		if err != nil {
			return nil, err
		}
		seq = append(seq, s)
	}
}

// item parses an atom and its suffix; groups and suffixes become fresh
// nonterminals.
func (p *ebnfParser) item() (symbol, error) {
	g := p.g
	var s symbol
	t := p.next()
	switch {
	case t == "(":
		alts, err := p.alternatives()
		if err != nil {
			return 0, err
		}
		if p.next() != ")" {
			return 0, fmt.Errorf("grammar EBNF: missing )")
		}
		nt := g.nt("")
		for _, a := range alts {
			g.addRule(nt, a)
		}
		s = symbol(nt)
	case strings.HasPrefix(t, `"`):
		lit, err := strconv.Unquote(t)
		if err != nil {
			return 0, fmt.Errorf("grammar EBNF: literal %s: %w", t, err)
		}
		s = g.termSym(terminal{lit: lit})
	case strings.HasPrefix(t, "<"):
		name := t[1 : len(t)-1]
		typ, ok := lexer.TokenType(0), false
		for sym, tt := range symbols {
			if strings.EqualFold(sym, name) {
				typ, ok = tt, true
			}
		}
		if !ok {
			return 0, fmt.Errorf("grammar EBNF: unknown token type %s", t)
		}
		s = g.termSym(terminal{typ: typ})
	case t != "" && strings.IndexByte("=.|()?*+!", t[0]) < 0:
		s = symbol(g.nt(t))
	default:
		return 0, fmt.Errorf("grammar EBNF: unexpected %q", t)
	}
	switch p.peek() {
	case "?":
		p.next()
		nt := g.nt("")
		g.addRule(nt, nil)
		g.addRule(nt, []symbol{s})
		s = symbol(nt)
	case "*":
		p.next()
		nt := g.nt("")
		g.addRule(nt, nil)
		g.addRule(nt, []symbol{symbol(nt), s})
		s = symbol(nt)
	case "+":
		p.next()
		nt := g.nt("")
		g.addRule(nt, []symbol{s})
		g.addRule(nt, []symbol{symbol(nt), s})
		s = symbol(nt)
	case "!":
		p.next()
	}
	return s, nil
}

type item struct {
	rule, dot, origin int32
}

// Expectation is where a token sequence stops being a prefix of the
// language and what would have fitted there.
type Expectation struct {
	At    int      // index of the first token that fits nowhere
	Terms []string // what fits there, in user terms, most specific first
	Hint  string   // "did you mean SELECT?", or ""
}

// recognize runs Earley's algorithm (with Aycock and Horspool's handling of
// nullable nonterminals) for start over toks, which end with an EOF token.
// It returns nil when toks form a complete start.
func (g *cfg) recognize(start string, toks []lexer.Token, end string) *Expectation {
	s0, ok := g.ntIndex[start]
	if !ok {
		return &Expectation{}
	}
	n := len(toks) - 1 // the last token is EOF
	// A rule S' -> start, appended temporarily so acceptance is one item.
	top := int32(len(g.rules))
	rules := append(g.rules[:len(g.rules):len(g.rules)], rule{lhs: -1, rhs: []symbol{symbol(s0)}})

	sets := make([][]item, n+1)
	seen := make([]map[item]bool, n+1)
	add := func(k int, it item) {
		if seen[k] == nil {
			seen[k] = map[item]bool{}
		}
		if !seen[k][it] {
			seen[k][it] = true
			sets[k] = append(sets[k], it)
		}
	}
	add(0, item{rule: top})
	for k := 0; k <= n; k++ {
		for i := 0; i < len(sets[k]); i++ {
			it := sets[k][i]
			r := rules[it.rule]
			if int(it.dot) == len(r.rhs) {
				if r.lhs < 0 {
					continue
				}
				for _, w := range sets[it.origin] {
					wr := rules[w.rule]
					if int(w.dot) < len(wr.rhs) && wr.rhs[w.dot] == symbol(r.lhs) {
						add(k, item{w.rule, w.dot + 1, w.origin})
					}
				}
				continue
			}
			next := r.rhs[it.dot]
			if next.isTerm() {
				if k < n && g.terms[next.term()].matches(toks[k]) {
					add(k+1, item{it.rule, it.dot + 1, it.origin})
				}
				continue
			}
			for _, ri := range g.byLHS[next] {
				add(k, item{int32(ri), 0, int32(k)})
			}
			if g.nullable[next] {
				add(k, item{it.rule, it.dot + 1, it.origin})
			}
		}
		if k == n && seen[k][item{top, 1, 0}] {
			return nil
		}
		if k == n || len(sets[k+1]) == 0 {
			return g.expectation(k, sets[k], rules, top, toks[k], end)
		}
	}
	return nil
}

func (g *cfg) expectation(k int, set []item, rules []rule, top int32, found lexer.Token, end string) *Expectation {
	// What could come next: the terminals after the dot of every item,
	// and the productions that were about to start.
	have := map[int]bool{}
	var termList []int
	canEnd := false
	predicted := map[int]bool{}
	for _, it := range set {
		r := rules[it.rule]
		if it.rule == top && it.dot == 1 {
			canEnd = true
			continue
		}
		if it.dot == 0 && int(it.origin) == k && r.lhs >= 0 {
			predicted[r.lhs] = true
		}
		if int(it.dot) < len(r.rhs) && r.rhs[it.dot].isTerm() {
			if t := r.rhs[it.dot].term(); !have[t] {
				have[t] = true
				termList = append(termList, t)
			}
		}
	}
	e := &Expectation{At: k, Hint: g.hint(found, termList)}

	// Let labelled productions that were about to start stand for their
	// first terminals, the widest first.
	var labelled []int
	for nt := range predicted {
		if labels[g.names[nt]] != "" && len(g.first[nt]) > 0 {
			labelled = append(labelled, nt)
		}
	}
	slices.SortFunc(labelled, func(a, b int) int {
		if d := len(g.first[b]) - len(g.first[a]); d != 0 {
			return d
		}
		return strings.Compare(g.names[a], g.names[b])
	})
	covered := map[int]bool{}
	stands := map[int]bool{} // nonterminals named by their label
	for _, nt := range labelled {
		ok := true
		for _, t := range g.first[nt] {
			if !have[t] || covered[t] {
				ok = false
				break
			}
		}
		if ok {
			stands[nt] = true
			for _, t := range g.first[nt] {
				covered[t] = true
			}
		}
	}

	// Name them in the order a reader meets them: depth first through the
	// items (innermost construct first), left to right through each rule.
	done := map[string]bool{}
	emit := func(s string) {
		if !done[s] {
			done[s] = true
			e.Terms = append(e.Terms, s)
		}
	}
	visited := map[int]bool{}
	var walk func(rhs []symbol)
	walk = func(rhs []symbol) {
		for _, s := range rhs {
			if s.isTerm() {
				if !covered[s.term()] {
					emit(g.terms[s.term()].String())
				}
				return
			}
			nt := int(s)
			if !visited[nt] {
				visited[nt] = true
				if stands[nt] {
					emit(labels[g.names[nt]])
				} else {
					for _, ri := range g.byLHS[nt] {
						walk(g.rules[ri].rhs)
					}
				}
			}
			if !g.nullable[nt] {
				return
			}
		}
	}
	// Innermost first: items that started latest. A repetition that has
	// matched nothing yet (G → G . X, begun here) has no depth of its
	// own: it is named where the rule that holds it names it, so it goes
	// last.
	emptyRound := func(it item) bool {
		r := rules[it.rule]
		return int(it.origin) == k && it.dot == 1 && len(r.rhs) == 2 && int(r.rhs[0]) == r.lhs
	}
	kernel := slices.Clone(set)
	slices.SortStableFunc(kernel, func(a, b item) int {
		if ea, eb := emptyRound(a), emptyRound(b); ea != eb {
			if ea {
				return 1
			}
			return -1
		}
		return int(b.origin - a.origin)
	})
	for _, it := range kernel {
		r := rules[it.rule]
		if it.dot > 0 || it.rule == top {
			walk(r.rhs[it.dot:])
		}
	}
	// After a bare name, "(" and "." (a call, a qualified name) are
	// always possible; once operators are offered they only add noise.
	if done["operator"] {
		e.Terms = slices.DeleteFunc(e.Terms, func(s string) bool { return s == `"("` || s == `"."` })
	}
	if canEnd {
		emit(end)
	}
	// A comparison where only other operators fit: the user chained two.
	if found.Type == Punct && done["operator"] {
		switch found.Value {
		case "=", "!=", "<>", "<", "<=", ">", ">=":
			e.Hint = "comparisons do not chain: write a < b AND b < c"
		}
	}
	return e
}

// hint suggests the keyword the found word was probably meant to be.
func (g *cfg) hint(found lexer.Token, terms []int) string {
	if found.Type != Ident && found.Type != Keyword || len(found.Value) < 3 {
		return "" // a one- or two-letter name is more likely a name than a slip
	}
	w := strings.ToUpper(found.Value)
	best, bestD := "", 3
	for _, t := range terms {
		lit := g.terms[t].lit
		if len(lit) < 2 || !(lit[0] >= 'A' && lit[0] <= 'Z') {
			continue
		}
		// One slip (a letter missing, extra, wrong or swapped); two in
		// long words.
		d, limit := editDistance(w, lit), 1
		if len(lit) >= 8 {
			limit = 2
		}
		if d > 0 && d <= limit && d < bestD {
			best, bestD = lit, d
		}
	}
	if best == "" {
		return ""
	}
	return "did you mean " + best + "?"
}

// editDistance is the Damerau (optimal string alignment) distance, so a
// swap of two letters counts as one edit.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// Keywords lists every keyword of the language, reserved or contextual,
// upper-case and sorted: the words of the grammar's literals.
func (g *cfg) keywords() []string {
	var out []string
	for _, t := range g.terms {
		if t.lit != "" && (t.lit[0] >= 'A' && t.lit[0] <= 'Z') {
			out = append(out, strings.ToUpper(t.lit))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
