// Package plot draws the study's figures to files and a text histogram
// for the shell: the back end of PLOT and of the shell's .hist.
//
// [Histogram] overlays distributions — e.g. every class's intra-class
// similarity in LAIONet and in ImageNet, the paper's figure — as
// semi-transparent bars over the same bin edges, with a legend giving each
// series' name and size. [Scatter] draws points, e.g. one per class with
// the LAIONet mean as x and the ImageNet mean as y; with the diagonal
// y = x both axes get the same range on a square canvas, so the share of
// classes above the line reads directly. [Lines] draws curves through (x, y)
// points, e.g. a statistic against a threshold for several ways of
// selecting. [TextHistogram] renders values as
// lines of block characters for a terminal.
//
// Text is Liberation Sans (metric-compatible with Arial and Helvetica),
// laid out as if 20% wider and 10% taller than it is, inside a 6-point
// margin, and titles wider than the plot are broken into lines: an SVG
// viewer that draws the text in a wider font (DejaVu Sans, the Linux
// fallback) still shows every title, legend and label whole. A test
// renders plots with rsvg-convert and checks that every text pixel lies
// on the canvas.
//
// Files are SVG or PNG by the extension (any case); PNGs are 150 dpi
// (1200 × 750 px for a histogram, 900 × 900 px for a scatter plot with
// the diagonal). Colours are the Okabe–Ito palette, in order: blue,
// orange, green, pink, sky blue, vermillion, yellow.
//
// The package draws its figures itself: a figure is laid out once in
// points and drawn on an SVG canvas (text written directly) or a PNG
// canvas (antialiased by golang.org/x/image/vector, text in Go Regular,
// the font every layout is measured with). gonum.org/v1/plot drew the
// same plots before; it linked 7.5 MB of fonts and back ends (PDF, EPS,
// TeX) into the binary, this about 0.8 MB.
//
// # Caveats
//
//   - NaN and infinite values cannot be placed on an axis: they are left
//     out and counted (the skipped result), so the caller can warn. When
//     nothing finite is left the error, [ErrNoData], gives the count.
//   - A file appears whole or not at all (package atomicfile: a hidden
//     temporary file beside it, renamed at the end, and removed by the
//     next write into that directory if the process was killed), mode
//     0644.
//   - At most [MaxLabels] point labels are drawn, the points farthest
//     from the diagonal first (without one, in their order), each right
//     or else left of its point; a label that would cover another is
//     left out, so with hundreds of classes only the most notable are
//     named.
//   - Histogram bins are equal-width from the smallest to the largest
//     value; one far outlier widens every bin. Edges are computed as
//     lo + k·width in float64, and a value equal to an edge goes to the
//     bin above it (the top edge belongs to the last bin).
package plot
