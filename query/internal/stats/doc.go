// Package stats holds the small numerical building blocks the language's
// statistics share, each defined once: the Wilson score interval of a
// proportion (EVALUATE's accuracy intervals), quantiles by linear
// interpolation (median, quantile), equal-width bins (the histogram
// aggregate and PLOT HISTOGRAM), and the seeded per-row hash behind
// random(seed) and SAMPLE. Everything here is a pure function of its
// arguments in float64 or integer arithmetic, so results are the same on
// every CPU and build.
package stats
