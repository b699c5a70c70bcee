package index

import (
	"fmt"
	"testing"
	"time"
)

func TestRecallSweep(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	for _, rank := range []int{0, 32} {
		d := clustered(t, 20000, 200, rank, 1)
		h, _ := NewHNSW(DefaultOptions(d.dim))
		t0 := time.Now()
		if err := h.AddBatch(d.ids, d.base, 2); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("rank %d build %.2fs\n", rank, time.Since(t0).Seconds())
		want := make([][]Result, 200)
		for i := range want {
			want[i] = d.exact(d.query(i), 10, nil)
		}
		for _, ef := range []int{10, 16, 32, 64, 128, 256} {
			sum := 0.0
			t0 := time.Now()
			for i := range want {
				got, err := h.Search(d.query(i), 10, ef, nil)
				if err != nil {
					t.Fatal(err)
				}
				sum += recall(got, want[i])
			}
			fmt.Printf("rank %d ef %d recall %.4f qps %.0f\n", rank, ef, sum/200, 200/time.Since(t0).Seconds())
		}
		if err := h.Check(); err != nil {
			t.Fatal(err)
		}
	}
}
