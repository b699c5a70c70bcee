// Package funcs holds the language's functions: the scalar functions
// (Functions: name, argument checking, evaluation; random(seed)) and the
// aggregates (Aggregates: count, sum, avg, min, max, centroid, intraclass
// and its standard deviation, stddev, variance, median, quantile,
// histogram), each aggregate a state that adds rows and gives a result,
// some with constant parameters (quantile's q). PairStats computes the
// pairwise-similarity statistics that intraclass_std and COMPARE
// INTRACLASS report, Jackknife and Bootstrap the standard errors of
// COMPARE's METHOD jackknife and bootstrap. Classifier scores vectors
// against a stored classifier's class weights, exactly and portably, for
// predict() and EVALUATE.
//
// Functions reach the session only through Env (the synset catalog,
// WordNet). Caveats: aggregate states are not safe for concurrent use;
// vectors given to them are not retained unless a state says so.
package funcs
