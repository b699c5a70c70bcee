package stats

import (
	"math"
	"sort"
)

// Z95 is the two-sided 95% normal quantile the paper's intervals use.
const Z95 = 1.96

// Wilson returns the Wilson score interval of a proportion with k
// successes in n trials at normal quantile z (Wilson 1927):
//
//	centre = (p + z²/2n) / (1 + z²/n)
//	half   = z / (1 + z²/n) · sqrt(p(1−p)/n + z²/4n²)
//
// with p = k/n. Unlike p ± z·sqrt(p(1−p)/n) it stays inside [0, 1] and is
// not empty at p = 0 or 1, which matters for the small classes of a
// per-class accuracy table. n = 0 gives NaN, NaN.
func Wilson(k, n int64, z float64) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, centre-half), min(1, centre+half)
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of sorted, ascending
// values, interpolating linearly between the order statistics around
// position q·(n−1) — numpy's default and R's type 7 — so the 0.5-quantile
// is the median and 0 and 1 are the minimum and maximum. NaN for no
// values.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		return sorted[n-1]
	}
	if i < 0 {
		return sorted[0]
	}
	f := h - float64(i)
	a, b := sorted[i], sorted[i+1]
	if f == 0 || a == b {
		return a
	}
	return a + f*(b-a)
}

// SortFloats sorts values ascending (NaN first, as sort.Float64s does).
func SortFloats(values []float64) { sort.Float64s(values) }

// BinOf is the bin of v among bins equal-width bins from lo, whose edges
// are lo + k·width: a value equal to an edge goes to the bin above it and
// the top edge belongs to the last bin. Values outside the range are
// clamped to the first or last bin; callers that must not count them check
// the range first.
func BinOf(v, lo, width float64, bins int) int {
	i := min(bins-1, max(0, int((v-lo)/width)))
	// The division can round v into a neighbour of the bin its edges say.
	if i < bins-1 && v >= lo+float64(i+1)*width {
		i++
	} else if i > 0 && v < lo+float64(i)*width {
		i--
	}
	return i
}

// Hash is the seeded per-row hash: a 64-bit value that depends only on
// the seed and the row id, spread uniformly (two rounds of SplitMix64's
// finalizer). random(seed) and SAMPLE are functions of it, so a sample is
// the same whatever the order rows are read in and however the ids are
// split into shards.
func Hash(seed, id uint64) uint64 {
	return mix(id ^ mix(seed^0x9E3779B97F4A7C15))
}

// Unit maps a hash to [0, 1): its top 53 bits as a fraction.
func Unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// mix is SplitMix64's finalizer (Steele, Lea and Flood 2014).
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
