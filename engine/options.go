package engine

import (
	"fmt"
	"io"
	"time"
)

// Options configures Open. Build it with DefaultOptions and the WithX
// methods.
type Options struct {
	// Dir is the database directory (one badger directory).
	Dir string
	// ReadOnly opens with badger's shared lock: several readers may share a
	// directory, no writer may join them.
	ReadOnly bool
	// BusyTimeout is how long Open waits while another process holds the
	// directory (a writer; for a writer, readers too) before it fails
	// with ErrLocked; 0 fails at once.
	BusyTimeout time.Duration
	// Log receives badger's own log lines; nil silences them.
	Log io.Writer
	// WordNetDir is where full WordNet is read from for synsets beyond
	// ImageNet-1k (default /usr/share/wordnet).
	WordNetDir string
	// ValueLogFileSize is the size of badger's value log files, where the
	// blocks live (default 256 MB). Space is given back a whole file at a
	// time, and the file being written is never rewritten: smaller files
	// give space back sooner, at the price of more open files.
	ValueLogFileSize int64
	// MappedMemory bounds the resident pages of the database's files that
	// badger maps into the process (default 128 MB; 0: no bound). Past
	// it they are handed back to the kernel (Linux only), which writes
	// them back or drops them; pages needed again are read again, from
	// the page cache or the disk. See mapped.go.
	MappedMemory int64
	// skipChecksums turns off checksum verification on reads (the
	// checksum benchmark measures what it costs).
	skipChecksums bool
}

// DefaultOptions returns options for the database in dir.
func DefaultOptions(dir string) Options {
	return Options{Dir: dir, WordNetDir: "/usr/share/wordnet", ValueLogFileSize: 256 << 20, MappedMemory: 128 << 20}
}

// WithValueLogFileSize returns o with the value log file size set.
func (o Options) WithValueLogFileSize(n int64) Options { o.ValueLogFileSize = n; return o }

// WithMappedMemory returns o with the bound on mapped resident pages
// set (0: no bound).
func (o Options) WithMappedMemory(n int64) Options { o.MappedMemory = n; return o }

// WithReadOnly returns o with ReadOnly set.
func (o Options) WithReadOnly(b bool) Options { o.ReadOnly = b; return o }

// WithBusyTimeout returns o with BusyTimeout set.
func (o Options) WithBusyTimeout(d time.Duration) Options { o.BusyTimeout = d; return o }

// WithLog returns o with badger's log lines routed to w (nil: silent).
func (o Options) WithLog(w io.Writer) Options { o.Log = w; return o }

// WithWordNetDir returns o with the WordNet directory set.
func (o Options) WithWordNetDir(dir string) Options { o.WordNetDir = dir; return o }

// badgerLogger forwards badger's logging to an io.Writer.
type badgerLogger struct{ w io.Writer }

func (l badgerLogger) Errorf(f string, a ...any)   { fmt.Fprintf(l.w, "badger error: "+f, a...) }
func (l badgerLogger) Warningf(f string, a ...any) { fmt.Fprintf(l.w, "badger warning: "+f, a...) }
func (l badgerLogger) Infof(f string, a ...any)    { fmt.Fprintf(l.w, "badger: "+f, a...) }
func (l badgerLogger) Debugf(f string, a ...any)   {}
