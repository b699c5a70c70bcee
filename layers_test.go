// Package laiondb_test checks the module's layers: cmd → repl → query →
// engine → index, one way only, for code and tests alike (STYLE.md).
package laiondb_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/laiondb/laiondb"

// layers orders the module's top-level folders: a package may import the
// module's packages of its own layer and the layers below it only.
var layers = map[string]int{
	"index":    0,
	"examples": 0, // the study script, embedded: imports nothing
	"engine":   1,
	"query":    2,
	"repl":     3,
	"cmd":      4,
	"bench":    4, // commands beside cmd; bench/knn/knnbench is `laiondb bench knn`
}

// only names the third-party modules that one part of the tree alone may
// import (tests included).
var only = map[string]string{
	"github.com/dgraph-io/badger/v4":    "engine",
	"github.com/peterh/liner":           "repl",
	"github.com/alecthomas/participle/": "query/internal/grammar",
}

// exceptions are known breaches of the rules above, each with the reason
// it stands and where it goes; remove an entry when its breach is gone.
var exceptions = map[[2]string]string{}

type pkg struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

func listPackages(t *testing.T, args ...string) []pkg {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json=ImportPath,Imports,TestImports,XTestImports"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Skipf("go list: %v (is the go command on PATH?)", err)
	}
	var ps []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// rel is path relative to the module, "" for packages outside it.
func rel(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func top(r string) string { return strings.SplitN(r, "/", 2)[0] }

func under(r, dir string) bool { return r == dir || strings.HasPrefix(r, dir+"/") }

func TestLayers(t *testing.T) {
	used := map[[2]string]bool{}
	for _, p := range listPackages(t, "./...") {
		from, _ := rel(p.ImportPath)
		if from == "." {
			continue // this test
		}
		lf, ok := layers[top(from)]
		if !ok {
			t.Errorf("%s: top-level folder %q has no layer in layers_test.go", from, top(from))
			continue
		}
		check := func(imports []string, kind string) {
			for _, imp := range imports {
				for mod, owner := range only {
					if _, ok := exceptions[[2]string{from, imp}]; ok {
						used[[2]string{from, imp}] = true
						continue
					}
					if strings.HasPrefix(imp, mod) && !under(from, owner) {
						t.Errorf("%s (%s) imports %s: only %s may", from, kind, imp, owner)
					}
				}
				to, ok := rel(imp)
				if !ok {
					continue
				}
				if lt := layers[top(to)]; lt > lf {
					t.Errorf("%s (%s) imports %s, a layer above it", from, kind, to)
				}
				// index knows vectors and ids: nothing of laiondb but its own subpackages.
				if under(from, "index") && !under(to, "index") {
					t.Errorf("%s (%s) imports %s: index imports nothing of laiondb beyond index/", from, kind, to)
				}
				// repl formats what query hands it; the engine is query's business.
				if kind == "code" && under(from, "repl") && under(to, "engine") {
					t.Errorf("%s imports %s: repl reaches the engine through query", from, to)
				}
			}
		}
		check(p.Imports, "code")
		check(slices.Concat(p.TestImports, p.XTestImports), "tests")
	}
	for e := range exceptions {
		if !used[e] {
			t.Errorf("%s no longer imports %s: remove its entry from exceptions", e[0], e[1])
		}
	}
}

// TestBinaryDeps: the shipped binary does not link the benchmark's
// baseline index (bench/knn adds it).
func TestBinaryDeps(t *testing.T) {
	for _, p := range listPackages(t, "-deps", "./cmd/laiondb") {
		if strings.HasPrefix(p.ImportPath, "github.com/coder/hnsw") {
			t.Errorf("cmd/laiondb links %s", p.ImportPath)
		}
	}
}
