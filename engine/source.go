package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// shardFiles are the input files of one shard: a metadata parquet file and
// the npy files of its vector columns, row i of each being the same sample.
type shardFiles struct {
	Number   uint32
	Metadata string
	Vectors  map[string]string // column name (img, txt) → npy path
}

// shardNumberPatterns find LAION's shard numbers in file names:
// metadata_0003.parquet, part-00003-<uuid>.snappy.parquet, img_emb_3.npy.
var shardNumberPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(?:metadata|img_emb|text_emb|txt_emb)_(\d+)\.`),
	regexp.MustCompile(`^part-(\d+)`),
	regexp.MustCompile(`_(\d+)\.(?:parquet|npy)$`),
}

// shardNumber returns the shard number in a LAION file name, ok=false
// when the name has none. A number outside 0..MaxShard is an error: it
// would wrap and land on another shard.
func shardNumber(path string) (n uint32, ok bool, err error) {
	base := filepath.Base(path)
	for _, re := range shardNumberPatterns {
		if m := re.FindStringSubmatch(base); m != nil {
			v, perr := strconv.ParseUint(m[1], 10, 64)
			if perr != nil || v > MaxShard {
				return 0, false, inputErr(path, -1, nil, "the file name says shard %s, but %s; rename the file or give --shard N", m[1], shardRange)
			}
			return uint32(v), true, nil
		}
	}
	return 0, false, nil
}

// shardRange says which shard numbers are valid and why.
var shardRange = fmt.Sprintf("shard numbers run from 0 to %d (a row's id is shard × %d + row, and the shard is stored in 4 bytes)", uint64(MaxShard), RowsPerShard)

// checkForcedShard validates IngestOptions.Shard: -1 (from the file names)
// or a shard number.
func checkForcedShard(forced int64) error {
	if forced < -1 || forced > MaxShard {
		return fmt.Errorf("%w: shard %d: %s; -1 reads the number from the file names", ErrBadInput, forced, shardRange)
	}
	return nil
}

// vectorColumnOf tells which vector column an npy file feeds, from its
// directory or file name (img_emb/, images/ → img; text_emb/, texts/ → txt).
func vectorColumnOf(path string) (string, bool) {
	base := strings.ToLower(filepath.Base(path))
	dir := strings.ToLower(filepath.Base(filepath.Dir(path)))
	switch {
	case strings.HasPrefix(base, "img_emb"), strings.HasPrefix(base, "image_emb"), dir == "img_emb", dir == "images":
		return "img", true
	case strings.HasPrefix(base, "text_emb"), strings.HasPrefix(base, "txt_emb"), dir == "text_emb", dir == "texts":
		return "txt", true
	}
	return "", false
}

// statInput stats an input path, refusing what cannot be read as a file
// or directory: opening a named pipe would wait for a writer forever (with
// the database locked), a device or socket is no shard.
func statInput(p string) (os.FileInfo, error) {
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, lerr := os.Lstat(p); lerr == nil {
			return nil, inputErr(p, -1, nil, "a symbolic link to a file that does not exist")
		}
		return nil, inputErr(p, -1, nil, "no such file or directory")
	case errors.Is(err, syscall.ELOOP):
		return nil, inputErr(p, -1, nil, "a symbolic link that leads back to itself (a loop); point it at the real file")
	case err != nil:
		return nil, inputErr(p, -1, err, "cannot read")
	}
	if st.IsDir() || st.Mode().IsRegular() {
		return st, nil
	}
	what := "not a regular file"
	switch m := st.Mode(); {
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), which laiondb would wait on forever"
	case m&os.ModeSocket != 0:
		what = "a socket"
	case m&os.ModeDevice != 0:
		what = "a device"
	}
	return nil, inputErr(p, -1, nil, "%s; give parquet and npy files (copy the data into a file first)", what)
}

// shardSubdirs are the subdirectories of a shard directory that hold its
// files, in LAION's layouts.
var shardSubdirs = []string{"metadata", "img_emb", "text_emb", "images", "texts"}

// findShards expands the ingest paths (shard directories or files) into
// shards. forced ≥ 0 overrides the shard number and then the paths must
// make up exactly one shard.
func findShards(paths []string, forced int64) ([]*shardFiles, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no input paths", ErrBadInput)
	}
	if err := checkForcedShard(forced); err != nil {
		return nil, err
	}
	var files []string
	for _, p := range paths {
		st, err := statInput(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		// A shard directory: its own files and LAION's known subdirectories;
		// anything else (synsets/, imagenet/, notes) is not part of the shard.
		for _, sub := range append([]string{""}, shardSubdirs...) {
			ents, err := os.ReadDir(filepath.Join(p, sub))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, inputErr(filepath.Join(p, sub), -1, err, "cannot read directory")
			}
			for _, e := range ents {
				ext := strings.ToLower(filepath.Ext(e.Name()))
				if !e.IsDir() && (ext == ".parquet" || ext == ".npy") {
					f := filepath.Join(p, sub, e.Name())
					if _, err := statInput(f); err != nil {
						return nil, err
					}
					files = append(files, f)
				}
			}
		}
	}
	var metas, npys []string
	for _, f := range files {
		if strings.EqualFold(filepath.Ext(f), ".npy") {
			npys = append(npys, f)
		} else {
			metas = append(metas, f)
		}
	}
	if len(metas) == 0 {
		return nil, inputErr(strings.Join(paths, ", "), -1, nil, "no metadata parquet file found; give a shard directory (metadata/metadata_0000.parquet, img_emb/, text_emb/) or the parquet file itself")
	}
	byNum := map[uint32]*shardFiles{}
	var order []uint32
	single := len(metas) == 1
	for _, m := range metas {
		n, ok, err := shardNumber(m)
		if err != nil && forced < 0 {
			return nil, err
		}
		if forced >= 0 {
			n, ok = uint32(forced), true
		}
		if !ok {
			n = 0
		}
		if _, dup := byNum[n]; dup {
			return nil, inputErr(m, -1, nil, "another metadata file is also shard %d; ingest them separately with --shard", n)
		}
		byNum[n] = &shardFiles{Number: n, Metadata: m, Vectors: map[string]string{}}
		order = append(order, n)
	}
	if forced >= 0 && len(metas) > 1 {
		return nil, fmt.Errorf("%w: --shard %d given but the paths hold %d metadata files; give one shard at a time", ErrBadInput, forced, len(metas))
	}
	for _, v := range npys {
		col, ok := vectorColumnOf(v)
		if !ok {
			return nil, inputErr(v, -1, nil, "cannot tell whether this npy holds image or text embeddings; put it under img_emb/ or text_emb/ (or name it img_emb_N.npy / text_emb_N.npy)")
		}
		var sf *shardFiles
		if single {
			sf = byNum[order[0]]
		} else {
			n, ok, err := shardNumber(v)
			if err != nil {
				return nil, err
			}
			if !ok || byNum[n] == nil {
				return nil, inputErr(v, -1, nil, "no metadata parquet file for this npy's shard")
			}
			sf = byNum[n]
		}
		if prev, dup := sf.Vectors[col]; dup {
			return nil, inputErr(v, -1, nil, "shard %d already has %s embeddings from %s", sf.Number, col, prev)
		}
		sf.Vectors[col] = v
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	out := make([]*shardFiles, len(order))
	for i, n := range order {
		out[i] = byNum[n]
	}
	return out, nil
}
