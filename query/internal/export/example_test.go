package export_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/internal/export"
)

// Export two rows to CSV with the LAIONet column names.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "laionet.csv")

	cols := []export.Column{
		{Name: "url", Type: engine.TypeString},
		{Name: "caption", Type: engine.TypeString},
		{Name: "synset", Type: engine.TypeString},
		{Name: "text_similarity", Type: engine.TypeFloat},
		{Name: "img", Type: engine.TypeVector, Dim: 2},
	}
	rows := [][]engine.Value{
		{engine.String("https://x/1.jpg"), engine.String("a goldfish, in a bowl"), engine.String("n01443537"), engine.Float(0.875), engine.Vector([]float32{0.6, 0.8})},
		{engine.String("https://x/2.jpg"), engine.Null(), engine.String("n01440764"), engine.Float(0.83), engine.Null()},
	}
	i := 0
	next := func() ([]engine.Value, bool, error) {
		if i == len(rows) {
			return nil, false, nil
		}
		i++
		return rows[i-1], true, nil
	}
	res, err := export.Write(context.Background(), path, cols, next, export.Options{LaionetNames: true, Model: "clip-vit-b32"})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(path)
	fmt.Printf("%d rows\n%s", res.Rows, b)
	// Output:
	// 2 rows
	// URL,TEXT,name_def_wnid,text_to_name_def_wnid_similarity_clip-vit-b32,img
	// https://x/1.jpg,"a goldfish, in a bowl",n01443537,0.875,"[0.6,0.8]"
	// https://x/2.jpg,,n01440764,0.83,
}
