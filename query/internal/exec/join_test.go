package exec

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// genNode makes n rows (k, i) on the fly, k = key(i), and counts the rows
// pulled from it: a probe side that is never held in memory.
type genNode struct {
	n      int
	key    func(i int) value.Value
	pulled *int
}

func (g genNode) Open(*EvalCtx) (value.Rows, error) {
	return &genIter{g: g, i: -1, row: make(value.Row, 2)}, nil
}
func (g genNode) Schema() value.Schema { return value.Schema{{Name: "k"}, {Name: "i"}} }
func (g genNode) explain() string      { return "gen" }
func (g genNode) Children() []PlanNode { return nil }

type genIter struct {
	g   genNode
	i   int
	row value.Row
}

func (it *genIter) Next() bool {
	it.i++
	if it.i >= it.g.n {
		return false
	}
	if it.g.pulled != nil {
		*it.g.pulled++
	}
	it.row[0], it.row[1] = it.g.key(it.i), value.IntV(int64(it.i))
	return true
}
func (it *genIter) Row() value.Row { return it.row }
func (it *genIter) Err() error     { return nil }
func (it *genIter) Close() error   { return nil }

func col(i int) Expr { return &ColExpr{Idx: i, Name: "k", T: value.TInt} }

func ectx() *EvalCtx { return &EvalCtx{ctx: context.Background()} }

// The probe side streams: the first joined row comes after one probe row,
// not after all of them.
func TestJoinStreamsProbe(t *testing.T) {
	pulled := 0
	probe := genNode{n: 1_000_000, key: func(i int) value.Value { return value.IntV(int64(i % 1000)) }, pulled: &pulled}
	build := genNode{n: 1000, key: func(i int) value.Value { return value.IntV(int64(i)) }}
	j := &JoinNode{Kind: JoinInner, Left: probe, Right: build, LeftKeys: []Expr{col(0)}, RightKeys: []Expr{col(0)}}
	it, err := j.Open(ectx())
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.Next() {
		t.Fatalf("no row: %v", it.Err())
	}
	if pulled != 1 {
		t.Errorf("the first joined row pulled %d probe rows, want 1", pulled)
	}
	for i := 0; i < 10 && it.Next(); i++ {
	}
	if pulled != 11 {
		t.Errorf("11 joined rows pulled %d probe rows, want 11", pulled)
	}
}

// Every kind of join against a nested-loop oracle over random keys with
// NULLs, with and without a residual condition.
func TestJoinKindsAgainstNestedLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	key := func(n int) func(int) value.Value {
		keys := make([]value.Value, 400)
		for i := range keys {
			if r.IntN(8) > 0 {
				keys[i] = value.IntV(int64(r.IntN(n)))
			}
		}
		return func(i int) value.Value { return keys[i] }
	}
	left := genNode{n: 300, key: key(40)}
	right := genNode{n: 200, key: key(60)}
	rows := func(n PlanNode) []value.Row {
		it, _ := n.Open(ectx())
		out, err := value.Collect(it)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ls, rs := rows(left), rows(right)
	// residual: left.i < right.i, over the joined row (k, i, k, i).
	residual := []Cond{{E: &CmpExpr{Op: ast.OpLt, X: &ColExpr{Idx: 1, T: value.TInt}, Y: &ColExpr{Idx: 3, T: value.TInt}}}}
	for _, kind := range []JoinKind{JoinInner, JoinLeft, JoinSemi, JoinAnti} {
		for _, res := range [][]Cond{nil, residual} {
			for _, buildLeft := range []bool{false, true} {
				if buildLeft && kind != JoinInner {
					continue
				}
				j := &JoinNode{Kind: kind, Left: left, Right: right, LeftKeys: []Expr{col(0)}, RightKeys: []Expr{col(0)}, Residual: res, BuildLeft: buildLeft,
					Sch: append(left.Schema(), right.Schema()...)}
				got := rows(j)
				var want []value.Row
				for _, l := range ls {
					hit := false
					for _, rr := range rs {
						match := l[0].T != value.TNull && rr[0].T != value.TNull && l[0].I == rr[0].I && (res == nil || l[1].I < rr[1].I)
						if !match {
							continue
						}
						hit = true
						if kind == JoinInner || kind == JoinLeft {
							want = append(want, value.Row{l[0], l[1], rr[0], rr[1]})
						}
					}
					switch {
					case kind == JoinLeft && !hit:
						want = append(want, value.Row{l[0], l[1], {}, {}})
					case kind == JoinSemi && hit, kind == JoinAnti && !hit:
						want = append(want, value.Row{l[0], l[1]})
					}
				}
				if !sameRows(got, want) {
					t.Errorf("%s (residual %v, build left %v): %d rows, want %d", kind, res != nil, buildLeft, len(got), len(want))
				}
			}
		}
	}
}

func sameRows(a, b []value.Row) bool {
	key := func(rows []value.Row) []string {
		var out []string
		for _, r := range rows {
			out = append(out, rowKey(r))
		}
		sort.Strings(out)
		return out
	}
	ka, kb := key(a), key(b)
	if len(ka) != len(kb) {
		return false
	}
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// BenchmarkHashJoin joins 1,000,000 streamed probe rows with 1,000 build
// rows on an integer key (each probe row matches one build row). Memory
// per operation stays that of the build side: the probe side is never
// held.
func BenchmarkHashJoin(b *testing.B) {
	probe := genNode{n: 1_000_000, key: func(i int) value.Value { return value.IntV(int64(i % 1000)) }}
	build := genNode{n: 1000, key: func(i int) value.Value { return value.IntV(int64(i)) }}
	j := &JoinNode{Kind: JoinInner, Left: probe, Right: build, LeftKeys: []Expr{col(0)}, RightKeys: []Expr{col(0)}}
	b.ReportAllocs()
	for b.Loop() {
		it, err := j.Open(ectx())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.Next() {
			n++
		}
		if n != 1_000_000 {
			b.Fatalf("%d rows", n)
		}
		it.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/probe-row")
}
