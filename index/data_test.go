package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/laiondb/laiondb/index/vec"
)

// clipCentres returns the 1000 real CLIP ViT-B/32 class text vectors from
// testdata (stored (512, 1000), columns are classes) as rows.
//
// The file is read here rather than with engine/npy, which index may not
// import: it is a version 1.0 npy of little-endian float16 in C order, and
// its header is checked to say so before its data is used.
var clipCentres = sync.OnceValues(func() ([][]float32, error) {
	const path = "../testdata/clip-vit-b32-imagenet-zeroshot.npy"
	const rows, dim = 512, 1000
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 || !bytes.HasPrefix(b, []byte("\x93NUMPY\x01\x00")) {
		return nil, fmt.Errorf("%s: not a version 1.0 npy file", path)
	}
	end := 10 + int(binary.LittleEndian.Uint16(b[8:10]))
	if end > len(b) || !bytes.Contains(b[10:end], []byte("'descr': '<f2', 'fortran_order': False, 'shape': (512, 1000)")) || len(b)-end != 2*rows*dim {
		return nil, fmt.Errorf("%s: not a (512, 1000) <f2 array in C order", path)
	}
	all := make([]float32, rows*dim)
	vec.F16ToF32(all, b[end:])
	out := make([][]float32, dim)
	for c := range out {
		out[c] = make([]float32, rows)
		for i := range rows {
			out[c][i] = all[i*dim+c]
		}
	}
	return out, nil
})

// dataset is a test collection: n base vectors and queries, unit length,
// row-major, with ids 1000+row (so that ids differ from node numbers).
type dataset struct {
	dim     int
	base    []float32
	queries []float32
	ids     []uint64
	class   []int // class of each base row
	base16  []byte
}

func (d *dataset) row(i int) []float32 { return d.base[i*d.dim : (i+1)*d.dim] }
func (d *dataset) query(i int) []float32 {
	return d.queries[i*d.dim : (i+1)*d.dim]
}

// clustered draws n base vectors and nq queries around the real CLIP class
// vectors: classes of Zipf-distributed sizes (exponent 1, in a random
// order), each vector at cosine ≈ 0.78 to its class centre. With rank > 0
// the off-centre part lies in a random rank-dimensional subspace (a
// low-rank variant: far easier for a graph); with rank 0 it is isotropic.
func clustered(t testing.TB, n, nq, rank int, seed uint64) *dataset {
	t.Helper()
	centres, err := clipCentres()
	if err != nil {
		t.Fatalf("reading CLIP class vectors: %v", err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	dim := len(centres[0])
	perm := r.Perm(len(centres))
	cum := make([]float64, len(centres))
	total := 0.0
	for i := range cum {
		total += 1 / float64(i+1)
		cum[i] = total
	}
	var basis [][]float32
	for range rank {
		b := make([]float32, dim)
		for j := range b {
			b[j] = float32(r.NormFloat64())
		}
		basis = append(basis, b)
	}
	const cosCentre = 0.78
	draw := func(dst []float32) int {
		u := r.Float64() * total
		lo, hi := 0, len(cum)-1
		for lo < hi {
			m := (lo + hi) / 2
			if cum[m] < u {
				lo = m + 1
			} else {
				hi = m
			}
		}
		c := perm[lo]
		noise := make([]float32, dim)
		if rank == 0 {
			for j := range noise {
				noise[j] = float32(r.NormFloat64())
			}
		} else {
			for _, b := range basis {
				z := float32(r.NormFloat64())
				for j := range noise {
					noise[j] += z * b[j]
				}
			}
		}
		// remove the centre's component so the cosine is exact, then mix.
		centre := centres[c]
		p := vec.Dot(noise, centre)
		for j := range noise {
			noise[j] -= p * centre[j]
		}
		vec.Scale(noise, 1/vec.Norm(noise))
		s := float32(math.Sqrt(1 - cosCentre*cosCentre))
		for j := range dst {
			dst[j] = cosCentre*centre[j] + s*noise[j]
		}
		vec.Scale(dst, 1/vec.Norm(dst))
		return c
	}
	d := &dataset{dim: dim, base: make([]float32, n*dim), queries: make([]float32, nq*dim), ids: make([]uint64, n), class: make([]int, n)}
	for i := range n {
		d.class[i] = draw(d.row(i))
		d.ids[i] = uint64(1000 + i)
	}
	for i := range nq {
		draw(d.query(i))
	}
	// Round the base to float16 so that float16 and float32 arenas hold the
	// same values and exact answers do not depend on the storage type.
	d.base16 = make([]byte, 2*len(d.base))
	vec.F32ToF16(d.base16, d.base)
	vec.F16ToF32(d.base, d.base16)
	return d
}

// exact returns the true top k of query q among rows accepted by keep,
// scored the way the index scores (normalised query, float16 rows).
func (d *dataset) exact(q []float32, k int, keep func(row int) bool) []Result {
	var h minHeap
	qn := normalised(q)
	for i := range d.ids {
		if keep == nil || keep(i) {
			h.offer(cand{vec.DotF16(d.base16[2*i*d.dim:2*(i+1)*d.dim], qn), uint32(i)}, k)
		}
	}
	sortDesc(h)
	out := make([]Result, len(h))
	for i, c := range h {
		out[i] = Result{ID: d.ids[c.node], Score: c.score}
	}
	return out
}

// recall is the fraction of want's ids found in got.
func recall(got, want []Result) float64 {
	if len(want) == 0 {
		return 1
	}
	in := make(map[uint64]bool, len(want))
	for _, r := range want {
		in[r.ID] = true
	}
	hit := 0
	for _, r := range got {
		if in[r.ID] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}
