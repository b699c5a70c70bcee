package embed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/laiondb/laiondb/engine/embed"
)

// An Embedder in front of an HTTP embedding server: each distinct text is
// sent once, in batches; a database (*engine.DB) given as the Cache would
// also keep the vectors across sessions.
func ExampleEmbedder() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Input []string }
		json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Embedding []float64 `json:"embedding"`
			Index     int       `json:"index"`
		}
		data := make([]item, len(req.Input))
		for i, t := range req.Input {
			data[i] = item{Embedding: []float64{float64(len(t)), 1, 0, 0}, Index: i}
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	defer srv.Close()

	p, err := embed.NewHTTP(srv.URL+"/v1/embeddings", "toy", embed.DefaultHTTPOptions().WithBatchSize(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := embed.NewEmbedder(p, nil)
	vecs, err := e.Lookup(context.Background(), []string{"tench", "goldfish", "tench", "shark"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d vectors of dim %d, first %.3f\n", len(vecs), e.Dim(), vecs[0])
	fmt.Printf("%+v\n", e.Stats())
	// Output:
	// 4 vectors of dim 4, first [0.981 0.196 0.000 0.000]
	// {Cached:0 Embedded:3 Calls:1}
}
