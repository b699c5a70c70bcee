// Package knnbench is `laiondb bench knn`: it builds laiondb's HNSW over a
// base set of vectors, runs a query set at a list of ef values and reports
// recall@k and single-thread queries per second, next to an exact scan as
// a baseline row, so that users can choose M, EfConstruction and ef on
// their own data. Other HNSW libraries can be measured beside it as
// [Baseline]s: the shipped binary has none, so that it does not link them;
// the bench/knn command adds github.com/coder/hnsw v0.6.1.
//
// Inputs are npy files of float16 or float32 rows (read with engine/npy),
// C or Fortran order; vectors are normalised (the metric is cosine) unless
// already unit length to within float16 rounding.
// Ground truth, when given, is an integer npy (<i8 or <i4) of shape (nq,
// >= k) holding row numbers of the base set; without it the exact scan's
// answers are the truth.
package knnbench

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/laiondb/laiondb/bench/knn/knnbench/internal/gtnpy"
	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index"
	"github.com/laiondb/laiondb/index/vec"
)

// Baseline is another vector index measured beside laiondb's, one row per
// ef. It builds on one thread.
type Baseline struct {
	Name string // the row's index column and its name in --indexes
	// Build indexes base, whose row i (dim values, unit length) has id i,
	// with HNSW parameters m and efConstruction, and returns the index's
	// search: the ids of the k nearest rows to q at search depth ef.
	// The index keeps base's rows rather than copies of them, so their
	// bytes are added to its bytes per vector.
	Build func(base []float32, dim, m, efConstruction int) (search func(q []float32, k, ef int) []uint64)
}

// Row is one line of the report.
type Row struct {
	Index            string  `json:"index"` // laiondb, exact or a Baseline's name
	Ef               int     `json:"ef"`    // 0 for exact
	K                int     `json:"k"`
	Recall           float64 `json:"recall"`
	QPS              float64 `json:"qps"`     // single thread, best of --runs passes over the queries
	QPSCPU           float64 `json:"qps_cpu"` // queries per CPU-second of the searching thread in that pass
	BuildSeconds     float64 `json:"build_s"`
	BuildVPS         float64 `json:"build_vps"`
	BuildCPUSeconds  float64 `json:"build_cpu_s"`      // user+system CPU time of the build, all threads
	BytesPerVector   float64 `json:"bytes_per_vector"` // resident-set growth over the build
	IndexBytesPerVec float64 `json:"index_bytes_per_vector,omitempty"`
	Threads          int     `json:"threads"`
	M                int     `json:"m,omitempty"`
	EfConstruction   int     `json:"ef_construction,omitempty"`
	N                int     `json:"n"`
	Dim              int     `json:"dim"`
}

type config struct {
	base, queries, gt string
	k, m, efc         int
	efs               []int
	threads           int
	format            string
	runs              int
	element           index.Element
	indexes           map[string]bool
	baselines         []Baseline
}

