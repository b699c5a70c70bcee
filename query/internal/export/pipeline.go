package export

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/laiondb/laiondb/engine"
)

// A format writes one file type. Rows are encoded in batches on several
// goroutines at once (formatting numbers and compressing pages is most of
// an export's work) and committed to the file one at a time in order.
type format interface {
	// start writes what opens the file (a CSV header), before any batch.
	start() error
	// newWorker returns the state of one encoding goroutine.
	newWorker() worker
	// batchBytes is about how many bytes of values a batch holds (a
	// parquet row group is one batch).
	batchBytes() int64
	// finish writes what ends the file (parquet's footer) after the last
	// commit.
	finish() error
}

type worker interface {
	// encode turns a batch into bytes or pages kept by the worker; it
	// runs concurrently with other workers' encode.
	encode(b *batch) error
	// commit writes what the last encode made to the file; commits are
	// serial and in batch order. It returns the NaN and ±Inf values
	// written as null.
	commit() (nonFinite int64, err error)
}

// batch holds checked rows, copied from the source: each value NULL or of
// its column's type, text valid UTF-8, vectors of the column's dimension.
type batch struct {
	seq      int
	firstRow int64 // 1-based number of the batch's first row
	width    int
	vals     []engine.Value // row after row
	floats   []float32      // the rows' vectors
	bytes    int64
}

func (b *batch) len() int                 { return len(b.vals) / b.width }
func (b *batch) row(i int) []engine.Value { return b.vals[i*b.width : (i+1)*b.width] }

// add appends a row, copying its vectors: the source may reuse them.
func (b *batch) add(row []engine.Value) {
	for _, v := range row {
		switch v.T {
		case engine.TypeVector:
			start := len(b.floats)
			b.floats = append(b.floats, v.V...)
			v.V = b.floats[start:len(b.floats):len(b.floats)]
			b.bytes += 4 * int64(len(v.V))
		case engine.TypeString:
			b.bytes += int64(len(v.S)) + 4
		default:
			b.bytes += 8
		}
		b.vals = append(b.vals, v)
	}
}

func (b *batch) reset() {
	clear(b.vals)
	b.vals, b.floats, b.bytes = b.vals[:0], b.floats[:0], 0
}

// maxBatchRows bounds a batch of narrow rows.
const maxBatchRows = 1 << 16

// run pulls every row from src, checks it, and has f write it: the
// calling goroutine reads and checks rows in order (so errors name the
// row), workers encode batches, one committer writes them in order.
// Memory is bounded by the batches in flight: one per worker and one
// being filled.
func run(ctx context.Context, f format, cols []Column, src func() ([]engine.Value, bool, error), res *Result) error {
	if err := f.start(); err != nil {
		return err
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	free := make(chan *batch, workers+1)
	for range workers + 1 {
		free <- &batch{width: len(cols)}
	}
	quit := make(chan struct{})
	var once sync.Once
	var failed error // set once, before quit closes
	stop := func(err error) {
		once.Do(func() { failed = err; close(quit) })
	}

	type encoded struct {
		b   *batch
		w   worker
		err error
		ack chan bool // true: committed, go on
	}
	todo := make(chan *batch)
	ready := make(chan encoded, workers)
	var wg sync.WaitGroup
	for range workers {
		w := f.newWorker()
		wg.Add(1)
		go func() {
			defer wg.Done()
			ack := make(chan bool, 1)
			for {
				var b *batch
				select {
				case b = <-todo:
				case <-quit:
					return
				}
				if b == nil {
					return
				}
				ready <- encoded{b, w, w.encode(b), ack}
				if !<-ack {
					return
				}
			}
		}()
	}
	var nonFinite int64
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		pending := map[int]encoded{}
		seq := 0
		for e := range ready {
			pending[e.b.seq] = e
			for e, ok := pending[seq]; ok; e, ok = pending[seq] {
				delete(pending, seq)
				select {
				case <-quit:
					// The export failed: the file will be removed.
					e.ack <- false
				default:
					err := e.err
					if err == nil {
						var n int64
						n, err = e.w.commit()
						nonFinite += n
					}
					if err != nil {
						stop(fmt.Errorf("rows %d to %d: %w", e.b.firstRow, e.b.firstRow+int64(e.b.len())-1, err))
					}
					e.ack <- err == nil
				}
				e.b.reset()
				free <- e.b
				seq++
			}
		}
	}()
	perr := produce(ctx, f, cols, src, res, free, todo, quit)
	if perr != nil {
		stop(perr)
	}
	close(todo)
	wg.Wait()
	close(ready)
	<-committed
	if failed != nil {
		return failed
	}
	res.NonFinite = nonFinite
	return f.finish()
}

// errStopped ends the producer when a worker or the committer failed
// first; run returns that failure instead.
var errStopped = errors.New("export stopped")

// produce reads rows in order, checks them and fills batches for the
// workers.
func produce(ctx context.Context, f format, cols []Column, src func() ([]engine.Value, bool, error), res *Result, free <-chan *batch, todo chan<- *batch, quit <-chan struct{}) error {
	limit := f.batchBytes()
	out := make([]engine.Value, len(cols))
	var b *batch
	seq := 0
	send := func() error {
		select {
		case todo <- b:
			b = nil
			return nil
		case <-quit:
			return errStopped
		}
	}
	for n := int64(1); ; n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("stopped after %d rows: %w", n-1, err)
			}
		}
		row, ok, err := src()
		if err != nil {
			return fmt.Errorf("row %d: %w", n, err)
		}
		if !ok {
			if b != nil {
				return send()
			}
			return nil
		}
		if len(row) != len(cols) {
			return &RowError{Row: n, Err: fmt.Errorf("%w: %d values for %d columns", ErrValue, len(row), len(cols))}
		}
		for i, v := range row {
			c, err := fit(&cols[i], v, res)
			if err != nil {
				return &RowError{Row: n, Column: cols[i].Name, Err: err}
			}
			out[i] = c
		}
		if b == nil {
			select {
			case b = <-free:
			case <-quit:
				return errStopped
			}
			b.seq, b.firstRow = seq, n
			seq++
			if b.floats == nil {
				// Room for a full batch of vectors, so that the arena
				// never grows by half again.
				b.floats = make([]float32, 0, limit/4+4096)
			}
		}
		b.add(out)
		res.Rows = n
		if b.bytes >= limit || b.len() >= maxBatchRows {
			if err := send(); err != nil {
				return err
			}
		}
	}
}
