package index

import (
	"bytes"
	"testing"
)

// Benchmarks on 20,000 CLIP-like vectors (see clustered): building with
// two threads, loading the same index from its graph plus vectors, and a
// single-threaded search at ef=64 and ef=testEf.

var benchSet *dataset

func benchData(b *testing.B) *dataset {
	if benchSet == nil {
		benchSet = clustered(b, 20000, 500, 0, 42)
	}
	return benchSet
}

func BenchmarkBuild20k(b *testing.B) {
	d := benchData(b)
	for b.Loop() {
		build(b, d, DefaultOptions(d.dim), 2)
	}
	b.ReportMetric(float64(len(d.ids))*float64(b.N)/b.Elapsed().Seconds(), "vectors/s")
}

func BenchmarkLoad20k(b *testing.B) {
	d := benchData(b)
	h := build(b, d, DefaultOptions(d.dim), 2)
	var graph bytes.Buffer
	h.WriteGraph(&graph)
	b.ReportMetric(float64(graph.Len())/float64(len(d.ids)), "graph-bytes/vector")
	for b.Loop() {
		ld, err := ReadGraph(bytes.NewReader(graph.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		for i, id := range d.ids {
			ld.SetF16(id, d.base16[2*i*d.dim:2*(i+1)*d.dim])
		}
		if _, err := ld.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSearch(b *testing.B, ef int) {
	d := benchData(b)
	h := build(b, d, DefaultOptions(d.dim), 2)
	i := 0
	for b.Loop() {
		h.Search(d.query(i%500), 10, ef, nil)
		i++
	}
}

func BenchmarkSearch20kEf64(b *testing.B)  { benchSearch(b, 64) }
func BenchmarkSearch20kEf128(b *testing.B) { benchSearch(b, testEf) }