// Main runs the command with args (without the program and subcommand
// names), measuring the baselines beside laiondb's HNSW and an exact scan,
// and returns the exit code.
func Main(args []string, stdout, stderr io.Writer, baselines ...Baseline) int {
	fs := flag.NewFlagSet("laiondb bench knn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := config{baselines: baselines}
	known := []string{"laiondb", "exact"}
	for _, b := range baselines {
		known = append(known, b.Name)
	}
	baselineText := "an exact scan is measured as a baseline"
	if len(baselines) > 0 {
		baselineText = strings.Join(known[2:], ", ") + " and an exact scan are measured as baselines"
	}
	var efList, format, elem, which string
	fs.StringVar(&c.base, "base", "", "`file` of base vectors, one a row (npy, float16 or float32)")
	fs.StringVar(&c.queries, "queries", "", "`file` of query vectors (npy)")
	fs.StringVar(&c.gt, "gt", "", "optional `file` of true neighbours: int npy (nq, >=k) of base row numbers; default: exact scan")
	fs.IntVar(&c.k, "k", 10, "neighbours per query (recall@k)")
	fs.IntVar(&c.m, "m", 16, "HNSW M")
	fs.IntVar(&c.efc, "ef-construction", 200, "HNSW efConstruction")
	fs.StringVar(&efList, "ef", "10,16,24,32,48,64,96,128,192,256,384,512", "comma-separated search ef values")
	fs.IntVar(&c.threads, "threads", runtime.GOMAXPROCS(0), "build threads")
	fs.StringVar(&format, "format", "table", "output format: table or jsonl")
	fs.IntVar(&c.runs, "runs", 3, "passes over the queries per ef; the fastest is reported")
	fs.StringVar(&elem, "element", "f16", "laiondb arena element type: f16 or f32")
	fs.StringVar(&which, "indexes", strings.Join(known, ","), "rows to run, comma-separated")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: laiondb bench knn --base B.npy --queries Q.npy [--gt G.npy] [flags]\n\n"+
			"Builds laiondb's HNSW over B and reports, per ef, recall@k and single-thread\n"+
			"queries/s, with build time, build vectors/s and resident bytes per vector;\n"+
			"%s.\n\n", baselineText)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "laiondb bench knn: %v\n", err)
		return 1
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if c.base == "" || c.queries == "" {
		fs.Usage()
		return fail(errors.New("--base and --queries are required"))
	}
	var err error
	if c.efs, err = parseInts(efList); err != nil {
		return fail(fmt.Errorf("--ef: %w", err))
	}
	switch format {
	case "table", "jsonl":
		c.format = format
	default:
		return fail(fmt.Errorf("--format %q: want table or jsonl", format))
	}
	switch elem {
	case "f16":
		c.element = index.Float16
	case "f32":
		c.element = index.Float32
	default:
		return fail(fmt.Errorf("--element %q: want f16 or f32", elem))
	}
	c.indexes = map[string]bool{}
	for _, w := range strings.Split(which, ",") {
		w = strings.TrimSpace(w)
		if !slices.Contains(known, w) {
			return fail(fmt.Errorf("--indexes: unknown %q; this build measures %s", w, strings.Join(known, ", ")))
		}
		c.indexes[w] = true
	}
	if c.k < 1 || c.m < 2 || c.efc < 1 || c.threads < 1 || c.runs < 1 {
		return fail(errors.New("--k, --ef-construction, --threads and --runs must be >= 1, --m >= 2"))
	}
	rows, err := run(c, stderr)
	if err != nil {
		return fail(err)
	}
	if err := write(stdout, c.format, rows); err != nil {
		return fail(err)
	}
	return 0
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadVectors reads an npy file as normalised float32 rows.
func loadVectors(path string) ([]float32, int, int, error) {
	r, err := npy.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer r.Close()
	raw := make([]byte, r.Rows*r.Dim*r.DType.Size())
	if err := r.ReadRows(raw, 0, r.Rows); err != nil {
		return nil, 0, 0, err
	}
	out := make([]float32, r.Rows*r.Dim)
	if r.DType == npy.Float16 {
		vec.F16ToF32(out, raw)
	} else {
		vec.DecodeF32(out, raw)
	}
	// Normalise, leaving vectors that are unit length to within float16
	// rounding as they are, so that every index in a comparison sees the
	// same values as the ground truth did.
	for i := 0; i < r.Rows; i++ {
		v := out[i*r.Dim : (i+1)*r.Dim]
		if n := vec.Norm(v); n > 0 && math.Abs(float64(n)-1) > 2e-3 {
			vec.Scale(v, 1/n)
		}
	}
	return out, r.Rows, r.Dim, nil
}

