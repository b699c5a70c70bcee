package clip

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/laiondb/laiondb/index/vec"
)

// Encoder is CLIP's text tower (encode_text) with its tokenizer. It is
// safe for concurrent use.
type Encoder struct {
	name    string
	path    string
	width   int // W
	heads   int
	layers  int
	mlp     int // hidden width of the MLP
	dim     int // E, the embedding
	context int
	gelu    bool // exact GELU instead of QuickGELU

	tokEmb []float32 // VocabSize × W
	posEmb []float32 // context × W
	blocks []block
	lnF    layerNorm
	proj   *vec.PackedMatrix // E × W: the projection, transposed

	tok  *Tokenizer
	opts Options
	work *sync.Pool // of *workspace
}

// block is one pre-LN residual block, its linear layers packed for
// vec.MulAddT (nn.Linear's out × in layout).
type block struct {
	ln1, ln2         layerNorm
	qkv, out, fc, fo *vec.PackedMatrix // q/k/v in one; attention out; MLP in; MLP out
	qkvB, outB       []float32
	fcB, foB         []float32
}

type layerNorm struct{ w, b []float32 }

// tensorNames spells the tensors of the text tower in one of the two
// naming schemes, behind a common prefix.
type tensorNames struct {
	hf     bool // Hugging Face CLIPModel, else OpenAI / open_clip
	prefix string
}

func (n tensorNames) scheme() string {
	if n.hf {
		return "Hugging Face CLIPModel names"
	}
	return "OpenAI / open_clip names"
}

func (n tensorNames) tokEmb() string {
	if n.hf {
		return n.prefix + "text_model.embeddings.token_embedding.weight"
	}
	return n.prefix + "token_embedding.weight"
}

func (n tensorNames) posEmb() string {
	if n.hf {
		return n.prefix + "text_model.embeddings.position_embedding.weight"
	}
	return n.prefix + "positional_embedding"
}

func (n tensorNames) layerPrefix() string {
	if n.hf {
		return n.prefix + "text_model.encoder.layers."
	}
	return n.prefix + "transformer.resblocks."
}

// layer returns the name of a tensor of block l: part is the OpenAI name
// (ln_1, attn.out_proj, ...), suffix weight or bias.
func (n tensorNames) layer(l int, part, suffix string) string {
	if n.hf {
		part = map[string]string{"ln_1": "layer_norm1", "ln_2": "layer_norm2", "attn.out_proj": "self_attn.out_proj",
			"mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2", "attn.q": "self_attn.q_proj", "attn.k": "self_attn.k_proj",
			"attn.v": "self_attn.v_proj"}[part]
	}
	return n.layerPrefix() + strconv.Itoa(l) + "." + part + "." + suffix
}

func (n tensorNames) lnFinal(suffix string) string {
	if n.hf {
		return n.prefix + "text_model.final_layer_norm." + suffix
	}
	return n.prefix + "ln_final." + suffix
}

func (n tensorNames) projection() string {
	if n.hf {
		return n.prefix + "text_projection.weight"
	}
	return n.prefix + "text_projection"
}

