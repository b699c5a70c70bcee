// Package embed owns embedding providers: what turns a text that is not in
// a shard (a synset text, a free-text query) into a vector. A Provider
// names its model and returns unit-normalised vectors; Import answers from
// a texts file and an npy file of their vectors (IMPORT EMBEDDINGS), HTTP
// asks a server speaking the common /v1/embeddings JSON shape (batches of
// 64 texts, a few requests in flight, a bearer key from an environment
// variable, a per-request timeout and retries with backoff on 429, 5xx and
// connection resets), the subpackage clip computes CLIP text embeddings in
// the process, and Embedder puts memory and a Cache (the database's
// embedding cache, *engine.DB) in front of a provider so that each distinct
// text is embedded once across sessions. Caveats: vectors returned by
// Import and Embedder are shared, not copied, and must not be modified; an
// Import never computes an embedding, so a text outside its file is an
// ErrUnknownText error; the package imports neither the engine nor the
// query layer, so that both can use it.
package embed
