// Command querylat does, through the engine API in one process, the work
// of the typical statements bench/query.sh times through `laiondb query`,
// and prints the p50 of each: the floor the language and the process
// start-up add to.
//
//	go run ./bench/querylat --db DIR [--runs 21] [--synset drake] [--phrase 'golden retriever'] [--id 123456]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
)

func main() {
	dir := flag.String("db", "", "database directory")
	runs := flag.Int("runs", 21, "runs of each")
	syn := flag.String("synset", "drake", "class of the listing")
	phrase := flag.String("phrase", "golden retriever", "phrase of CONTAINS")
	id := flag.Uint64("id", 123456, "row id of the lookup")
	flag.Parse()
	if err := run(*dir, *runs, *syn, *phrase, *id); err != nil {
		fmt.Fprintln(os.Stderr, "querylat:", err)
		os.Exit(1)
	}
}

func run(dir string, runs int, syn, phrase string, id uint64) error {
	db, err := engine.Open(engine.DefaultOptions(dir).WithReadOnly(true))
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := db.Table("laion")
	if err != nil {
		return err
	}
	cat, _ := synset.ImageNet1k()
	class, err := cat.Resolve(syn)
	if err != nil {
		return err
	}
	ctx := context.Background()
	work := []struct {
		name string
		f    func(s *engine.Snapshot) error
	}{
		{"count with MATCHES", func(s *engine.Snapshot) error {
			ls, err := s.Labels(ctx, t, synset.Paper)
			if err == nil {
				_ = ls.IDs().GetCardinality()
			}
			return err
		}},
		{"synset listing with LIMIT", func(s *engine.Snapshot) error {
			ids, err := s.MatchSynset(ctx, t, synset.Paper, class.Class)
			if err != nil {
				return err
			}
			src, err := s.Source(t.Name)
			if err != nil {
				return err
			}
			cur, err := s.Scan(ctx, src, []int{src.Column("caption")}, ids)
			if err != nil {
				return err
			}
			defer cur.Close()
			for k := 0; k < 20 && cur.Next(); k++ {
			}
			return cur.Err()
		}},
		{"GROUP BY synset with count", func(s *engine.Snapshot) error {
			ls, err := s.Labels(ctx, t, synset.Paper)
			if err != nil {
				return err
			}
			counts := make([]uint64, 1000)
			it := ls.IDs().Iterator()
			for it.HasNext() {
				c, _ := ls.Class(it.Next())
				counts[c]++
			}
			sort.Slice(counts, func(i, j int) bool { return counts[i] > counts[j] })
			return nil
		}},
		{"id lookup", func(s *engine.Snapshot) error {
			src, err := s.Source(t.Name)
			if err != nil {
				return err
			}
			cols := make([]int, len(src.Columns))
			for i := range cols {
				cols[i] = i
			}
			cur, err := s.Fetch(ctx, src, cols, []uint64{id})
			if err != nil {
				return err
			}
			defer cur.Close()
			for cur.Next() {
			}
			return cur.Err()
		}},
		{"CONTAINS phrase", func(s *engine.Snapshot) error {
			_, err := s.Contains(ctx, t, synset.Paper, phrase)
			return err
		}},
	}
	fmt.Printf("%-30s %12s\n", "engine API (in process)", "p50 ms")
	for _, w := range work {
		var ds []time.Duration
		for r := 0; r < runs; r++ {
			st := time.Now()
			s := db.Snapshot()
			if err := w.f(s); err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
			s.Close()
			ds = append(ds, time.Since(st))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("%-30s %12.2f\n", w.name, float64(ds[len(ds)/2].Microseconds())/1000)
	}
	return nil
}
