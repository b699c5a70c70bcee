package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// mulAddTRef is C += A·Bᵀ summed in float64, the oracle of the GEMM tests.
func mulAddTRef(c, a []float32, m int, b []float32, n, k int) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			s := float64(c[i*n+j])
			for p := range k {
				s += float64(a[i*k+p]) * float64(b[j*k+p])
			}
			out[i*n+j] = s
		}
	}
	return out
}

// TestMulAddTMatchesReference runs every kernel path over shapes that hit
// each edge: rows not a multiple of 6 or of a task, columns not a multiple
// of 16, depths across the 256 block, and one thread or several.
func TestMulAddTMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	shapes := [][3]int{{1, 1, 1}, {1, 16, 64}, {6, 16, 4}, {7, 17, 3}, {13, 32, 255}, {20, 64, 256},
		{97, 48, 257}, {100, 300, 513}, {200, 512, 64}, {5, 15, 600}}
	for _, mode := range kernelModes() {
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			a, b, c0 := randF32(r, m*k), randF32(r, n*k), randF32(r, m*n)
			want := mulAddTRef(c0, a, m, b, n, k)
			for _, threads := range []int{1, 3} {
				withMode(mode, func() {
					c := append([]float32(nil), c0...)
					MulAddT(c, a, m, Pack(b, n, k), threads)
					for i, w := range want {
						// |terms| ≤ 1, so k products bound the rounding error.
						if math.Abs(float64(c[i])-w) > 1e-6*float64(k)+1e-6 {
							t.Fatalf("%s %dx%dx%d threads=%d: c[%d] = %v, want %v", mode, m, n, k, threads, i, c[i], w)
						}
					}
				})
			}
		}
	}
}

func TestPackStridedReadsAView(t *testing.T) {
	// The middle 2 columns of a 3×4 matrix, as the q, k or v third of a
	// fused projection is a view of rows.
	full := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	p := PackStrided(full[1:], 3, 2, 4)
	c := make([]float32, 3)
	MulAddT(c, []float32{1, 10}, 1, p, 1)
	if c[0] != 2+30 || c[1] != 6+70 || c[2] != 10+110 {
		t.Fatalf("got %v", c)
	}
}

// TestSIMDGemmKernelMatchesGeneric compares the micro-kernels directly.
func TestSIMDGemmKernelMatchesGeneric(t *testing.T) {
	if !useAVX2 {
		t.Skip("no SIMD GEMM kernel on this CPU or build")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, kk := range []int{1, 2, 3, 4, 5, 8, 255, 256} {
		lda, ldc := kk+3, 21
		a, b := randF32(r, 6*lda), randF32(r, kk*16)
		c0 := randF32(r, 6*ldc)
		got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
		simdGemm(kk, a, lda, b, got, ldc)
		gemmKernelGeneric(kk, a, lda, b, want, ldc)
		for i := range got {
			if i%ldc >= 16 {
				if got[i] != c0[i] {
					t.Fatalf("kk=%d: wrote outside the tile at %d", kk, i)
				}
				continue
			}
			if math.Abs(float64(got[i]-want[i])) > 1e-5*float64(kk) {
				t.Fatalf("kk=%d: c[%d] %v want %v", kk, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkMulAddT times the shapes of a ViT-B/32 text tower on a batch
// of 1024 token rows: the fused q/k/v projection and the MLP's two layers.
func BenchmarkMulAddT(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][3]int{{1024, 1536, 512}, {1024, 2048, 512}, {1024, 512, 2048}, {20, 1536, 512}} {
		m, n, k := s[0], s[1], s[2]
		a, w := randF32(r, m*k), Pack(randF32(r, n*k), n, k)
		c := make([]float32, m*n)
		for _, threads := range []int{1, 2} {
			benchModes(b, func(b *testing.B) {
				b.Run(fmt.Sprintf("%dx%dx%d/threads=%d", m, n, k, threads), func(b *testing.B) {
					for b.Loop() {
						MulAddT(c, a, m, w, threads)
					}
					b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			})
		}
	}
}
