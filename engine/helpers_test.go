package engine

import (
	"sync"
	"testing"
)

// This package's twin of engine/enginetest, which its tests cannot import
// (enginetest imports the engine): a database opened with openChecked is
// checked (Check) and closed when the test ends, or earlier with
// closeChecked.

var (
	checkedMu sync.Mutex
	checked   = map[*DB]bool{} // open databases, true if to be checked
)

// openChecked opens o.Dir and registers its check and close at the end of
// the test. A test that leaves the database inconsistent on purpose passes
// a reason instead of none; the check is then skipped.
func openChecked(t testing.TB, o Options, skipCheckBecause ...string) *DB {
	t.Helper()
	db, err := Open(o)
	if err != nil {
		t.Fatalf("opening database %s: %v", o.Dir, err)
	}
	checkAtEnd(t, db, skipCheckBecause...)
	return db
}

// checkAtEnd registers the check and close of db, opened by the test, at
// its end.
func checkAtEnd(t testing.TB, db *DB, skipCheckBecause ...string) {
	checkedMu.Lock()
	checked[db] = len(skipCheckBecause) == 0
	checkedMu.Unlock()
	t.Cleanup(func() {
		t.Helper()
		closeChecked(t, db)
	})
}

// closeChecked checks and closes db now; the cleanup then does nothing.
func closeChecked(t testing.TB, db *DB) {
	t.Helper()
	checkedMu.Lock()
	check, open := checked[db]
	delete(checked, db)
	checkedMu.Unlock()
	if !open {
		return
	}
	if check {
		if err := db.Check(); err != nil {
			t.Errorf("database check: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Errorf("closing database: %v", err)
	}
}
