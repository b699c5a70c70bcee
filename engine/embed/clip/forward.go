package clip

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/laiondb/laiondb/index/vec"
)

// Encode returns encode_text's output for each text, in order: the
// projected row of the first EOT after the final LayerNorm, not
// normalised. Texts are tokenized as clip.tokenize does (77 ids, cut to
// fit).
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	ids := make([][]int32, len(texts))
	for i, t := range texts {
		ids[i] = e.tok.Tokenize(t)
	}
	return e.EncodeIDs(ctx, ids)
}

// Embed returns the unit-length embedding of each text: what Encode
// returns, normalised, as cosine similarity wants it. It makes an Encoder
// an embed.Provider.
func (e *Encoder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out, err := e.Encode(ctx, texts)
	if err != nil {
		return nil, err
	}
	for i, v := range out {
		n := vec.Norm(v)
		if n == 0 || math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
			return nil, fmt.Errorf("clip %s: the embedding of text %d has norm %v", e.name, i, n)
		}
		vec.Scale(v, 1/n)
	}
	return out, nil
}

// EncodeIDs is Encode for texts already tokenized: each row holds token
// ids and is read up to where encode_text pools, its first largest id
// (the first EOT when there is one); attention is causal, so what
// follows cannot change the result. The work is done in batches of texts
// of similar length, packed without padding; ctx is checked between
// batches.
func (e *Encoder) EncodeIDs(ctx context.Context, ids [][]int32) ([][]float32, error) {
	seqs := make([][]int32, len(ids))
	for i, row := range ids {
		if len(row) == 0 {
			return nil, fmt.Errorf("clip: text %d has no tokens", i)
		}
		n := 1
		for j, id := range row {
			if id > row[n-1] {
				n = j + 1
			}
		}
		if n > e.context {
			return nil, fmt.Errorf("clip: text %d has %d tokens before its end, more than the model's %d positions", i, n, e.context)
		}
		for _, id := range row[:n] {
			if id < 0 || id >= VocabSize {
				return nil, fmt.Errorf("clip: text %d holds token id %d, outside the vocabulary of %d", i, id, VocabSize)
			}
		}
		seqs[i] = row[:n]
	}
	// Sort by length so that a batch's texts cost alike.
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(seqs[a]) - len(seqs[b]) })
	out := make([][]float32, len(seqs))
	flat := make([]float32, len(seqs)*e.dim)
	for i := range out {
		out[i] = flat[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	for start := 0; start < len(order); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Up to BatchTexts texts, and (past the first) up to batchRows
		// tokens: the activations of a batch grow with its tokens.
		end, rows := start, 0
		for end < len(order) && end-start < e.opts.BatchTexts && (end == start || rows+len(seqs[order[end]]) <= batchRows) {
			rows += len(seqs[order[end]])
			end++
		}
		idx := order[start:end]
		start = end
		batch := make([][]int32, len(idx))
		res := make([][]float32, len(idx))
		for k, i := range idx {
			batch[k], res[k] = seqs[i], out[i]
		}
		e.forward(batch, res)
		if e.opts.Progress != nil {
			e.opts.Progress(end, len(order))
		}
	}
	return out, nil
}

// batchRows bounds the tokens of a batch: 2048 rows of a ViT-B/32 tower's
// activations take about 40 MB, and the matrix multiply is as fast on
// them as on more.
const batchRows = 2048

// forward runs the text tower on token sequences (each ending at its
// EOT) and writes encode_text's output for each into out. The rows of all
// texts are stacked into one matrix for the linear layers; attention runs
// per text and head.
func (e *Encoder) forward(seqs [][]int32, out [][]float32) {
	W, M, T := e.width, e.mlp, e.opts.Threads
	starts := make([]int, len(seqs)+1)
	for i, s := range seqs {
		starts[i+1] = starts[i] + len(s)
	}
	R, n := starts[len(seqs)], len(seqs)
	// The activations of a batch are tens of megabytes: reuse them rather
	// than leave the garbage collector a batch's worth each time.
	ws, _ := e.work.Get().(*workspace)
	if ws == nil {
		ws = &workspace{}
	}
	defer e.work.Put(ws)
	x := grow(&ws.x, R*W)
	for i, s := range seqs {
		for p, id := range s {
			row := x[(starts[i]+p)*W : (starts[i]+p+1)*W]
			copy(row, e.tokEmb[int(id)*W:int(id+1)*W])
			for j, v := range e.posEmb[p*W : (p+1)*W] {
				row[j] += v
			}
		}
	}
	h := grow(&ws.h, R*W)
	qkv := grow(&ws.qkv, R*3*W)
	att := grow(&ws.att, R*W)
	f := grow(&ws.f, R*M)
	// The last block only matters at each text's EOT row: its keys and
	// values need every row, the rest only those n rows.
	xe := grow(&ws.xe, n*W)
	for l := range e.blocks {
		b := &e.blocks[l]
		e.layerNorm(h, x, R, b.ln1)
		fillRows(qkv, R, b.qkvB)
		vec.MulAddT(qkv, h, R, b.qkv, T)
		rows, xs := R, x
		if l == len(e.blocks)-1 {
			e.attention(att[:n*W], qkv, starts, true)
			for i := range n {
				copy(xe[i*W:(i+1)*W], x[(starts[i+1]-1)*W:starts[i+1]*W])
			}
			rows, xs = n, xe
		} else {
			e.attention(att, qkv, starts, false)
		}
		addRows(xs, rows, b.outB)
		vec.MulAddT(xs, att[:rows*W], rows, b.out, T)
		e.layerNorm(h[:rows*W], xs, rows, b.ln2)
		fillRows(f[:rows*M], rows, b.fcB)
		vec.MulAddT(f[:rows*M], h[:rows*W], rows, b.fc, T)
		e.activate(f[:rows*M])
		addRows(xs, rows, b.foB)
		vec.MulAddT(xs, f[:rows*M], rows, b.fo, T)
	}
	e.layerNorm(h[:n*W], xe, n, e.lnF)
	emb := grow(&ws.emb, n*e.dim)
	clear(emb)
	vec.MulAddT(emb, h[:n*W], n, e.proj, T)
	for i := range n {
		copy(out[i], emb[i*e.dim:(i+1)*e.dim])
	}
}

