// Package enginetest opens databases for tests and checks them when the
// test ends: [Open] registers a cleanup that runs (*engine.DB).Check,
// failing the test if the database is inconsistent, and then closes it,
// so that every test that writes also tests the engine's invariants
// (bbolt's internal/btesting is the model).
//
// A test that closes its database itself, e.g. to reopen it, closes it
// with [Close], which checks it first. A test that leaves a database
// inconsistent on purpose opens it with [WithoutCheck] and a reason.
//
// The engine's own tests (package engine) cannot import this package,
// which imports the engine; their twin of these helpers is in
// engine/helpers_test.go.
package enginetest

import (
	"sync"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// An Option changes what Open arranges.
type Option func(*handle)

// WithoutCheck skips the check when the test ends, for a test that leaves
// the database inconsistent on purpose; reason says why, for the reader.
func WithoutCheck(reason string) Option {
	if reason == "" {
		panic("enginetest.WithoutCheck: give a reason")
	}
	return func(h *handle) { h.skipCheck = true }
}

// db is what the helpers need of a database: *engine.DB, or a fake in
// this package's tests.
type db interface {
	Check() error
	Close() error
}

type handle struct {
	skipCheck bool
}

var (
	mu      sync.Mutex
	handles = map[db]*handle{}
)

// Open opens the database in o.Dir (failing the test if it cannot) and
// registers a cleanup that checks and closes it when the test ends.
func Open(t testing.TB, o engine.Options, opts ...Option) *engine.DB {
	t.Helper()
	d, err := engine.Open(o)
	if err != nil {
		t.Fatalf("opening database %s: %v", o.Dir, err)
	}
	track(t, d, opts...)
	return d
}

// track registers d's check and close at the end of t.
func track(t testing.TB, d db, opts ...Option) {
	h := &handle{}
	for _, o := range opts {
		o(h)
	}
	mu.Lock()
	handles[d] = h
	mu.Unlock()
	t.Cleanup(func() {
		t.Helper()
		finish(t, d)
	})
}

// Close checks and closes d now, failing the test if d is inconsistent
// or does not close; the cleanup Open registered then does nothing.
func Close(t testing.TB, d *engine.DB) {
	t.Helper()
	finish(t, d)
}

func finish(t testing.TB, d db) {
	t.Helper()
	mu.Lock()
	h := handles[d]
	delete(handles, d)
	mu.Unlock()
	if h == nil {
		return // closed already with Close
	}
	if !h.skipCheck {
		if err := d.Check(); err != nil {
			t.Errorf("database check: %v", err)
		}
	}
	if err := d.Close(); err != nil {
		t.Errorf("closing database: %v", err)
	}
}

// CheckDir opens the database in dir read-only, checks it and closes it,
// for tests that hold no handle of their own, such as the command line's
// script tests, whose databases the laiondb process opened.
func CheckDir(dir string) error {
	d, err := engine.Open(engine.DefaultOptions(dir).WithReadOnly(true))
	if err != nil {
		return err
	}
	err = d.Check()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
