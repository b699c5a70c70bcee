package gen

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"

	"github.com/laiondb/laiondb/engine/npy"
)

// Row is one row of LAION-400M metadata, with its column names and types.
type Row struct {
	SampleID   int64   `parquet:"SAMPLE_ID"`
	URL        string  `parquet:"URL"`
	Text       *string `parquet:"TEXT,optional"`
	Height     int64   `parquet:"HEIGHT"`
	Width      int64   `parquet:"WIDTH"`
	License    string  `parquet:"LICENSE"`
	NSFW       string  `parquet:"NSFW"`
	Similarity float64 `parquet:"similarity"`
}

// rowGroupRows is the row group size of written metadata files.
const rowGroupRows = 64 << 10

// parquetFile writes rows of T incrementally.
type parquetFile[T any] struct {
	path string
	f    *os.File
	w    *parquet.GenericWriter[T]
}

func createParquet[T any](path string) (*parquetFile[T], error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	// Uncompressed: the Snappy encoder has different assembly on amd64 and
	// arm64 and so writes different (equally valid) bytes; generated files
	// must be the same bytes on every CPU.
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Uncompressed), parquet.MaxRowsPerRowGroup(rowGroupRows))
	return &parquetFile[T]{path: path, f: f, w: w}, nil
}

func (p *parquetFile[T]) write(rows []T) error {
	if _, err := p.w.Write(rows); err != nil {
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	return nil
}

func (p *parquetFile[T]) close() error {
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	err := p.f.Close()
	p.f = nil
	return err
}

// abort closes the file if close was not reached.
func (p *parquetFile[T]) abort() {
	if p.f != nil {
		p.f.Close()
	}
}

func createNpy(path string, rows, dim int) (*npy.Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return npy.Create(path, npy.Float16, rows, dim)
}

// WriteMetadata writes rows as a LAION-400M metadata parquet file
// (uncompressed, so that it is the same bytes on every CPU).
func WriteMetadata(path string, rows []Row) error {
	return WriteParquet(path, rows)
}

// WriteParquet writes rows of any struct type with parquet tags.
func WriteParquet[T any](path string, rows []T) error {
	p, err := createParquet[T](path)
	if err != nil {
		return err
	}
	defer p.abort()
	for len(rows) > 0 {
		n := min(len(rows), 8192)
		if err := p.write(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return p.close()
}

// WriteVectors writes rows×dim float32 values (row-major) as an npy file
// of the given dtype.
func WriteVectors(path string, dtype npy.DType, vals []float32, dim int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if len(vals)%dim != 0 {
		return fmt.Errorf("write %s: %d values are not rows of %d", path, len(vals), dim)
	}
	w, err := npy.Create(path, dtype, len(vals)/dim, dim)
	if err != nil {
		return err
	}
	for len(vals) > 0 {
		n := min(len(vals), 1<<20/dim*dim)
		if err := w.WriteFloat32(vals[:n]); err != nil {
			w.Close()
			return err
		}
		vals = vals[n:]
	}
	return w.Close()
}
