package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/engine/gen"
	"github.com/laiondb/laiondb/query/ast"
)

// The executor's fuzz target, beside the parser's (ast.FuzzParse): random
// statements over a small database (real badger on disk, made once per
// process) must not panic and must not hang. Each statement runs with a
// deadline; one that has not returned long after its deadline ignored
// the cancellation, and the test fails with a dump of the goroutines.
//
// The database is opened read-only, so statements that write fail at the
// engine after planning; statements that read or write files or the
// network outside the test's directory are not run (INGEST, IMPORT, SET
// embedder), and EXPORT and PLOT write into a temporary directory.
//
//	go test ./query -run '^$' -fuzz FuzzExec -fuzztime 5m

const (
	fuzzDeadline = 500 * time.Millisecond // each statement's context
	fuzzGrace    = 30 * time.Second       // beyond it, a statement hangs
	fuzzMaxRows  = 10000                  // rows read of a result
)

// fuzzFixture is the fuzzed database: built once per process from the
// setup statements of the .lq tests.
var fuzzFixture = sync.OnceValues(func() (*engine.DB, error) {
	dir, err := os.MkdirTemp("", "laiondb-fuzz-exec")
	if err != nil {
		return nil, err
	}
	fuzzDir = dir
	shard := filepath.Join(dir, "shard")
	if _, err := gen.Generate(shard, gen.Config{Rows: 400, Seed: 11, ImageNetPerClass: 1}); err != nil {
		return nil, err
	}
	dbDir := filepath.Join(dir, "db")
	db, err := engine.Open(engine.DefaultOptions(dbDir))
	if err != nil {
		return nil, err
	}
	s, err := NewSession(db, Options{Vars: fuzzVars(shard)})
	if err != nil {
		return nil, err
	}
	for _, src := range []string{
		"INGEST $shard INTO laion",
		"INGEST $imagenet INTO imagenet",
		"IMPORT EMBEDDINGS FROM $synset_texts, $synset_vectors MODEL 'clip-vit-b32'",
		"IMPORT CLASSIFIER clip FROM $b32_zeroshot",
		"CREATE SET matched AS SELECT * FROM laion WHERE caption MATCHES IMAGENET",
		"CREATE SET laionet AS SELECT *, cos(txt, embed(synset_text(synset))) AS text_similarity FROM laion WHERE caption MATCHES IMAGENET AND cos(txt, embed(synset_text(synset))) > 0.5",
		"CREATE SET imagenet_val AS SELECT id, wnid AS synset FROM imagenet",
		"CREATE SET a AS SELECT id, CASE WHEN id % 3 = 0 THEN NULL ELSE id % 4 END AS k, 'a' || id AS tag FROM laion WHERE id < 8",
		"CREATE INDEX ON laion(img) WITH (threads = 1)",
	} {
		st, err := ast.ParseStatement("", src)
		if err == nil {
			var res *Result
			if res, err = s.Exec(context.Background(), st); err == nil && res.Rows != nil {
				_, err = Collect(res.Rows)
			}
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", src, err)
		}
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return engine.Open(engine.DefaultOptions(dbDir).WithReadOnly(true))
})

// fuzzVars are the $variables of the .lq tests, pointing at the fuzz
// shard (only statements that read files use them, and those run only in
// the fixture).
func fuzzVars(shard string) map[string]string {
	captions, _ := filepath.Abs("../testdata/laion-captions-10k.parquet")
	b32, _ := filepath.Abs("../testdata/clip-vit-b32-imagenet-zeroshot.npy")
	return map[string]string{"shard": shard, "other_shard": shard, "min_width": "300", "captions": captions,
		"imagenet": filepath.Join(shard, "imagenet"), "synset_texts": filepath.Join(shard, "synsets", "synset_text.tsv"),
		"synset_vectors": filepath.Join(shard, "synsets", "synset_text_emb.npy"), "out": "out",
		"b32_zeroshot": b32, "l14_zeroshot": b32, "wnids": "wnids.txt"}
}

// fuzzDir is the fixture's directory, removed by TestMain when the
// process (the test or one of the fuzzer's workers) ends.
var fuzzDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if fuzzDir != "" {
		if db, err := fuzzFixture(); err == nil {
			db.Close()
		}
		os.RemoveAll(fuzzDir)
	}
	os.Exit(code)
}

func FuzzExec(f *testing.F) {
	files, err := filepath.Glob("testdata/*.lq")
	if err != nil || len(files) == 0 {
		f.Fatalf("no .lq files: %v", err)
	}
	for _, file := range files {
		blocks, _ := parseLQ(f, file)
		for _, b := range blocks {
			f.Add(b.stmts)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		db, err := fuzzFixture()
		if err != nil {
			t.Fatal(err)
		}
		fuzzScript(t, db, src)
	})
}

// fuzzScript runs the statements of src in a fresh session, each under
// a deadline.
func fuzzScript(t *testing.T, db *engine.DB, src string) {
	stmts, err := ast.ParseScript("", src)
	if err != nil || len(stmts) > 20 {
		return // the parser's fuzz target covers syntax
	}
	out := t.TempDir()
	s, err := NewSession(db, Options{Vars: map[string]string{"min_width": "300", "min": "3", "out": out}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if !fuzzable(st, out) {
			continue
		}
		s.Check([]ast.Stmt{st})
		ctx, cancel := context.WithTimeout(context.Background(), fuzzDeadline)
		done := make(chan error, 1)
		go func() { done <- fuzzExec(ctx, s, st) }()
		select {
		case err := <-done:
			cancel()
			var qe *Error
			if err != nil && !errors.As(err, &qe) && ctx.Err() == nil && !errors.Is(err, engine.ErrReadOnly) && !errors.Is(err, engine.ErrNoSource) {
				// Not a failure: errors from storage and the like need not
				// carry a position. Kept visible with -v.
				t.Logf("%s: %v", st.Span().Text, err)
			}
		case <-time.After(fuzzDeadline + fuzzGrace):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%s: still running %s after its deadline (cancellation ignored)\n%s", st.Span().Text, fuzzGrace, buf[:n])
		}
	}
}

// fuzzExec runs one statement and reads (some of) its rows.
func fuzzExec(ctx context.Context, s *Session, st ast.Stmt) error {
	res, err := s.Exec(ctx, st)
	if err != nil || res.Rows == nil {
		return err
	}
	defer res.Rows.Close()
	for n := 0; n < fuzzMaxRows && res.Rows.Next(); n++ {
		_ = res.Rows.Row()
	}
	return res.Rows.Err()
}

// fuzzable reports whether st may run in the fuzzer, rewriting the file
// an EXPORT or PLOT writes to a name in dir.
func fuzzable(st ast.Stmt, dir string) bool {
	switch x := st.(type) {
	case *ast.Ingest, *ast.ImportEmbeddings, *ast.ImportClassifier, *ast.ImportPredictions:
		return false
	case *ast.Set:
		return !strings.EqualFold(x.Name.Name, "embedder")
	case *ast.Export:
		return inDir(&x.To, dir)
	case *ast.Plot:
		return inDir(&x.To, dir)
	case *ast.Explain:
		return fuzzable(x.Stmt, dir)
	}
	return true
}

// inDir points a file name given as a string literal into dir (other
// expressions are not run).
func inDir(to *ast.Expr, dir string) bool {
	lit, ok := (*to).(*ast.StringLit)
	if !ok {
		return false
	}
	base := filepath.Base(lit.Value)
	if base == "." || base == ".." || base == string(filepath.Separator) || base == "" {
		base = "out"
	}
	c := *lit
	c.Value = filepath.Join(dir, base)
	*to = &c
	return true
}
