package exec

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"
)

// The top-k sort must return exactly what a stable sort and a cut would.
func TestTopKEqualsStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 200; trial++ {
		n := r.IntN(300)
		var rows []value.Row
		for i := 0; i < n; i++ {
			v := value.Value{}
			if r.IntN(10) > 0 {
				v = value.IntV(int64(r.IntN(20)))
			}
			rows = append(rows, value.Row{v, value.IntV(int64(i))})
		}
		keys := []SortKey{{Col: 0, Desc: r.IntN(2) == 0, Nulls: r.IntN(3) - 1}}
		limit := int64(1 + r.IntN(40))
		sn := &SortNode{In: rowsNode{rows}, Keys: keys, Limit: limit}
		it, err := sn.Open(&EvalCtx{ctx: context.Background()})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := value.Collect(it)
		want := append([]value.Row(nil), rows...)
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

type rowsNode struct{ rows []value.Row }

func (n rowsNode) Open(*EvalCtx) (value.Rows, error) { return value.NewSliceRows(n.rows), nil }
func (n rowsNode) Schema() value.Schema              { return value.Schema{{Name: "k"}, {Name: "i"}} }
func (n rowsNode) explain() string                   { return "rows" }
func (n rowsNode) Children() []PlanNode              { return nil }
