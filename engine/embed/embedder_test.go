package embed_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/laiondb/laiondb/engine/embed"
	"github.com/laiondb/laiondb/engine/npy"
)

func TestEmbedderWithoutCacheRemembers(t *testing.T) {
	tp, vp := writePair(t, "a\nb\nc\n", npy.Float32, threeRows)
	im, err := embed.NewImport(tp, vp, "m")
	if err != nil {
		t.Fatal(err)
	}
	e := embed.NewEmbedder(im, nil)
	if e.Model() != "m" || e.Dim() != 3 {
		t.Fatalf("model %q dim %d", e.Model(), e.Dim())
	}
	got, err := e.Lookup(context.Background(), []string{"c", "a", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || &got[0][0] != &got[2][0] || got[1][0] != 0.6 {
		t.Fatalf("lookup %v", got)
	}
	if _, err := e.Lookup(context.Background(), []string{"a", "c"}); err != nil {
		t.Fatal(err)
	}
	if st := e.Stats(); st != (embed.EmbedderStats{Embedded: 2, Calls: 1}) {
		t.Fatalf("stats %+v, want 2 texts embedded in one call", st)
	}
	_, err = e.Lookup(context.Background(), []string{"b", "zebra"})
	if !errors.Is(err, embed.ErrUnknownText) || !strings.Contains(err.Error(), `"zebra"`) {
		t.Fatalf("unknown text: %v", err)
	}
	// The chunk that failed is not remembered: "b" is asked for again.
	if _, err := e.Lookup(context.Background(), []string{"b"}); err != nil || e.Stats().Embedded != 3 {
		t.Fatalf("after a failed lookup: %v, stats %+v", err, e.Stats())
	}
}
