package index

import "errors"

// Sentinel errors, wrapped with %w by the functions that return them.
var (
	// ErrDim: a vector or query has the wrong number of values.
	ErrDim = errors.New("index: vector has the wrong dimension")
	// ErrOptions: an option is out of range (see Options).
	ErrOptions = errors.New("index: invalid options")
	// ErrFormat: a persisted graph is corrupt, truncated or of another
	// version; rebuild the index from its vectors.
	ErrFormat = errors.New("index: corrupt or unsupported graph data")
	// ErrUnknownID: a Loader was given a vector for an id the graph does not
	// hold (the table has a row the index lacks).
	ErrUnknownID = errors.New("index: id not in the graph")
	// ErrMissingVectors: a Loader finished while some live ids of the graph
	// had no vector (the index has a row the table lacks).
	ErrMissingVectors = errors.New("index: graph ids without a vector")
	// ErrCorrupt: Check found an inconsistency in a graph.
	ErrCorrupt = errors.New("index: inconsistent graph")
	// ErrFull: the index holds 2^32-1 nodes, counting tombstones; Rebuild it.
	ErrFull = errors.New("index: node numbers exhausted")
)
