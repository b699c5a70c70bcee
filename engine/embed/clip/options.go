package clip

// Options configures an Encoder. The zero value is usable: every zero
// field takes its default.
type Options struct {
	// Name is the model name the vectors are known by (the embedding
	// cache keys them by it). "" recognises the text tower from its
	// shapes: clip-vit-b32 (width 512, 12 layers, 512-d; also the text
	// tower of ViT-B/16 and RN101), clip-vit-l14 (768, 12, 768-d; also
	// RN50x16), clip-vit-h14 (1024, 24, 1024-d), otherwise
	// clip-text-w<width>-l<layers>-e<dim>.
	Name string
	// Heads is the number of attention heads. 0 takes it from the file's
	// metadata when it says (a "config" entry with transformer_heads or
	// num_attention_heads), else width/64 as in every OpenAI CLIP.
	Heads int
	// Activation is the MLP's: "quick_gelu" (x·σ(1.702x), OpenAI's
	// models) or "gelu" (exact, LAION's open_clip models). "" takes it from
	// the metadata when it says, else quick_gelu.
	Activation string
	// Threads is how many goroutines share the arithmetic (0: GOMAXPROCS).
	Threads int
	// BatchTexts is the most texts run through the transformer together
	// (default 64; a batch also stops at 2048 tokens). Texts are sorted
	// by length and packed without padding, so a batch costs what its
	// tokens cost.
	BatchTexts int
	// Progress, when set, is called after each batch with the number of
	// texts encoded so far and the total of the call.
	Progress func(done, total int)
}

// DefaultOptions returns the default options.
func DefaultOptions() Options { return Options{BatchTexts: 64} }

// WithName returns o with the model name set.
func (o Options) WithName(name string) Options { o.Name = name; return o }

// WithHeads returns o with the number of attention heads set.
func (o Options) WithHeads(n int) Options { o.Heads = n; return o }

// WithActivation returns o with the MLP activation set: "quick_gelu" or
// "gelu".
func (o Options) WithActivation(a string) Options { o.Activation = a; return o }

// WithThreads returns o with the number of goroutines set.
func (o Options) WithThreads(n int) Options { o.Threads = n; return o }

// WithBatchTexts returns o with the batch size set.
func (o Options) WithBatchTexts(n int) Options { o.BatchTexts = n; return o }

// WithProgress returns o reporting progress to f.
func (o Options) WithProgress(f func(done, total int)) Options { o.Progress = f; return o }
