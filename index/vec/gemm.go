package vec

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// The matrix multiply is blocked the way BLIS and GotoBLAS block theirs: a
// 6×16 register tile of C is accumulated by the micro-kernel while it
// walks kc columns of six rows of A and a kc×16 panel of B that stays in
// the L1 cache; mc rows of A (mc×kc floats, in L2) meet every panel of a
// task before the next k block. B is packed once (a weight matrix is
// multiplied many times) so that the kernel reads it contiguously; A is
// read in place.
const (
	gemmMR = 6   // rows of a register tile
	gemmNR = 16  // columns of a register tile: two AVX2 vectors
	gemmKC = 256 // depth of one k block: a 16 KB panel slice in L1
	gemmMC = 96  // rows of A per task: 96×256 floats in L2
	gemmNC = 256 // columns of B per task, a multiple of gemmNR
)

// PackedMatrix is a rows×cols float32 matrix B stored in the layout
// MulAddT reads: column panels of 16 rows of B, each panel cols×16 with the
// 16 values of one column adjacent. Rows are zero-padded to a multiple
// of 16. The natural use is a weight matrix in nn.Linear's layout
// (out_features × in_features): pack it once, multiply it many times.
type PackedMatrix struct {
	rows, cols int
	data       []float32
}

// Pack returns b (rows×cols, row-major) packed for MulAddT.
func Pack(b []float32, rows, cols int) *PackedMatrix {
	return PackStrided(b, rows, cols, cols)
}

// PackStrided is Pack for a matrix whose row i starts at b[i*stride].
func PackStrided(b []float32, rows, cols, stride int) *PackedMatrix {
	if rows < 0 || cols < 0 || stride < cols {
		panic(fmt.Sprintf("vec.Pack: %d×%d matrix with row stride %d", rows, cols, stride))
	}
	if rows > 0 {
		_ = b[(rows-1)*stride+cols-1]
	}
	panels := (rows + gemmNR - 1) / gemmNR
	p := &PackedMatrix{rows: rows, cols: cols, data: make([]float32, panels*gemmNR*cols)}
	for i := 0; i < rows; i++ {
		panel := p.data[(i/gemmNR)*gemmNR*cols:]
		j := i % gemmNR
		row := b[i*stride : i*stride+cols]
		for k, v := range row {
			panel[k*gemmNR+j] = v
		}
	}
	return p
}

// Rows returns the number of rows of the packed matrix (the columns of
// MulAddT's product).
func (p *PackedMatrix) Rows() int { return p.rows }

// Cols returns the number of columns of the packed matrix (the depth of
// MulAddT's product).
func (p *PackedMatrix) Cols() int { return p.cols }

// MulAddT adds A·Bᵀ to C: for i < m and j < b.Rows(),
//
//	c[i*n+j] += Σₖ a[i*K+k] · B[j][k]    (n = b.Rows(), K = b.Cols())
//
// which is y += x·Wᵀ for an nn.Linear weight W packed as b and m input
// rows x. Work is split into tiles of up to 96 rows × 256 columns run by
// up to threads goroutines (threads ≤ 0: GOMAXPROCS). The sums run in a
// blocked order, so results may differ from a plain loop in the last bits.
func MulAddT(c, a []float32, m int, b *PackedMatrix, threads int) {
	n, k := b.rows, b.cols
	if m < 0 {
		panic("vec.MulAddT: negative row count")
	}
	if m == 0 || n == 0 {
		return
	}
	_ = a[m*k-1]
	_ = c[m*n-1]
	if k == 0 {
		return
	}
	tilesM := (m + gemmMC - 1) / gemmMC
	tilesN := (n + gemmNC - 1) / gemmNC
	tiles := tilesM * tilesN
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = min(threads, tiles)
	run := func(t int) {
		i0 := (t / tilesN) * gemmMC
		j0 := (t % tilesN) * gemmNC
		gemmTile(c, a, b, i0, min(i0+gemmMC, m), j0, min(j0+gemmNC, n))
	}
	if threads <= 1 {
		for t := range tiles {
			run(t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range threads {
		wg.Go(func() {
			for {
				t := int(next.Add(1) - 1)
				if t >= tiles {
					return
				}
				run(t)
			}
		})
	}
	wg.Wait()
}

// gemmTile adds rows i0..i1 × columns j0..j1 of A·Bᵀ to C; j0 is a
// multiple of 16.
func gemmTile(c, a []float32, b *PackedMatrix, i0, i1, j0, j1 int) {
	n, k := b.rows, b.cols
	var edgeA [gemmMR * gemmKC]float32
	var edgeC [gemmMR * gemmNR]float32
	for k0 := 0; k0 < k; k0 += gemmKC {
		kk := min(gemmKC, k-k0)
		for j := j0; j < j1; j += gemmNR {
			bp := b.data[j*k+k0*gemmNR : j*k+(k0+kk)*gemmNR]
			i := i0
			if j+gemmNR <= n {
				for ; i+gemmMR <= i1; i += gemmMR {
					gemmKernel(kk, a[i*k+k0:], k, bp, c[i*n+j:], n)
				}
			}
			// A partial tile (the last rows, or every row when n is not a
			// multiple of 16 and this is the last panel): run the kernel on
			// zero-padded copies and add back only the real part.
			for ; i < i1; i += gemmMR {
				rows, cols := min(gemmMR, i1-i), min(gemmNR, n-j)
				clear(edgeA[:])
				for r := range rows {
					copy(edgeA[r*kk:(r+1)*kk], a[(i+r)*k+k0:(i+r)*k+k0+kk])
				}
				clear(edgeC[:])
				gemmKernel(kk, edgeA[:], kk, bp, edgeC[:], gemmNR)
				for r := range rows {
					dst := c[(i+r)*n+j : (i+r)*n+j+cols]
					for q := range dst {
						dst[q] += edgeC[r*gemmNR+q]
					}
				}
			}
		}
	}
}

// gemmKernel adds the 6×16 tile A·B to C, where A is six rows of kk
// values (row r at a[r*lda]), B a packed panel slice of kk×16 values and
// C six rows of 16 (row r at c[r*ldc]).
func gemmKernel(kk int, a []float32, lda int, b []float32, c []float32, ldc int) {
	_ = a[(gemmMR-1)*lda+kk-1]
	_ = b[kk*gemmNR-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	if simdGemm(kk, a, lda, b, c, ldc) {
		return
	}
	gemmKernelGeneric(kk, a, lda, b, c, ldc)
}

// gemmKernelGeneric is the pure Go micro-kernel: the fallback and the
// reference the SIMD kernel is tested against.
func gemmKernelGeneric(kk int, a []float32, lda int, b []float32, c []float32, ldc int) {
	var acc [gemmMR][gemmNR]float32
	for p := 0; p < kk; p++ {
		bp := (*[gemmNR]float32)(b[p*gemmNR : p*gemmNR+gemmNR])
		for r := range gemmMR {
			ar := a[r*lda+p]
			row := &acc[r]
			for j := range gemmNR {
				row[j] += ar * bp[j]
			}
		}
	}
	for r := range gemmMR {
		dst := c[r*ldc : r*ldc+gemmNR]
		for j := range dst {
			dst[j] += acc[r][j]
		}
	}
}
