package exec

import (
	"bufio"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/laiondb/laiondb/query/internal/value"
)

// A sort holds its rows in memory up to the sort_memory setting; past
// it, it sorts what it holds into a run written to a temporary directory
// (under $TMPDIR), and in the end merges the runs, reading each through a
// small buffer. Memory stays near sort_memory whatever the number of
// rows; the directory is removed when the sorted rows are closed, when
// the statement fails and when it is cancelled.

// DefaultSortMemory is the sort_memory setting's default.
const DefaultSortMemory = "64MB"

// maxFanIn is how many runs one merge reads at once; more are merged in
// rounds, each writing a longer run.
var maxFanIn = 64

// ParseBytes reads a size such as 256MB, 64kB, 1.5GB or 1000000 (bytes).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"TB", 1 << 40}, {"B", 1}} {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || !(f >= 0) || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size: write bytes or a number with kB, MB or GB, such as '256MB'", s)
	}
	return int64(f * float64(mult)), nil
}

// rowBytes estimates the memory a copied row holds.
func rowBytes(r value.Row) int64 {
	n := int64(24 + 72*len(r))
	for _, v := range r {
		n += int64(len(v.S)) + 4*int64(len(v.V))
	}
	return n
}

// extSorter collects rows and gives them back in sort order.
type extSorter struct {
	n      *SortNode
	ctx    context.Context
	limit  int // > 0: only the first limit rows are wanted
	budget int64

	buf      []value.Row
	bufBytes int64
	dir      string   // the temporary directory, once a run is written
	runs     []string // run files, in the order of their rows' arrival
}

func newExtSorter(ctx context.Context, n *SortNode, limit int, budget int64) *extSorter {
	return &extSorter{n: n, ctx: ctx, limit: limit, budget: budget}
}

// add takes a copy of r.
func (s *extSorter) add(r value.Row) error {
	s.buf = append(s.buf, r)
	s.bufBytes += rowBytes(r)
	if s.bufBytes > s.budget {
		return s.spill()
	}
	return nil
}

// addRun writes rows, already in sort order and before every row added
// after them, as a run of their own.
func (s *extSorter) addRun(rows []value.Row) error {
	if len(s.buf) > 0 {
		return errors.New("internal error: a sorted run after unsorted rows")
	}
	s.buf = rows
	return s.writeRun(false)
}

// spill sorts the rows held and writes them as a run.
func (s *extSorter) spill() error { return s.writeRun(true) }

