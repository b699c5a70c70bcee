package plan

import (
	"errors"
	"fmt"

	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/engine"
)

// openSource opens a table or set for the statement being run.
func OpenSource(h Host, name, alias string) (*exec.Source, error) {
	qual := name
	if alias != "" {
		qual = alias
	}
	info, err := h.Snapshot().Source(name)
	if errors.Is(err, engine.ErrNoSource) {
		return nil, fmt.Errorf("unknown table or set %s%s", name, value.DidYouMean(name, h.SourceNames()))
	}
	if err != nil {
		return nil, err
	}
	src := &exec.Source{Name: qual, Info: info, SynsetPos: -1}
	for _, c := range info.Columns {
		src.Sch = append(src.Sch, value.ColInfo{Name: c.Name, Qual: qual, Typ: c.Type, Dim: c.Dim, Model: c.Model})
	}
	return src, nil
}
