package engine

import (
	"sync"
	"time"
)

// Badger reads and writes its value log, table files and write-ahead log
// through memory maps that stay mapped while the database is open. Every
// page of them this process has touched counts in its resident memory
// (RSS) until the kernel wants the memory back: an ingest that writes 2 GB
// of vectors, or a scan that reads a 20 GB database, would show an RSS of
// that size, all of it page cache the kernel could write back or drop. So
// a watcher hands those pages back once they pass Options.MappedMemory
// (see mapped_linux.go): memory stays bounded by what laiondb itself
// holds, whatever the size of the shard or of the database.

// mappedInterval is how often the watcher looks at the mapped pages. At
// the 1–2 GB/s a scan reads, an interval lets ~100 MB more in at most.
const mappedInterval = 50 * time.Millisecond

// mappedWatcher runs trim every mappedInterval until stop.
type mappedWatcher struct {
	stopc chan struct{}
	done  chan struct{}
	once  sync.Once
}

// watchMapped starts the watcher of db's mapped pages, or returns nil
// when there is nothing to watch (no budget, or no way to trim here).
func watchMapped(dir string, budget int64) *mappedWatcher {
	if budget <= 0 {
		return nil
	}
	trim := mappedTrimmer(dir, budget)
	if trim == nil {
		return nil
	}
	w := &mappedWatcher{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(mappedInterval)
		defer tick.Stop()
		for {
			select {
			case <-w.stopc:
				return
			case <-tick.C:
				trim()
			}
		}
	}()
	return w
}

func (w *mappedWatcher) stop() {
	if w == nil {
		return
	}
	w.once.Do(func() { close(w.stopc) })
	<-w.done
}
