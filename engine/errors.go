package engine

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotDatabase: the directory exists but is not a laiondb database.
	ErrNotDatabase = errors.New("not a laiondb database")
	// ErrNewerFormat: the database was written by a newer laiondb.
	ErrNewerFormat = errors.New("database format is newer than this laiondb")
	// ErrLocked: another process holds the database.
	ErrLocked = errors.New("database is in use by another process")
	// ErrReadOnly: a write was attempted on a database opened read-only.
	ErrReadOnly = errors.New("database is open read-only")
	// ErrNoTable, ErrNoSet, ErrNoColumn: a name that does not exist.
	ErrNoTable  = errors.New("no such table")
	ErrNoSet    = errors.New("no such set")
	ErrNoColumn = errors.New("no such column")
	// ErrNoClassifier: no classifier (weights or predictions) has the name.
	ErrNoClassifier = errors.New("no such classifier")
	// ErrNoSource: no table or set has the name.
	ErrNoSource = errors.New("no such table or set")
	// ErrStale: a set whose sources changed since it was made (see
	// StaleError).
	ErrStale = errors.New("set is stale")
	// ErrExists: a table, set or index of that name already exists.
	ErrExists = errors.New("already exists")
	// ErrBadInput wraps every problem found in files given to Ingest.
	ErrBadInput = errors.New("bad input")
	// ErrCorrupt: stored data failed a consistency check.
	ErrCorrupt = errors.New("database is inconsistent")
)

// InputError reports a problem with an input file: its path, the row
// (-1 when the problem is not in one row) and what to do.
type InputError struct {
	Path string
	Row  int64
	Msg  string
	Err  error
}

func (e *InputError) Error() string {
	s := e.Path
	if e.Row >= 0 {
		s += fmt.Sprintf(": row %d", e.Row)
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is find ErrBadInput and the underlying cause.
func (e *InputError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrBadInput, e.Err}
	}
	return []error{ErrBadInput}
}

func inputErr(path string, row int64, err error, format string, args ...any) *InputError {
	return &InputError{Path: path, Row: row, Msg: fmt.Sprintf(format, args...), Err: err}
}

// readErr wraps the error of reading a key that must exist. A key that is
// not there is an inconsistency (ErrCorrupt); any other error is the
// storage's own (an I/O error, a closed database) and is not reported as
// an inconsistency. Both keep their cause. what names what was read.
func readErr(err error, what string) error {
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("%w: %s is missing: %w", ErrCorrupt, what, err)
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// clip shortens a name or text given by a user for an error message:
// echoing a megabyte-long identifier helps nobody. Up to 64 bytes it is
// quoted whole; a longer one is cut there (on a character boundary) with
// its length said.
func clip(s string) string {
	const keep = 64
	if len(s) <= keep {
		return fmt.Sprintf("%q", s)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}

// clipBare is clip without quotes for a short name, for messages that
// print names bare ("no such table: laion").
func clipBare(s string) string {
	if len(s) <= 64 {
		return s
	}
	return clip(s)
}
