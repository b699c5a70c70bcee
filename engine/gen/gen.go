package gen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/engine/synset"
	"github.com/laiondb/laiondb/index/vec"
)

//go:generate go run ./internal/mkassets

//go:embed assets/captions.jsonl.gz
var captionsGz []byte

//go:embed assets/clip-vit-b32-classes.f16
var classVectorsF16 []byte

// Config says what to generate.
type Config struct {
	Rows int
	Seed uint64
	Dim  int // default 512
	// Shard is the shard number, in the file names and the sample ids.
	// The shards of one seed are parts of one dataset: each has its own
	// rows, and all share the classes, the synset vectors and the
	// ImageNet-like set.
	Shard int
	// OnTopic is the share of rows with an on-topic class caption
	// (default 0.03).
	OnTopic float64
	// ImageNetPerClass, when > 0, also writes an ImageNet-like set with
	// that many images of each of the 1000 classes under imagenet/.
	ImageNetPerClass int
}

// Summary reports what Generate wrote.
type Summary struct {
	Dir          string
	Rows         int
	OnTopic      int
	Incidental   int
	NullCaptions int
	Files        []string
}

// realCaption is one caption of the real sample.
type realCaption struct {
	text, url string
	synset    int // the unique class it names under the paper rule, or -1
}

type world struct {
	dim      int
	text     [][]float32 // T_k
	image    [][]float32 // C_k
	topics   [][]float32
	captions []realCaption
	vocab    *synset.Vocabulary
	classes  []int     // classes with at least one active lemma, Zipf order
	zipf     []float64 // cumulative weights over classes
	lemmas   [][]string
	// laionSpread and inetSpread are each class's typical cosine between
	// an image and the class centre, in LAION and in the ImageNet-like set.
	laionSpread, inetSpread []float64
	// confusers are, per class, the classes its images may lean towards.
	confusers [][]int
	seed      uint64
}

var templates = []string{
	"a photo of a %s", "%s on white background", "beautiful %s in the wild", "my %s",
	"%s - stock photo", "close-up of a %s", "Vintage %s for sale", "the %s at the zoo",
	"%s", "A %s, photographed in natural light", "cute %s", "%s isolated",
}

