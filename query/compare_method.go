package query

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"sync"

	"github.com/laiondb/laiondb/query/internal/funcs"
	"github.com/laiondb/laiondb/query/internal/plan"
	"github.com/laiondb/laiondb/query/internal/stats"
	"github.com/laiondb/laiondb/query/internal/value"

	"github.com/laiondb/laiondb/query/ast"
)

// compareMethod is how COMPARE INTRACLASS gets each class's 95% interval
// of its mean pairwise similarity θ:
//
//   - paper (the default): 1.96·std/sqrt(pairs − 1), std being the
//     population standard deviation of the pair cosines — the paper's
//     interval, which counts the n(n−1)/2 pairs of a class as independent
//     draws although every image is in n − 1 of them;
//   - jackknife: 1.96·SE with SE the delete-one-image jackknife standard
//     error of θ (exact, O(n·d); funcs.Jackknife);
//   - bootstrap: 1.96·SE with SE the standard deviation of θ over
//     RESAMPLES resamples of the class's images (default 1000), seeded by
//     SEED (default 0) and the class, so the same statement gives the same
//     intervals (funcs.Bootstrap).
//
// The two resampling methods take the image as the unit, as the data were
// sampled; their intervals are several times wider than the paper's.
type compareMethod struct {
	name      string
	resamples int
	seed      uint64
}

const defaultResamples = 1000

func (s *Session) compareMethod(ctx context.Context, st *ast.CompareIntraclass) (compareMethod, error) {
	m := compareMethod{name: st.Method, resamples: defaultResamples}
	if m.name == ast.MethodDefault {
		m.name = ast.MethodPaper
	}
	c := &plan.Compiler{Sess: s.host(), Ctx: ctx}
	if st.Resamples != nil {
		if m.name != ast.MethodBootstrap {
			return m, value.ErrAt(st.Resamples.Pos(), "RESAMPLES is for METHOD bootstrap")
		}
		v, err := c.Constant(st.Resamples, "RESAMPLES")
		if err != nil {
			return m, err
		}
		if v.T != value.TInt || v.I < 2 || v.I > 1_000_000 {
			return m, value.ErrAt(st.Resamples.Pos(), "RESAMPLES takes an integer from 2 to 1000000, not %s", value.DisplayValue(v))
		}
		m.resamples = int(v.I)
	}
	if st.Seed != nil {
		if m.name != ast.MethodBootstrap {
			return m, value.ErrAt(st.Seed.Pos(), "SEED is for METHOD bootstrap; the other methods draw nothing at random")
		}
		v, err := c.Constant(st.Seed, "SEED")
		if err != nil {
			return m, err
		}
		if v.T != value.TInt {
			return m, value.ErrAt(st.Seed.Pos(), "SEED takes an integer, not %s", value.DisplayValue(v))
		}
		m.seed = uint64(v.I)
	}
	return m, nil
}

func (m compareMethod) describe() string {
	switch m.name {
	case ast.MethodJackknife:
		return "1.96 × the delete-one-image jackknife standard error"
	case ast.MethodBootstrap:
		return fmt.Sprintf("1.96 × the bootstrap standard error over images (%d resamples, seed %d)", m.resamples, m.seed)
	}
	return "the paper's, 1.96 × std / sqrt(pairs − 1)"
}

// classStats computes every class's statistics on both sides, several
// classes at a time; each result depends only on its class's vectors (and
// for the bootstrap on the seed, the side and the class name).
func (m compareMethod) classStats(ctx context.Context, groups [2]map[string][][]float32, classes []string) ([2]map[string]*classStats, error) {
	type job struct {
		side  int
		class string
	}
	var out [2]map[string]*classStats
	for i := range out {
		out[i] = make(map[string]*classStats, len(classes))
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				cs, err := m.stats(ctx, groups[j.side][j.class], j.side, j.class)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out[j.side][j.class] = cs
				mu.Unlock()
			}
		}()
	}
	for _, k := range classes {
		for side := range 2 {
			if ctx.Err() != nil {
				break
			}
			jobs <- job{side, k}
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, firstErr
}

func (m compareMethod) stats(ctx context.Context, vs [][]float32, side int, class string) (*classStats, error) {
	ps, err := funcs.PairStats(ctx, vs)
	if err != nil {
		return nil, err
	}
	cs := &classStats{PairwiseStats: ps}
	switch m.name {
	case ast.MethodJackknife:
		se, err := funcs.Jackknife(ctx, vs)
		if err != nil {
			return nil, err
		}
		cs.ci = stats.Z95 * se
	case ast.MethodBootstrap:
		h := fnv.New64a()
		h.Write([]byte(class))
		se, err := funcs.Bootstrap(ctx, vs, m.resamples, m.seed, stats.Hash(uint64(side), h.Sum64()))
		if err != nil {
			return nil, err
		}
		cs.ci = stats.Z95 * se
	default:
		if ps.Pairs > 1 {
			cs.ci = stats.Z95 * ps.Std / math.Sqrt(float64(ps.Pairs-1))
		}
	}
	return cs, nil
}
