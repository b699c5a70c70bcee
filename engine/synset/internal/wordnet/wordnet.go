// Package wordnet reads the noun part of a Princeton WordNet 3.0 database
// directory (data.noun, index.noun, noun.exc) as installed by Debian's
// wordnet-base. It is shared by the catalog generator and by the run-time
// loader of package synset, so both read the files the same way.
//
// The files are read whole into memory; glosses and lemmas are sub-strings
// of that one copy, so a loaded DB holds about the size of the files.
package wordnet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrFormat is returned (wrapped, with file and line) when a WordNet file
// does not have the documented layout.
var ErrFormat = errors.New("wordnet: malformed database file")

// Synset is one line of data.noun.
type Synset struct {
	Offset  uint32   // byte offset of the line in data.noun: the WNID's digits
	LexFile uint8    // lexicographer file number
	Lemmas  []string // as in the file: underscores kept, case kept, file order
	// Hypernyms and InstanceHypernyms are the targets of the '@' and '@i'
	// pointers, in file order.
	Hypernyms         []uint32
	InstanceHypernyms []uint32
	// Gloss is the text after "| " with trailing white space removed:
	// the definition followed by any quoted examples.
	Gloss string
}

// DB is a loaded noun database.
type DB struct {
	Dir     string
	Synsets []Synset            // data.noun order (ascending offset)
	offsets []uint32            // Synsets[i].Offset, ascending: binary search instead of a map
	Index   map[string][]uint32 // index.noun: lemma (lower case, '_') → offsets in sense order
	Exc     map[string][]string // noun.exc: inflected form → base forms ('_' kept)
}

// Files are the file names Load reads inside the directory.
var Files = []string{"data.noun", "index.noun", "noun.exc"}

// Load reads dir/data.noun, dir/index.noun and dir/noun.exc.
func Load(dir string) (*DB, error) {
	db := &DB{Dir: dir}
	// The three files are independent; parse them concurrently.
	ch := make(chan error, 3)
	go func() { ch <- db.loadData(filepath.Join(dir, "data.noun")) }()
	go func() { ch <- db.loadIndex(filepath.Join(dir, "index.noun")) }()
	go func() { ch <- db.loadExc(filepath.Join(dir, "noun.exc")) }()
	var first error
	for range 3 {
		if err := <-ch; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	return db, nil
}

// Lookup returns the synset at a data.noun offset.
func (db *DB) Lookup(off uint32) (*Synset, bool) {
	i, ok := db.IndexOf(off)
	if !ok {
		return nil, false
	}
	return &db.Synsets[i], true
}

// SenseName returns NLTK's name for a synset: its first lemma lower-cased,
// ".n.", and the two-digit position (1-based) of the synset among that
// lemma's senses in index.noun, e.g. "goldfish.n.01".
func (db *DB) SenseName(s *Synset) (string, error) {
	if len(s.Lemmas) == 0 {
		return "", fmt.Errorf("%w: synset %08d has no lemma", ErrFormat, s.Offset)
	}
	key := strings.ToLower(s.Lemmas[0])
	for i, off := range db.Index[key] {
		if off == s.Offset {
			n := i + 1
			if n < 10 {
				return key + ".n.0" + strconv.Itoa(n), nil
			}
			return key + ".n." + strconv.Itoa(n), nil
		}
	}
	return "", fmt.Errorf("%w: index.noun has no sense of %q at %08d", ErrFormat, key, s.Offset)
}

// Definition returns the definition part of a gloss exactly as NLTK's
// Synset.definition() gives it (NLTK >= 3.5): every double-quoted stretch
// is removed (each from a '"' to the next '"', as NLTK's non-greedy
// regular expression does; an unpaired '"' stays), surrounding white space
// is trimmed, and then any leading or trailing run of ';' and ' '
// characters is trimmed. For the usual gloss shape
// `definition; "example"; "example"` this is the text before the first
// `; "`. It differs where a definition itself quotes something (the quote
// is removed, as NLTK does: 116 of WordNet 3.0's 82,115 noun glosses, none
// of them an ImageNet-1k class) or text follows the examples.
func Definition(gloss string) string {
	if strings.IndexByte(gloss, '"') >= 0 {
		var b strings.Builder
		rest := gloss
		for {
			i := strings.IndexByte(rest, '"')
			if i < 0 {
				break
			}
			j := strings.IndexByte(rest[i+1:], '"')
			if j < 0 {
				break
			}
			b.WriteString(rest[:i])
			rest = rest[i+1+j+1:]
		}
		b.WriteString(rest)
		gloss = b.String()
	}
	return strings.Trim(strings.TrimSpace(gloss), "; ")
}

// IndexOf returns the position in Synsets of the synset at offset off.
func (db *DB) IndexOf(off uint32) (int, bool) {
	return slices.BinarySearch(db.offsets, off)
}

func (db *DB) loadData(path string) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(buf) // one copy; glosses are sub-strings of it
	db.Synsets = make([]Synset, 0, 82200)
	db.offsets = make([]uint32, 0, 82200)
	var fields []string
	pos := 0
	lineNo := 0
	for pos < len(text) {
		end := strings.IndexByte(text[pos:], '\n')
		var line string
		if end < 0 {
			line, end = text[pos:], len(text)
		} else {
			line, end = text[pos:pos+end], pos+end+1
		}
		lineNo++
		start := pos
		pos = end
		if strings.HasPrefix(line, "  ") || line == "" { // licence header
			continue
		}
		var s Synset
		s, fields, err = parseDataLine(line, fields)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, lineNo, err)
		}
		if int(s.Offset) != start {
			return fmt.Errorf("%s:%d: %w: synset %08d stored at byte %d", path, lineNo, ErrFormat, s.Offset, start)
		}
		db.offsets = append(db.offsets, s.Offset)
		db.Synsets = append(db.Synsets, s)
	}
	return nil
}

