// Command knn runs `laiondb bench knn` (package laiondb/index/knnbench)
// on its own, for bench/knn/run.sh and for use before cmd/laiondb wires
// the subcommand.
package main

import (
	"os"

	"github.com/laiondb/laiondb/index/knnbench"
)

func main() { os.Exit(knnbench.Main(os.Args[1:], os.Stdout, os.Stderr)) }
