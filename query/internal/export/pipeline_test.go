package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/laiondb/laiondb/engine"
)

// fakeFormat records the order of commits and fails where told.
type fakeFormat struct {
	mu          sync.Mutex
	committed   []int64 // first id of each committed batch
	failEncode  int     // batch seq whose encode fails, -1 for none
	failCommit  int     // batch seq whose commit fails, -1 for none
	finished    bool
	concurrency int
	active      int
}

func (f *fakeFormat) start() error      { return nil }
func (f *fakeFormat) batchBytes() int64 { return 100 * 8 } // 100 one-INT rows
func (f *fakeFormat) finish() error     { f.finished = true; return nil }
func (f *fakeFormat) newWorker() worker { return &fakeWorker{f: f} }

type fakeWorker struct {
	f     *fakeFormat
	seq   int
	first int64
	ids   []int64
}

func (w *fakeWorker) encode(b *batch) error {
	w.f.mu.Lock()
	w.f.active++
	w.f.concurrency = max(w.f.concurrency, w.f.active)
	w.f.mu.Unlock()
	defer func() { w.f.mu.Lock(); w.f.active--; w.f.mu.Unlock() }()
	w.seq, w.first, w.ids = b.seq, b.row(0)[0].I, w.ids[:0]
	for i := range b.len() {
		w.ids = append(w.ids, b.row(i)[0].I)
	}
	if b.seq == w.f.failEncode {
		return errors.New("encode failed")
	}
	return nil
}

func (w *fakeWorker) commit() (int64, error) {
	if w.seq == w.f.failCommit {
		return 0, errors.New("disk full")
	}
	for i, id := range w.ids {
		if id != w.first+int64(i) {
			return 0, fmt.Errorf("batch %d holds %d at %d", w.seq, id, i)
		}
	}
	w.f.committed = append(w.f.committed, w.first)
	return 1, nil
}

func ids(n int) func() ([]engine.Value, bool, error) {
	i := 0
	row := make([]engine.Value, 1)
	return func() ([]engine.Value, bool, error) {
		if i == n {
			return nil, false, nil
		}
		row[0] = engine.Int(int64(i))
		i++
		return row, true, nil
	}
}

func TestPipelineOrder(t *testing.T) {
	f := &fakeFormat{failEncode: -1, failCommit: -1}
	var res Result
	if err := run(context.Background(), f, []Column{{Name: "id", Type: engine.TypeInt}}, ids(10_050), &res); err != nil {
		t.Fatal(err)
	}
	if len(f.committed) != 101 || !f.finished || res.Rows != 10_050 || res.NonFinite != 101 {
		t.Fatalf("%d batches committed, finished %v, %+v", len(f.committed), f.finished, res)
	}
	for i, first := range f.committed {
		if first != int64(i*100) {
			t.Fatalf("batch %d starts at row %d", i, first)
		}
	}
	t.Logf("up to %d batches encoded at once", f.concurrency)
}

func TestPipelineFailures(t *testing.T) {
	for _, tc := range []struct {
		encode, commit int
		want           string
	}{
		{3, -1, "rows 301 to 400: encode failed"},
		{-1, 0, "rows 1 to 100: disk full"},
		{-1, 57, "rows 5701 to 5800: disk full"},
	} {
		f := &fakeFormat{failEncode: tc.encode, failCommit: tc.commit}
		var res Result
		err := run(context.Background(), f, []Column{{Name: "id", Type: engine.TypeInt}}, ids(100_000), &res)
		if err == nil || err.Error() != tc.want {
			t.Errorf("encode %d, commit %d: got %v, want %s", tc.encode, tc.commit, err, tc.want)
		}
		if f.finished {
			t.Error("finished after a failure")
		}
		for i, first := range f.committed {
			if first != int64(i*100) {
				t.Errorf("committed batch %d starts at %d", i, first)
			}
		}
	}
	// A source error stops the workers too.
	f := &fakeFormat{failEncode: -1, failCommit: -1}
	src := ids(100_000)
	n := 0
	var res Result
	err := run(context.Background(), f, []Column{{Name: "id", Type: engine.TypeInt}}, func() ([]engine.Value, bool, error) {
		if n++; n == 5000 {
			return nil, false, errors.New("read failed")
		}
		return src()
	}, &res)
	if err == nil || !strings.Contains(err.Error(), "row 5000: read failed") || f.finished {
		t.Errorf("got %v, finished %v", err, f.finished)
	}
}
