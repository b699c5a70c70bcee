package embed

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrBadInput wraps every problem found in the files given to NewImport
	// (always as a *FileError naming the file and line or row).
	ErrBadInput = errors.New("bad embedding input")
	// ErrUnknownText: an Import provider was asked for a text its file
	// does not hold.
	ErrUnknownText = errors.New("text not in the imported embeddings")
	// ErrNoServer: nothing answers at the embedding server's address
	// (connection refused, unknown host).
	ErrNoServer = errors.New("no embedding server")
	// ErrConnection: the embedding server closed or reset the connection
	// before answering (after the retries).
	ErrConnection = errors.New("connection to the embedding server lost")
	// ErrTimeout: the embedding server did not answer within the timeout.
	ErrTimeout = errors.New("embedding server timed out")
	// ErrStatus: the embedding server answered with an HTTP error status
	// (after the retries, for 429 and 5xx).
	ErrStatus = errors.New("embedding server error")
	// ErrBadResponse: the server's answer is not a usable embeddings
	// response (not JSON, wrong count, NaN or zero vectors, ...).
	ErrBadResponse = errors.New("bad embedding response")
	// ErrDimension: vectors of one model disagree on their dimension
	// (within an answer, across answers, or with the cache).
	ErrDimension = errors.New("embedding dimension mismatch")
)

// FileError reports a problem with an input file of NewImport: the file,
// the 1-based line of a texts file or the 0-based row of an npy file
// (0 and -1 when the problem is not in one line or row) and what is wrong.
type FileError struct {
	Path string
	Line int
	Row  int
	Msg  string
	Err  error
}

func (e *FileError) Error() string {
	s := e.Path
	switch {
	case e.Line > 0:
		s += fmt.Sprintf(": line %d", e.Line)
	case e.Row >= 0:
		s += fmt.Sprintf(": row %d", e.Row)
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is find ErrBadInput and the underlying cause.
func (e *FileError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrBadInput, e.Err}
	}
	return []error{ErrBadInput}
}

// failure is an error whose message is written for the user in full while
// it still wraps the sentinel and the low-level cause for errors.Is.
type failure struct {
	msg  string
	errs []error
}

func (e *failure) Error() string   { return e.msg }
func (e *failure) Unwrap() []error { return e.errs }

// fail builds a failure; nil causes are dropped.
func fail(msg string, errs ...error) error {
	out := make([]error, 0, len(errs))
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return &failure{msg: msg, errs: out}
}
