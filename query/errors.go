package query

import (
	"errors"

	"github.com/laiondb/laiondb/engine"
)

// ErrAssert is wrapped by the error of a failed ASSERT.
var ErrAssert = errors.New("assertion failed")

// ErrNotSupported is wrapped by errors about valid syntax laiondb does not
// run (yet), e.g. correlated subqueries.
var ErrNotSupported = errors.New("not supported")

// ErrReadOnly is wrapped by the error of a statement that writes to a
// database opened read-only (the engine's ErrReadOnly, named here so
// that callers of query need not import the engine).
var ErrReadOnly = engine.ErrReadOnly
