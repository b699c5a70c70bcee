package enginetest

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// recorder is a testing.TB that records failures and cleanups instead of
// acting on them.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func (r *recorder) end() {
	for _, f := range slices.Backward(r.cleanups) {
		f()
	}
}

type fakeDB struct {
	checkErr, closeErr error
	checks, closes     int
}

func (f *fakeDB) Check() error { f.checks++; return f.checkErr }
func (f *fakeDB) Close() error { f.closes++; return f.closeErr }

func TestCleanupChecksAndCloses(t *testing.T) {
	corrupt := fmt.Errorf("%w: block 3 missing", engine.ErrCorrupt)
	for _, c := range []struct {
		name                 string
		db                   *fakeDB
		opts                 []Option
		wantErrs, wantChecks int
	}{
		{"consistent", &fakeDB{}, nil, 0, 1},
		{"inconsistent", &fakeDB{checkErr: corrupt}, nil, 1, 1},
		{"close fails", &fakeDB{closeErr: errors.New("disk gone")}, nil, 1, 1},
		{"without check", &fakeDB{checkErr: corrupt}, []Option{WithoutCheck("the test corrupts it")}, 0, 0},
	} {
		r := &recorder{TB: t}
		track(r, c.db, c.opts...)
		if c.db.checks != 0 || c.db.closes != 0 {
			t.Errorf("%s: checked or closed before the test ended", c.name)
		}
		r.end()
		if len(r.errs) != c.wantErrs || c.db.checks != c.wantChecks || c.db.closes != 1 {
			t.Errorf("%s: errors %q, %d checks, %d closes; want %d errors, %d checks, 1 close", c.name, r.errs, c.db.checks, c.db.closes, c.wantErrs, c.wantChecks)
		}
	}
}

func TestCloseChecksOnce(t *testing.T) {
	r := &recorder{TB: t}
	d := &fakeDB{}
	track(r, d)
	finish(r, d) // what Close does
	r.end()
	if d.checks != 1 || d.closes != 1 || len(r.errs) != 0 {
		t.Errorf("%d checks, %d closes, errors %q; want 1, 1, none", d.checks, d.closes, r.errs)
	}
}

// A real database: opened, written, and checked and closed at the end.
func TestOpen(t *testing.T) {
	var d *engine.DB
	t.Run("inner", func(t *testing.T) {
		d = Open(t, engine.DefaultOptions(filepath.Join(t.TempDir(), "db")))
		if _, err := d.Ingest(t.Context(), []string{"../../testdata/laion-captions-10k.parquet"}, engine.DefaultIngestOptions()); err != nil {
			t.Fatal(err)
		}
	})
	// The cleanup closed it: a closed database cannot be checked.
	if err := d.Check(); err == nil {
		t.Error("the database is still open after the test ended")
	}
}
