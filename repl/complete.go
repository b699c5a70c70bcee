package repl

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// complete is the shell's tab completion (a liner.WordCompleter): dot
// commands and their arguments at the start of a line; after an opening
// quote, synset names and WNIDs; after FROM, INTO, DESCRIBE and the like,
// tables and sets; after SET, settings; elsewhere keywords, tables,
// sets, columns, functions, settings and WNIDs. Keywords follow the case
// of what was typed.
func (sh *Shell) complete(line string, pos int) (head string, completions []string, tail string) {
	runes := []rune(line)
	if pos > len(runes) {
		pos = len(runes)
	}
	before, tail := string(runes[:pos]), string(runes[pos:])
	names := sh.completionNames()

	// Dot commands.
	if trimmed := strings.TrimLeft(before, " \t"); strings.HasPrefix(trimmed, ".") {
		cmd, arg, hasArg := strings.Cut(trimmed, " ")
		if !hasArg {
			var out []string
			for _, d := range dotCommands {
				if strings.HasPrefix(d.name, cmd) {
					out = append(out, d.name+" ")
				}
			}
			return before[:len(before)-len(trimmed)], out, tail
		}
		h := before[:len(before)-len(arg)]
		switch cmd {
		case ".mode":
			return h, prefixed(Formats(), arg, ""), tail
		case ".timer", ".bail", ".changes", ".echo", ".headers":
			return h, prefixed([]string{"on", "off"}, arg, ""), tail
		case ".schema":
			return h, prefixed(append(append([]string(nil), names.Tables...), names.Sets...), arg, ""), tail
		case ".indexes":
			return h, prefixed(names.Tables, arg, ""), tail
		case ".param":
			if !strings.Contains(arg, " ") {
				return h, prefixed([]string{"set ", "unset ", "list", "clear"}, arg, ""), tail
			}
			return before, nil, tail
		case ".output":
			if arg == "" || strings.HasPrefix("stdout", arg) {
				return h, prefixed([]string{"stdout"}, arg, ""), tail
			}
			return before, nil, tail
		case ".hist":
			// Complete the query after it as any statement.
		default:
			return before, nil, tail
		}
	}

	// Inside a string: synsets, closing the quote.
	if q := openQuote(before); q >= 0 {
		word := before[q+1:]
		return before[:q+1], prefixedFold(names.Synsets, word, "'"), tail
	}

	start := len(before)
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(before[:start])
		if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			break
		}
		start -= size
	}
	word := before[start:]
	head = before[:start]
	prev := strings.ToUpper(lastWord(head))

	var cands []string
	switch prev {
	case "FROM", "INTO", "DESCRIBE", "JOIN", "EXPORT":
		cands = append(append(cands, names.Tables...), names.Sets...)
	case "SET":
		if strings.EqualFold(lastWords(head, 2), "DROP SET") || strings.EqualFold(lastWords(head, 2), "CREATE SET") {
			cands = append(cands, names.Sets...)
		} else {
			cands = append(cands, names.Settings...)
		}
	default:
		cands = append(cands, names.Tables...)
		cands = append(cands, names.Sets...)
		cands = append(cands, names.Columns...)
		for _, f := range names.Functions {
			cands = append(cands, f+"(")
		}
		cands = append(cands, names.Settings...)
		lower := word != "" && strings.ToLower(word) == word
		for _, k := range names.Keywords {
			if lower {
				cands = append(cands, strings.ToLower(k))
			} else {
				cands = append(cands, strings.ToUpper(k))
			}
		}
		if strings.HasPrefix(word, "n") && len(word) > 1 {
			for _, s := range names.Synsets {
				if isWNID(s) {
					cands = append(cands, s)
				}
			}
		}
	}
	if word == "" && prev != "FROM" && prev != "INTO" && prev != "DESCRIBE" && prev != "SET" {
		return before, nil, tail // nothing typed: do not list everything
	}
	out := prefixedFold(cands, word, "")
	return head, out, tail
}

// openQuote returns the index of the ' that opens a string still open at
// the end of s, or -1.
func openQuote(s string) int {
	open := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			if open >= 0 {
				open = -1
			} else {
				open = i
			}
		case open < 0 && s[i] == '-' && i+1 < len(s) && s[i+1] == '-':
			return -1 // a comment to the end of the line
		}
	}
	return open
}

func lastWord(s string) string { return lastWords(s, 1) }

// lastWords returns the last n words of s joined by one space.
func lastWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) < n {
		return ""
	}
	return strings.Join(f[len(f)-n:], " ")
}

func isWNID(s string) bool {
	if len(s) != 9 || s[0] != 'n' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// prefixed returns the candidates starting with p, each followed by
// suffix.
func prefixed(cands []string, p, suffix string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, p) {
			out = append(out, c+suffix)
		}
	}
	return out
}

// prefixedFold is prefixed ignoring case, sorted and without duplicates.
func prefixedFold(cands []string, p, suffix string) []string {
	lp := strings.ToLower(p)
	seen := map[string]bool{}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(strings.ToLower(c), lp) && !seen[c] {
			seen[c] = true
			out = append(out, c+suffix)
		}
	}
	sort.Strings(out)
	return out
}
