package index_test

import (
	"bytes"
	"fmt"

	"github.com/laiondb/laiondb/index"
)

// Four unit vectors in 3-d; ids are row ids.
var (
	exampleIDs  = []uint64{10, 20, 30, 40}
	exampleVecs = []float32{
		1, 0, 0,
		0.8, 0.6, 0,
		0, 1, 0,
		0, 0, 1,
	}
)

func Example() {
	h, err := index.NewHNSW(index.DefaultOptions(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := h.AddBatch(exampleIDs, exampleVecs, 2); err != nil {
		fmt.Println(err)
		return
	}
	res, _ := h.Search([]float32{1, 0.1, 0}, 2, 0, nil)
	for _, r := range res {
		fmt.Printf("%d %.3f\n", r.ID, r.Score)
	}
	// Output:
	// 10 0.995
	// 20 0.856
}

func ExampleHNSW_Search_filter() {
	h, _ := index.NewHNSW(index.DefaultOptions(3))
	h.AddBatch(exampleIDs, exampleVecs, 1)
	odd := func(id uint64) bool { return id/10%2 == 1 } // 10 and 30
	res, _ := h.Search([]float32{0.8, 0.6, 0}, 3, 0, odd)
	for _, r := range res {
		fmt.Printf("%d %.2f\n", r.ID, r.Score)
	}
	// Output:
	// 10 0.80
	// 30 0.60
}

func ExampleHNSW_SearchRange() {
	h, _ := index.NewHNSW(index.DefaultOptions(3))
	h.AddBatch(exampleIDs, exampleVecs, 1)
	res, _ := h.SearchRange([]float32{1, 0, 0}, 0.5, nil, false)
	fmt.Println(len(res), res[0].ID, res[1].ID)
	// Output: 2 10 20
}

func ExampleHNSW_WriteGraph() {
	h, _ := index.NewHNSW(index.DefaultOptions(3))
	h.AddBatch(exampleIDs, exampleVecs, 1)

	// The engine stores the graph bytes; the vectors stay in its table.
	var graph bytes.Buffer
	if _, err := h.WriteGraph(&graph); err != nil {
		fmt.Println(err)
		return
	}

	ld, err := index.ReadGraph(&graph)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, id := range exampleIDs { // in whatever order the table yields rows
		if err := ld.Set(id, exampleVecs[3*i:3*i+3]); err != nil {
			fmt.Println(err)
			return
		}
	}
	loaded, err := ld.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := loaded.Search([]float32{0, 1, 0}, 1, 0, nil)
	fmt.Println(loaded.Len(), res[0].ID, loaded.Check())
	// Output: 4 30 <nil>
}

func ExampleHNSW_Add_replace() {
	h, _ := index.NewHNSW(index.DefaultOptions(3))
	h.AddBatch(exampleIDs, exampleVecs, 1)
	h.Add(40, []float32{0, 1, 0}) // id 40 gets a new vector
	h.Delete(30)
	res, _ := h.Search([]float32{0, 1, 0}, 1, 0, nil)
	fmt.Println(res[0].ID, h.Len(), h.Tombstones())
	// Output: 40 3 2
}

func ExampleFlat() {
	f, _ := index.NewFlat(3, index.Float32)
	for i, id := range exampleIDs {
		f.Add(id, exampleVecs[3*i:3*i+3])
	}
	res, _ := f.Search([]float32{0, 0.6, 0.8}, 2, nil)
	fmt.Printf("%d %.1f, %d %.1f\n", res[0].ID, res[0].Score, res[1].ID, res[1].Score)
	// Output: 40 0.8, 30 0.6
}