func (s *extSorter) writeRun(sortFirst bool) error {
	if sortFirst {
		sort.SliceStable(s.buf, func(i, j int) bool { return s.n.less(s.buf[i], s.buf[j]) })
	}
	rows := s.buf
	if s.limit > 0 && len(rows) > s.limit {
		rows = rows[:s.limit]
	}
	path, err := s.newRun()
	if err != nil {
		return err
	}
	err = writeRunFile(path, func(w *bufio.Writer) error {
		for i, r := range rows {
			if i%4096 == 4095 {
				if err := s.ctx.Err(); err != nil {
					return err
				}
			}
			if err := encodeRow(w, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.buf, s.bufBytes = nil, 0
	return nil
}

func (s *extSorter) newRun() (string, error) {
	if s.dir == "" {
		d, err := os.MkdirTemp("", "laiondb-sort-")
		if err != nil {
			return "", fmt.Errorf("sort: a temporary directory for rows past sort_memory: %w", err)
		}
		s.dir = d
	}
	path := filepath.Join(s.dir, fmt.Sprintf("run-%d", len(s.runs)))
	s.runs = append(s.runs, path)
	return path, nil
}

func writeRunFile(path string, write func(*bufio.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("sort: %w", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("sort: writing rows past sort_memory to %s: %w", filepath.Dir(path), err)
	}
	return err
}

// cleanup removes the runs.
func (s *extSorter) cleanup() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir, s.runs = "", nil
	}
}

// finish returns the rows in order. Without runs they are sorted in
// memory; otherwise the rest is spilled too and the runs merged (in
// rounds of maxFanIn) into a stream that removes the runs when closed.
func (s *extSorter) finish() (value.Rows, error) {
	if s.dir == "" {
		sort.SliceStable(s.buf, func(i, j int) bool { return s.n.less(s.buf[i], s.buf[j]) })
		if s.limit > 0 && len(s.buf) > s.limit {
			s.buf = s.buf[:s.limit]
		}
		return value.NewSliceRows(s.buf), nil
	}
	if len(s.buf) > 0 {
		if err := s.spill(); err != nil {
			s.cleanup()
			return nil, err
		}
	}
	for len(s.runs) > maxFanIn {
		var next []string
		for i := 0; i < len(s.runs); i += maxFanIn {
			group := s.runs[i:min(i+maxFanIn, len(s.runs))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			path := filepath.Join(s.dir, fmt.Sprintf("merge-%d-%d", len(s.runs), i))
			if err := s.mergeTo(group, path); err != nil {
				s.cleanup()
				return nil, err
			}
			next = append(next, path)
		}
		s.runs = next
	}
	m, err := s.open(s.runs)
	if err != nil {
		s.cleanup()
		return nil, err
	}
	return &mergedRows{m: m, s: s}, nil
}

// mergeTo merges runs into one run at path and removes them.
func (s *extSorter) mergeTo(runs []string, path string) error {
	m, err := s.open(runs)
	if err != nil {
		return err
	}
	defer m.close()
	err = writeRunFile(path, func(w *bufio.Writer) error {
		for n := 0; ; n++ {
			if n%4096 == 4095 {
				if err := s.ctx.Err(); err != nil {
					return err
				}
			}
			r, ok, err := m.next()
			if err != nil {
				return err
			}
			if !ok || (s.limit > 0 && n >= s.limit) {
				return nil
			}
			if err := encodeRow(w, r); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	m.close()
	for _, r := range runs {
		os.Remove(r)
	}
	return nil
}

// merger reads runs in order: the least row first, and among equal rows
// the one of the earliest run (so the merge is as stable as each run).
type merger struct {
	s     *extSorter
	files []*os.File
	items []mergeItem // a heap
}

type mergeItem struct {
	row value.Row
	run int
	r   *bufio.Reader
}

func (s *extSorter) open(runs []string) (*merger, error) {
	m := &merger{s: s}
	for i, path := range runs {
		f, err := os.Open(path)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("sort: %w", err)
		}
		m.files = append(m.files, f)
		r := bufio.NewReaderSize(f, 64<<10)
		row, ok, err := decodeRow(r)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("sort: reading %s: %w", path, err)
		}
		if ok {
			m.items = append(m.items, mergeItem{row: row, run: i, r: r})
		}
	}
	heap.Init(m)
	return m, nil
}

func (m *merger) Len() int { return len(m.items) }
func (m *merger) Less(i, j int) bool {
	a, b := m.items[i], m.items[j]
	if m.s.n.less(a.row, b.row) {
		return true
	}
	if m.s.n.less(b.row, a.row) {
		return false
	}
	return a.run < b.run
}
func (m *merger) Swap(i, j int) { m.items[i], m.items[j] = m.items[j], m.items[i] }
func (m *merger) Push(x any)    { m.items = append(m.items, x.(mergeItem)) }
func (m *merger) Pop() any {
	it := m.items[len(m.items)-1]
	m.items = m.items[:len(m.items)-1]
	return it
}

// next returns the least row left (ok false at the end).
func (m *merger) next() (value.Row, bool, error) {
	if len(m.items) == 0 {
		return nil, false, nil
	}
	top := &m.items[0]
	row := top.row
	nr, ok, err := decodeRow(top.r)
	if err != nil {
		return nil, false, fmt.Errorf("sort: reading a run: %w", err)
	}
	if ok {
		top.row = nr
		heap.Fix(m, 0)
	} else {
		heap.Pop(m)
	}
	return row, true, nil
}

func (m *merger) close() {
	for _, f := range m.files {
		f.Close()
	}
	m.files = nil
}

// mergedRows streams the merge of the runs, up to the sort's limit.
type mergedRows struct {
	m     *merger
	s     *extSorter
	row   value.Row
	given int
	err   error
	done  bool
}

func (it *mergedRows) Next() bool {
	if it.done {
		return false
	}
	if it.s.limit > 0 && it.given >= it.s.limit {
		it.finish()
		return false
	}
	if it.given%4096 == 4095 {
		if err := it.s.ctx.Err(); err != nil {
			it.err = err
			it.finish()
			return false
		}
	}
	r, ok, err := it.m.next()
	if err != nil || !ok {
		it.err = err
		it.finish()
		return false
	}
	it.row = r
	it.given++
	return true
}

// finish closes and removes the runs as soon as the last row is read.
func (it *mergedRows) finish() {
	if !it.done {
		it.done = true
		it.m.close()
		it.s.cleanup()
	}
}

func (it *mergedRows) Row() value.Row { return it.row }
func (it *mergedRows) Err() error     { return it.err }
func (it *mergedRows) Close() error   { it.finish(); return nil }

// encodeRow writes a row: its length, then each value as its type and
// what that type holds (exactly: floats by their bits).
func encodeRow(w *bufio.Writer, r value.Row) error {
	var b [binary.MaxVarintLen64]byte
	w.Write(b[:binary.PutUvarint(b[:], uint64(len(r)))])
	for _, v := range r {
		w.WriteByte(byte(v.T))
		switch v.T {
		case value.TNull:
		case value.TBool, value.TInt:
			w.Write(b[:binary.PutVarint(b[:], v.I)])
		case value.TFloat:
			binary.LittleEndian.PutUint64(b[:8], math.Float64bits(v.F))
			w.Write(b[:8])
		case value.TString:
			w.Write(b[:binary.PutUvarint(b[:], uint64(len(v.S)))])
			w.WriteString(v.S)
		case value.TVector:
			w.Write(b[:binary.PutUvarint(b[:], uint64(len(v.V)))])
			for _, f := range v.V {
				binary.LittleEndian.PutUint32(b[:4], math.Float32bits(f))
				w.Write(b[:4])
			}
		default:
			return fmt.Errorf("sort: cannot spill a value of type %s", value.TypeName(v.T))
		}
	}
	return nil
}

// decodeRow reads a row written by encodeRow; ok is false at the end.
func decodeRow(r *bufio.Reader) (value.Row, bool, error) {
	n, err := binary.ReadUvarint(r)
	if err == io.EOF {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if n > 1<<20 {
		return nil, false, fmt.Errorf("a row of %d values", n)
	}
	row := make(value.Row, n)
	var b [8]byte
	for i := range row {
		t, err := r.ReadByte()
		if err != nil {
			return nil, false, noEOF(err)
		}
		v := value.Value{T: value.Type(t)}
		switch v.T {
		case value.TNull:
		case value.TBool, value.TInt:
			if v.I, err = binary.ReadVarint(r); err != nil {
				return nil, false, noEOF(err)
			}
		case value.TFloat:
			if _, err := io.ReadFull(r, b[:8]); err != nil {
				return nil, false, noEOF(err)
			}
			v.F = math.Float64frombits(binary.LittleEndian.Uint64(b[:8]))
		case value.TString:
			l, err := binary.ReadUvarint(r)
			if err != nil {
				return nil, false, noEOF(err)
			}
			s := make([]byte, l)
			if _, err := io.ReadFull(r, s); err != nil {
				return nil, false, noEOF(err)
			}
			v.S = string(s)
		case value.TVector:
			l, err := binary.ReadUvarint(r)
			if err != nil {
				return nil, false, noEOF(err)
			}
			v.V = make([]float32, l)
			for j := range v.V {
				if _, err := io.ReadFull(r, b[:4]); err != nil {
					return nil, false, noEOF(err)
				}
				v.V[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[:4]))
			}
		default:
			return nil, false, fmt.Errorf("a value of unknown type %d", t)
		}
		row[i] = v
	}
	return row, true, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
