package query

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
)

// The top-k sort must return exactly what a stable sort and a cut would.
func TestTopKEqualsStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 200; trial++ {
		n := r.IntN(300)
		var rows []Row
		for i := 0; i < n; i++ {
			v := Value{}
			if r.IntN(10) > 0 {
				v = intV(int64(r.IntN(20)))
			}
			rows = append(rows, Row{v, intV(int64(i))})
		}
		keys := []sortKey{{col: 0, desc: r.IntN(2) == 0, nulls: r.IntN(3) - 1}}
		limit := int64(1 + r.IntN(40))
		sn := &sortNode{in: rowsNode{rows}, keys: keys, limit: limit}
		it, err := sn.open(&evalCtx{ctx: context.Background()})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := Collect(it)
		want := append([]Row(nil), rows...)
		sort.SliceStable(want, func(i, j int) bool { return sn.less(want[i], want[j]) })
		if int64(len(want)) > limit {
			want = want[:limit]
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d rows, want %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i][1].I != want[i][1].I {
				t.Fatalf("trial %d row %d: got row %d, want %d", trial, i, got[i][1].I, want[i][1].I)
			}
		}
	}
}

type rowsNode struct{ rows []Row }

func (n rowsNode) open(*evalCtx) (Rows, error) { return newSliceRows(n.rows), nil }
func (n rowsNode) schema() schema              { return schema{{name: "k"}, {name: "i"}} }
func (n rowsNode) explain() string             { return "rows" }
func (n rowsNode) children() []planNode        { return nil }
