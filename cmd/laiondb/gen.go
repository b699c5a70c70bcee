package main

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/engine/gen"
)

func init() {
	register("gen", "write a deterministic LAION-format shard for demos, tests and benchmarks", runGen)
}

func runGen(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "gen", "--rows N --out DIR [--seed S] [--dim D]",
		"Writes DIR/metadata/metadata_NNNN.parquet, DIR/img_emb/img_emb_NNNN.npy,\n"+
			"DIR/text_emb/text_emb_NNNN.npy (float16), and DIR/synsets/ with the synset\n"+
			"texts and their vectors. Real LAION captions mixed with on-topic captions\n"+
			"naming ImageNet classes; vectors planted around real CLIP class embeddings.")
	var cfg gen.Config
	var out string
	fs.IntVar(&cfg.Rows, "rows", 0, "number of rows")
	fs.StringVar(&out, "out", "", "output directory")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (same seed, same bytes)")
	fs.IntVar(&cfg.Dim, "dim", 512, "embedding dimension")
	fs.IntVar(&cfg.Shard, "shard", 0, "shard number: its own rows, file names and ids; shards of one seed share classes and the ImageNet-like set")
	fs.Float64Var(&cfg.OnTopic, "on-topic", 0.03, "share of rows with an on-topic ImageNet caption")
	fs.IntVar(&cfg.ImageNetPerClass, "imagenet", 0, "also write an ImageNet-like set with this many images per class under DIR/imagenet")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.Rows <= 0 || out == "" {
		fs.Usage()
		return fmt.Errorf("--rows N (N > 0) and --out DIR are required")
	}
	sum, err := gen.Generate(out, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d rows to %s (%d on-topic, %d incidental class mentions, %d NULL captions)\n",
		sum.Rows, sum.Dir, sum.OnTopic, sum.Incidental, sum.NullCaptions)
	return nil
}
