// Command label times labelling every row of a table with the 1000
// ImageNet synsets under the paper rule (unique-match): computed from the
// caption index, and as queries get it (stored per shard at ingest), next
// to a plain single pass over the same captions in the same run (each
// caption tokenized once and every lemma's word sequence looked up in a
// hash map). The index and the pass must agree row for row.
//
//	go run ./bench/label --db DIR [--table laion] [--runs 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/synset"
)

func main() {
	dir := flag.String("db", "", "database directory (ingested shard)")
	table := flag.String("table", "laion", "table")
	runs := flag.Int("runs", 5, "runs of each; the median is reported")
	flag.Parse()
	if err := run(*dir, *table, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "label:", err)
		os.Exit(1)
	}
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

func run(dir, table string, runs int) error {
	db, err := engine.Open(engine.DefaultOptions(dir).WithReadOnly(true))
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := db.Table(table)
	if err != nil {
		return err
	}
	cat, err := synset.ImageNet1k()
	if err != nil {
		return err
	}
	vocab, err := cat.Vocabulary(synset.Paper)
	if err != nil {
		return err
	}
	ctx := context.Background()

	// Indexed labelling, each run on a fresh snapshot (so caption index
	// chunks are read again, as in a new process).
	var idxTimes []time.Duration
	var unique map[uint64]int
	for r := 0; r < runs; r++ {
		st := time.Now()
		s := db.Snapshot()
		labels, err := s.Labels(ctx, t, synset.Paper)
		if err != nil {
			return err
		}
		s.Close()
		idxTimes = append(idxTimes, time.Since(st))
		if r == 0 {
			unique = map[uint64]int{}
			it := labels.IDs().Iterator()
			for it.HasNext() {
				id := it.Next()
				unique[id], _ = labels.Class(id)
			}
		}
	}

	// The labelling computed from posting lists (what a shard's first
	// query, or its ingest, does before the result is stored).
	var freshTimes []time.Duration
	for r := 0; r < runs; r++ {
		st := time.Now()
		s := db.Snapshot()
		for _, sh := range t.Shards {
			p, err := s.Postings(t, sh)
			if err != nil {
				return err
			}
			if _, err := synset.Label(ctx, p, vocab); err != nil {
				return err
			}
		}
		s.Close()
		freshTimes = append(freshTimes, time.Since(st))
	}

	// The plain pass: lemma word sequences in a map keyed by their first
	// word; each caption split once (paper rule, empty tokens kept) and
	// every position tried.
	type form struct {
		words []string
		class int
	}
	byFirst := map[string][]form{}
	for _, e := range vocab.Entries() {
		for _, f := range e.Forms {
			w := strings.Split(f, " ")
			byFirst[w[0]] = append(byFirst[w[0]], form{words: w, class: e.Synset})
		}
	}
	var scanTimes []time.Duration
	var scanUnique map[uint64]int
	rows := 0
	for r := 0; r < runs; r++ {
		st := time.Now()
		got := map[uint64]int{}
		s := db.Snapshot()
		src, err := s.Source(t.Name)
		if err != nil {
			return err
		}
		ci := src.Column("caption")
		cur, err := s.Scan(ctx, src, []int{ci}, nil)
		if err != nil {
			return err
		}
		var toks []string
		rows = 0
		for cur.Next() {
			rows++
			c := cur.Row()[ci]
			if c.T != engine.TypeString {
				continue
			}
			toks = toks[:0]
			synset.SplitPaper([]byte(c.S), func(tok []byte) { toks = append(toks, string(tok)) })
			matched, n := -1, 0
			for p, tok := range toks {
				for _, f := range byFirst[tok] {
					if p+len(f.words) > len(toks) {
						continue
					}
					ok := true
					for k, w := range f.words[1:] {
						if toks[p+1+k] != w {
							ok = false
							break
						}
					}
					if ok && f.class != matched {
						if matched < 0 {
							matched = f.class
						}
						if f.class != matched {
							n = 2
						}
						if n == 0 {
							n = 1
						}
					}
				}
			}
			if n == 1 {
				got[cur.ID()] = matched
			}
		}
		if err := cur.Err(); err != nil {
			return err
		}
		s.Close()
		scanTimes = append(scanTimes, time.Since(st))
		scanUnique = got
	}
	if len(scanUnique) != len(unique) {
		return fmt.Errorf("index labels %d rows, the scan %d", len(unique), len(scanUnique))
	}
	for id, c := range unique {
		if scanUnique[id] != c {
			return fmt.Errorf("row %d: index says class %d, scan says %d", id, c, scanUnique[id])
		}
	}
	im, fm, sm := median(idxTimes), median(freshTimes), median(scanTimes)
	fmt.Printf("table %s: %d rows, %d labelled with exactly one synset (paper rule)\n", table, rows, len(unique))
	fmt.Printf("%-52s %10s\n", fmt.Sprintf("step (median of %d)", runs), "seconds")
	fmt.Printf("%-52s %10.3f\n", "labelling computed from the caption index", fm.Seconds())
	fmt.Printf("%-52s %10.3f\n", "labelling as queries get it (stored at ingest)", im.Seconds())
	fmt.Printf("%-52s %10.3f\n", "plain single pass over the captions", sm.Seconds())
	fmt.Printf("speed-up of the index over the pass: %.1fx (stored: %.1fx)\n", sm.Seconds()/fm.Seconds(), sm.Seconds()/im.Seconds())
	return nil
}
