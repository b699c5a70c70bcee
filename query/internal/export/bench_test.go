package export

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExport1M writes 1,000,000 LAION-like rows (id, url, caption,
// synset, similarity, a bool and a 512-d vector) per iteration and
// reports rows/s and the file size. Run with:
//
//	go test ./query/internal/export/ -run '^$' -bench Export1M -benchtime 1x
func BenchmarkExport1M(b *testing.B) {
	const n = 1_000_000
	for _, ext := range Formats {
		b.Run(ext[1:], func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "laionet"+ext)
			for b.Loop() {
				res, err := Write(context.Background(), path, laionCols, genRows(n, 1), Options{})
				if err != nil || res.Rows != n {
					b.Fatalf("%d rows, %v", res.Rows, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			if fi, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
			}
		})
	}
}
