package synset

import (
	"context"
	"sync"
	"testing"
)

func benchCaptions(b *testing.B) [][]byte {
	rows := captions(b)
	out := make([][]byte, 0, len(rows))
	for _, r := range rows {
		if r.Text != nil {
			out = append(out, []byte(*r.Text))
		}
	}
	return out
}

// BenchmarkTokenize measures the ingest-time tokenizer on the 10k real
// captions; ns/caption is the figure to quote.
func BenchmarkTokenize(b *testing.B) {
	caps := benchCaptions(b)
	var bytes int
	for _, c := range caps {
		bytes += len(c)
	}
	for _, rule := range []Rule{Paper, Normalized} {
		b.Run(rule.String(), func(b *testing.B) {
			tk := NewTokenizer(rule)
			n := 0
			emit := func(tok []byte) { n += len(tok) }
			b.SetBytes(int64(bytes))
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range caps {
					tk.Tokens(c, emit)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(caps)), "ns/caption")
		})
	}
}

// shard1M is a synthetic 1,000,000-row shard: the 10k real captions repeated
// 100 times, so token frequencies (and candidate counts) are realistic.
var shard1M = sync.OnceValues(func() (*MemPostings, error) {
	rows, err := loadCaptions()
	if err != nil {
		return nil, err
	}
	m := NewMemPostings()
	for range 100 {
		for _, r := range rows {
			if r.Text == nil {
				m.Add("", false)
			} else {
				m.Add(*r.Text, true)
			}
		}
	}
	return m, nil
})

// BenchmarkLabel1M labels the synthetic 1M-row shard with all 1000 classes.
// Postings are materialised by a first run, so the figure is Label's own
// work over ready bitmaps plus the caption reads of multi-word candidates.
func BenchmarkLabel1M(b *testing.B) {
	m, err := shard1M()
	if err != nil {
		b.Fatal(err)
	}
	for _, rule := range []Rule{Paper, Normalized} {
		b.Run(rule.String(), func(b *testing.B) {
			v := mustVocab(b, rule)
			l, err := Label(context.Background(), m, v) // warm the posting cache
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Label(context.Background(), m, v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(l.Stats.CaptionReads), "captionreads")
			b.ReportMetric(float64(l.Matched.GetCardinality()), "matched")
			b.ReportMetric(float64(l.Multi.GetCardinality()), "multi")
		})
	}
}
