package main

import (
	"context"
	"fmt"

	"github.com/laiondb/laiondb/bench/knn/knnbench"
)

func init() {
	register("bench", "measure on your own data: bench knn (HNSW recall and queries/s against exact search and baselines)", runBench)
}

func runBench(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, "usage: laiondb bench knn --base B.npy --queries Q.npy [--gt G.npy] [--k 10] [--m 16] [--ef-construction 200] [--ef 10,16,...] [--threads N] [--format table|jsonl]")
		fmt.Fprintln(e.stdout, "\nRun 'laiondb bench knn --help' for the flags.")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "knn":
		errw := e.stderr
		for _, a := range args[1:] {
			if a == "-h" || a == "-help" || a == "--help" {
				errw = e.stdout // the usage is the answer to --help
			}
		}
		if code := knnbench.Main(args[1:], e.stdout, errw); code != 0 {
			return errUsage // knnbench has reported the problem
		}
		return nil
	}
	return fmt.Errorf("unknown benchmark %q; try: laiondb bench knn --help", args[0])
}
