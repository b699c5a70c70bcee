//go:build !failpoints

package engine

// failpoint marks a point between two commits of a write (ingest, set,
// index). Built with -tags failpoints it can kill the process there (see
// failpoint_on.go), so tests crash at every such point in turn; in other
// builds it does nothing and costs nothing.
func failpoint(name string) {}
