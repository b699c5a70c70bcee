package value

import (
	"errors"
	"fmt"
	"math"

	"github.com/laiondb/laiondb/query/ast"
)

// ErrOverflow: an INT result beyond the 64-bit range. INT arithmetic
// never wraps around: it fails with an error wrapping ErrOverflow.
var ErrOverflow = errors.New("integer overflow")

// AddInt returns x + y and whether it fits in an INT.
func AddInt(x, y int64) (int64, bool) {
	s := x + y
	return s, !(x > 0 && y > 0 && s < 0 || x < 0 && y < 0 && s >= 0)
}

// SubInt returns x - y and whether it fits in an INT.
func SubInt(x, y int64) (int64, bool) {
	d := x - y
	return d, !(x >= 0 && y < 0 && d < 0 || x < 0 && y > 0 && d >= 0)
}

// MulInt returns x * y and whether it fits in an INT.
func MulInt(x, y int64) (int64, bool) {
	p := x * y
	if x == 0 || y == 0 {
		return 0, true
	}
	// p/x == y unless it wrapped; MinInt64 * -1 wraps to itself and
	// passes that test, so it is checked apart.
	return p, p/x == y && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64)
}

// NegInt returns -x and whether it fits in an INT (all but MinInt64).
func NegInt(x int64) (int64, bool) { return -x, x != math.MinInt64 }

// DivInt returns x / y (y != 0), truncated, and whether it fits in an
// INT (all but MinInt64 / -1).
func DivInt(x, y int64) (int64, bool) {
	if x == math.MinInt64 && y == -1 {
		return 0, false
	}
	return x / y, true
}

// SaturatingAdd adds two counts (LIMIT and OFFSET), giving MaxInt64
// where the sum would not fit: as many as there are.
func SaturatingAdd(x, y int64) int64 {
	if s, ok := AddInt(x, y); ok {
		return s
	}
	return math.MaxInt64
}

// OverflowAt is the error of an INT expression whose result does not
// fit, at p: it names the expression and what to do.
func OverflowAt(p ast.Pos, expr string) *Error {
	return &Error{Pos: p, Err: ErrOverflow, Msg: fmt.Sprintf(
		"integer overflow: %s is beyond the INT range (%d to %d); for an approximate result make it FLOAT (multiply by 1.0)",
		expr, int64(math.MinInt64), int64(math.MaxInt64))}
}
