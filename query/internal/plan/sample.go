package plan

import (
	"github.com/laiondb/laiondb/query/internal/exec"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// sampleNode plans SAMPLE over the rows that passed WHERE (in, laid out
// as sch); base compiles PER's key over them.
func (p *Planner) sampleNode(in exec.PlanNode, sch value.Schema, base *Compiler) (exec.PlanNode, error) {
	s := p.Q.Sample
	idCol, err := sch.Resolve(&ast.ColumnRef{Column: ast.Ident{NamePos: s.Pos(), Name: "id"}})
	if err != nil {
		return nil, value.ErrAt(s.Pos(), "SAMPLE draws rows by their id, and these rows have no id column; select id in the subquery it reads")
	}
	if sch[idCol].Typ != value.TInt {
		return nil, value.ErrAt(s.Pos(), "SAMPLE draws rows by their id, but id is %s here", value.TypeName(sch[idCol].Typ))
	}
	n := &exec.SampleNode{In: in, IDCol: idCol}
	c := &Compiler{Sess: p.Sess, Ctx: p.Ctx}
	if s.Seed != nil {
		v, err := c.Constant(s.Seed, "the SEED")
		if err != nil {
			return nil, err
		}
		if v.T != value.TInt {
			return nil, value.ErrAt(s.Seed.Pos(), "SEED takes an integer, not %s", value.DisplayValue(v))
		}
		n.Seed = uint64(v.I)
	}
	size, err := c.Constant(s.Size, "the size of SAMPLE")
	if err != nil {
		return nil, err
	}
	if s.Percent {
		f, ok := size.AsFloat()
		if !ok || size.T == value.TBool || !(f > 0 && f <= 100) {
			return nil, value.ErrAt(s.Size.Pos(), "SAMPLE p PERCENT takes a number above 0 and at most 100, not %s", value.DisplayValue(size))
		}
		n.Percent = f
		return n, nil
	}
	if size.T != value.TInt || size.I < 0 {
		return nil, value.ErrAt(s.Size.Pos(), "SAMPLE takes a number of rows (a non-negative integer), not %s; SAMPLE p PERCENT takes a share", value.DisplayValue(size))
	}
	n.Count = size.I
	if s.Per != nil {
		k, err := base.Compile(s.Per)
		if err != nil {
			return nil, err
		}
		if k.Typ() == value.TVector {
			return nil, value.ErrAt(s.Per.Pos(), "cannot SAMPLE PER a vector")
		}
		n.Key, n.KeyText = k, s.Per.String()
	}
	return n, nil
}
