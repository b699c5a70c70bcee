package index

import (
	"bytes"
	"testing"
)

// FuzzReadGraph: any input gives a graph that passes Check or an error,
// never a panic.
func FuzzReadGraph(f *testing.F) {
	h, _ := NewHNSW(DefaultOptions(4).WithM(3))
	vs := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.6, 0.8, 0, 0}
	h.AddBatch([]uint64{1, 2, 3, 4, 5}, vs, 1)
	h.Delete(2)
	var buf bytes.Buffer
	h.WriteGraph(&buf)
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:40])
	f.Add([]byte(graphMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := ReadGraph(bytes.NewReader(data))
		if err != nil {
			return
		}
		v := make([]float32, ld.h.opts.Dim)
		v[0] = 1
		for _, id := range ld.Missing() {
			if err := ld.Set(id, v); err != nil {
				t.Fatal(err)
			}
		}
		g, err := ld.Finish()
		if err != nil {
			t.Fatalf("Finish after supplying every vector: %v", err)
		}
		if _, err := g.Search(v, 3, 0, nil); err != nil {
			t.Fatal(err)
		}
		if err := g.Check(); err != nil {
			t.Fatalf("a graph that loads fails Check: %v", err)
		}
	})
}
