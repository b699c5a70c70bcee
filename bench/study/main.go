// Command study times the LAIONet study's heavy statements on an ingested
// shard and writes the vectors numpy needs to do the same computations
// (bench/study.sh runs both and prints the table):
//
//	(a) the LAIONet-building CREATE SET,
//	(b) intraclass(img) for every class of LAIONet,
//	(c) COMPARE INTRACLASS with at most 100 LAIONet images per class.
//
//	go run ./bench/study --db DIR --shard DIR --out DIR [--runs 3]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

func main() {
	dbDir := flag.String("db", "", "database with the shard ingested as laion and its ImageNet-like set as imagenet")
	shard := flag.String("shard", "", "the shard directory (for its synsets/ embeddings)")
	out := flag.String("out", "", "directory for the npy files numpy reads")
	runs := flag.Int("runs", 3, "runs of each statement; the median is reported")
	flag.Parse()
	if err := run(*dbDir, *shard, *out, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "study:", err)
		os.Exit(1)
	}
}

func exec(ctx context.Context, s *query.Session, src string) ([]query.Row, string, error) {
	st, err := ast.ParseStatement("", src)
	if err != nil {
		return nil, "", err
	}
	res, err := s.Exec(ctx, st)
	if err != nil {
		return nil, "", err
	}
	var rows []query.Row
	if res.Rows != nil {
		if rows, err = query.Collect(res.Rows); err != nil {
			return nil, "", err
		}
	}
	return rows, res.Message, nil
}

// timed runs src runs times (before each: setup) and returns the median.
func timed(ctx context.Context, s *query.Session, runs int, setup, src string) (time.Duration, string, error) {
	var ds []time.Duration
	var msg string
	for r := 0; r < runs; r++ {
		if setup != "" {
			if _, _, err := exec(ctx, s, setup); err != nil {
				return 0, "", err
			}
		}
		st := time.Now()
		rows, m, err := exec(ctx, s, src)
		if err != nil {
			return 0, "", fmt.Errorf("%s: %w", src, err)
		}
		ds = append(ds, time.Since(st))
		msg = m
		if msg == "" {
			msg = fmt.Sprintf("%d rows", len(rows))
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], msg, nil
}

func run(dbDir, shard, out string, runs int) error {
	ctx := context.Background()
	db, err := engine.Open(engine.DefaultOptions(dbDir))
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := query.NewSession(db, query.Options{})
	if err != nil {
		return err
	}
	if _, _, err := exec(ctx, s, fmt.Sprintf("IMPORT EMBEDDINGS FROM '%s', '%s' MODEL 'clip-vit-b32'",
		filepath.Join(shard, "synsets", "synset_text.tsv"), filepath.Join(shard, "synsets", "synset_text_emb.npy"))); err != nil {
		return err
	}
	if _, _, err := exec(ctx, s, "DROP SET IF EXISTS imagenet_val"); err != nil {
		return err
	}
	if _, _, err := exec(ctx, s, "CREATE SET imagenet_val AS SELECT id, wnid AS synset FROM imagenet"); err != nil {
		return err
	}
	const build = `CREATE SET laionet AS SELECT *, cos(txt, embed(synset_text(synset))) AS text_similarity FROM laion
		WHERE caption MATCHES IMAGENET AND cos(txt, embed(synset_text(synset))) > 0.82 AND nsfw = 'UNLIKELY'`
	a, am, err := timed(ctx, s, runs, "DROP SET IF EXISTS laionet", build)
	if err != nil {
		return err
	}
	b, bm, err := timed(ctx, s, runs, "", "SELECT synset, intraclass(img) FROM laionet GROUP BY synset")
	if err != nil {
		return err
	}
	const cmp = "COMPARE INTRACLASS (SELECT * FROM laionet LIMIT 100 PER synset) AS l, imagenet_val BY synset MIN PAIRS 7"
	c, cm, err := timed(ctx, s, runs, "", cmp)
	if err != nil {
		return err
	}
	fmt.Printf("laiondb\t(a) build LAIONet\t%.4f\t%s\n", a.Seconds(), am)
	fmt.Printf("laiondb\t(b) intraclass per class\t%.4f\t%s\n", b.Seconds(), bm)
	fmt.Printf("laiondb\t(c) COMPARE INTRACLASS, <=100 per class\t%.4f\t%s\n", c.Seconds(), cm)

	// The same vectors for numpy: class labels (as float32 class indices)
	// and unit vectors, float32.
	cat, _ := synset.ImageNet1k()
	dump := func(q, name string) error {
		rows, _, err := exec(ctx, s, q)
		if err != nil {
			return err
		}
		labels := make([]float32, 0, len(rows))
		var vecs []float32
		dim := 0
		for _, r := range rows {
			syn, err := cat.Resolve(r[0].S)
			if err != nil {
				return err
			}
			labels = append(labels, float32(syn.Class))
			vecs = append(vecs, r[1].V...)
			dim = len(r[1].V)
		}
		if err := gen.WriteVectors(filepath.Join(out, name+"_labels.npy"), npy.Float32, labels, 1); err != nil {
			return err
		}
		return gen.WriteVectors(filepath.Join(out, name+"_img.npy"), npy.Float32, vecs, dim)
	}
	if err := dump("SELECT synset, img FROM laionet", "laionet"); err != nil {
		return err
	}
	if err := dump("SELECT synset, img FROM laionet LIMIT 100 PER synset", "laionet100"); err != nil {
		return err
	}
	return dump("SELECT synset, img FROM imagenet_val", "imagenet")
}
