package repl

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress draws a progress bar (count, rate, ETA) for long work when w is
// a terminal and draws nothing otherwise, so scripts and CI logs stay clean.
type Progress struct {
	bar *progressbar.ProgressBar
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// NewProgress starts a bar of total units described by label on w.
func NewProgress(w io.Writer, label, unit string, total int64) *Progress {
	if !IsTerminal(w) {
		return &Progress{}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
	return &Progress{bar: bar}
}

// Set moves the bar to done units.
func (p *Progress) Set(done int64) {
	if p.bar != nil {
		p.bar.Set64(done)
	}
}

// Done removes the bar.
func (p *Progress) Done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}

// ProgressReporter turns a stream of (label, done, total) reports, the
// shape of query.Options.Progress, into one bar per label on w (drawn
// only on a terminal). Finish clears the bar at the end of a statement.
type ProgressReporter struct {
	w     io.Writer
	label string
	bar   *Progress
}

// NewProgressReporter reports progress on w.
func NewProgressReporter(w io.Writer) *ProgressReporter { return &ProgressReporter{w: w} }

// Report moves the bar for label, starting a new bar when the label
// changes.
func (r *ProgressReporter) Report(label string, done, total int64) {
	if r.bar == nil || label != r.label {
		r.Finish()
		if total <= 0 {
			total = -1 // unknown: a spinner
		}
		r.label, r.bar = label, NewProgress(r.w, label, "", total)
	}
	r.bar.Set(done)
}

// Finish removes the current bar, if any.
func (r *ProgressReporter) Finish() {
	if r.bar != nil {
		r.bar.Done()
		r.bar = nil
	}
}

// TerminalWidth is the width of the terminal w, or 0 when w is not a
// terminal: tables then have no width bound and cut nothing.
func TerminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			return width
		}
	}
	return 0
}
