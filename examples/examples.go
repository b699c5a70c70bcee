// Package examples holds the query scripts shipped with laiondb, embedded
// so that `laiondb demo` needs no files besides the binary. LAIONet is the
// study of shared/DESIGN.md as a saved script (examples/laionet.lq).
package examples

import _ "embed"

// LAIONet is examples/laionet.lq: the LAIONet study end to end.
//
//go:embed laionet.lq
var LAIONet string