// Generate writes a shard under dir in the LAION-5B embedding layout:
// metadata/metadata_NNNN.parquet, img_emb/img_emb_NNNN.npy,
// text_emb/text_emb_NNNN.npy, plus synsets/synset_text.tsv and
// synsets/synset_text_emb.npy (the synset texts and their vectors).
func Generate(dir string, cfg Config) (*Summary, error) {
	if cfg.Dim == 0 {
		cfg.Dim = 512
	}
	if cfg.OnTopic == 0 {
		cfg.OnTopic = 0.03
	}
	if cfg.Rows < 0 || cfg.Dim < 2 {
		return nil, fmt.Errorf("gen: need rows ≥ 0 and dim ≥ 2")
	}
	w, err := newWorld(cfg)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Dir: dir, Rows: cfg.Rows}
	num := fmt.Sprintf("%04d", cfg.Shard)
	metaPath := filepath.Join(dir, "metadata", "metadata_"+num+".parquet")
	imgPath := filepath.Join(dir, "img_emb", "img_emb_"+num+".npy")
	txtPath := filepath.Join(dir, "text_emb", "text_emb_"+num+".npy")
	sum.Files = []string{imgPath, metaPath, txtPath}
	meta, err := createParquet[Row](metaPath)
	if err != nil {
		return nil, err
	}
	defer meta.abort()
	imgW, err := createNpy(imgPath, cfg.Rows, cfg.Dim)
	if err != nil {
		return nil, err
	}
	defer imgW.Close()
	txtW, err := createNpy(txtPath, cfg.Rows, cfg.Dim)
	if err != nil {
		return nil, err
	}
	defer txtW.Close()

	// Workers generate chunks (each a function of seed and chunk number);
	// the loop below writes them in order, so memory stays bounded.
	const chunk = 4096
	nchunks := (cfg.Rows + chunk - 1) / chunk
	type result struct {
		rows     []Row
		img, txt []byte
		st       chunkStats
	}
	results := make([]chan result, nchunks)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	// A chunk takes its place among those in flight before a worker may
	// take it, so places go in chunk order and the chunk the loop waits
	// for always has one (taken by the worker instead, a later chunk
	// could hold the last place while the loop waits for an earlier one).
	work := make(chan int)
	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0)) // chunks in flight
	stop := make(chan struct{})                         // an error below ends the feeding
	defer close(stop)
	go func() {
		defer close(work)
		for c := 0; c < nchunks; c++ {
			select {
			case sem <- struct{}{}:
				work <- c
			case <-stop:
				return
			}
		}
	}()
	for range runtime.GOMAXPROCS(0) {
		go func() {
			img := make([]float32, chunk*cfg.Dim)
			txt := make([]float32, chunk*cfg.Dim)
			for c := range work {
				lo := c * chunk
				hi := min(cfg.Rows, lo+chunk)
				n := hi - lo
				res := result{rows: make([]Row, n), img: make([]byte, 2*n*cfg.Dim), txt: make([]byte, 2*n*cfg.Dim)}
				res.st = w.rows(cfg, uint64(c), lo, res.rows, img[:n*cfg.Dim], txt[:n*cfg.Dim])
				vec.F32ToF16(res.img, img[:n*cfg.Dim])
				vec.F32ToF16(res.txt, txt[:n*cfg.Dim])
				results[c] <- res
			}
		}()
	}
	for c := 0; c < nchunks; c++ {
		res := <-results[c]
		<-sem
		sum.OnTopic += res.st.onTopic
		sum.Incidental += res.st.incidental
		sum.NullCaptions += res.st.nulls
		if err := meta.write(res.rows); err != nil {
			return nil, err
		}
		if err := imgW.WriteRows(res.img); err != nil {
			return nil, err
		}
		if err := txtW.WriteRows(res.txt); err != nil {
			return nil, err
		}
	}
	if err := meta.close(); err != nil {
		return nil, err
	}
	if err := imgW.Close(); err != nil {
		return nil, err
	}
	if err := txtW.Close(); err != nil {
		return nil, err
	}
	sort.Strings(sum.Files)
	texts, err := w.writeSynsets(filepath.Join(dir, "synsets"))
	if err != nil {
		return nil, err
	}
	sum.Files = append(sum.Files, texts...)
	if cfg.ImageNetPerClass > 0 {
		p, err := w.writeImageNet(filepath.Join(dir, "imagenet"), cfg)
		if err != nil {
			return nil, err
		}
		sum.Files = append(sum.Files, p...)
	}
	return sum, nil
}

