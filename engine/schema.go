package engine

import (
	"fmt"
	"strings"
)

// ShardFiles are the files of one shard as ingest finds them: its
// metadata parquet file and the npy file of each vector column.
type ShardFiles struct {
	Number   uint32
	Metadata string
	Vectors  map[string]string // column name (img, txt) → npy path
}

// Files lists the shard's files, the metadata first, then the npy files
// in column order.
func (sf ShardFiles) Files() []string {
	out := []string{sf.Metadata}
	for _, col := range []string{"img", "txt"} {
		if p, ok := sf.Vectors[col]; ok {
			out = append(out, p)
		}
	}
	return out
}

// FindShards expands ingest paths (shard directories or files) into
// shards by the rules of Ingest: LAION's layouts, shard numbers from the
// file names (metadata_0003.parquet, img_emb_3.npy), in shard order. It
// reads directories only, not the files.
func FindShards(paths []string) ([]ShardFiles, error) {
	found, err := findShards(paths, -1)
	if err != nil {
		return nil, err
	}
	out := make([]ShardFiles, len(found))
	for i, f := range found {
		out[i] = ShardFiles{Number: f.Number, Metadata: f.Metadata, Vectors: f.Vectors}
	}
	return out, nil
}

// DefineTable makes name an empty table with the given columns, or gives
// an empty table (one without shards) these columns: the schema-only
// database laiondb merge plans statements against. A table that holds
// rows is an error.
func (db *DB) DefineTable(name string, cols []Column, vecs []VectorColumn) error {
	if err := db.writable(); err != nil {
		return err
	}
	if !validName(name) {
		return fmt.Errorf("%w: table name %s: %s", ErrBadInput, clip(name), nameRule)
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	t, err := db.Table(name)
	switch {
	case err == nil:
		if len(t.Shards) > 0 {
			return fmt.Errorf("table %s holds rows; only an empty table can be given columns", t.Name)
		}
	default:
		id, err := db.newTableID()
		if err != nil {
			return err
		}
		t = &Table{ID: id, Name: name}
	}
	t.Columns = append([]Column(nil), cols...)
	t.Vectors = append([]VectorColumn(nil), vecs...)
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, IDColumn) {
			return fmt.Errorf("%w: a table cannot have a column named id: it is the row id", ErrBadInput)
		}
	}
	return db.commitTable(t)
}