// ParseDataLine parses one synset line of data.noun (without its newline).
func ParseDataLine(line string) (Synset, error) {
	s, _, err := parseDataLine(line, nil)
	return s, err
}

// fieldsInto appends the fields of s separated by spaces, tabs or CRs to
// dst[:0] (no allocation once dst has grown).
func fieldsInto(dst []string, s string) []string {
	dst = dst[:0]
	start := -1
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\t' || c == '\r' {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

func parseDataLine(line string, f []string) (Synset, []string, error) {
	var s Synset
	bar := strings.Index(line, " | ")
	if bar < 0 {
		// A gloss-less line still has "|"; accept a trailing "|".
		bar = strings.LastIndexByte(line, '|')
		if bar < 0 {
			return s, f, fmt.Errorf("%w: no gloss separator", ErrFormat)
		}
		s.Gloss = strings.TrimSpace(line[bar+1:])
	} else {
		s.Gloss = strings.TrimRight(line[bar+3:], " \r\t")
	}
	f = fieldsInto(f, line[:bar])
	bad := func(what string) (Synset, []string, error) {
		return Synset{}, f, fmt.Errorf("%w: bad %s", ErrFormat, what)
	}
	if len(f) < 4 {
		return bad("header")
	}
	off, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil {
		return bad("offset")
	}
	s.Offset = uint32(off)
	lex, err := strconv.ParseUint(f[1], 10, 8)
	if err != nil {
		return bad("lex_filenum")
	}
	s.LexFile = uint8(lex)
	if f[2] != "n" {
		return bad("ss_type")
	}
	wcnt, err := strconv.ParseUint(f[3], 16, 16)
	if err != nil || wcnt == 0 || len(f) < 4+2*int(wcnt)+1 {
		return bad("w_cnt")
	}
	s.Lemmas = make([]string, wcnt)
	for i := range int(wcnt) {
		w := f[4+2*i]
		if p := strings.IndexByte(w, '('); p > 0 && strings.HasSuffix(w, ")") {
			w = w[:p] // syntactic marker (adjectives only, kept for safety)
		}
		s.Lemmas[i] = w
	}
	k := 4 + 2*int(wcnt)
	pcnt, err := strconv.Atoi(f[k])
	if err != nil || len(f) < k+1+4*pcnt {
		return bad("p_cnt")
	}
	k++
	for range pcnt {
		sym, tgt, tpos := f[k], f[k+1], f[k+2]
		k += 4
		if tpos != "n" || (sym != "@" && sym != "@i") {
			continue
		}
		o, err := strconv.ParseUint(tgt, 10, 32)
		if err != nil {
			return bad("pointer offset")
		}
		if sym == "@" {
			s.Hypernyms = append(s.Hypernyms, uint32(o))
		} else {
			s.InstanceHypernyms = append(s.InstanceHypernyms, uint32(o))
		}
	}
	return s, f, nil
}

func (db *DB) loadIndex(path string) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(buf) // one copy; keys are sub-strings of it
	db.Index = make(map[string][]uint32, 118000)
	pool := make([]uint32, 0, 146500) // all offset lists, back to back
	var f []string
	for lineNo := 1; text != ""; lineNo++ {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if line == "" || line[0] == ' ' {
			continue
		}
		f = fieldsInto(f, line)
		// lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offsets...
		if len(f) < 4 {
			return fmt.Errorf("%s:%d: %w: short line", path, lineNo, ErrFormat)
		}
		n, err1 := strconv.Atoi(f[2])
		p, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || len(f) != 4+p+2+n {
			return fmt.Errorf("%s:%d: %w: bad counts", path, lineNo, ErrFormat)
		}
		start := len(pool)
		for _, o := range f[4+p+2:] {
			v, err := strconv.ParseUint(o, 10, 32)
			if err != nil {
				return fmt.Errorf("%s:%d: %w: bad offset", path, lineNo, ErrFormat)
			}
			pool = append(pool, uint32(v))
		}
		db.Index[f[0]] = pool[start:len(pool):len(pool)]
	}
	return nil
}

func (db *DB) loadExc(path string) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	db.Exc = make(map[string][]string, 2100)
	for i, line := range strings.Split(string(buf), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return fmt.Errorf("%s:%d: %w: exception without base form", path, i+1, ErrFormat)
		}
		db.Exc[f[0]] = append(db.Exc[f[0]], f[1:]...)
	}
	return nil
}
