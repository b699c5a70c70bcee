package engine

import "sync"

// blockQueue is how many built blocks wait between an ingest's readers
// and its writer, and blockWriter's commits in flight: each block holds
// 4 MB of vectors per 512-d float16 column, so these bound the ingest's
// memory whatever the shard's size.
const blockQueue = 3

// blockEntry is one key and value of a block.
type blockEntry struct{ key, value []byte }

// blockWriter commits blocks to badger one transaction each, up to
// blockQueue of them in flight, so reading the next blocks overlaps
// writing these. Badger applies commits in the order they are made: a
// record committed after wait returns is never ahead of the blocks
// before it, even after a crash.
type blockWriter struct {
	db  *DB
	sem chan struct{}
	wg  sync.WaitGroup

	mu  sync.Mutex
	err error
}

func newBlockWriter(db *DB) *blockWriter {
	return &blockWriter{db: db, sem: make(chan struct{}, blockQueue)}
}

// write commits kvs in one transaction; done runs once badger holds its
// own copy of the values (in the value log or its memtable), when their
// buffers may be reused. It returns the first error of an earlier commit.
func (w *blockWriter) write(kvs []blockEntry, done func()) error {
	if err := w.firstErr(); err != nil {
		return err
	}
	w.sem <- struct{}{}
	txn := w.db.bdb.NewTransaction(true)
	for _, kv := range kvs {
		if err := txn.Set(kv.key, kv.value); err != nil {
			txn.Discard()
			<-w.sem
			return err
		}
	}
	w.wg.Add(1)
	txn.CommitWith(func(err error) {
		defer w.wg.Done()
		if err == nil {
			// A block has landed, the progress record not yet moved past
			// it: a crash here must resume from the record.
			failpoint("ingest.block")
		}
		if err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = err
			}
			w.mu.Unlock()
		}
		done()
		<-w.sem
	})
	return nil
}

// wait returns once every commit made so far has landed, with the first
// error among them.
func (w *blockWriter) wait() error {
	w.wg.Wait()
	return w.firstErr()
}

func (w *blockWriter) firstErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