// Load reads CLIP's text tower from a safetensors file in OpenAI /
// open_clip names (token_embedding.weight, transformer.resblocks.N...,
// text_projection) or Hugging Face CLIPModel names (text_model.*,
// text_projection.weight), with F32, F16 or BF16 tensors; a file holding
// the vision tower too is fine. The dimensions come from the tensors'
// shapes. Errors are *WeightsError values naming the file and tensor.
func Load(path string, opts Options) (*Encoder, error) {
	d := DefaultOptions()
	if opts.BatchTexts <= 0 {
		opts.BatchTexts = d.BatchTexts
	}
	if opts.Threads <= 0 {
		opts.Threads = runtime.GOMAXPROCS(0)
	}
	st, err := openSafetensors(path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	tok, err := NewTokenizer()
	if err != nil {
		return nil, err
	}
	e := &Encoder{path: path, tok: tok, opts: opts, work: &sync.Pool{}}
	if err := e.load(st); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Encoder) load(st *safetensors) error {
	var n tensorNames
	if p, ok := st.prefixOf("text_model.embeddings.token_embedding.weight"); ok {
		n = tensorNames{hf: true, prefix: p}
	} else if p, ok := st.prefixOf("token_embedding.weight"); ok {
		n = tensorNames{prefix: p}
	} else {
		return &WeightsError{Path: st.path, Tensor: "token_embedding.weight", Err: ErrMissingTensor,
			Msg: "missing: no CLIP text tower in the file (neither OpenAI / open_clip names nor Hugging Face's text_model.embeddings.token_embedding.weight)"}
	}
	missing := func(err error) error {
		if we, ok := err.(*WeightsError); ok && we.Err == ErrMissingTensor {
			we.Msg = "missing: the file, which has " + n.scheme() + ", has no tensor of that name"
		}
		return err
	}
	// The token embedding fixes the width.
	if s := st.shape(n.tokEmb()); len(s) == 2 {
		e.width = s[1]
	}
	W := e.width
	var err error
	if e.tokEmb, _, err = st.read(n.tokEmb(), []int{VocabSize, -1}, fmt.Sprintf("[%d width]: CLIP's vocabulary has %d tokens", VocabSize, VocabSize)); err != nil {
		return missing(err)
	}
	if W == 0 {
		return &WeightsError{Path: st.path, Tensor: n.tokEmb(), Err: ErrTensorShape, Msg: "misshapen: shape [49408 0], the width is 0"}
	}
	if e.posEmb, _, err = st.read(n.posEmb(), []int{ContextLength, W}, fmt.Sprintf("[%d %d] (context × width, width from %s)", ContextLength, W, n.tokEmb())); err != nil {
		return missing(err)
	}
	e.context = ContextLength
	e.layers, err = countLayers(st, n)
	if err != nil {
		return err
	}
	if s := st.shape(n.layer(0, "mlp.c_fc", "weight")); len(s) == 2 {
		e.mlp = s[0]
	}
	if s := st.shape(n.projection()); len(s) == 2 {
		e.dim = s[1]
		if n.hf {
			e.dim = s[0]
		}
	}
	vecW := func(name string) ([]float32, error) {
		v, _, err := st.read(name, []int{W}, fmt.Sprintf("[%d] (the width)", W))
		return v, missing(err)
	}
	matrix := func(name string, rows, cols int, what string) (*vec.PackedMatrix, error) {
		v, _, err := st.read(name, []int{rows, cols}, fmt.Sprintf("[%d %d] (%s)", rows, cols, what))
		if err != nil {
			return nil, missing(err)
		}
		return vec.Pack(v, rows, cols), nil
	}
	vector := func(name string, size int, what string) ([]float32, error) {
		v, _, err := st.read(name, []int{size}, fmt.Sprintf("[%d] (%s)", size, what))
		return v, missing(err)
	}
	M := e.mlp
	for l := range e.layers {
		var b block
		var err error
		if b.ln1.w, err = vecW(n.layer(l, "ln_1", "weight")); err != nil {
			return err
		}
		if b.ln1.b, err = vecW(n.layer(l, "ln_1", "bias")); err != nil {
			return err
		}
		if b.ln2.w, err = vecW(n.layer(l, "ln_2", "weight")); err != nil {
			return err
		}
		if b.ln2.b, err = vecW(n.layer(l, "ln_2", "bias")); err != nil {
			return err
		}
		if n.hf {
			// q, k and v are three W×W layers; stacked they are OpenAI's
			// in_proj (rows 0..W-1 q, then k, then v).
			w := make([]float32, 0, 3*W*W)
			b.qkvB = make([]float32, 0, 3*W)
			for _, part := range []string{"attn.q", "attn.k", "attn.v"} {
				m, _, err := st.read(n.layer(l, part, "weight"), []int{W, W}, fmt.Sprintf("[%d %d] (width × width)", W, W))
				if err != nil {
					return missing(err)
				}
				v, err := vecW(n.layer(l, part, "bias"))
				if err != nil {
					return err
				}
				w = append(w, m...)
				b.qkvB = append(b.qkvB, v...)
			}
			b.qkv = vec.Pack(w, 3*W, W)
		} else {
			if b.qkv, err = matrix(n.layer(l, "attn", "in_proj_weight"), 3*W, W, "3·width × width"); err != nil {
				return err
			}
			if b.qkvB, err = vector(n.layer(l, "attn", "in_proj_bias"), 3*W, "3·width"); err != nil {
				return err
			}
		}
		if b.out, err = matrix(n.layer(l, "attn.out_proj", "weight"), W, W, "width × width"); err != nil {
			return err
		}
		if b.outB, err = vecW(n.layer(l, "attn.out_proj", "bias")); err != nil {
			return err
		}
		if b.fc, err = matrix(n.layer(l, "mlp.c_fc", "weight"), M, W, "MLP width × width, the MLP width from layer 0"); err != nil {
			return err
		}
		if b.fcB, err = vector(n.layer(l, "mlp.c_fc", "bias"), M, "MLP width"); err != nil {
			return err
		}
		if b.fo, err = matrix(n.layer(l, "mlp.c_proj", "weight"), W, M, "width × MLP width"); err != nil {
			return err
		}
		if b.foB, err = vecW(n.layer(l, "mlp.c_proj", "bias")); err != nil {
			return err
		}
		e.blocks = append(e.blocks, b)
	}
	if e.lnF.w, err = vecW(n.lnFinal("weight")); err != nil {
		return err
	}
	if e.lnF.b, err = vecW(n.lnFinal("bias")); err != nil {
		return err
	}
	E := e.dim
	if n.hf {
		if e.proj, err = matrix(n.projection(), E, W, "embedding × width"); err != nil {
			return err
		}
		return e.settle(st)
	}
	p, _, err := st.read(n.projection(), []int{W, E}, fmt.Sprintf("[%d %d] (width × embedding)", W, E))
	if err != nil {
		return missing(err)
	}
	// text_projection is used as x·P; MulAddT computes x·Bᵀ, so B = Pᵀ,
	// which is P read column by column.
	pt := make([]float32, E*W)
	for i := range W {
		for j := range E {
			pt[j*W+i] = p[i*E+j]
		}
	}
	e.proj = vec.Pack(pt, E, W)
	return e.settle(st)
}

// countLayers returns one more than the highest block number in the
// file; a gap is found when its tensors are read.
func countLayers(st *safetensors, n tensorNames) (int, error) {
	prefix := n.layerPrefix()
	layers := 0
	for name := range st.tensors {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		if l, err := strconv.Atoi(num); err == nil && l >= layers {
			layers = l + 1
		}
	}
	if layers == 0 {
		return 0, &WeightsError{Path: st.path, Tensor: n.layer(0, "ln_1", "weight"), Err: ErrMissingTensor,
			Msg: "missing: the file has no transformer blocks (" + n.scheme() + ")"}
	}
	return layers, nil
}

// settle fixes what the shapes do not say: the heads, the activation and
// the model's name, from the options, else the file's metadata, else
// OpenAI's conventions.
func (e *Encoder) settle(st *safetensors) error {
	cfg := metadataConfig(st.metadata)
	e.heads = e.opts.Heads
	if e.heads <= 0 {
		e.heads = cfg.heads
	}
	if e.heads <= 0 {
		e.heads = max(1, e.width/64)
	}
	if e.width%e.heads != 0 {
		return &WeightsError{Path: st.path, Err: ErrTensorShape,
			Msg: fmt.Sprintf("the width %d does not split into %d attention heads", e.width, e.heads)}
	}
	act := e.opts.Activation
	if act == "" {
		act = cfg.activation
	}
	switch act {
	case "", "quick_gelu", "QuickGELU":
	case "gelu", "GELU":
		e.gelu = true
	default:
		return &WeightsError{Path: st.path, Msg: fmt.Sprintf("activation %q: use quick_gelu (OpenAI's models) or gelu", act)}
	}
	e.name = e.opts.Name
	if e.name == "" {
		e.name = recognise(e.width, e.layers, e.dim)
	}
	return nil
}

// recognise names a text tower by its shapes, as laiondb names the
// embeddings of LAION's shards by their dimension.
func recognise(width, layers, dim int) string {
	switch {
	case width == 512 && layers == 12 && dim == 512:
		return "clip-vit-b32"
	case width == 768 && layers == 12 && dim == 768:
		return "clip-vit-l14"
	case width == 1024 && layers == 24 && dim == 1024:
		return "clip-vit-h14"
	}
	return fmt.Sprintf("clip-text-w%d-l%d-e%d", width, layers, dim)
}

// fileConfig is what a file's metadata may say about the text tower.
type fileConfig struct {
	heads      int
	activation string
}

// metadataConfig reads the "config" entry of safetensors metadata, the
// JSON of OpenAI's model constructor (transformer_heads) or of a Hugging
// Face config (num_attention_heads, hidden_act, possibly under
// text_config); anything unreadable says nothing.
func metadataConfig(md map[string]string) fileConfig {
	var c struct {
		TransformerHeads int    `json:"transformer_heads"`
		Heads            int    `json:"num_attention_heads"`
		HiddenAct        string `json:"hidden_act"`
		Activation       string `json:"activation"`
		TextConfig       *struct {
			Heads     int    `json:"num_attention_heads"`
			HiddenAct string `json:"hidden_act"`
		} `json:"text_config"`
	}
	if json.Unmarshal([]byte(md["config"]), &c) != nil {
		return fileConfig{}
	}
	fc := fileConfig{heads: c.TransformerHeads, activation: c.Activation}
	if fc.heads == 0 {
		fc.heads = c.Heads
	}
	if fc.activation == "" {
		fc.activation = c.HiddenAct
	}
	if t := c.TextConfig; t != nil {
		if fc.heads == 0 {
			fc.heads = t.Heads
		}
		if fc.activation == "" {
			fc.activation = t.HiddenAct
		}
	}
	return fc
}

// Model returns the model name the vectors are known by.
func (e *Encoder) Model() string { return e.name }

// Dim returns the embedding's dimension.
func (e *Encoder) Dim() int { return e.dim }

// WithName returns an encoder that shares e's weights and reports its
// vectors as model name (the cache keys them by it).
func (e *Encoder) WithName(name string) *Encoder {
	if name == "" || name == e.name {
		return e
	}
	c := *e
	c.name = name
	return &c
}

// Path returns the weights file the encoder was loaded from.
func (e *Encoder) Path() string { return e.path }

// Tokenizer returns the encoder's tokenizer.
func (e *Encoder) Tokenizer() *Tokenizer { return e.tok }

// String describes the text tower.
func (e *Encoder) String() string {
	act := "QuickGELU"
	if e.gelu {
		act = "GELU"
	}
	return fmt.Sprintf("%s: width %d, %d layers, %d heads, MLP %d, %s, %d-d embedding", e.name, e.width, e.layers, e.heads, e.mlp, act, e.dim)
}
