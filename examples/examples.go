// Package examples holds the query scripts shipped with laiondb, embedded
// so that `laiondb demo` needs no files besides the binary: the three
// findings of "What Makes ImageNet Look Unlike LAION" as saved scripts
// (see shared/DESIGN.md). LAIONet builds the dataset and compares
// intra-class similarity; Accuracy and Selection run on its database.
package examples

import _ "embed"

// LAIONet is examples/laionet.lq: the LAIONet study end to end.
//
//go:embed laionet.lq
var LAIONet string

// Accuracy is examples/accuracy.lq: zero-shot accuracy on LAIONet and on
// the ImageNet images of the same classes.
//
//go:embed accuracy.lq
var Accuracy string

// Selection is examples/selection.lq: selecting LAION's candidates by
// caption or by image, and what it does to intra-class similarity.
//
//go:embed selection.lq
var Selection string

// Script is one example script and the name it is reported under.
type Script struct {
	Name, Text string
}

// Study lists the scripts `laiondb demo` runs, in order.
var Study = []Script{
	{"examples/laionet.lq", LAIONet},
	{"examples/accuracy.lq", Accuracy},
	{"examples/selection.lq", Selection},
}
