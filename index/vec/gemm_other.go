//go:build !amd64 || purego

package vec

func simdGemm(kk int, a []float32, lda int, b []float32, c []float32, ldc int) bool { return false }
