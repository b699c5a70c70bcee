package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// eighths are the partial blocks that let a bar end between cells.
var eighths = [8]string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// TextHistogram draws values as a histogram for a terminal: a summary
// line (count, min, max, mean, and how many NaN or infinite values were
// left out), then one line per bin with its edges, a bar whose longest is
// width cells (in eighths of a cell), and its count. Bins are equal from
// the smallest to the largest value; the last includes its top edge.
// bins ≤ 0 means 10, width ≤ 0 means 40. The output depends only on the
// arguments.
func TextHistogram(values []float64, bins, width int) string {
	if bins <= 0 {
		bins = 10
	}
	if width <= 0 {
		width = 40
	}
	lo, hi, sum, n := math.Inf(1), math.Inf(-1), 0.0, 0
	for _, v := range values {
		if finite(v) {
			lo, hi, sum, n = min(lo, v), max(hi, v), sum+v, n+1
		}
	}
	skipped := len(values) - n
	var b strings.Builder
	if n == 0 {
		b.WriteString("no values")
		if skipped > 0 {
			fmt.Fprintf(&b, " (%d NaN or infinite skipped)", skipped)
		}
		b.WriteString("\n")
		return b.String()
	}
	if lo == hi {
		bins = 1
	}
	step := (hi - lo) / float64(bins)
	counts := make([]int, bins)
	for _, v := range values {
		if finite(v) {
			if step == 0 {
				counts[0]++
			} else {
				counts[binOf(v, lo, step, bins)]++
			}
		}
	}
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}

	edgeAt := func(i int) float64 {
		if i == bins {
			return hi
		}
		return lo + float64(i)*step
	}
	// Edges get the fewest decimals that print each within a hundredth
	// of a bin of its value: 0.2 steps as 0.2, 0.4; 0.195 steps as 0.315.
	prec := 0
	if step > 0 {
		prec = max(0, -int(math.Floor(math.Log10(step))))
		for p := prec; p <= prec+4; p++ {
			exact := true
			for i := 0; i <= bins && exact; i++ {
				x := edgeAt(i)
				r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', p, 64), 64)
				exact = math.Abs(r-x) <= step*1e-2
			}
			if prec = p; exact {
				break
			}
		}
	}
	edge := func(i int) string {
		s := strconv.FormatFloat(edgeAt(i), 'f', prec, 64)
		if strings.Trim(s, "-0.") == "" {
			s = strings.TrimPrefix(s, "-") // no "-0.0" for an edge that rounds to zero
		}
		return s
	}
	fmt.Fprintf(&b, "n=%d  min=%s  max=%s  mean=%s", n, short(lo), short(hi), short(sum/float64(n)))
	if skipped > 0 {
		fmt.Fprintf(&b, "  (%d NaN or infinite skipped)", skipped)
	}
	b.WriteString("\n")

	ranges := make([]string, bins)
	rw := 0
	for i := range ranges {
		closing := ")"
		if i == bins-1 {
			closing = "]"
		}
		ranges[i] = "[" + edge(i) + ", " + edge(i+1) + closing
		rw = max(rw, len(ranges[i]))
	}
	cw := len(strconv.Itoa(most))
	for i, c := range counts {
		e := int(math.Round(float64(c) * float64(width) * 8 / float64(most)))
		if c > 0 && e == 0 {
			e = 1 // a bin with values always shows
		}
		bar := strings.Repeat("█", e/8) + eighths[e%8]
		cells := e / 8
		if e%8 > 0 {
			cells++
		}
		fmt.Fprintf(&b, "%-*s  %s%s  %*d\n", rw, ranges[i], bar, strings.Repeat(" ", width-cells), cw, c)
	}
	return b.String()
}

// short prints f with at most 4 significant digits.
func short(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }
