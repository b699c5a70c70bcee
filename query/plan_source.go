package query

import (
	"errors"
	"fmt"

	"github.com/laiondb/laiondb/engine"
)

// openSource opens a table or set for the statement being run.
func openSource(h Host, name, alias string) (*source, error) {
	qual := name
	if alias != "" {
		qual = alias
	}
	info, err := h.Snapshot().Source(name)
	if errors.Is(err, engine.ErrNoSource) {
		return nil, fmt.Errorf("unknown table or set %s%s", name, didYouMean(name, h.SourceNames()))
	}
	if err != nil {
		return nil, err
	}
	src := &source{name: qual, info: info, synsetPos: -1}
	for _, c := range info.Columns {
		src.sch = append(src.sch, colInfo{name: c.Name, qual: qual, typ: c.Type, dim: c.Dim, model: c.Model})
	}
	return src, nil
}
