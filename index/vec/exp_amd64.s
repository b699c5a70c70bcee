//go:build amd64 && !purego

#include "textflag.h"

// The exponential of eight floats at a time, the same steps as
// expGeneric: clamp, n = floor(x·log2e + 0.5), r = x - n·ln2 in two parts,
// Cephes' polynomial, then 2^n built in the exponent bits. The constants
// stay in Y4–Y15 for the whole loop.

// func expAVX2(x *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS ·expConsts+0(SB), Y10
	VBROADCASTSS ·expConsts+4(SB), Y11
	VBROADCASTSS ·expConsts+8(SB), Y12
	VBROADCASTSS ·expConsts+48(SB), Y13
	VBROADCASTSS ·expConsts+12(SB), Y14
	VBROADCASTSS ·expConsts+16(SB), Y15
	VBROADCASTSS ·expConsts+20(SB), Y4
	VBROADCASTSS ·expConsts+24(SB), Y5
	VBROADCASTSS ·expConsts+28(SB), Y6
	VBROADCASTSS ·expConsts+32(SB), Y7
	VBROADCASTSS ·expConsts+36(SB), Y8
	VBROADCASTSS ·expConsts+40(SB), Y9
loop:
	CMPQ CX, $8
	JLT done
	VMOVUPS (DI), Y0
	// Y0 = e^Y0 for eight values; Y1–Y3 scratch.
	VMAXPS Y0, Y10, Y0 // clamp, NaN stays NaN
	VMINPS Y0, Y11, Y0
	VMOVAPS Y0, Y1
	VFMADD213PS Y13, Y12, Y1 // x·log2e + 0.5
	VROUNDPS $1, Y1, Y1      // n = floor(...)
	VFNMADD231PS Y14, Y1, Y0 // r = x - n·c1
	VFNMADD231PS Y15, Y1, Y0 // r -= n·c2
	VMULPS Y0, Y0, Y2        // z = r·r
	VMOVAPS Y4, Y3
	VFMADD213PS Y5, Y0, Y3
	VFMADD213PS Y6, Y0, Y3
	VFMADD213PS Y7, Y0, Y3
	VFMADD213PS Y8, Y0, Y3
	VFMADD213PS Y9, Y0, Y3   // p
	VFMADD231PS Y3, Y2, Y0   // p·z + r
	VBROADCASTSS ·expConsts+44(SB), Y2
	VADDPS Y2, Y0, Y0        // y = p·z + r + 1
	VCVTTPS2DQ Y1, Y1
	VPADDD ·expBias(SB), Y1, Y1
	VPSLLD $23, Y1, Y1       // 2^n
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop
done:
	VZEROUPPER
	RET

// func quickGELUAVX2(x *float32, n int)
TEXT ·quickGELUAVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS ·expConsts+0(SB), Y10
	VBROADCASTSS ·expConsts+4(SB), Y11
	VBROADCASTSS ·expConsts+8(SB), Y12
	VBROADCASTSS ·expConsts+48(SB), Y13
	VBROADCASTSS ·expConsts+12(SB), Y14
	VBROADCASTSS ·expConsts+16(SB), Y15
	VBROADCASTSS ·expConsts+20(SB), Y4
	VBROADCASTSS ·expConsts+24(SB), Y5
	VBROADCASTSS ·expConsts+28(SB), Y6
	VBROADCASTSS ·expConsts+32(SB), Y7
	VBROADCASTSS ·expConsts+36(SB), Y8
	VBROADCASTSS ·expConsts+40(SB), Y9
loopg:
	CMPQ CX, $8
	JLT doneg
	VMOVUPS (DI), Y0
	VBROADCASTSS ·expConsts+52(SB), Y1
	VMULPS Y1, Y0, Y0
	VXORPS Y1, Y1, Y1
	VSUBPS Y0, Y1, Y0 // -1.702·z
	// Y0 = e^Y0 for eight values; Y1–Y3 scratch.
	VMAXPS Y0, Y10, Y0 // clamp, NaN stays NaN
	VMINPS Y0, Y11, Y0
	VMOVAPS Y0, Y1
	VFMADD213PS Y13, Y12, Y1 // x·log2e + 0.5
	VROUNDPS $1, Y1, Y1      // n = floor(...)
	VFNMADD231PS Y14, Y1, Y0 // r = x - n·c1
	VFNMADD231PS Y15, Y1, Y0 // r -= n·c2
	VMULPS Y0, Y0, Y2        // z = r·r
	VMOVAPS Y4, Y3
	VFMADD213PS Y5, Y0, Y3
	VFMADD213PS Y6, Y0, Y3
	VFMADD213PS Y7, Y0, Y3
	VFMADD213PS Y8, Y0, Y3
	VFMADD213PS Y9, Y0, Y3   // p
	VFMADD231PS Y3, Y2, Y0   // p·z + r
	VBROADCASTSS ·expConsts+44(SB), Y2
	VADDPS Y2, Y0, Y0        // y = p·z + r + 1
	VCVTTPS2DQ Y1, Y1
	VPADDD ·expBias(SB), Y1, Y1
	VPSLLD $23, Y1, Y1       // 2^n
	VMULPS Y1, Y0, Y0
	VBROADCASTSS ·expConsts+44(SB), Y2
	VADDPS Y2, Y0, Y0 // 1 + e
	VMOVUPS (DI), Y1
	VDIVPS Y0, Y1, Y0                 // z / (1 + e)
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loopg
doneg:
	VZEROUPPER
	RET