func newWorld(cfg Config) (*world, error) {
	cat, err := synset.ImageNet1k()
	if err != nil {
		return nil, err
	}
	vocab, err := cat.Vocabulary(synset.Paper)
	if err != nil {
		return nil, err
	}
	w := &world{dim: cfg.Dim, vocab: vocab}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	base := make([]float32, 512)
	for k := 0; k < 1000; k++ {
		vec.F16ToF32(base, classVectorsF16[k*1024:(k+1)*1024])
		t := make([]float32, cfg.Dim)
		copy(t, base)
		for j := 512; j < cfg.Dim; j++ {
			t[j] = float32(r.NormFloat64()) * 0.044 // same spread as CLIP's components
		}
		unit(t)
		w.text = append(w.text, t)
		g := randomUnit(r, cfg.Dim)
		c := make([]float32, cfg.Dim)
		for j := range c {
			c[j] = t[j] + float32(0.8*g[j]) // rounded: no fused multiply-add (see around)
		}
		unit(c)
		w.image = append(w.image, c)
	}
	for range 64 {
		w.topics = append(w.topics, randomUnit(r, cfg.Dim))
	}
	for range 1000 {
		w.laionSpread = append(w.laionSpread, uniform(r, 0.55, 0.30))
		w.inetSpread = append(w.inetSpread, uniform(r, 0.70, 0.20))
	}
	// Confusers come from a generator of their own, so that everything
	// drawn from r is as it was before they existed.
	w.seed = cfg.Seed
	cr := rand.New(rand.NewPCG(cfg.Seed, 0xc0f))
	w.confusers = make([][]int, 1000)
	for k := range w.confusers {
		for len(w.confusers[k]) < confusersPerClass {
			if j := cr.IntN(1000); j != k {
				w.confusers[k] = append(w.confusers[k], j)
			}
		}
	}
	// Lemmas per class, and the Zipf order of the classes that have any.
	w.lemmas = make([][]string, 1000)
	for _, e := range vocab.Entries() {
		if len(e.Forms) > 0 {
			w.lemmas[e.Synset] = append(w.lemmas[e.Synset], e.Lemma)
		}
	}
	for k := range w.lemmas {
		if len(w.lemmas[k]) > 0 {
			w.classes = append(w.classes, k)
		}
	}
	r.Shuffle(len(w.classes), func(i, j int) { w.classes[i], w.classes[j] = w.classes[j], w.classes[i] })
	var acc float64
	for i := range w.classes {
		acc += 1 / math.Pow(float64(i+1), 1.1)
		w.zipf = append(w.zipf, acc)
	}
	// The real captions, with the class each names (if exactly one).
	zr, err := gzip.NewReader(bytes.NewReader(captionsGz))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec [2]string
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("gen assets: %w", err)
		}
		rc := realCaption{text: rec[0], url: rec[1], synset: -1}
		if m := vocab.MatchCaption(rec[0]); len(m) == 1 {
			rc.synset = m[0]
		}
		w.captions = append(w.captions, rc)
	}
	return w, sc.Err()
}

type chunkStats struct{ onTopic, incidental, nulls int }

// rows fills one chunk; its randomness depends only on (seed, chunk).
func (w *world) rows(cfg Config, chunk uint64, first int, rows []Row, img, txt []float32) chunkStats {
	// Each shard of a seed has its own rows (shard 0's stream is chunk+1,
	// as before shards had streams) in the same world: the same classes,
	// synset vectors and ImageNet-like set, as the shards of one dataset.
	r := rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.Shard)<<32|(chunk+1)))
	var st chunkStats
	noise := make([]float32, w.dim)
	for i := range rows {
		id := first + i
		row := &rows[i]
		row.SampleID = int64(cfg.Shard)*100_000_000 + int64(id)
		row.Height = int64([]int{256, 300, 375, 480, 500, 600, 768, 1024}[r.IntN(8)])
		row.Width = int64([]int{256, 320, 400, 500, 640, 800, 1024}[r.IntN(7)])
		row.License = "?"
		if r.Float64() < 0.05 {
			row.License = "http://creativecommons.org/licenses/by/2.0/"
		}
		switch p := r.Float64(); {
		case p < 0.92:
			row.NSFW = "UNLIKELY"
		case p < 0.98:
			row.NSFW = "UNSURE"
		default:
			row.NSFW = "NSFW"
		}
		row.Similarity = uniform(r, 0.3, 0.15)
		iv, tv := img[i*w.dim:(i+1)*w.dim], txt[i*w.dim:(i+1)*w.dim]
		switch p := r.Float64(); {
		case p < 0.0005:
			st.nulls++
			row.URL = fmt.Sprintf("http://images.example/%d.jpg", id)
			w.unrelated(r, iv, noise)
			w.unrelated(r, tv, noise)
		case p < 0.0005+cfg.OnTopic:
			st.onTopic++
			k := w.classes[sort.SearchFloat64s(w.zipf, float64(r.Float64()*w.zipf[len(w.zipf)-1]))]
			lemma := w.lemmas[k][r.IntN(len(w.lemmas[k]))]
			c := fmt.Sprintf(templates[r.IntN(len(templates))], lemma)
			row.Text = &c
			row.URL = fmt.Sprintf("http://images.example/%s/%d.jpg", strings.ReplaceAll(lemma, " ", "_"), id)
			around(r, tv, w.text[k], uniform(r, 0.78, 0.17), noise)
			w.aroundConfused(r, iv, k, uniform(r, w.laionSpread[k]-0.06, 0.12), noise, 1, uint64(id))
		default:
			rc := &w.captions[r.IntN(len(w.captions))]
			c := rc.text
			row.Text, row.URL = &c, rc.url
			if rc.synset >= 0 {
				st.incidental++
				around(r, tv, w.text[rc.synset], uniform(r, 0.45, 0.35), noise)
			} else {
				w.unrelated(r, tv, noise)
			}
			w.unrelated(r, iv, noise)
		}
	}
	return st
}

