package plot

import "errors"

// Sentinel errors, wrapped with the file name; test with errors.Is.
var (
	// ErrFormat: the file name's extension is not .svg or .png.
	ErrFormat = errors.New("unsupported plot format")
	// ErrNoData: nothing to draw (no series, no points, or only NaN and
	// infinite values, whose count the message gives).
	ErrNoData = errors.New("nothing to plot")
	// ErrBins: a bin count outside 0..MaxBins.
	ErrBins = errors.New("bad number of bins")

	// ErrRange: a histogram range that is empty or not finite.
	ErrRange = errors.New("bad range")
)
