// Package plot draws the study's figures to files and a text histogram
// for the shell: the back end of PLOT and of the shell's .hist.
//
// [Histogram] overlays distributions — e.g. every class's intra-class
// similarity in LAIONet and in ImageNet, the paper's figure — as
// semi-transparent bars over the same bin edges, with a legend giving each
// series' name and size. [Scatter] draws points, e.g. one per class with
// the LAIONet mean as x and the ImageNet mean as y; with the diagonal
// y = x both axes get the same range on a square canvas, so the share of
// classes above the line reads directly. [TextHistogram] renders values as
// lines of block characters for a terminal.
//
// Files are SVG or PNG by the extension (any case); PNGs are 150 dpi
// (1200 × 750 px for a histogram, 900 × 900 px for a scatter plot with
// the diagonal). Colours are the Okabe–Ito palette, in order: blue,
// orange, green, pink, sky blue, vermillion, yellow.
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
//   - Point labels are drawn only for plots with at most [MaxLabels]
//     labelled points; with more they would hide the points.
//   - Histogram bins are equal-width from the smallest to the largest
//     value; one far outlier widens every bin. Edges are computed as
//     lo + k·width in float64, and a value equal to an edge goes to the
//     bin above it (the top edge belongs to the last bin).
package plot