// confusersPerClass is how many other classes a class's images may lean
// towards.
const confusersPerClass = 3

// confusion is the largest share of an image's off-centre direction that
// points at a confuser class. At 0.9, zero-shot classification with the
// class text vectors is right for about 90% of the ImageNet-like images
// and about 70% of LAIONet's (on the demo's data).
const confusion = 0.9

// aroundConfused writes into dst an image of class k at cosine rho from
// its centre C_k, like around, except that the part of the image off the
// centre leans towards the centre of one of k's confuser classes: its
// direction is a·D + sqrt(1 − a²)·noise, D being that centre's component
// orthogonal to C_k and a drawn from U(0, confusion). The less typical an
// image (the smaller rho), the larger that part, so a classifier mistakes
// it for the confuser more often: LAION's images, spread wider around
// their centres than the ImageNet-like set's, are classified worse, as the
// paper finds. The confuser and a come from a generator seeded by (seed,
// set, i), i the image's number, so nothing else r draws changes.
func (w *world) aroundConfused(r *rand.Rand, dst []float32, k int, rho float64, noise []float32, set, i uint64) {
	fillNoise(r, noise)
	c := w.image[k]
	cr := rand.New(rand.NewPCG(w.seed^(set<<56), i))
	j := w.confusers[k][cr.IntN(len(w.confusers[k]))]
	a := confusion * cr.Float64()
	dir := make([]float32, len(c))
	copy(dir, w.image[j])
	d := float32(vec.DotF64(dir, c))
	for x := range dir {
		dir[x] -= float32(d * c[x])
	}
	unit(dir)
	// The noise, orthogonal to the centre and to the confuser's direction.
	d = float32(vec.DotF64(noise, c))
	for x := range noise {
		noise[x] -= float32(d * c[x])
	}
	d = float32(vec.DotF64(noise, dir))
	for x := range noise {
		noise[x] -= float32(d * dir[x])
	}
	unit(noise)
	fa, fb := float32(a), float32(math.Sqrt(1-float64(a*a)))
	for x := range noise {
		noise[x] = float32(fa*dir[x]) + float32(fb*noise[x])
	}
	s := float32(math.Sqrt(1 - float64(rho*rho)))
	for x := range dst {
		dst[x] = float32(float32(rho)*c[x]) + float32(s*noise[x])
	}
	unit(dst)
}

func (w *world) unrelated(r *rand.Rand, dst, noise []float32) {
	around(r, dst, w.topics[r.IntN(len(w.topics))], uniform(r, 0.3, 0.3), noise)
}

// around writes into dst a unit vector at cosine rho from the unit vector c.
//
// Generation must write the same bytes on every CPU and build, so it uses
// no SIMD kernel (their summation order differs) and rounds every product
// explicitly (float32(x*y)), which keeps compilers that fuse multiply-adds
// (arm64) from changing the result.
func around(r *rand.Rand, dst, c []float32, rho float64, noise []float32) {
	fillNoise(r, noise)
	d := float32(vec.DotF64(noise, c))
	for j := range noise {
		noise[j] -= float32(d * c[j])
	}
	unit(noise)
	s := float32(math.Sqrt(1 - float64(rho*rho)))
	for j := range dst {
		dst[j] = float32(float32(rho)*c[j]) + float32(s*noise[j])
	}
	unit(dst)
}

