package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Classifiers are what EVALUATE and predict() score: either class weight
// vectors (a linear classifier such as CLIP's zero-shot weights, or class
// centroids) or predictions a model made elsewhere, per row id. Both are
// small next to a table — a 1000 × 768 float32 matrix is 3 MB, a
// million rows of top-5 predictions 28 MB — and are stored whole, in
// chunks, beside the embedding cache:
//
//	0x01 'c' name                   catalog entry (JSON, Classifier)
//	0x08 classifier(4) chunk(4)     data, in chunks of at most classifierChunk bytes
//
// Weights are classes × dim float32, row-major (little-endian).
// Predictions are rows of id(8) then K class indices (uint32 each, into
// Classes), in increasing id order. A new or replaced classifier writes
// its data under a fresh id first and switches the catalog entry in one
// commit, so readers never see a half-written one; what a crash leaves
// is unreachable data, which VACUUM removes.

const (
	kindClassifier = 0x08
	catClassifier  = 'c'
	// classifierChunk bounds one stored value.
	classifierChunk = 1 << 20
)

// Classifier kinds.
const (
	ClassifierWeights     = "weights"
	ClassifierPredictions = "predictions"
)

// Classifier is the catalog entry of a classifier.
type Classifier struct {
	ID   uint32 `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"` // ClassifierWeights or ClassifierPredictions
	// Classes are the class labels (WNIDs), indexed by class number.
	Classes []string `json:"classes"`
	// Weights: the dimension of the vectors scored, and their model
	// ("" when unknown).
	Dim   int    `json:"dim,omitempty"`
	Model string `json:"model,omitempty"`
	// Predictions: the rows predicted and how many classes each has
	// (top-1 to top-K).
	Rows int64 `json:"rows,omitempty"`
	K    int   `json:"k,omitempty"`
	// Source says where it came from: a file, or a statement.
	Source  string    `json:"source"`
	Created time.Time `json:"created"`
}

// Predictions are a classifier's stored predictions: IDs ascending, and
// for row i the class numbers Classes[i*K : (i+1)*K], best first.
type Predictions struct {
	IDs     []uint64
	Classes []uint32
	K       int
}

// Lookup returns the class numbers predicted for id, best first, or nil.
func (p *Predictions) Lookup(id uint64) []uint32 {
	i := sort.Search(len(p.IDs), func(i int) bool { return p.IDs[i] >= id })
	if i == len(p.IDs) || p.IDs[i] != id {
		return nil
	}
	return p.Classes[i*p.K : (i+1)*p.K]
}

func classifierKey(id, chunk uint32) []byte {
	k := binary.BigEndian.AppendUint32([]byte{kindClassifier}, id)
	return binary.BigEndian.AppendUint32(k, chunk)
}

func classifierPrefix(id uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{kindClassifier}, id)
}

// PutClassifierWeights stores a weights classifier: c says what it is
// (Name, Classes, Dim, Model, Source), weights are len(c.Classes) × c.Dim
// values, row-major. An existing classifier of that name is replaced when
// replace is set, else it is an error (ErrExists).
func (db *DB) PutClassifierWeights(c *Classifier, weights []float32, replace bool) error {
	if len(weights) != len(c.Classes)*c.Dim || c.Dim <= 0 || len(c.Classes) == 0 {
		return fmt.Errorf("classifier %s: %d weights for %d classes of dimension %d", c.Name, len(weights), len(c.Classes), c.Dim)
	}
	c.Kind = ClassifierWeights
	data := make([]byte, 4*len(weights))
	for i, w := range weights {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(w))
	}
	return db.putClassifier(c, data, replace)
}

// PutPredictions stores predictions: p.IDs strictly increasing, p.K class
// numbers per row into c.Classes.
func (db *DB) PutPredictions(c *Classifier, p *Predictions, replace bool) error {
	if p.K < 1 || len(p.Classes) != len(p.IDs)*p.K {
		return fmt.Errorf("predictions %s: %d classes for %d rows of top-%d", c.Name, len(p.Classes), len(p.IDs), p.K)
	}
	for i, id := range p.IDs {
		if i > 0 && id <= p.IDs[i-1] {
			return fmt.Errorf("predictions %s: row ids out of order at %d", c.Name, id)
		}
	}
	for _, k := range p.Classes {
		if int(k) >= len(c.Classes) {
			return fmt.Errorf("predictions %s: class number %d of %d", c.Name, k, len(c.Classes))
		}
	}
	c.Kind, c.Rows, c.K = ClassifierPredictions, int64(len(p.IDs)), p.K
	rowBytes := 8 + 4*p.K
	data := make([]byte, 0, len(p.IDs)*rowBytes)
	for i, id := range p.IDs {
		data = binary.LittleEndian.AppendUint64(data, id)
		for _, k := range p.Classes[i*p.K : (i+1)*p.K] {
			data = binary.LittleEndian.AppendUint32(data, k)
		}
	}
	return db.putClassifier(c, data, replace)
}

