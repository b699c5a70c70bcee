//go:build !linux

package engine

// mappedTrimmer has no way to page out mapped files outside Linux: the
// resident memory of a process there includes what badger has mapped.
func mappedTrimmer(dir string, budget int64) func() { return nil }
