package exec

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/laiondb/laiondb/query/internal/value"
)

// sortHost answers the sort_memory setting; nothing else is asked of it.
type sortHost struct {
	EvalHost
	mem string
}

func (h sortHost) Setting(name string) value.Value {
	if name == "sort_memory" {
		return value.StringV(h.mem)
	}
	return value.Value{}
}

// randomRows are rows of a key of mixed types (NULL, BOOL, INT, FLOAT,
// TEXT, VECTOR payloads) with many ties, and their arrival number.
func randomRows(r *rand.Rand, n int) []value.Row {
	var rows []value.Row
	for i := 0; i < n; i++ {
		var k value.Value
		switch r.IntN(10) {
		case 0:
		case 1, 2, 3:
			k = value.IntV(int64(r.IntN(50)))
		case 4, 5, 6:
			k = value.FloatV(float64(r.IntN(50)) + 0.5)
		default:
			k = value.StringV(string(rune('a' + r.IntN(26))))
		}
		payload := value.Value{}
		switch r.IntN(4) {
		case 1:
			payload = value.StringV("caption \x00 ünïcode " + string(rune('A'+r.IntN(26))))
		case 2:
			payload = value.VectorV([]float32{r.Float32(), -r.Float32(), float32(i)})
		case 3:
			payload = value.BoolV(r.IntN(2) == 0)
		}
		rows = append(rows, value.Row{k, value.IntV(int64(i)), payload})
	}
	return rows
}

func tmpEntries(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// The external sort (rows past sort_memory sorted in runs on disk, merged
// in rounds) returns exactly what a stable in-memory sort and a cut
// would, every value as it was, and removes its runs once closed.
func TestExternalSortEqualsStableSort(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	defer func(n int) { maxFanIn = n }(maxFanIn)
	maxFanIn = 3
	r := rand.New(rand.NewPCG(2, 2))
	for trial := 0; trial < 60; trial++ {
		rows := randomRows(r, r.IntN(3000))
		keys := []SortKey{{Col: 0, Desc: r.IntN(2) == 0, Nulls: r.IntN(3) - 1}}
		var limit int64
		if r.IntN(2) == 0 {
			limit = int64(1 + r.IntN(2000))
		}
		mem := []string{"1kB", "8kB", "64kB", "256MB"}[r.IntN(4)]
		sn := &SortNode{In: rowsNode{rows}, Keys: keys, Limit: limit}
		it, err := sn.Open(&EvalCtx{ctx: context.Background(), host: sortHost{mem: mem}})
		if err != nil {
			t.Fatal(err)
		}
		spilled := tmpEntries(t, tmp) > 0
		got, err := value.Collect(it)
		if err != nil {
			t.Fatal(err)
		}
		if n := tmpEntries(t, tmp); n > 0 {
			t.Fatalf("trial %d: %d temporary entries left after the rows were read", trial, n)
		}
		want := append([]value.Row(nil), rows...)
		sort.SliceStable(want, func(i, j int) bool { return sn.less(want[i], want[j]) })
		if limit > 0 && int64(len(want)) > limit {
			want = want[:limit]
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d (%s, limit %d): %d rows, want %d", trial, mem, limit, len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("trial %d (%s, limit %d, spilled %v) row %d: %v, want %v", trial, mem, limit, spilled, i, got[i], want[i])
			}
		}
		if mem == "1kB" && len(rows) > 100 && !spilled {
			t.Fatalf("trial %d: %d rows under a 1kB sort_memory were not spilled", trial, len(rows))
		}
	}
}

// cancelAfter streams rows and cancels the statement after n of them.
type cancelAfter struct {
	rowsNode
	n      int
	cancel func()
}

func (c cancelAfter) Open(ec *EvalCtx) (value.Rows, error) {
	return &cancelRows{Rows: value.NewSliceRows(c.rows), n: c.n, cancel: c.cancel}, nil
}

type cancelRows struct {
	value.Rows
	i, n   int
	cancel func()
}

func (c *cancelRows) Next() bool {
	c.i++
	if c.i == c.n {
		c.cancel()
	}
	return c.Rows.Next()
}

// A cancelled sort stops with context.Canceled, while reading its input
// or while merging, and leaves no runs behind.
func TestExternalSortCancelled(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	rows := randomRows(rand.New(rand.NewPCG(3, 3)), 50000)
	keys := []SortKey{{Col: 0}}

	ctx, cancel := context.WithCancel(context.Background())
	sn := &SortNode{In: cancelAfter{rowsNode{rows}, 30000, cancel}, Keys: keys}
	if _, err := sn.Open(&EvalCtx{ctx: ctx, host: sortHost{mem: "64kB"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while reading: %v, want context.Canceled", err)
	}
	if n := tmpEntries(t, tmp); n > 0 {
		t.Fatalf("%d temporary entries left by a cancelled sort", n)
	}

	ctx, cancel = context.WithCancel(context.Background())
	sn = &SortNode{In: rowsNode{rows}, Keys: keys}
	it, err := sn.Open(&EvalCtx{ctx: ctx, host: sortHost{mem: "64kB"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && it.Next(); i++ {
	}
	cancel()
	for it.Next() {
	}
	if !errors.Is(it.Err(), context.Canceled) {
		t.Fatalf("cancelled while merging: %v, want context.Canceled", it.Err())
	}
	if n := tmpEntries(t, tmp); n > 0 {
		t.Fatalf("%d temporary entries left by a cancelled merge", n)
	}
	it.Close()

	// Closed early, before the end of the rows.
	it, err = (&SortNode{In: rowsNode{rows}, Keys: keys}).Open(&EvalCtx{ctx: context.Background(), host: sortHost{mem: "64kB"}})
	if err != nil {
		t.Fatal(err)
	}
	it.Next()
	it.Close()
	if n := tmpEntries(t, tmp); n > 0 {
		t.Fatalf("%d temporary entries left by sorted rows closed early", n)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"256MB": 256 << 20, "64kB": 64 << 10, "1.5GB": 3 << 29, "1000": 1000, " 2 mb ": 2 << 20, "10B": 10} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1MB", "MB", "1e30GB", "NaN"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
}