func (db *DB) putClassifier(c *Classifier, data []byte, replace bool) error {
	if err := db.writable(); err != nil {
		return err
	}
	if !validName(c.Name) {
		return fmt.Errorf("classifier name %q: use letters, digits and _", c.Name)
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	s := db.Snapshot()
	old, err := s.Classifier(c.Name)
	s.Close()
	switch {
	case err == nil && !replace:
		return fmt.Errorf("%w: classifier %s (DROP CLASSIFIER %s first)", ErrExists, c.Name, c.Name)
	case err != nil && !errors.Is(err, ErrNoClassifier):
		return err
	}
	id, err := db.nextSeq("classifier")
	if err != nil {
		return err
	}
	c.ID = id
	if c.Created.IsZero() {
		c.Created = time.Now().UTC()
	}
	wb := db.bdb.NewWriteBatch()
	for chunk := uint32(0); int(chunk)*classifierChunk < len(data) || chunk == 0; chunk++ {
		lo := int(chunk) * classifierChunk
		hi := min(len(data), lo+classifierChunk)
		if err := wb.Set(classifierKey(id, chunk), data[lo:hi]); err != nil {
			wb.Cancel()
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		db.deleteKeys(classifierPrefix(id))
		return err
	}
	entry, err := json.Marshal(c)
	if err != nil {
		db.deleteKeys(classifierPrefix(id))
		return err
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Set(catalogKey(catClassifier, strings.ToLower(c.Name)), entry)
	}); err != nil {
		db.deleteKeys(classifierPrefix(id))
		return err
	}
	if old != nil {
		if err := db.deleteKeys(classifierPrefix(old.ID)); err != nil {
			return err
		}
	}
	return db.reclaim()
}

// Classifiers returns every classifier's catalog entry, by name.
func (db *DB) Classifiers() ([]*Classifier, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.Classifiers()
}

// Classifiers returns every classifier's catalog entry in the snapshot, by
// name.
func (s *Snapshot) Classifiers() ([]*Classifier, error) {
	var out []*Classifier
	it := s.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindCatalog, catClassifier}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var c Classifier
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &c) }); err != nil {
			return nil, fmt.Errorf("%w: classifier catalog entry: %w", ErrCorrupt, err)
		}
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Classifier returns the named classifier's catalog entry (ErrNoClassifier
// when there is none).
func (s *Snapshot) Classifier(name string) (*Classifier, error) {
	item, err := s.txn.Get(catalogKey(catClassifier, strings.ToLower(name)))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoClassifier, name)
	}
	if err != nil {
		return nil, err
	}
	var c Classifier
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &c) }); err != nil {
		return nil, fmt.Errorf("%w: classifier %s: %w", ErrCorrupt, name, err)
	}
	return &c, nil
}

// classifierData reads a classifier's chunks, checking that they hold
// want bytes.
func (s *Snapshot) classifierData(c *Classifier, want int) ([]byte, error) {
	data := make([]byte, 0, want)
	for chunk := uint32(0); len(data) < want || chunk == 0; chunk++ {
		what := fmt.Sprintf("chunk %d of classifier %s", chunk, c.Name)
		item, err := s.txn.Get(classifierKey(c.ID, chunk))
		if err != nil {
			return nil, readErr(err, what)
		}
		if err := item.Value(func(v []byte) error { data = append(data, v...); return nil }); err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
	}
	if len(data) != want {
		return nil, fmt.Errorf("%w: classifier %s has %d bytes of data, want %d", ErrCorrupt, c.Name, len(data), want)
	}
	return data, nil
}

// ClassifierWeights returns a weights classifier's matrix: classes × dim,
// row-major.
func (s *Snapshot) ClassifierWeights(c *Classifier) ([]float32, error) {
	if c.Kind != ClassifierWeights {
		return nil, fmt.Errorf("classifier %s holds %s, not weights", c.Name, c.Kind)
	}
	data, err := s.classifierData(c, 4*len(c.Classes)*c.Dim)
	if err != nil {
		return nil, err
	}
	w := make([]float32, len(c.Classes)*c.Dim)
	for i := range w {
		w[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return w, nil
}

// Predictions returns imported predictions.
func (s *Snapshot) Predictions(c *Classifier) (*Predictions, error) {
	if c.Kind != ClassifierPredictions {
		return nil, fmt.Errorf("classifier %s holds %s, not predictions", c.Name, c.Kind)
	}
	rowBytes := 8 + 4*c.K
	data, err := s.classifierData(c, int(c.Rows)*rowBytes)
	if err != nil {
		return nil, err
	}
	p := &Predictions{IDs: make([]uint64, c.Rows), Classes: make([]uint32, int(c.Rows)*c.K), K: c.K}
	for i := range p.IDs {
		r := data[i*rowBytes:]
		p.IDs[i] = binary.LittleEndian.Uint64(r)
		for k := 0; k < c.K; k++ {
			p.Classes[i*c.K+k] = binary.LittleEndian.Uint32(r[8+4*k:])
		}
	}
	return p, nil
}

// DropClassifier deletes a classifier; ok=false when there was none.
func (db *DB) DropClassifier(name string) (bool, error) {
	if err := db.writable(); err != nil {
		return false, err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	s := db.Snapshot()
	c, err := s.Classifier(name)
	s.Close()
	if errors.Is(err, ErrNoClassifier) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error {
		return txn.Delete(catalogKey(catClassifier, strings.ToLower(c.Name)))
	}); err != nil {
		return false, err
	}
	if err := db.deleteKeys(classifierPrefix(c.ID)); err != nil {
		return true, err
	}
	return true, db.reclaim()
}

// checkClassifiers verifies that every classifier's data is whole.
func checkClassifiers(db *DB, s *Snapshot) error {
	cs, err := db.Classifiers()
	if err != nil {
		return err
	}
	for _, c := range cs {
		switch c.Kind {
		case ClassifierWeights:
			_, err = s.ClassifierWeights(c)
		case ClassifierPredictions:
			_, err = s.Predictions(c)
		default:
			err = fmt.Errorf("%w: classifier %s of unknown kind %q", ErrCorrupt, c.Name, c.Kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropOrphanClassifiers removes classifier data no catalog entry refers
// to (a crash while one was written or replaced).
func (db *DB) dropOrphanClassifiers() (int, error) {
	cs, err := db.Classifiers()
	if err != nil {
		return 0, err
	}
	live := map[uint32]bool{}
	for _, c := range cs {
		live[c.ID] = true
	}
	return db.dropOrphans(kindClassifier, live)
}