// workspace holds the activations of one forward pass.
type workspace struct{ x, h, qkv, att, f, xe, emb []float32 }

// grow returns *b resized to n values, reallocated when too small. The
// contents are stale: every caller overwrites or clears them.
func grow(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

// attention is causal multi-head self-attention over the fused q/k/v
// rows, into att (heads concatenated). Text i owns rows starts[i] to
// starts[i+1]. With lastOnly only each text's last row is a query, and
// att holds one row per text.
func (e *Encoder) attention(att, qkv []float32, starts []int, lastOnly bool) {
	W, H := e.width, e.heads
	dh := W / H
	scale := float32(1 / math.Sqrt(float64(dh)))
	texts := len(starts) - 1
	e.parallel(texts*H, func(task int, scratch []float32) {
		i, hd := task/H, task%H
		s, L := starts[i], starts[i+1]-starts[i]
		first := 0
		if lastOnly {
			first = L - 1
		}
		p := scratch[:L]
		for a := first; a < L; a++ {
			q := qkv[(s+a)*3*W+hd*dh : (s+a)*3*W+hd*dh+dh]
			mx := float32(math.Inf(-1))
			for c := 0; c <= a; c++ {
				k := qkv[(s+c)*3*W+W+hd*dh : (s+c)*3*W+W+hd*dh+dh]
				p[c] = vec.Dot(q, k) * scale
				mx = max(mx, p[c])
			}
			for c := 0; c <= a; c++ {
				p[c] -= mx
			}
			vec.Exp(p[:a+1])
			var sum float32
			for _, v := range p[:a+1] {
				sum += v
			}
			r := a
			if lastOnly {
				r = i
			} else {
				r = s + a
			}
			o := att[r*W+hd*dh : r*W+hd*dh+dh]
			clear(o)
			inv := 1 / sum
			for c := 0; c <= a; c++ {
				v := qkv[(s+c)*3*W+2*W+hd*dh : (s+c)*3*W+2*W+hd*dh+dh]
				axpy(o, v, p[c]*inv)
			}
		}
	})
}

// parallel runs f(0..tasks-1) on the encoder's goroutines, each with its
// own scratch space of context floats.
func (e *Encoder) parallel(tasks int, f func(task int, scratch []float32)) {
	T := min(e.opts.Threads, tasks)
	if T <= 1 {
		scratch := make([]float32, e.context)
		for t := range tasks {
			f(t, scratch)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range T {
		wg.Go(func() {
			scratch := make([]float32, e.context)
			for {
				t := int(next.Add(1) - 1)
				if t >= tasks {
					return
				}
				f(t, scratch)
			}
		})
	}
	wg.Wait()
}

// parallelRows runs f over rows split in contiguous chunks.
func (e *Encoder) parallelRows(rows int, f func(lo, hi int)) {
	chunk := max(16, (rows+e.opts.Threads-1)/e.opts.Threads)
	tasks := (rows + chunk - 1) / chunk
	e.parallel(tasks, func(t int, _ []float32) {
		f(t*chunk, min((t+1)*chunk, rows))
	})
}

// layerNorm normalises each of the rows of src over the width (biased
// variance, eps 1e-5, sums in float64) into dst, then scales and shifts.
func (e *Encoder) layerNorm(dst, src []float32, rows int, ln layerNorm) {
	W := e.width
	e.parallelRows(rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x := src[r*W : (r+1)*W]
			y := dst[r*W : (r+1)*W]
			var sum float64
			for _, v := range x {
				sum += float64(v)
			}
			mean := sum / float64(W)
			var ss float64
			for _, v := range x {
				d := float64(v) - mean
				ss += d * d
			}
			inv := 1 / math.Sqrt(ss/float64(W)+1e-5)
			m, s := float32(mean), float32(inv)
			for j, v := range x {
				y[j] = (v-m)*s*ln.w[j] + ln.b[j]
			}
		}
	})
}

// activate applies the MLP's activation in place.
func (e *Encoder) activate(f []float32) {
	e.parallelRows(len(f)/e.mlp, func(lo, hi int) {
		part := f[lo*e.mlp : hi*e.mlp]
		if e.gelu {
			for i, z := range part {
				part[i] = float32(0.5 * float64(z) * (1 + math.Erf(float64(z)/math.Sqrt2)))
			}
			return
		}
		vec.QuickGELU(part)
	})
}

// fillRows sets every row of m to bias.
func fillRows(m []float32, rows int, bias []float32) {
	for r := range rows {
		copy(m[r*len(bias):(r+1)*len(bias)], bias)
	}
}

// addRows adds bias to every row of m.
func addRows(m []float32, rows int, bias []float32) {
	for r := range rows {
		row := m[r*len(bias) : (r+1)*len(bias)]
		for j, v := range bias {
			row[j] += v
		}
	}
}

// axpy adds a·x to y.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}
