// Package engine is the database: one badger directory holding tables of
// LAION rows (typed scalar columns and named vector columns img, txt), the
// caption token index and stored ImageNet labelling, named sets, HNSW
// vector indexes (package index does the search) and the cache of text
// embeddings. It knows nothing of the query language.
//
// Main types: DB (Open, Ingest, NewSet, CreateIndex, RepairIndexes,
// VacuumIndexes, Vacuum, Check, Verify) and Snapshot, a consistent read
// view that owns the storage layout: Source opens a table or a set as
// columns (id first), Scan and Fetch stream its rows through a Cursor,
// Nearest and Above search a vector column (its HNSW index, or an exact
// scan), Labels, MatchSynset and Contains answer caption predicates from
// the caption index, and Reads/Stale tell a set's provenance. Callers see
// rows, columns and ids, never blocks or generations. Table and Set are
// catalog entries; a Set records its SetDefinition.
//
// Storage. Rows live in blocks of BlockRows (4096) rows per column: a
// scalar column block packs one type (null bitmap, fixed-width values or
// offsets and bytes), a vector block is rows × dim float16 (or float32)
// values, unit-normalised at ingest. Blocks go to badger's value log
// (ValueThreshold 4 KB), so they are written once and read without
// copying; keys and the catalog stay in the LSM tree. A block is at most
// MaxBlockBytes (256 MiB). Row ids are shard × 100,000,000 + the row's
// ordinal in its files (the LAIONet paper's scheme), so re-ingesting a
// shard keeps its ids; shard numbers run from 0 to MaxShard (4294967295,
// 4 bytes in keys) and any other is refused.
//
// Checksums. Badger stores a CRC-32C with every value-log entry and every
// table-file block; laiondb verifies every value on each read
// (VerifyValueChecksum) and every table file in full at Open, and checks
// every decoded block's lengths and offsets, its row count and type. A
// mismatch is an error wrapping ErrCorrupt that names the table, shard and
// block (badger itself only logs a failed value read and returns an empty
// value: see checksum.go). Verify, behind `laiondb check`, reads
// everything. The block format is unchanged (FormatVersion 1).
//
// Damage and crashes. Badger's open repairs what a crash leaves (it cuts
// the MANIFEST and the last value-log file at their first bad record and
// deletes table files the MANIFEST does not list); on a directory closed
// cleanly those signs mean damage, so Open checks first and refuses, with
// ErrCorrupt and without changing a byte, unless badger's LOCK file shows
// that the last writer was killed (preflight.go). The format marker is
// written only into a new, empty directory. A read-only open after a
// killed writer first does the writer's recovery (a short writable open)
// when no other process has the database. Writes check free space first
// (badger writes through mmap: a full disk would be SIGBUS) and stop with
// ENOSPC, keeping 64 MiB free (diskspace.go).
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
//	0x01 'c' classifier name                     classifier catalog entry (JSON; see classifiers.go)
//	0x08 classifier(4) chunk(4)                  classifier weights or imported predictions
//
// Generations. An ingest writes a new generation of each of its shards
// beside the visible one (blocks, caption index, stored labelling) and
// then switches the catalog to all of them in one commit, so readers see
// the whole run or none of it; the generations it replaced are deleted
// after that commit. A run that fails (a NaN in its last shard) restores
// the catalog and deletes all it wrote: the database is as before, byte
// for byte. A killed ingest leaves whole committed batches of its pending
// generations, which the next ingest of the same files resumes. What a
// crash leaves unreferenced (a replaced generation, a killed CREATE SET's
// data, an old index graph) is collected by the next ingest or writable
// open (garbage.go). Table ids come from a sequence and are never reused;
// each generation carries a random stamp that its stored labelling must
// match. Every point between two commits of a write has a failpoint
// (build tag failpoints) at which the crash tests kill the process.
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
// readers share a directory with ReadOnly, and keep a writer out while
// they have it open. Open waits up to Options.BusyTimeout for a lock
// held by others and then names the holders (their pids from /proc/locks
// on Linux). There is no in-memory mode:
// blocks need the value log.
package engine
