//go:build amd64 && !purego

package index

import "unsafe"

// prefetch asks the CPU to bring lines cache lines from p on into cache:
// a hint, never a fault, whatever p is. lines must be >= 1.
//
//go:noescape
func prefetch(p unsafe.Pointer, lines int)
