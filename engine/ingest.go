package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"

	"github.com/laiondb/laiondb/engine/npy"
	"github.com/laiondb/laiondb/index/vec"
)

// IngestOptions configures Ingest.
type IngestOptions struct {
	// Table receives the rows (created if absent). Default "laion".
	Table string
	// Shard overrides the shard number read from file names: 0 to
	// MaxShard, or -1 to read it from the names.
	Shard int64
	// VectorDType is the stored element type of vectors: "f16" (default) or "f32".
	VectorDType string
	// KeepNorm stores vectors as they are instead of unit-normalising them.
	KeepNorm bool
	// Model names the model of the vector columns; "" infers it from the
	// dimension (512 → clip-vit-b32, 768 → clip-vit-l14, 1024 → clip-vit-h14).
	Model string
	// Progress, when set, is called after every committed batch.
	Progress func(IngestProgress)
	// IndexProgress, when set, follows the update of each vector index
	// over the table once the shards have landed (rows removed and added
	// so far, of total).
	IndexProgress func(index string, done, total int64)
	// Warn, when set, receives warnings (each kind once per file), without a
	// "warning:" prefix.
	Warn func(msg string)
	// batchBlocks is the number of blocks per commit (tests lower it).
	batchBlocks int
	// skipIndexes leaves vector indexes behind the table, as a crash
	// between the table's commit and the index's would (tests).
	skipIndexes bool
}

// IngestProgress reports how far an ingest has come.
type IngestProgress struct {
	Shard      uint32
	Rows       int64 // rows committed in this run, all shards
	TotalRows  int64 // rows this run will commit
	ShardRows  int64
	ShardTotal int64
}

// IngestReport summarises a finished ingest.
type IngestReport struct {
	Table   string
	Shards  []ShardReport
	Rows    int64 // rows written in this run
	Elapsed time.Duration
	// InputBytes is the size of the input files.
	InputBytes int64
}

// ShardReport describes what happened to one shard.
type ShardReport struct {
	Number      uint32
	Rows        uint32
	ResumedFrom uint32 // > 0 when an interrupted ingest was continued
	Replaced    bool   // the shard existed and was replaced
}

// DefaultIngestOptions returns the options of `laiondb ingest`.
func DefaultIngestOptions() IngestOptions {
	return IngestOptions{Table: "laion", Shard: -1, VectorDType: "f16"}
}

// knownModels maps embedding dimensions to the CLIP model LAION used.
var knownModels = map[int]string{512: "clip-vit-b32", 768: "clip-vit-l14", 1024: "clip-vit-h14"}

// shardInput is a shard's files, opened and checked.
type shardInput struct {
	files   *shardFiles
	meta    *parquetInput
	vectors map[string]*npy.Reader
	fp      string
}

func (si *shardInput) close() {
	if si.meta != nil {
		si.meta.Close()
	}
	for _, r := range si.vectors {
		r.Close()
	}
}

