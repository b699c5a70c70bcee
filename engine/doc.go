// Package engine is the database: one badger directory holding tables of
// LAION rows (typed scalar columns and named vector columns img, txt), the
// caption token index and stored ImageNet labelling, named sets, HNSW
// vector indexes (package index does the search) and the cache of text
// embeddings. It knows nothing of the query language.
//
// Main types: DB (Open, Ingest, Tables, Sets, CreateIndex, LoadIndex,
// Check), Snapshot (a consistent read view: column blocks, vector blocks,
// Label, MatchSynset, Contains), Table and Set (catalog entries) and
// ColumnBlock (a decoded block of one column).
//
// Storage. Rows live in blocks of BlockRows (4096) rows per column: a
// scalar column block packs one type (null bitmap, fixed-width values or
// offsets and bytes), a vector block is rows × dim float16 (or float32)
// values, unit-normalised at ingest. Blocks go to badger's value log
// (ValueThreshold 4 KB), so they are written once and read without
// copying; keys and the catalog stay in the LSM tree. Row ids are shard ×
// 100,000,000 + the row's ordinal in its files (the LAIONet paper's
// scheme), so re-ingesting a shard keeps its ids.
//
// Key layout (every key starts with a kind byte; integers big-endian so
// keys sort by id):
//
//	0x00 "laiondb.format"                       magic + format version (checked at Open)
//	0x01 't' table name                         table catalog entry (JSON: columns, vectors, shards)
//	0x01 's' set name                           set catalog entry
//	0x01 'i' index name                         vector index catalog entry
//	0x01 'q' sequence name                      counters (table, set and index ids)
//	0x02 table(4) shard(4) gen(4) block(4) 's' col(2)   scalar column block
//	0x02 table(4) shard(4) gen(4) block(4) 'v' col(2)   vector column block
//	0x03 table(4) shard(4) gen(4) rule(1) 'd'           caption index directory
//	0x03 table(4) shard(4) gen(4) rule(1) 'c' chunk(4)  caption index chunk (sorted tokens → roaring postings)
//	0x04 set(4) 'i'                              a set's row ids (roaring64)
//	0x04 set(4) 'c' col(2) block(4)              a set's stored column block
//	0x05 index(4) graph(4) chunk(4)              HNSW graph chunk (no vectors)
//	0x06 model 0x00 text                         cached text embedding (see embedcache.go)
//	0x07 table(4) shard(4) gen(4) rule(1)        stored ImageNet labelling of a shard
//
// Generations. Each ingest of a shard writes a new generation beside the
// visible one and switches the catalog to it in one commit, so readers
// never see a half-replaced shard; the generations a run replaced are
// deleted only once every shard of the run has committed, so a run that
// fails (a NaN in its last shard) rolls every shard back to what it was
// and deletes all it wrote. An interrupted ingest leaves whole committed
// batches of its pending generation, which the next ingest of the same
// files resumes; what a crash leaves unreferenced is collected by the
// next ingest. Table ids come from a sequence and are never reused; each
// generation carries a random stamp that its stored labelling must match.
//
// Caveats. A Snapshot is not safe for concurrent use. VectorBlock lends
// the stored bytes only for the duration of its callback; ColumnBlock
// values and strings from Str alias a block the snapshot keeps. One
// process writes at a time (badger's directory lock); readers share a
// directory with ReadOnly. There is no in-memory mode: blocks need the
// value log.
package engine
