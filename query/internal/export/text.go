package export

import (
	"io"

	"github.com/laiondb/laiondb/engine"
	"github.com/laiondb/laiondb/query/internal/textenc"
)

// textFormat writes formats of one text line per row; each worker formats
// its batch into its own buffer, and commit copies the buffer out.
type textFormat struct {
	w         io.Writer
	header    []byte
	appendRow func(f *textFormat, b []byte, row []engine.Value, nonFinite *int64) []byte
	keys      [][]byte // JSONL: `{"name":` then `,"name":`
}

// textBatchBytes keeps batches small: formatting is per row, and small
// batches let the committer's writes overlap the workers' formatting.
const textBatchBytes = 4 << 20

func (f *textFormat) start() error {
	_, err := f.w.Write(f.header)
	return err
}
func (f *textFormat) batchBytes() int64 { return textBatchBytes }
func (f *textFormat) finish() error     { return nil }
func (f *textFormat) newWorker() worker { return &textWorker{f: f} }

type textWorker struct {
	f         *textFormat
	buf       []byte
	nonFinite int64
}

func (w *textWorker) encode(b *batch) error {
	w.buf, w.nonFinite = w.buf[:0], 0
	for i := range b.len() {
		w.buf = w.f.appendRow(w.f, w.buf, b.row(i), &w.nonFinite)
	}
	return nil
}

func (w *textWorker) commit() (int64, error) {
	_, err := w.f.w.Write(w.buf)
	return w.nonFinite, err
}

// newCSVFormat writes RFC 4180 CSV with "\n" line ends and a header row,
// values as textenc writes them (NULL as an empty field, the empty string
// as "", vectors as a JSON array in one field, so that readers that tell
// NULL from empty, e.g. DuckDB and PostgreSQL, see both).
func newCSVFormat(w io.Writer, names []string) *textFormat {
	var h []byte
	for i, n := range names {
		if i > 0 {
			h = append(h, ',')
		}
		h = textenc.AppendCSVField(h, n)
	}
	return &textFormat{w: w, header: append(h, '\n'), appendRow: appendCSVRow}
}

func appendCSVRow(_ *textFormat, b []byte, row []engine.Value, nonFinite *int64) []byte {
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		var n int
		b, n = textenc.AppendCSV(b, v)
		*nonFinite += int64(n)
	}
	return append(b, '\n')
}

// newJSONLFormat writes one JSON object per line, keys in column order.
func newJSONLFormat(w io.Writer, names []string) *textFormat {
	f := &textFormat{w: w, appendRow: appendJSONLRow, keys: make([][]byte, len(names))}
	for i, n := range names {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		k := textenc.AppendJSONString([]byte{sep}, n)
		f.keys[i] = append(k, ':')
	}
	return f
}

func appendJSONLRow(f *textFormat, b []byte, row []engine.Value, nonFinite *int64) []byte {
	for i, v := range row {
		b = append(b, f.keys[i]...)
		var n int
		b, n = textenc.AppendJSON(b, v)
		*nonFinite += int64(n)
	}
	return append(b, '}', '\n')
}
