package engine

import (
	"errors"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// MaxTopK is the most predictions per row a predictions file may give.
const MaxTopK = 20

var topColumn = regexp.MustCompile(`^(?i)top([0-9]+)$`)

// ReadPredictionsFile reads a model's predictions made elsewhere from a
// parquet file: a column id (INT32 or INT64, laiondb's row id, as EXPORT
// writes it) and columns top1, top2, ... topK (1 ≤ K ≤ MaxTopK, names in
// any case, consecutive from top1), best first. A prediction is a class
// label (text, such as a WNID) or a class number (an integer, an index into
// classes, for ImageNet-1k the standard class order). Other columns are
// ignored. It returns the class table — classes, then any text label
// classes does not have, in order of appearance — and the predictions
// sorted by id. Problems (a missing column, a NULL, a number out of range,
// an id given twice) are *InputError values naming the file and the row.
func ReadPredictionsFile(path string, classes []string) ([]string, *Predictions, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, inputErr(path, -1, err, "cannot open")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, inputErr(path, -1, err, "cannot stat")
	}
	head := make([]byte, 4)
	if _, err := f.ReadAt(head, 0); err != nil || string(head) != "PAR1" {
		return nil, nil, inputErr(path, -1, nil, "not a parquet file (it does not start with PAR1)")
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return nil, nil, inputErr(path, -1, err, "not a readable parquet file")
	}
	idLeaf := -1
	leaves := map[int]int{} // topK column → leaf
	for _, c := range pf.Root().Columns() {
		if !c.Leaf() || c.Repeated() {
			continue
		}
		switch name := c.Name(); {
		case strings.EqualFold(name, "id"):
			switch c.Type().Kind() {
			case parquet.Int32, parquet.Int64:
			default:
				return nil, nil, inputErr(path, -1, nil, "column %s is %s; the row ids are integers", name, c.Type())
			}
			idLeaf = c.Index()
		case topColumn.MatchString(name):
			k, _ := strconv.Atoi(topColumn.FindStringSubmatch(name)[1])
			if _, dup := leaves[k]; dup || k < 1 || k > MaxTopK {
				return nil, nil, inputErr(path, -1, nil, "column %s: give top1 to top%d once each", name, MaxTopK)
			}
			leaves[k] = c.Index()
		}
	}
	if idLeaf < 0 {
		return nil, nil, inputErr(path, -1, nil, "no id column: a predictions file has the laiondb row id of each row (EXPORT (SELECT id, ...) writes it) and columns top1, top2, ...")
	}
	K := len(leaves)
	if K == 0 {
		return nil, nil, inputErr(path, -1, nil, "no top1 column: give each row's best class in top1 (then top2 ... for top-k)")
	}
	for k := 1; k <= K; k++ {
		if _, ok := leaves[k]; !ok {
			return nil, nil, inputErr(path, -1, nil, "columns top1 to top%d, but no top%d", K, k)
		}
	}
	ids, err := readLeaf(pf, idLeaf)
	if err != nil {
		return nil, nil, inputErr(path, -1, err, "column id unreadable")
	}
	n := len(ids)
	table := append([]string(nil), classes...)
	index := make(map[string]uint32, len(table))
	for i, c := range table {
		if _, ok := index[c]; !ok {
			index[c] = uint32(i)
		}
	}
	type row struct {
		id  uint64
		ord int
	}
	rows := make([]row, n)
	for i, v := range ids {
		if v.IsNull() {
			return nil, nil, inputErr(path, int64(i), nil, "id is NULL")
		}
		id := v.Int64()
		if id < 0 {
			return nil, nil, inputErr(path, int64(i), nil, "id %d is negative", id)
		}
		rows[i] = row{uint64(id), i}
	}
	preds := make([]uint32, n*K)
	for k := 1; k <= K; k++ {
		vals, err := readLeaf(pf, leaves[k])
		if err != nil {
			return nil, nil, inputErr(path, -1, err, "column top%d unreadable", k)
		}
		if len(vals) != n {
			return nil, nil, inputErr(path, -1, nil, "column top%d has %d values for %d rows", k, len(vals), n)
		}
		for i, v := range vals {
			var c uint32
			switch {
			case v.IsNull():
				return nil, nil, inputErr(path, int64(i), nil, "top%d is NULL; every row needs top1 to top%d", k, K)
			case v.Kind() == parquet.Int32 || v.Kind() == parquet.Int64:
				x := v.Int64()
				if x < 0 || x >= int64(len(classes)) {
					return nil, nil, inputErr(path, int64(i), nil, "top%d is class number %d, but there are classes 0 to %d", k, x, len(classes)-1)
				}
				c = uint32(x)
			case v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray:
				label := strings.TrimSpace(string(v.ByteArray()))
				var ok bool
				if c, ok = index[label]; !ok {
					c = uint32(len(table))
					index[label] = c
					table = append(table, label)
				}
			default:
				return nil, nil, inputErr(path, int64(i), nil, "top%d is %s; give a class label (text) or a class number (integer)", k, v.Kind())
			}
			preds[i*K+k-1] = c
		}
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].id < rows[b].id })
	p := &Predictions{IDs: make([]uint64, n), Classes: make([]uint32, n*K), K: K}
	for i, r := range rows {
		if i > 0 && r.id == rows[i-1].id {
			return nil, nil, inputErr(path, int64(r.ord), nil, "id %d is given twice (also at row %d)", r.id, rows[i-1].ord)
		}
		p.IDs[i] = r.id
		copy(p.Classes[i*K:(i+1)*K], preds[r.ord*K:(r.ord+1)*K])
	}
	return table, p, nil
}

// readLeaf reads every value of one leaf column, across row groups.
func readLeaf(pf *parquet.File, leaf int) ([]parquet.Value, error) {
	var out []parquet.Value
	buf := make([]parquet.Value, 1024)
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[leaf].Pages()
		for {
			p, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pages.Close()
				return nil, err
			}
			vr := p.Values()
			for {
				n, err := vr.ReadValues(buf)
				for _, v := range buf[:n] {
					out = append(out, v.Clone())
				}
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					pages.Close()
					return nil, err
				}
				if n == 0 {
					break
				}
			}
		}
		pages.Close()
	}
	return out, nil
}
