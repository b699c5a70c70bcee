package index

import "fmt"

// Element is how an index stores vector values.
type Element uint8

const (
	// Float16 stores each value in two bytes (IEEE half precision), half the
	// memory of Float32 and enough for unit CLIP embeddings, which LAION
	// ships as float16 anyway.
	Float16 Element = 1
	// Float32 stores each value in four bytes.
	Float32 Element = 2
)

func (e Element) String() string {
	switch e {
	case Float16:
		return "float16"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("Element(%d)", uint8(e))
}

func (e Element) size() int {
	if e == Float16 {
		return 2
	}
	return 4
}

// Options are the parameters of an HNSW index. Start from DefaultOptions.
type Options struct {
	// Dim is the number of values of every vector.
	Dim int
	// Element is the storage type of the vector arena.
	Element Element
	// M is the number of neighbours a node keeps on the upper layers; the
	// bottom layer keeps 2*M. Larger M gives better recall on hard data and
	// costs memory (8*M bytes a node) and build time. 16 suits CLIP
	// embeddings.
	M int
	// EfConstruction is the candidate-list size while inserting: larger
	// builds a better graph, more slowly. 200 is a safe default.
	EfConstruction int
	// EfSearch is the default candidate-list size of a search (a search may
	// pass its own); larger is slower and more accurate. It is raised to k
	// when smaller.
	EfSearch int
	// Seed drives level generation. A node's level is a function of Seed and
	// its id only, so sequential builds are reproducible (see HNSW).
	Seed uint64
}

// DefaultOptions returns options for dim-dimensional float16 vectors with
// M=16, EfConstruction=200, EfSearch=64 and Seed=1.
func DefaultOptions(dim int) Options {
	return Options{Dim: dim, Element: Float16, M: 16, EfConstruction: 200, EfSearch: 64, Seed: 1}
}

// WithElement returns o with the arena element type set.
func (o Options) WithElement(e Element) Options { o.Element = e; return o }

// WithM returns o with M set.
func (o Options) WithM(m int) Options { o.M = m; return o }

// WithEfConstruction returns o with EfConstruction set.
func (o Options) WithEfConstruction(ef int) Options { o.EfConstruction = ef; return o }

// WithEfSearch returns o with EfSearch set.
func (o Options) WithEfSearch(ef int) Options { o.EfSearch = ef; return o }

// WithSeed returns o with Seed set.
func (o Options) WithSeed(seed uint64) Options { o.Seed = seed; return o }

func (o Options) validate() error {
	switch {
	case o.Dim < 1 || o.Dim > 1<<16:
		return fmt.Errorf("%w: Dim %d not in 1..65536", ErrOptions, o.Dim)
	case o.Element != Float16 && o.Element != Float32:
		return fmt.Errorf("%w: Element %v", ErrOptions, o.Element)
	case o.M < 2 || o.M > 512:
		return fmt.Errorf("%w: M %d not in 2..512", ErrOptions, o.M)
	case o.EfConstruction < 1 || o.EfConstruction > 1<<20:
		return fmt.Errorf("%w: EfConstruction %d not in 1..%d", ErrOptions, o.EfConstruction, 1<<20)
	case o.EfSearch < 1 || o.EfSearch > 1<<20:
		return fmt.Errorf("%w: EfSearch %d not in 1..%d", ErrOptions, o.EfSearch, 1<<20)
	}
	return nil
}
