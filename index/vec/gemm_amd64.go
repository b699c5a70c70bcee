//go:build amd64 && !purego

package vec

//go:noescape
func gemm6x16AVX2(kk int, a *float32, lda int, b *float32, c *float32, ldc int)

// simdGemm runs the AVX2 micro-kernel and reports whether this CPU has
// it. The caller has checked every bound.
func simdGemm(kk int, a []float32, lda int, b []float32, c []float32, ldc int) bool {
	if !useAVX2 {
		return false
	}
	if kk > 0 {
		gemm6x16AVX2(kk, &a[0], lda, &b[0], &c[0], ldc)
	}
	return true
}
