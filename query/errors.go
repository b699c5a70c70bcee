package query

import (
	"errors"
)

// ErrAssert is wrapped by the error of a failed ASSERT.
var ErrAssert = errors.New("assertion failed")

// ErrNotSupported is wrapped by errors about valid syntax laiondb does not
// run (yet), e.g. correlated subqueries.
var ErrNotSupported = errors.New("not supported")
