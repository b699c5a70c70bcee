// Command knn is `laiondb bench knn` with github.com/coder/hnsw v0.6.1
// measured as a baseline row beside laiondb's HNSW and the exact scan,
// for bench/knn/run.sh. The shipped laiondb binary does not link
// coder/hnsw; the row stays here so that the reason laiondb has its own
// HNSW stays visible (on clustered CLIP-like data coder/hnsw's recall
// stays far below 0.95 at any ef).
package main

import (
	"os"

	"github.com/coder/hnsw"

	"github.com/laiondb/laiondb/bench/knn/knnbench"
)

func main() { os.Exit(knnbench.Main(os.Args[1:], os.Stdout, os.Stderr, coderHNSW)) }

// coderHNSW builds github.com/coder/hnsw over the base vectors; it is not
// safe for concurrent Add, so it builds on one thread.
var coderHNSW = knnbench.Baseline{
	Name: "coder-hnsw",
	Build: func(base []float32, dim, m, efConstruction int) func(q []float32, k, ef int) []uint64 {
		g := hnsw.NewGraph[uint64]()
		g.M = m
		g.EfSearch = efConstruction // coder/hnsw builds with EfSearch
		g.Distance = hnsw.CosineDistance
		for i := range len(base) / dim {
			g.Add(hnsw.MakeNode(uint64(i), base[i*dim:(i+1)*dim]))
		}
		return func(q []float32, k, ef int) []uint64 {
			g.EfSearch = ef
			var ids []uint64
			for _, n := range g.Search(q, k) {
				ids = append(ids, n.Key)
			}
			return ids
		}
	},
}
