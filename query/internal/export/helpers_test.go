package export

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/laiondb/laiondb/engine"
)

// laionCols is the shape of a LAIONet export: every type, a 512-d vector.
var laionCols = []Column{
	{Name: "id", Type: engine.TypeInt},
	{Name: "url", Type: engine.TypeString},
	{Name: "caption", Type: engine.TypeString},
	{Name: "synset", Type: engine.TypeString},
	{Name: "text_similarity", Type: engine.TypeFloat},
	{Name: "nsfw_unlikely", Type: engine.TypeBool},
	{Name: "img", Type: engine.TypeVector, Dim: 512},
}

// genRows returns a row source of n LAION-like rows, deterministic for a
// seed. Row i (0-based) has NULLs in a pattern tests can predict: caption
// on every 7th row, similarity every 11th, bool every 13th, vector every
// 17th. Vectors come from a pool of 256 unit vectors so that generating
// them costs little next to writing them; the slice it returns is reused.
func genRows(n int, seed uint64) func() ([]engine.Value, bool, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	pool := make([][]float32, 256)
	for i := range pool {
		v := make([]float32, 512)
		var s float64
		for j := range v {
			v[j] = float32(rng.NormFloat64())
			s += float64(v[j]) * float64(v[j])
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(s))
		}
		pool[i] = v
	}
	row := make([]engine.Value, len(laionCols))
	i := 0
	return func() ([]engine.Value, bool, error) {
		if i >= n {
			return nil, false, nil
		}
		row[0] = engine.Int(int64(i)*100_000_003 - 5)
		row[1] = engine.String(fmt.Sprintf("https://img.example/%d.jpg", i))
		row[2] = engine.String(caption(i))
		row[3] = engine.String(fmt.Sprintf("n%08d", 1_440_000+i%1000))
		row[4] = engine.Float(0.82 + float64(i%1000)/10007)
		row[5] = engine.Bool(i%3 != 0)
		row[6] = engine.Vector(pool[i%len(pool)])
		switch {
		case i%7 == 3:
			row[2] = engine.Null()
		case i%11 == 5:
			row[4] = engine.Null()
		case i%13 == 6:
			row[5] = engine.Null()
		case i%17 == 8:
			row[6] = engine.Null()
		}
		i++
		return row, true, nil
	}
}

// captions holds texts that stress quoting and escaping.
var captions = []string{
	"a goldfish in a bowl",
	"tench, \"Tinca tinca\", caught\nat dawn",
	"",
	"crème brûlée — 日本語 🐟",
	"tab\there, back\\slash, comma, end ",
}

func caption(i int) string { return captions[i%len(captions)] }
