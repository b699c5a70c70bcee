package plot_test

import (
	"fmt"

	"github.com/laiondb/laiondb/query/internal/plot"
)

func ExampleTextHistogram() {
	sims := []float64{0.61, 0.64, 0.66, 0.67, 0.7, 0.71, 0.72, 0.78, 0.9}
	fmt.Print(plot.TextHistogram(sims, 3, 12))
	// Output:
	// n=9  min=0.61  max=0.9  mean=0.71
	// [0.610, 0.707)  ████████████  5
	// [0.707, 0.803)  ███████▎      3
	// [0.803, 0.900]  ██▍           1
}
