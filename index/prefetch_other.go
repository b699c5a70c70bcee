//go:build !amd64 || purego

package index

import "unsafe"

func prefetch(p unsafe.Pointer, lines int) {}
