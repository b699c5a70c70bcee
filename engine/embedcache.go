package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// The embedding cache keeps the vectors an embedding provider (package
// engine/embed) computed for texts that are not in any shard (synset
// texts, free-text queries), keyed by model and text, so that a text is
// embedded once across sessions. Model names are compared exactly, case
// included.
//
//	key:   0x06 model 0x00 text                         texts of ≤ 1024 bytes
//	       0x06 model 0x00 text[:1024] sha256(text)     longer texts
//	value: dim (uint32, little-endian), then dim float32 (little-endian)
//
// A hashed key is longer than any plain one, so the two never collide, and
// keys stay well under badger's limit whatever the text. Vectors are kept
// as float32, not float16 like shard vectors: the cache holds thousands of
// texts, not millions, and comparing a cached synset text with f16 captions
// gains nothing from rounding it first. Every vector of one model has one
// dimension; PutEmbeddings refuses another.

// embedMaxPlainText is the longest text stored as itself in a key.
const embedMaxPlainText = 1024

// embedMaxModel bounds a model name, which is part of every key.
const embedMaxModel = 256

func checkEmbedModel(model string) error {
	switch {
	case model == "":
		return errors.New("embedding cache: empty model name")
	case len(model) > embedMaxModel:
		return fmt.Errorf("embedding cache: model name of %d bytes; at most %d", len(model), embedMaxModel)
	case strings.IndexByte(model, 0) >= 0:
		return fmt.Errorf("embedding cache: model name %q contains a NUL byte", model)
	}
	return nil
}

// embedModelPrefix: 0x06 model 0x00.
func embedModelPrefix(model string) []byte {
	k := make([]byte, 0, len(model)+2)
	k = append(k, kindEmbed)
	k = append(k, model...)
	return append(k, 0)
}

func embedKey(model, text string) []byte {
	k := embedModelPrefix(model)
	if len(text) <= embedMaxPlainText {
		return append(k, text...)
	}
	sum := sha256.Sum256([]byte(text))
	k = append(k, text[:embedMaxPlainText]...)
	return append(k, sum[:]...)
}

func encodeEmbedding(v []float32) []byte {
	b := make([]byte, 4+4*len(v))
	binary.LittleEndian.PutUint32(b, uint32(len(v)))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4+4*i:], math.Float32bits(x))
	}
	return b
}

// decodeEmbedding copies a stored vector out of b, which badger lends only
// inside its callback.
func decodeEmbedding(b []byte) ([]float32, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("value of %d bytes", len(b))
	}
	d := int(binary.LittleEndian.Uint32(b))
	if d == 0 || len(b) != 4+4*d {
		return nil, fmt.Errorf("value of %d bytes for dimension %d", len(b), d)
	}
	v := make([]float32, d)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4+4*i:]))
	}
	return v, nil
}

// CachedEmbeddings returns the cached vectors of texts under model, nil
// where a text has none. The vectors are the caller's. It works on
// read-only databases.
func (db *DB) CachedEmbeddings(model string, texts []string) ([][]float32, error) {
	if err := checkEmbedModel(model); err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	err := db.bdb.View(func(txn *badger.Txn) error {
		for i, t := range texts {
			item, err := txn.Get(embedKey(model, t))
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			err = valueOf(item, func(b []byte) error {
				v, err := decodeEmbedding(b)
				out[i] = v
				return err
			})
			if err != nil {
				return fmt.Errorf("%w: entry of model %q for %.60q: %w", ErrCorrupt, model, t, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedding cache: %w", err)
	}
	return out, nil
}

// PutEmbeddings stores vecs[i] as the vector of texts[i] under model,
// replacing what was cached, as float32 (exactly as given). Every vector
// must be finite and of the dimension the model already has in the cache.
// On a read-only database it returns an error wrapping ErrReadOnly; the
// caller then keeps the vectors in memory.
func (db *DB) PutEmbeddings(model string, texts []string, vecs [][]float32) error {
	if err := db.writable(); err != nil {
		return fmt.Errorf("embedding cache: %w", err)
	}
	if err := checkEmbedModel(model); err != nil {
		return err
	}
	if len(texts) != len(vecs) {
		return fmt.Errorf("embedding cache: %d texts but %d vectors", len(texts), len(vecs))
	}
	if len(texts) == 0 {
		return nil
	}
	dim := len(vecs[0])
	for i, v := range vecs {
		if len(v) == 0 || len(v) != dim {
			return fmt.Errorf("embedding cache, model %q: the vector of %.60q has %d dimensions, the first one %d", model, texts[i], len(v), dim)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("embedding cache, model %q: the vector of %.60q has a NaN or infinite value", model, texts[i])
			}
		}
	}
	have, err := db.embedDim(model)
	if err != nil {
		return err
	}
	if have != 0 && have != dim {
		return fmt.Errorf("embedding cache: model %q has %d-dimensional vectors cached, these have %d; one model name is used for two encoders: give one of them another name",
			model, have, dim)
	}
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	for i, t := range texts {
		if err := wb.Set(embedKey(model, t), encodeEmbedding(vecs[i])); err != nil {
			return fmt.Errorf("embedding cache: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("embedding cache: %w", err)
	}
	return nil
}

// embedDim returns the dimension of model's cached vectors, 0 when none.
func (db *DB) embedDim(model string) (int, error) {
	dim := 0
	err := db.bdb.View(func(txn *badger.Txn) error {
		prefix := embedModelPrefix(model)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		defer it.Close()
		it.Rewind()
		if !it.Valid() {
			return nil
		}
		return it.Item().Value(func(b []byte) error {
			if len(b) < 4 {
				return fmt.Errorf("%w: entry %q: value of %d bytes", ErrCorrupt, it.Item().Key(), len(b))
			}
			dim = int(binary.LittleEndian.Uint32(b))
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("embedding cache: %w", err)
	}
	return dim, nil
}

// EmbeddingModels returns the number of cached vectors of each model.
func (db *DB) EmbeddingModels() (map[string]int, error) {
	out := map[string]int{}
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindEmbed}, PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			end := bytes.IndexByte(k[1:], 0)
			if end < 0 {
				return fmt.Errorf("%w: key %q has no model terminator", ErrCorrupt, k)
			}
			out[string(k[1:1+end])]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedding cache: %w", err)
	}
	return out, nil
}

// checkEmbeddings verifies that every cache entry decodes and that each
// model's vectors share one dimension.
func checkEmbeddings(db *DB, s *Snapshot) error {
	it := s.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindEmbed}})
	defer it.Close()
	dims := map[string]int{}
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		end := bytes.IndexByte(k[1:], 0)
		if end < 0 {
			return fmt.Errorf("%w: embedding cache key %q has no model terminator", ErrCorrupt, k)
		}
		model := string(k[1 : 1+end])
		var d int
		err := valueOf(item, func(b []byte) error {
			v, err := decodeEmbedding(b)
			d = len(v)
			return err
		})
		if err != nil {
			return fmt.Errorf("%w: embedding cache entry %q: %w", ErrCorrupt, k, err)
		}
		if have, ok := dims[model]; ok && have != d {
			return fmt.Errorf("%w: embedding cache: model %q has vectors of %d and %d dimensions", ErrCorrupt, model, have, d)
		}
		dims[model] = d
	}
	return nil
}