// fillNoise draws a random direction cheaply: uniform components from four
// 16-bit draws per 64-bit random number.
func fillNoise(r *rand.Rand, dst []float32) {
	for j := 0; j < len(dst); j += 4 {
		u := r.Uint64()
		for k := 0; k < 4 && j+k < len(dst); k++ {
			dst[j+k] = float32(int16(u>>(16*k))) / 32768
		}
	}
}

func randomUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for j := range v {
		v[j] = float32(r.NormFloat64())
	}
	unit(v)
	return v
}

// uniform draws from [lo, lo+width). The product is rounded on its own
// (float64(...)): a compiler that fuses multiply-adds (arm64) would
// otherwise round once and give other bits.
func uniform(r *rand.Rand, lo, width float64) float64 {
	return lo + float64(width*r.Float64())
}

// unit scales v to unit length, the same bits on every CPU (see around).
func unit(v []float32) {
	if n := float32(math.Sqrt(vec.DotF64(v, v))); n > 0 {
		vec.Scale(v, 1/n)
	}
}

// writeSynsets writes the 1000 synset texts (one a line, class order) and
// their vectors T_k, the pair an embedding import reads.
func (w *world) writeSynsets(dir string) ([]string, error) {
	cat, err := synset.ImageNet1k()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var b strings.Builder
	flat := make([]float32, 0, 1000*w.dim)
	for k, s := range cat.Classes() {
		b.WriteString(synset.Text(s))
		b.WriteByte('\n')
		flat = append(flat, w.text[k]...)
	}
	tsv := filepath.Join(dir, "synset_text.tsv")
	if err := os.WriteFile(tsv, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	emb := filepath.Join(dir, "synset_text_emb.npy")
	if err := WriteVectors(emb, npy.Float16, flat, w.dim); err != nil {
		return nil, err
	}
	// The same vectors as a zero-shot classifier's weights, laid out as
	// CLIP's published ones are: (dim, classes), one column per class.
	cols := make([]float32, len(flat))
	for k := 0; k < 1000; k++ {
		for j := 0; j < w.dim; j++ {
			cols[j*1000+k] = flat[k*w.dim+j]
		}
	}
	zs := filepath.Join(dir, "zeroshot_weights.npy")
	if err := WriteVectors(zs, npy.Float16, cols, 1000); err != nil {
		return nil, err
	}
	return []string{tsv, emb, zs}, nil
}

// ImageNetRow is one image of the ImageNet-like set.
type ImageNetRow struct {
	File string `parquet:"file"`
	WNID string `parquet:"wnid"`
}

// writeImageNet writes n images of each class, around the class image
// centres, for most classes tighter than LAION's on-topic images.
func (w *world) writeImageNet(dir string, cfg Config) ([]string, error) {
	cat, err := synset.ImageNet1k()
	if err != nil {
		return nil, err
	}
	n := cfg.ImageNetPerClass
	rows := make([]ImageNetRow, 0, 1000*n)
	img := make([]float32, 1000*n*w.dim)
	r := rand.New(rand.NewPCG(cfg.Seed, 0x1a6e))
	noise := make([]float32, w.dim)
	for k, s := range cat.Classes() {
		for i := 0; i < n; i++ {
			j := k*n + i
			rows = append(rows, ImageNetRow{File: fmt.Sprintf("%s/ILSVRC2012_val_%08d.JPEG", s.WNID, j+1), WNID: s.WNID.String()})
			w.aroundConfused(r, img[j*w.dim:(j+1)*w.dim], k, uniform(r, w.inetSpread[k]-0.05, 0.10), noise, 2, uint64(j))
		}
	}
	meta := filepath.Join(dir, "metadata", "metadata_0000.parquet")
	if err := WriteParquet(meta, rows); err != nil {
		return nil, err
	}
	emb := filepath.Join(dir, "img_emb", "img_emb_0000.npy")
	if err := WriteVectors(emb, npy.Float16, img, w.dim); err != nil {
		return nil, err
	}
	return []string{meta, emb}, nil
}