// Ingest reads LAION shards (metadata parquet plus optional img/txt npy
// embeddings) into a table. Everything that can be checked before writing
// is checked first; a problem found later (a NaN in a vector) rolls the
// ingest back, so a failed ingest leaves the database as it was. A crash
// leaves whole committed batches of an unfinished shard, invisible to
// readers, which the next ingest of the same files resumes.
func (db *DB) Ingest(ctx context.Context, paths []string, opt IngestOptions) (*IngestReport, error) {
	start := time.Now()
	if err := db.writable(); err != nil {
		return nil, err
	}
	if opt.Table == "" {
		opt.Table = "laion"
	}
	if opt.VectorDType == "" {
		opt.VectorDType = "f16"
	}
	if opt.VectorDType != "f16" && opt.VectorDType != "f32" {
		return nil, fmt.Errorf("%w: vector dtype %q: use f16 or f32", ErrBadInput, opt.VectorDType)
	}
	if opt.batchBlocks <= 0 {
		opt.batchBlocks = 16
	}
	if !validName(opt.Table) {
		return nil, fmt.Errorf("%w: table name %s: %s", ErrBadInput, clip(opt.Table), nameRule)
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if _, err := db.Table(opt.Table); err != nil {
		// A new table may not take the name of a set: it would hide it.
		s := db.Snapshot()
		_, err := s.SetInfo(opt.Table)
		s.Close()
		if err == nil {
			return nil, fmt.Errorf("table name %s: a set of that name exists and a table would hide it; choose another name (%w)", opt.Table, ErrExists)
		}
		if !errors.Is(err, ErrNoSet) {
			return nil, err
		}
	}

	files, err := findShards(paths, opt.Shard)
	if err != nil {
		return nil, err
	}
	var inputs []*shardInput
	defer func() {
		for _, si := range inputs {
			si.close()
		}
	}()
	var inputBytes int64
	for _, sf := range files {
		si, err := openShard(sf, opt)
		if si != nil {
			inputs = append(inputs, si)
		}
		if err != nil {
			return nil, err
		}
		inputBytes += si.size()
	}

	if err := db.collectOrphanTables(); err != nil {
		return nil, err
	}
	orig, _ := db.Table(opt.Table)
	var t *Table
	if orig != nil {
		t = orig.clone()
		if err := db.collectGarbage(t); err != nil {
			return nil, err
		}
	} else {
		id, err := db.newTableID()
		if err != nil {
			return nil, err
		}
		t = &Table{ID: id, Name: opt.Table, NextGen: 1}
	}
	if err := mergeSchema(t, inputs, opt); err != nil {
		return nil, err
	}

	rep := &IngestReport{Table: t.Name, InputBytes: inputBytes}
	var total int64
	var need uint64
	for _, si := range inputs {
		total += si.meta.rows
		need += si.estimate(t, opt)
	}
	if err := db.ensureSpace(fmt.Sprintf("the ingest of %d rows", total), need); err != nil {
		return nil, err
	}
	run := &ingestRun{db: db, t: t, opt: opt, total: total, ctx: ctx}
	for _, si := range inputs {
		sr, err := run.shard(si)
		if err != nil {
			if rerr := db.rollback(orig, t, run.written); rerr != nil {
				err = fmt.Errorf("%w (and rolling back failed: %v)", err, rerr)
			}
			return nil, err
		}
		rep.Shards = append(rep.Shards, sr)
	}
	if err := run.switchAll(); err != nil {
		if rerr := db.rollback(orig, t, run.written); rerr != nil {
			err = fmt.Errorf("%w (and rolling back failed: %v)", err, rerr)
		}
		return nil, err
	}
	// Only now, with every shard switched, are the generations this run
	// replaced deleted: until the switch a failure rolls back to them. A
	// crash before this point leaves them unreferenced, for collectGarbage.
	for _, g := range run.replaced {
		if err := db.dropGeneration(t.ID, g.shard, g.gen); err != nil {
			return rep, err
		}
		failpoint("ingest.drop-replaced")
	}
	// Indexes over the table learn its new rows now (added, replaced).
	if !opt.skipIndexes {
		if err := db.refreshIndexesLocked(ctx, t.Name, opt.IndexProgress); err != nil {
			return rep, err
		}
	}
	// The space of replaced generations goes back to the disk.
	if err := db.reclaim(); err != nil {
		return rep, err
	}
	rep.Rows = run.done
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// MaxNameLen bounds the names of tables, sets and indexes: they are parts
// of keys and of every message about them.
const MaxNameLen = 128

// nameRule says what validName accepts.
var nameRule = fmt.Sprintf("use letters, digits and _ (not first), at most %d characters", MaxNameLen)

func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (si *shardInput) size() int64 {
	var n int64
	if st, err := os.Stat(si.files.Metadata); err == nil {
		n += st.Size()
	}
	for _, p := range si.files.Vectors {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// openShard opens and checks one shard's files.
func openShard(sf *shardFiles, opt IngestOptions) (*shardInput, error) {
	si := &shardInput{files: sf, vectors: map[string]*npy.Reader{}}
	meta, err := openParquet(sf.Metadata)
	if err != nil {
		return si, err
	}
	si.meta = meta
	if meta.rows >= RowsPerShard {
		return si, inputErr(sf.Metadata, -1, nil, "%d rows: a shard holds at most %d rows (ids are shard×10^8 + row)", meta.rows, RowsPerShard-1)
	}
	h := sha256.New()
	fmt.Fprintf(h, "dtype=%s keepnorm=%v model=%s\n", opt.VectorDType, opt.KeepNorm, opt.Model)
	for _, p := range append([]string{sf.Metadata}, sortedValues(sf.Vectors)...) {
		abs, _ := filepath.Abs(p)
		st, err := os.Stat(p)
		if err != nil {
			return si, inputErr(p, -1, err, "cannot stat")
		}
		fmt.Fprintf(h, "%s %d %d\n", abs, st.Size(), st.ModTime().UnixNano())
	}
	si.fp = hex.EncodeToString(h.Sum(nil)[:12])
	for col, p := range sf.Vectors {
		r, err := npy.Open(p)
		if err != nil {
			return si, &InputError{Path: p, Row: -1, Msg: "unusable embeddings", Err: err}
		}
		si.vectors[col] = r
		if int64(r.Rows) != meta.rows {
			return si, inputErr(p, -1, nil, "%d rows but %s has %d; row i of the npy must be row i of the parquet", r.Rows, sf.Metadata, meta.rows)
		}
	}
	return si, nil
}

func sortedValues(m map[string]string) []string {
	var out []string
	for _, k := range []string{"img", "txt"} {
		if v, ok := m[k]; ok {
			out = append(out, v)
		}
	}
	return out
}

// mergeSchema adds the inputs' columns to t, widening INT to FLOAT where a
// file has fractional values, and checks vector dimensions.
func mergeSchema(t *Table, inputs []*shardInput, opt IngestOptions) error {
	for _, si := range inputs {
		for _, c := range si.meta.cols {
			i := t.Column(c.Name)
			if i < 0 {
				t.Columns = append(t.Columns, Column{Name: c.Name, Type: c.Type, Source: c.Source})
				continue
			}
			have := t.Columns[i].Type
			switch {
			case have == c.Type:
			case have == TypeInt && c.Type == TypeFloat:
				t.Columns[i].Type = TypeFloat
			case have == TypeFloat && c.Type == TypeInt:
			default:
				return inputErr(si.meta.path, -1, nil, "column %s is %s here but %s in table %s; convert the file's column or ingest into another table", c.Source, c.Type, have, t.Name)
			}
		}
		for _, col := range []string{"img", "txt"} {
			r, ok := si.vectors[col]
			if !ok {
				continue
			}
			elem := 2
			if opt.VectorDType == "f32" {
				elem = 4
			}
			if block := BlockRows * r.Dim * elem; block > maxBlockBytes {
				return inputErr(r.Path(), -1, nil, "embeddings of dimension %d: a block of %d rows would take %s, more than a storage block may hold (%s); laiondb stores %s vectors of up to %d dimensions",
					r.Dim, BlockRows, mib(block), mib(maxBlockBytes), opt.VectorDType, maxBlockBytes/(BlockRows*elem))
			}
			i := t.Vector(col)
			if i < 0 {
				model := opt.Model
				if model == "" {
					model = knownModels[r.Dim]
				}
				if model == "" {
					model = "unknown"
				}
				t.Vectors = append(t.Vectors, VectorColumn{Name: col, Dim: r.Dim, DType: opt.VectorDType, Model: model})
				continue
			}
			if t.Vectors[i].Dim != r.Dim {
				return inputErr(r.Path(), -1, nil, "%s embeddings of dimension %d, but column %s.%s has dimension %d; all %s files must come from the same model", col, r.Dim, t.Name, col, t.Vectors[i].Dim, col)
			}
			if opt.Model != "" && t.Vectors[i].Model != opt.Model {
				return inputErr(r.Path(), -1, nil, "model %s given, but column %s.%s holds %s embeddings", opt.Model, t.Name, col, t.Vectors[i].Model)
			}
		}
	}
	return nil
}

// ingestRun carries the state of one Ingest call.
type ingestRun struct {
	db    *DB
	t     *Table
	opt   IngestOptions
	ctx   context.Context
	total int64
	done  int64
	// written lists the generations this run wrote into (new or resumed);
	// replaced, those it made unreachable (a shard's previous visible
	// generation, an abandoned pending one), deleted only once the whole
	// run has committed.
	written  []shardGen
	replaced []shardGen
	warned   map[string]bool
}

// shardGen names one generation of one shard of the run's table.
type shardGen struct{ shard, gen uint32 }

func (r *ingestRun) warn(key, msg string) {
	if r.opt.Warn == nil {
		return
	}
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	if r.warned[key] {
		return
	}
	r.warned[key] = true
	r.opt.Warn(msg)
}

// builtBlock is one block of a shard, ready to write.
type builtBlock struct {
	n       int
	scalars map[uint16][]byte
	vectors map[uint16][]byte
	err     error
}

func (r *ingestRun) shard(si *shardInput) (ShardReport, error) {
	t := r.t
	num := si.files.Number
	rep := ShardReport{Number: num}
	sh := t.Shard(num)
	if sh == nil {
		sh = &Shard{Number: num}
		t.addShard(sh)
	} else if sh.Rows > 0 {
		rep.Replaced = true
	}
	total := uint32(si.meta.rows)
	var startRow uint32
	if p := sh.Pending; p != nil && p.Fingerprint == si.fp && p.Total == total {
		startRow = p.Committed
		rep.ResumedFrom = startRow
		// A labelling stored for this generation by a run that was rolled
		// back is recomputed when the generation is complete again.
		if err := r.db.deleteKeys(labelsKey(t.ID, num, p.Gen, 0)[:13]); err != nil {
			return rep, err
		}
	} else {
		if p != nil {
			r.replaced = append(r.replaced, shardGen{num, p.Gen})
		}
		hv := make([]bool, len(t.Vectors))
		for col := range si.vectors {
			hv[t.Vector(col)] = true
		}
		sh.Pending = &Pending{Gen: t.NextGen, Total: total, Fingerprint: si.fp, Sources: si.sources(), HasVector: hv, Stamp: newStamp()}
		t.NextGen++
		// Whatever a crash during an earlier rollback left under this
		// number goes before the generation is used.
		if err := r.db.dropGeneration(t.ID, num, sh.Pending.Gen); err != nil {
			return rep, err
		}
	}
	gen := sh.Pending.Gen
	r.written = append(r.written, shardGen{num, gen})
	if err := r.db.commitTable(t); err != nil {
		return rep, err
	}
	failpoint("ingest.pending")

	tokens := newTokenBuilder()
	defer tokens.finish()
	if startRow > 0 {
		if err := r.db.rebuildTokens(t, num, gen, startRow, tokens); err != nil {
			return rep, err
		}
	}

	// A few blocks wait between the readers and the writer: enough to keep
	// both busy, few enough that memory does not grow with the shard.
	blocks := make(chan *builtBlock, blockQueue)
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	go r.produce(ctx, si, startRow, blocks, tokens)

	// Blocks go to badger as they come, a few commits in flight, each
	// vector buffer recycled once badger has copied it into the value log;
	// the progress record is committed every batchBlocks blocks, after
	// every block before it has landed. That record is the point a crash
	// falls back to (blocks written past it are written again, under the
	// same keys); holding a whole batch in one WriteBatch instead would
	// hold its 128 MB of vectors in memory until the batch's end.
	bw := newBlockWriter(r.db)
	defer bw.wait()
	blockNo := startRow / BlockRows
	row := startRow
	inBatch := 0
	for b := range blocks {
		if b.err != nil {
			return rep, b.err
		}
		if err := r.db.ensureSpace(fmt.Sprintf("shard %d's next %d rows", num, b.n), blockBytes(b)); err != nil {
			return rep, err
		}
		kvs := make([]blockEntry, 0, len(b.scalars)+len(b.vectors))
		for col, data := range b.scalars {
			kvs = append(kvs, blockEntry{blockKey(t.ID, num, gen, blockNo, blockScalar, col), data})
		}
		var bufs [][]byte
		for col, data := range b.vectors {
			kvs = append(kvs, blockEntry{blockKey(t.ID, num, gen, blockNo, blockVector, col), data})
			bufs = append(bufs, data)
		}
		if err := bw.write(kvs, func() {
			for _, buf := range bufs {
				putVecBuffer(buf)
			}
		}); err != nil {
			return rep, err
		}
		blockNo++
		row += uint32(b.n)
		r.done += int64(b.n)
		inBatch++
		if inBatch == r.opt.batchBlocks || row == total {
			if err := bw.wait(); err != nil {
				return rep, err
			}
			sh.Pending.Committed = row
			if err := r.db.commitTable(t); err != nil {
				return rep, err
			}
			failpoint("ingest.batch")
			inBatch = 0
			if r.opt.Progress != nil {
				r.opt.Progress(IngestProgress{Shard: num, Rows: r.done, TotalRows: r.total, ShardRows: int64(row), ShardTotal: int64(total)})
			}
		}
	}
	if err := bw.wait(); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if row != total {
		return rep, inputErr(si.meta.path, int64(row), nil, "ended after %d of %d rows", row, total)
	}
	tokens.finish()
	wb := r.db.bdb.NewWriteBatch()
	defer wb.Cancel()
	if err := tokens.write(wb, t.ID, num, gen); err != nil {
		return rep, err
	}
	if err := wb.Flush(); err != nil {
		return rep, err
	}
	failpoint("ingest.tokens")
	// The generation is complete but not visible yet: Ingest switches every
	// shard of the run to its new generation in one commit. Its ImageNet
	// labelling under every rule is stored now, so that queries (read-only
	// ones too) start from it.
	done := *sh
	done.Gen, done.Rows, done.Stamp, done.Tokens = gen, total, sh.Pending.Stamp, tokens.rules()
	if t.Column("caption") >= 0 {
		s := r.db.Snapshot()
		for _, cr := range captionRules {
			vocab, err := imagenetVocabulary(cr.rule)
			if err == nil {
				_, err = s.shardLabels(r.ctx, t, &done, cr.rule, vocab, true)
			}
			if err != nil {
				s.Close()
				return rep, err
			}
			failpoint("ingest.labels")
		}
		s.Close()
	}
	rep.Rows = total
	return rep, nil
}

// switchAll makes the new generation of every shard of the run visible in
// one commit: readers see all of the run or none of it, whether it fails
// or is killed. The generations it replaces are deleted afterwards.
func (r *ingestRun) switchAll() error {
	t := r.t
	for _, g := range r.written {
		sh := t.Shard(g.shard)
		if hadOld := sh.Rows > 0 || sh.Gen != 0; hadOld && sh.Gen != g.gen {
			r.replaced = append(r.replaced, shardGen{g.shard, sh.Gen})
		}
		p := sh.Pending
		sh.Gen, sh.Rows = p.Gen, p.Total
		sh.Sources, sh.HasVector, sh.Stamp = p.Sources, p.HasVector, p.Stamp
		sh.Tokens = (&tokenBuilder{}).rules()
		sh.Pending = nil
	}
	if err := r.db.commitTable(t); err != nil {
		return err
	}
	failpoint("ingest.switch")
	return nil
}

func (si *shardInput) sources() []string {
	return append([]string{si.files.Metadata}, sortedValues(si.files.Vectors)...)
}

// produce reads the shard from startRow and sends its blocks in order.
// Scalar columns and each vector column are read concurrently.
func (r *ingestRun) produce(ctx context.Context, si *shardInput, startRow uint32, out chan<- *builtBlock, tokens *tokenBuilder) {
	defer close(out)
	t := r.t
	total := uint32(si.meta.rows)
	nblocks := 0
	for row := startRow; row < total; row += BlockRows {
		nblocks++
	}
	type part struct {
		scalars map[uint16][]byte
		vec     []byte
		err     error
	}
	// One goroutine per vector column and one for scalars, each feeding a
	// channel of per-block parts; the merge below preserves block order.
	scal := make(chan part, 2)
	vecChans := map[uint16]chan part{}
	for col := range si.vectors {
		vecChans[uint16(t.Vector(col))] = make(chan part, 2)
	}
	go func() {
		defer close(scal)
		streams := make([]*columnStream, len(si.meta.cols))
		builders := make([]*columnBuilder, len(si.meta.cols))
		for i, c := range si.meta.cols {
			streams[i] = si.meta.stream(i)
			defer streams[i].Close()
			builders[i] = newColumnBuilder(t.Columns[t.Column(c.Name)].Type)
		}
		capIdx := si.meta.column("caption") // -1 for a labelled image set
		// Resuming: skip the rows already committed.
		if startRow > 0 {
			for i := range streams {
				skip := newColumnBuilder(builders[i].typ)
				for left := int(startRow); left > 0; left -= BlockRows {
					skip.reset()
					if err := streams[i].read(min(left, BlockRows), skip); err != nil {
						scal <- part{err: err}
						return
					}
				}
			}
		}
		invalid := 0
		for row := startRow; row < total; row += BlockRows {
			n := int(min(BlockRows, total-row))
			p := part{scalars: map[uint16][]byte{}}
			for i, c := range si.meta.cols {
				builders[i].reset()
				if err := streams[i].read(n, builders[i]); err != nil {
					scal <- part{err: err}
					return
				}
				if size := builders[i].size(); size > maxBlockBytes {
					scal <- part{err: inputErr(si.meta.path, int64(row), nil, "column %s: rows %d to %d hold %s, more than a storage block of %d rows may hold (%s); values this long are not LAION metadata: shorten them or drop the column",
						c.Source, row, row+uint32(n)-1, mib(size), BlockRows, mib(maxBlockBytes))}
					return
				}
				data := builders[i].encode()
				p.scalars[uint16(t.Column(c.Name))] = data
				if i == capIdx {
					cb, err := decodeColumnBlock(data)
					if err != nil {
						scal <- part{err: err}
						return
					}
					for j := 0; j < n; j++ {
						if !cb.IsNull(j) && !utf8.Valid(cb.Bytes(j)) {
							invalid++
						}
					}
					tokens.addBlock(row, cb)
				}
			}
			select {
			case scal <- p:
			case <-ctx.Done():
				return
			}
		}
		if invalid > 0 {
			r.warn("utf8:"+si.meta.path, fmt.Sprintf("%s: %d captions are not valid UTF-8; stored as they are", si.meta.path, invalid))
		}
	}()
	for col, rd := range si.vectors {
		ch := vecChans[uint16(t.Vector(col))]
		vc := t.Vectors[t.Vector(col)]
		go func() {
			defer close(ch)
			norms := &normStats{min: float32(math.Inf(1)), max: float32(math.Inf(-1))}
			for row := startRow; row < total; row += BlockRows {
				n := int(min(BlockRows, total-row))
				data, err := r.readVectors(rd, vc, int(row), n, norms)
				select {
				case ch <- part{vec: data, err: err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
			if norms.far > 0 {
				r.warn("norm:"+rd.Path(), fmt.Sprintf("%s: %d of %d vectors had a norm outside [0.99, 1.01] (min %.3g, max %.3g); they were stored unit-normalised — ingest with --keep-norm to keep them as they are", rd.Path(), norms.far, total-startRow, norms.min, norms.max))
			}
			if norms.zero > 0 {
				r.warn("zero:"+rd.Path(), fmt.Sprintf("%s: %d vectors are all zeros; stored as zeros (their cosine with anything is 0)", rd.Path(), norms.zero))
			}
		}()
	}
	// send hands a block (or an error) to the writer, unless the writer
	// has given up (ctx): then nobody reads out any more.
	send := func(b *builtBlock) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for row := startRow; row < total; row += BlockRows {
		n := int(min(BlockRows, total-row))
		b := &builtBlock{n: n, vectors: map[uint16][]byte{}}
		p, ok := <-scal
		if !ok {
			if ctx.Err() == nil {
				b.err = fmt.Errorf("ingest of %s stopped early", si.meta.path)
			} else {
				b.err = ctx.Err()
			}
			send(b)
			return
		}
		if p.err != nil {
			send(&builtBlock{err: p.err})
			return
		}
		b.scalars = p.scalars
		for col, ch := range vecChans {
			vp, ok := <-ch
			if !ok {
				send(&builtBlock{err: ctx.Err()})
				return
			}
			if vp.err != nil {
				send(&builtBlock{err: vp.err})
				return
			}
			b.vectors[col] = vp.vec
		}
		if !send(b) {
			return
		}
	}
}

// blockBytes is the size of a built block's values.
func blockBytes(b *builtBlock) uint64 {
	var n int
	for _, d := range b.scalars {
		n += len(d)
	}
	for _, d := range b.vectors {
		n += len(d)
	}
	return uint64(n)
}

// vecBuffers recycles vector block buffers (MBs each) between batches, so
// the ingest does not allocate, zero and fault in fresh memory per block.
var vecBuffers sync.Pool

func getVecBuffer(n int) []byte {
	if p, ok := vecBuffers.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func putVecBuffer(b []byte) { vecBuffers.Put(&b) }

type normStats struct {
	far, zero int
	min, max  float32
}

// normTolerance: f16 vectors whose norm is within it of 1 are kept bit for
// bit (re-normalising would only re-round them).
const normTolerance = 2e-3

// readVectors reads n rows of an npy file and encodes them as the column
// stores them, unit-normalised unless KeepNorm.
func (r *ingestRun) readVectors(rd *npy.Reader, vc VectorColumn, row, n int, ns *normStats) ([]byte, error) {
	dim := rd.Dim
	raw := getVecBuffer(n * dim * rd.DType.Size())
	if err := rd.ReadRows(raw, row, n); err != nil {
		return nil, err
	}
	outSize := vc.ElemSize()
	if rd.DType == npy.Float16 && vc.DType == "f16" && r.opt.KeepNorm {
		return raw, checkFinite(rd, raw, row, n)
	}
	out := raw
	if rd.DType.Size() != outSize {
		out = getVecBuffer(n * dim * outSize)
		defer putVecBuffer(raw)
	}
	// Split rows over the cores: the norm pass costs as much as the read.
	workers := min(runtime.GOMAXPROCS(0), max(1, n/512))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	stats := make([]normStats, workers)
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min(n, (w+1)*per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float32, dim)
			st := &stats[w]
			st.min, st.max = float32(math.Inf(1)), float32(math.Inf(-1))
			for i := lo; i < hi; i++ {
				src := raw[i*dim*rd.DType.Size() : (i+1)*dim*rd.DType.Size()]
				if rd.DType == npy.Float16 {
					vec.F16ToF32(buf, src)
				} else {
					vec.DecodeF32(buf, src)
				}
				norm := vec.Norm(buf)
				if math.IsNaN(float64(norm)) || math.IsInf(float64(norm), 0) {
					errs[w] = inputErr(rd.Path(), int64(row+i), nil, "vector has NaN or Inf values; fix or drop the row before ingesting")
					return
				}
				st.min, st.max = min(st.min, norm), max(st.max, norm)
				if norm < 0.99 || norm > 1.01 {
					st.far++
				}
				dst := out[i*dim*outSize : (i+1)*dim*outSize]
				if norm == 0 {
					st.zero++
				} else if !r.opt.KeepNorm && (rd.DType != npy.Float16 || vc.DType != "f16" || math.Abs(float64(norm)-1) > normTolerance) {
					vec.Scale(buf, 1/norm)
				} else if rd.DType == npy.Float16 && vc.DType == "f16" {
					continue // already in place
				}
				if outSize == 2 {
					vec.F32ToF16(dst, buf)
				} else {
					vec.EncodeF32(dst, buf)
				}
			}
		}()
	}
	wg.Wait()
	for w := range stats {
		if errs[w] != nil {
			return nil, errs[w]
		}
		ns.far += stats[w].far
		ns.zero += stats[w].zero
		ns.min = min(ns.min, stats[w].min)
		ns.max = max(ns.max, stats[w].max)
	}
	return out, nil
}

// checkFinite rejects NaN and Inf in raw float16 data.
func checkFinite(rd *npy.Reader, raw []byte, row, n int) error {
	dim := rd.Dim
	for i := 0; i < n; i++ {
		for j := 0; j < dim; j++ {
			if raw[2*(i*dim+j)+1]&0x7c == 0x7c {
				return inputErr(rd.Path(), int64(row+i), nil, "vector has NaN or Inf values; fix or drop the row before ingesting")
			}
		}
	}
	return nil
}

// dropGeneration deletes every block and token key of one shard generation.
func (db *DB) dropGeneration(table, shard, gen uint32) error {
	labels := tokenShardPrefix(table, shard, gen)
	labels[0] = kindLabels
	for _, p := range [][]byte{shardGenPrefix(table, shard, gen), tokenShardPrefix(table, shard, gen), labels} {
		if err := db.deleteKeys(p); err != nil {
			return err
		}
	}
	return nil
}

// deleteKeys deletes every key under prefix. It uses badger's DropPrefix
// rather than writing a delete per key: the dropped keys are compacted
// away at once, which records their values in the value log as garbage,
// so that reclaim can give the space back (deletes alone leave the values
// counted as live until a compaction happens to reach them).
func (db *DB) deleteKeys(prefix []byte) error {
	if err := db.bdb.DropPrefix(prefix); err != nil {
		return fmt.Errorf("deleting %x…: %w", prefix, err)
	}
	return nil
}

// rollback undoes a failed ingest: the catalog entry goes back to what it
// was and every generation the run wrote is deleted, except a pending one
// the catalog had before the run (an earlier interrupted ingest, kept for
// resuming). The generations the run replaced were not deleted (see
// Ingest), so the restored entry finds every block it names, and the
// database is as it was, byte for byte. A generation number the run used
// may be used again: a new generation starts by deleting anything left
// under its number, and its stamp keeps an old labelling from passing
// for its own.
func (db *DB) rollback(orig, t *Table, written []shardGen) error {
	// The catalog goes back first: a crash after it leaves only
	// unreferenced generations, which the next ingest collects; the other
	// order could leave the catalog naming deleted blocks.
	if orig != nil {
		if err := db.commitTable(orig); err != nil {
			return err
		}
	} else if err := db.dropTableEntry(t); err != nil {
		return err
	}
	failpoint("ingest.rollback")
	var errs []error
	for _, g := range written {
		if orig != nil {
			if o := orig.Shard(g.shard); o != nil && o.Pending != nil && o.Pending.Gen == g.gen {
				continue
			}
		}
		errs = append(errs, db.dropGeneration(t.ID, g.shard, g.gen))
	}
	return errors.Join(errs...)
}

func (db *DB) dropTableEntry(t *Table) error {
	if err := db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Delete(catalogKey(catTable, strings.ToLower(t.Name)))
	}); err != nil {
		return err
	}
	db.mu.Lock()
	delete(db.tables, strings.ToLower(t.Name))
	db.mu.Unlock()
	return nil
}

// collectGarbage deletes generations that no shard refers to: what a
// crash between switching generations and dropping the old one leaves.
func (db *DB) collectGarbage(t *Table) error {
	live := map[[2]uint32]bool{}
	for _, s := range t.Shards {
		live[[2]uint32{s.Number, s.Gen}] = true
		if s.Pending != nil {
			live[[2]uint32{s.Number, s.Pending.Gen}] = true
		}
	}
	dead := map[[2]uint32]bool{}
	for _, kind := range []byte{kindBlock, kindTokens, kindLabels} {
		prefix := []byte{kind, 0, 0, 0, 0}
		prefix[1], prefix[2], prefix[3], prefix[4] = byte(t.ID>>24), byte(t.ID>>16), byte(t.ID>>8), byte(t.ID)
		err := db.bdb.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				k := it.Item().Key()
				if len(k) < 13 {
					continue
				}
				sg := [2]uint32{be32(k[5:]), be32(k[9:])}
				if !live[sg] {
					dead[sg] = true
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for sg := range dead {
		if err := db.dropGeneration(t.ID, sg[0], sg[1]); err != nil {
			return err
		}
	}
	return nil
}

// collectOrphanTables deletes the blocks, caption indexes and labellings
// of table ids that no catalog entry has: what a crash in the rollback of
// a new table's failed ingest leaves (and what older versions left after
// any failed first ingest). One seek per table id, so it is cheap.
func (db *DB) collectOrphanTables() error {
	live := map[uint32]bool{}
	for _, t := range db.Tables() {
		live[t.ID] = true
	}
	var dead [][]byte
	for _, kind := range []byte{kindBlock, kindTokens, kindLabels} {
		ps, err := db.keyPrefixes(kind, 4)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if !live[be32(p[1:])] {
				dead = append(dead, p)
			}
		}
	}
	for _, p := range dead {
		if err := db.deleteKeys(p); err != nil {
			return err
		}
	}
	return nil
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
