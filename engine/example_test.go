package engine_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/engine/synset"
)

// A database from a LAION-format shard: ingest it, then read through a
// snapshot — the rows whose caption names exactly one ImageNet class, and
// the nearest neighbours of one row's image.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "laiondb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	shard := filepath.Join(dir, "shard")
	if _, err := gen.Generate(shard, gen.Config{Rows: 2000, Seed: 1}); err != nil {
		log.Fatal(err)
	}

	db, err := engine.Open(engine.DefaultOptions(filepath.Join(dir, "db")))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	rep, err := db.Ingest(ctx, []string{shard}, engine.DefaultIngestOptions())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ingested %d rows into %s\n", rep.Rows, rep.Table)

	s := db.Snapshot()
	defer s.Close()
	src, err := s.Source("laion")
	if err != nil {
		log.Fatal(err)
	}
	labels, err := s.Labels(ctx, src.Table, synset.Paper)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d rows name exactly one class\n", labels.IDs().GetCardinality())

	// The image of row 7, then its three nearest rows by cosine (an exact
	// scan: the table has no HNSW index).
	img := src.Column("img")
	cur, err := s.Fetch(ctx, src, []int{img}, []uint64{7})
	if err != nil {
		log.Fatal(err)
	}
	cur.Next()
	q := cur.Row()[img].V
	near, err := s.Nearest(ctx, src, "img", q, 3, engine.NearestOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("nearest to row 7: row %d (score %.2f), then %d more\n", near[0].ID, near[0].Score, len(near)-1)
	// Output:
	// ingested 2000 rows into laion
	// 113 rows name exactly one class
	// nearest to row 7: row 7 (score 1.00), then 2 more
}

// Scan streams rows in id order, reading only the columns asked for.
func ExampleSnapshot_Scan() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "laiondb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := gen.Generate(filepath.Join(dir, "shard"), gen.Config{Rows: 500, Seed: 2}); err != nil {
		log.Fatal(err)
	}
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(dir, "db")))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Ingest(ctx, []string{filepath.Join(dir, "shard")}, engine.DefaultIngestOptions()); err != nil {
		log.Fatal(err)
	}
	s := db.Snapshot()
	defer s.Close()
	src, err := s.Source("laion")
	if err != nil {
		log.Fatal(err)
	}
	width := src.Column("width")
	cur, err := s.Scan(ctx, src, []int{width}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cur.Close()
	wide := 0
	for cur.Next() {
		if cur.Row()[width].I >= 1024 {
			wide++
		}
	}
	if err := cur.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(wide > 0 && wide < 500)
	// Output: true
}
