// Command mkassets derives the generator's embedded assets from the real
// data in testdata/: the 10,000 LAION captions with their URLs (gzipped
// JSON lines) and the CLIP ViT-B/32 class text embeddings (float16, one
// 512-d row per ImageNet class, class order).
package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/laiondb/laiondb/engine/npy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkassets:", err)
		os.Exit(1)
	}
}

func run() error {
	f, err := os.Open("../../testdata/laion-captions-10k.parquet")
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	type rec struct {
		URL  *string `parquet:"URL,optional"`
		TEXT *string `parquet:"TEXT,optional"`
	}
	rows, err := parquet.Read[rec](f, st.Size())
	if err != nil {
		return err
	}
	out, err := os.Create("assets/captions.jsonl.gz")
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if r.TEXT == nil || r.URL == nil {
			continue
		}
		if err := enc.Encode([2]string{*r.TEXT, *r.URL}); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}

	// The zero-shot file is (512, 1000), columns are classes: transpose.
	r, err := npy.Open("../../testdata/clip-vit-b32-imagenet-zeroshot.npy")
	if err != nil {
		return err
	}
	defer r.Close()
	if r.DType != npy.Float16 || r.Rows != 512 || r.Dim != 1000 || r.Fortran {
		return fmt.Errorf("unexpected zero-shot file %+v", r.Header)
	}
	all := make([]byte, 512*1000*2)
	if err := r.ReadRows(all, 0, 512); err != nil {
		return err
	}
	t := make([]byte, len(all))
	for d := 0; d < 512; d++ {
		for c := 0; c < 1000; c++ {
			copy(t[(c*512+d)*2:], all[(d*1000+c)*2:(d*1000+c)*2+2])
		}
	}
	return os.WriteFile("assets/clip-vit-b32-classes.f16", t, 0o644)
}
