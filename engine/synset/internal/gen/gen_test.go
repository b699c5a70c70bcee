package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedCatalogIsFresh regenerates the catalog and the licence notice
// into a temporary directory and compares them with the committed files.
func TestCommittedCatalogIsFresh(t *testing.T) {
	const wn = "/usr/share/wordnet"
	const copyright = "/usr/share/doc/wordnet-base/copyright"
	for _, p := range []string{filepath.Join(wn, "data.noun"), copyright} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s missing (Debian package wordnet-base): cannot regenerate", p)
		}
	}
	dir := t.TempDir()
	out, lic := filepath.Join(dir, "imagenet1k.txt"), filepath.Join(dir, "WORDNET_LICENSE")
	if err := run(wn, "../../../../testdata/imagenet-1k-wnids.txt", out, lic, copyright); err != nil {
		t.Fatal(err)
	}
	for gen, committed := range map[string]string{out: "../../imagenet1k.txt", lic: "../../WORDNET_LICENSE"} {
		a, err := os.ReadFile(gen)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(committed)
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Errorf("%s is stale: run go generate in engine/synset", committed)
		}
	}
}
