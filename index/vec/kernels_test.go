package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/viterin/vek/vek32"
)

// kernelModes lists the kernel paths this CPU can run; each test runs the
// exported functions once per path and compares them with the pure Go
// kernels.
func kernelModes() []string {
	modes := []string{"generic"}
	if useAVX2 {
		modes = append(modes, "avx2")
	}
	return modes
}

// withMode runs f with the kernel flags set for mode and restores them.
func withMode(mode string, f func()) {
	a2 := useAVX2
	defer func() { useAVX2 = a2 }()
	useAVX2 = mode == "avx2"
	f()
}

func randF32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// unalignedF16 returns n float16 values of v in a byte slice that starts at
// an odd address offset, as stored bytes lent by the storage layer may.
func unalignedF16(v []float32) []byte {
	buf := make([]byte, 2*len(v)+1)
	b := buf[1:]
	F32ToF16(b, v)
	return b
}

// close reports whether got is within the rounding error of a float32 sum
// of n products whose magnitudes add up to mag.
func closeTo(got, want float32, mag float64) bool {
	return math.Abs(float64(got)-float64(want)) <= 1e-5*mag+1e-6
}

func absDot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i]) * float64(b[i]))
	}
	return s
}

var kernelLengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 255, 257, 511, 512, 513, 768, 1001}

func TestKernelsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, mode := range kernelModes() {
		for _, n := range kernelLengths {
			a, b := randF32(r, n), randF32(r, n)
			ah, bh := unalignedF16(a), unalignedF16(b)
			a16, b16 := make([]float32, n), make([]float32, n)
			f16ToF32Generic(a16, ah)
			f16ToF32Generic(b16, bh)
			withMode(mode, func() {
				name := fmt.Sprintf("%s/n=%d", mode, n)
				if got, want := Dot(a, b), dotGeneric(a, b); !closeTo(got, want, absDot(a, b)) {
					t.Errorf("%s Dot %v want %v", name, got, want)
				}
				if got, want := DotF16(ah, b), dotF16Generic(ah, b); !closeTo(got, want, absDot(a16, b)) {
					t.Errorf("%s DotF16 %v want %v", name, got, want)
				}
				if got, want := DotF16F16(ah, bh), dotF16F16Generic(ah, bh); !closeTo(got, want, absDot(a16, b16)) {
					t.Errorf("%s DotF16F16 %v want %v", name, got, want)
				}
				got := make([]float32, n)
				F16ToF32(got, ah)
				for i := range got {
					if got[i] != a16[i] {
						t.Fatalf("%s F16ToF32[%d] %v want %v", name, i, got[i], a16[i])
					}
				}
				acc := append([]float32(nil), b...)
				AddF16(acc, ah)
				for i := range acc {
					if acc[i] != b[i]+a16[i] {
						t.Fatalf("%s AddF16[%d] %v want %v", name, i, acc[i], b[i]+a16[i])
					}
				}
			})
		}
	}
}

func TestF16ToF32EveryValueEveryPath(t *testing.T) {
	src := make([]byte, 2<<16+1)[1:] // odd start
	for h := 0; h < 1<<16; h++ {
		src[2*h], src[2*h+1] = byte(h), byte(h>>8)
	}
	for _, mode := range kernelModes() {
		withMode(mode, func() {
			dst := make([]float32, 1<<16)
			F16ToF32(dst, src)
			for h, f := range dst {
				want := F16(uint16(h))
				if want != want {
					if f == f {
						t.Fatalf("%s: %#04x is NaN, got %v", mode, h, f)
					}
					continue
				}
				if math.Float32bits(f) != math.Float32bits(want) {
					t.Fatalf("%s: %#04x -> %v want %v", mode, h, f, want)
				}
			}
		})
	}
}

func TestBatchKernelsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, mode := range kernelModes() {
		for _, d := range []int{1, 5, 16, 33, 100, 512, 513} {
			const rows = 50
			arena := randF32(r, rows*d)
			arenaH := unalignedF16(arena)
			arena16 := make([]float32, len(arena))
			f16ToF32Generic(arena16, arenaH)
			q := randF32(r, d)
			qh := unalignedF16(q)
			q16 := make([]float32, d)
			f16ToF32Generic(q16, qh)
			ids := make([]uint32, 37)
			for i := range ids {
				ids[i] = uint32(r.IntN(rows))
			}
			ids[0], ids[len(ids)-1] = 0, rows-1
			withMode(mode, func() {
				out := make([]float32, len(ids))
				DotBatch(q, arena, ids, out)
				for i, id := range ids {
					row := arena[int(id)*d : int(id+1)*d]
					if want := dotGeneric(row, q); !closeTo(out[i], want, absDot(row, q)) {
						t.Errorf("%s d=%d DotBatch[%d] %v want %v", mode, d, i, out[i], want)
					}
				}
				DotBatchF16(q, arenaH, ids, out)
				for i, id := range ids {
					row := arena16[int(id)*d : int(id+1)*d]
					if want := dotGeneric(row, q); !closeTo(out[i], want, absDot(row, q)) {
						t.Errorf("%s d=%d DotBatchF16[%d] %v want %v", mode, d, i, out[i], want)
					}
				}
				DotBatchF16F16(qh, arenaH, ids, out)
				for i, id := range ids {
					row := arena16[int(id)*d : int(id+1)*d]
					if want := dotGeneric(row, q16); !closeTo(out[i], want, absDot(row, q16)) {
						t.Errorf("%s d=%d DotBatchF16F16[%d] %v want %v", mode, d, i, out[i], want)
					}
				}
			})
		}
	}
}

func TestBatchKernelsCheckBounds(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("an id past the arena did not panic")
		}
	}()
	q := make([]float32, 4)
	DotBatchF16(q, make([]byte, 2*4*3), []uint32{0, 3}, make([]float32, 2))
}

func benchModes(b *testing.B, f func(b *testing.B)) {
	for _, mode := range kernelModes() {
		b.Run(mode, func(b *testing.B) { withMode(mode, func() { f(b) }) })
	}
}

func BenchmarkDot512(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randF32(r, 512), randF32(r, 512)
	benchModes(b, func(b *testing.B) {
		for b.Loop() {
			Dot(x, y)
		}
	})
}

func BenchmarkDotF16_512(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := unalignedF16(randF32(r, 512)), randF32(r, 512)
	benchModes(b, func(b *testing.B) {
		for b.Loop() {
			DotF16(x, y)
		}
	})
}

func BenchmarkDotF16F16_512(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := unalignedF16(randF32(r, 512)), unalignedF16(randF32(r, 512))
	benchModes(b, func(b *testing.B) {
		for b.Loop() {
			DotF16F16(x, y)
		}
	})
}

func BenchmarkF16ToF32_512(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := unalignedF16(randF32(r, 512))
	dst := make([]float32, 512)
	benchModes(b, func(b *testing.B) {
		for b.Loop() {
			F16ToF32(dst, x)
		}
	})
}

// BenchmarkDotBatchF16Random measures the graph-search access pattern: 32
// vectors at random places in a 100 MB arena (beyond the caches), so it
// reports memory latency as much as arithmetic. ns/op is per batch of 32.
func BenchmarkDotBatchF16Random(b *testing.B) {
	const d, rows = 512, 100_000
	r := rand.New(rand.NewPCG(1, 1))
	arena := unalignedF16(randF32(r, d*rows))
	q := randF32(r, d)
	ids := make([]uint32, 32*1024)
	for i := range ids {
		ids[i] = uint32(r.IntN(rows))
	}
	out := make([]float32, 32)
	benchModes(b, func(b *testing.B) {
		i := 0
		for b.Loop() {
			DotBatchF16(q, arena, ids[i:i+32], out)
			i = (i + 32) % len(ids)
		}
	})
}

// BenchmarkVekDot512 is github.com/viterin/vek's float32 dot, the
// alternative the design named, for comparison with BenchmarkDot512.
func BenchmarkVekDot512(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randF32(r, 512), randF32(r, 512)
	for b.Loop() {
		vek32.Dot(x, y)
	}
}
