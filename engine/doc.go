// Package engine is the database: one badger directory holding tables of
// LAION rows (typed scalar columns and named vector columns img, txt), the
// caption token index and stored ImageNet labelling, named sets, HNSW
// vector indexes (package index does the search) and the cache of text
// embeddings. It knows nothing of the query language.
//
// Main types: DB (Open, Ingest, NewSet, CreateIndex, RepairIndexes,
// VacuumIndexes, Vacuum, Check) and Snapshot, a consistent read view that owns the
// storage layout: Source opens a table or a set as columns (id first),
// Scan and Fetch stream its rows through a Cursor, Nearest and Above
// search a vector column (its HNSW index, or an exact scan), Labels,
// MatchSynset and Contains answer caption predicates from the caption
// index, and Reads/Stale tell a set's provenance. Callers see rows,
// columns and ids, never blocks or generations. Table and Set are catalog
// entries; a Set records its SetDefinition.
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
//	0x01 'q' sequence name                      counters (set and index ids)
//	0x02 table(4) shard(4) gen(4) block(4) 's' col(2)   scalar column block
//	0x02 table(4) shard(4) gen(4) block(4) 'v' col(2)   vector column block
//	0x03 table(4) shard(4) gen(4) rule(1) 'd'           caption index directory
//	0x03 table(4) shard(4) gen(4) rule(1) 'c' chunk(4)  caption index chunk (sorted tokens → roaring postings)
//	0x04 set(4) 'i'                              a set's row ids (roaring64)
//	0x04 set(4) 'c' col(2) block(4)              a set's stored column block
//	0x05 index(4) graph(4) chunk(4)              HNSW graph chunk (no vectors)
//	0x06 model 0x00 text                         cached text embedding (see embedcache.go)
//	0x07 table(4) shard(4) gen(4) rule(1)        stored ImageNet labelling of a shard
//	0x01 'c' classifier name                     classifier catalog entry (JSON; see classifiers.go)
//	0x08 classifier(4) chunk(4)                  classifier weights or imported predictions
//
// Generations. Each ingest of a shard writes a new generation beside the
// visible one and switches the catalog to it in one commit, so readers
// never see a half-replaced shard; the previous generation is then
// deleted. An interrupted ingest leaves whole committed batches of its
// pending generation, which the next ingest of the same files resumes.
//
// Vector indexes. An HNSW graph per vector column is stored without its
// vectors and records the shard generations it reflects. Every ingest
// brings it up to date at the cost of the change: the rows of replaced or
// removed shards are deleted and their neighbours repaired, the graph
// compacted, the new rows inserted in parallel (a cancelled update leaves
// the stored graph as it was, behind its table). A search that finds the
// stored graph behind its table (a crash between the two commits) does
// the same in memory, saying so; RepairIndexes, VacuumIndexes or the next
// ingest store it.
//
// Caveats. A Snapshot and its Cursors are not safe for concurrent use; a
// Source belongs to the snapshot that opened it. A Cursor's Row is
// overwritten by the next call to Next, but the values in it stay valid
// (text is copied, vectors are decoded into memory that is not reused).
// Reads never write: a missing caption index or a stale vector index is
// made up for in memory, and stored only by the write paths (ingest,
// REINDEX). One process writes at a time (badger's directory lock);
// readers share a directory with ReadOnly. There is no in-memory mode:
// blocks need the value log.
package engine
