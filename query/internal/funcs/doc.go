// Package funcs holds the language's functions: the scalar functions
// (Functions: name, argument checking, evaluation) and the aggregates
// (Aggregates: count, sum, avg, min, max, centroid, intraclass and its
// standard deviation), each aggregate a state that adds rows and gives a
// result. PairStats computes the pairwise-similarity statistics that
// intraclass_std and COMPARE INTRACLASS report.
//
// Functions reach the session only through Env (the synset catalog,
// WordNet). Caveats: aggregate states are not safe for concurrent use;
// vectors given to them are not retained unless a state says so.
package funcs
