package query_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/query"
	"github.com/laiondb/laiondb/query/ast"
)

// A Session runs statements of the language against a database: parse a
// script with package ast, Exec each statement, read rows or a message.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "laiondb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := gen.Generate(filepath.Join(dir, "shard"), gen.Config{Rows: 2000, Seed: 1}); err != nil {
		log.Fatal(err)
	}
	db, err := engine.Open(engine.DefaultOptions(filepath.Join(dir, "db")))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	sess, err := query.NewSession(db, query.Options{Vars: map[string]string{"shard": filepath.Join(dir, "shard")}})
	if err != nil {
		log.Fatal(err)
	}
	script, err := ast.ParseScript("example.lq", `
		INGEST $shard INTO laion;
		CREATE SET matched AS SELECT * FROM laion WHERE caption MATCHES IMAGENET;
		SELECT name(synset) AS class, count(*) AS n FROM matched GROUP BY synset ORDER BY n DESC, class LIMIT 2;`)
	if err != nil {
		log.Fatal(err)
	}
	for _, st := range script {
		res, err := sess.Exec(ctx, st)
		if err != nil {
			log.Fatal(err)
		}
		if res.Message != "" {
			fmt.Println(res.Message)
		}
		if res.Rows == nil {
			continue
		}
		rows, err := query.Collect(res.Rows)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range rows {
			fmt.Printf("%s %d\n", r[0].S, r[1].I)
		}
	}
	// Output:
	// ingested 2000 rows into laion (1 shard)
	// created set matched: 113 rows of laion, storing synset
	// unicycle 11
	// bucket 6
}
