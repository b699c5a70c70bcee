package synset

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Functions wrap them with %w and add the details; test
// with errors.Is.
var (
	// ErrNoWordNet: the WordNet directory (or one of its noun files) is
	// missing. The message names the directory and says what to do.
	ErrNoWordNet = errors.New("WordNet database not found")
	// ErrWordNetFormat: a WordNet file does not have the documented layout.
	ErrWordNetFormat = errors.New("malformed WordNet database")
	// ErrBadWNID: a string is not of the form n + 8 digits.
	ErrBadWNID = errors.New("malformed WNID")
	// ErrUnknownSynset: no synset has that WNID, sense name or lemma. The
	// error is a *NotFoundError carrying suggestions.
	ErrUnknownSynset = errors.New("unknown synset")
	// ErrAmbiguous: a name or lemma names several synsets. The error is an
	// *AmbiguousError carrying the candidates.
	ErrAmbiguous = errors.New("ambiguous synset name")
	// ErrUnknownRule: a rule name other than "paper" or "normalized".
	ErrUnknownRule = errors.New("unknown matching rule")
	// ErrEmptyLemma: a lemma or phrase has no word to match under the rule
	// (empty, or only separators).
	ErrEmptyLemma = errors.New("lemma has no word")
	// ErrCatalog: the embedded catalog is unreadable (a build defect: run
	// go generate and the package tests).
	ErrCatalog = errors.New("embedded synset catalog is corrupt")
)

// NotFoundError reports a name that matches no synset, with the closest
// known names (by edit distance) as suggestions.
type NotFoundError struct {
	Query       string
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("unknown synset %q", e.Query)
	if len(e.Suggestions) > 0 {
		msg += " (did you mean " + quoteList(e.Suggestions) + "?)"
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrUnknownSynset) true.
func (e *NotFoundError) Unwrap() error { return ErrUnknownSynset }

// AmbiguousError reports a name shared by several synsets; Candidates are
// their "wnid (sense name)" descriptions.
type AmbiguousError struct {
	Query      string
	Candidates []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("synset name %q is ambiguous: %s; use a WNID or sense name", e.Query, strings.Join(e.Candidates, ", "))
}

// Unwrap makes errors.Is(err, ErrAmbiguous) true.
func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