// residentBytes returns the process's resident set after returning freed
// memory to the OS, so that differences measure live data.
func residentBytes() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// cpuSeconds returns the user and system CPU time the process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// timeQueries runs search over all nq queries runs times on one locked OS
// thread and returns the results of the last pass with the queries per
// second of the fastest pass and the same per CPU-second of the thread.
func timeQueries(nq, runs int, search func(i int) []index.Result) (res [][]index.Result, qps, qpsCPU float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	res = make([][]index.Result, nq)
	for range runs {
		c0 := threadCPUSeconds()
		t0 := time.Now()
		for i := range nq {
			res[i] = search(i)
		}
		wall, cpu := time.Since(t0).Seconds(), threadCPUSeconds()-c0
		if q := float64(nq) / wall; q > qps {
			qps = q
			if cpu > 0 {
				qpsCPU = float64(nq) / cpu
			}
		}
	}
	return res, qps, qpsCPU
}

// threadCPUSeconds returns the CPU time of the calling OS thread.
func threadCPUSeconds() float64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func run(c config, log io.Writer) ([]Row, error) {
	base, nb, dim, err := loadVectors(c.base)
	if err != nil {
		return nil, err
	}
	queries, nq, qdim, err := loadVectors(c.queries)
	if err != nil {
		return nil, err
	}
	if qdim != dim {
		return nil, fmt.Errorf("queries have dim %d, base has %d", qdim, dim)
	}
	if c.k > nb {
		return nil, fmt.Errorf("--k %d exceeds the %d base vectors", c.k, nb)
	}
	fmt.Fprintf(log, "base %d×%d, queries %d, k=%d\n", nb, dim, nq, c.k)
	var truth [][]uint64
	if c.gt != "" {
		vals, rows, cols, err := gtnpy.Read(c.gt)
		if err != nil {
			return nil, err
		}
		if rows != nq || cols < c.k {
			return nil, fmt.Errorf("%s: shape (%d, %d), want (%d, >=%d)", c.gt, rows, cols, nq, c.k)
		}
		truth = make([][]uint64, nq)
		for i := range truth {
			for _, v := range vals[i*cols : i*cols+c.k] {
				if v < 0 || v >= int64(nb) {
					return nil, fmt.Errorf("%s: row %d names base row %d of %d", c.gt, i, v, nb)
				}
				truth[i] = append(truth[i], uint64(v))
			}
		}
	}
	ids := make([]uint64, nb)
	for i := range ids {
		ids[i] = uint64(i)
	}
	q := func(i int) []float32 { return queries[i*dim : (i+1)*dim] }
	common := Row{K: c.k, N: nb, Dim: dim, Threads: c.threads}
	var out []Row

	if c.indexes["exact"] || truth == nil {
		flat, err := index.NewFlat(dim, index.Float32)
		if err != nil {
			return nil, err
		}
		flat.Threads = 1
		r0 := residentBytes()
		t0 := time.Now()
		for i, id := range ids {
			flat.Add(id, base[i*dim:(i+1)*dim])
		}
		build := time.Since(t0).Seconds()
		r1 := residentBytes()
		res, qps, qpsCPU := timeQueries(nq, 1, func(i int) []index.Result {
			r, _ := flat.Search(q(i), c.k, nil)
			return r
		})
		if truth == nil {
			truth = make([][]uint64, nq)
			for i, rs := range res {
				for _, r := range rs {
					truth[i] = append(truth[i], r.ID)
				}
			}
		}
		if c.indexes["exact"] {
			row := common
			row.Index, row.Recall, row.QPS, row.QPSCPU = "exact", recallOf(res, truth, c.k), qps, qpsCPU
			row.BuildSeconds, row.BuildVPS, row.Threads = build, float64(nb)/build, 1
			row.BytesPerVector = float64(r1-r0) / float64(nb)
			out = append(out, row)
			fmt.Fprintf(log, "exact: %.0f queries/s\n", row.QPS)
		}
	}

	if c.indexes["laiondb"] {
		o := index.DefaultOptions(dim).WithM(c.m).WithEfConstruction(c.efc).WithElement(c.element)
		h, err := index.NewHNSW(o)
		if err != nil {
			return nil, err
		}
		r0 := residentBytes()
		c0 := cpuSeconds()
		t0 := time.Now()
		if err := h.AddBatch(ids, base, c.threads); err != nil {
			return nil, err
		}
		build := time.Since(t0).Seconds()
		buildCPU := cpuSeconds() - c0
		r1 := residentBytes()
		fmt.Fprintf(log, "laiondb: built in %.2fs (%.0f vectors/s, %d threads)\n", build, float64(nb)/build, c.threads)
		for _, ef := range c.efs {
			res, qps, qpsCPU := timeQueries(nq, c.runs, func(i int) []index.Result {
				r, _ := h.Search(q(i), c.k, ef, nil)
				return r
			})
			row := common
			row.Index, row.Ef, row.Recall, row.QPS, row.QPSCPU = "laiondb", ef, recallOf(res, truth, c.k), qps, qpsCPU
			row.BuildSeconds, row.BuildVPS, row.BuildCPUSeconds = build, float64(nb)/build, buildCPU
			row.BytesPerVector = float64(r1-r0) / float64(nb)
			row.IndexBytesPerVec = float64(h.Bytes()) / float64(nb)
			row.M, row.EfConstruction = c.m, c.efc
			out = append(out, row)
		}
		runtime.KeepAlive(h)
	}

	for _, b := range c.baselines {
		if !c.indexes[b.Name] {
			continue
		}
		r0 := residentBytes()
		c0 := cpuSeconds()
		t0 := time.Now()
		search := b.Build(base, dim, c.m, c.efc)
		build := time.Since(t0).Seconds()
		buildCPU := cpuSeconds() - c0
		r1 := residentBytes()
		fmt.Fprintf(log, "%s: built in %.2fs (1 thread)\n", b.Name, build)
		for _, ef := range c.efs {
			res, qps, qpsCPU := timeQueries(nq, c.runs, func(i int) []index.Result {
				var r []index.Result
				for _, id := range search(q(i), c.k, ef) {
					r = append(r, index.Result{ID: id})
				}
				return r
			})
			row := common
			row.Index, row.Ef, row.Recall, row.QPS, row.QPSCPU = b.Name, ef, recallOf(res, truth, c.k), qps, qpsCPU
			row.BuildSeconds, row.BuildVPS, row.BuildCPUSeconds, row.Threads = build, float64(nb)/build, buildCPU, 1
			// the index shares the base slice: count the vectors it
			// would hold on its own too.
			row.BytesPerVector = float64(r1-r0)/float64(nb) + float64(4*dim)
			row.M, row.EfConstruction = c.m, c.efc
			out = append(out, row)
		}
		runtime.KeepAlive(search)
	}
	return out, nil
}

func recallOf(res [][]index.Result, truth [][]uint64, k int) float64 {
	hit, total := 0, 0
	for i, rs := range res {
		want := make(map[uint64]bool, k)
		for _, id := range truth[i][:min(k, len(truth[i]))] {
			want[id] = true
		}
		for _, r := range rs[:min(k, len(rs))] {
			if want[r.ID] {
				hit++
			}
		}
		total += len(want)
	}
	if total == 0 {
		return 1
	}
	return float64(hit) / float64(total)
}

func write(w io.Writer, format string, rows []Row) error {
	if format == "jsonl" {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "index\tef\trecall@k\tqps\tbuild s\tbuild vec/s\tbytes/vec\tthreads\t")
	for _, r := range rows {
		ef := strconv.Itoa(r.Ef)
		if r.Index == "exact" {
			ef = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%.0f\t%.2f\t%.0f\t%.0f\t%d\t\n", r.Index, ef, r.Recall, r.QPS, r.BuildSeconds, r.BuildVPS, r.BytesPerVector, r.Threads)
	}
	return tw.Flush()
}
