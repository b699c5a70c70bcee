// Package export writes a stream of query rows to a file for other tools:
// the EXPORT statement's back end. It owns the file formats and the
// LAIONet column naming; the planner hands it column descriptions
// ([Column]) and a row source, and [Write] does the rest.
//
// # Formats
//
// The file name's extension chooses the format ([Formats]):
//
//   - .parquet: one nullable column per exported column, Snappy-compressed.
//     BOOL is boolean, INT int64, FLOAT double, TEXT a UTF-8 string
//     (BYTE_ARRAY with the STRING logical type), VECTOR a LIST of FLOAT
//     (DuckDB reads it as FLOAT[], pandas/pyarrow as list<float>); a column
//     of unknown type (NULL) takes the type of its first non-NULL value in
//     the first 1,024 rows, or is written as nullable text. Every vector of a column
//     has the same dimension ([Column].Dim, or the first vector's). Rows
//     go out in row groups of about 16 MiB of values (~8k rows with a
//     512-d vector).
//   - .csv: RFC 4180 quoting, "\n" line ends, a header row. NULL is an
//     empty field and the empty string is "" (DuckDB and PostgreSQL read
//     them apart); vectors are one field holding a JSON array; NaN and
//     ±Inf are NaN, Inf, -Inf.
//   - .jsonl: one JSON object per line, keys in column order, NULL as
//     null, vectors as arrays of numbers. JSON has no NaN or Inf: they are
//     written as null and counted in [Result].NonFinite.
//
// Numbers are written in the shortest form that reads back exactly:
// FLOAT as float64, vector elements as float32.
//
// # Streaming
//
// The calling goroutine pulls and checks rows in order (so an error names
// its row) and copies them into batches; one worker per CPU (at most 4)
// formats a batch or encodes it as a parquet row group, and a committer
// writes the batches in order. Memory is bounded by the batches in flight
// (workers + 1, each about 16 MiB of values for parquet, 4 MiB for text),
// whatever the row count: about 100 MiB of live heap while writing
// 200,000 rows with a 512-d vector.
//
// # LAIONet names
//
// With [Options].LaionetNames the columns get the names of the paper's
// LAIONet files; other columns keep theirs:
//
//	url                 → URL
//	caption             → TEXT
//	synset              → name_def_wnid   (the WNID, e.g. n01443537)
//	text_similarity     → text_to_name_def_wnid_similarity_<Model>
//
// The last is the cosine between the caption's and the synset text's
// embeddings; [Options].SimilarityColumn names another source column for
// it and [Options].Model (e.g. clip-vit-b32) is required when it is
// exported. Two columns that end up with one name are an error.
//
// # Caveats
//
//   - The file appears whole or not at all: rows go to a hidden temporary
//     file in the target directory (".NAME.laiondb-tmp-PID-N"), synced and
//     renamed over the target at the end, removed on any error or
//     cancellation; one left by an export that was killed is removed by
//     the next export or plot into that directory (package atomicfile).
//     The file gets mode 0644.
//   - Text must be valid UTF-8 for parquet and JSON readers. Invalid byte
//     runs in text values and column names are replaced by U+FFFD in every
//     format and counted in [Result].Repaired, so the caller can warn.
//   - The row slice that next returns, and the vectors in it, are only
//     read until next is called again (vectors are copied; strings are
//     kept, as Go strings do not change).
//   - A FLOAT column accepts INT values (widened); any other value of the
//     wrong type, a row of the wrong width, or a vector of another
//     dimension stops the export with a [*RowError] wrapping [ErrValue].
//   - Vectors come out as FLOAT[] in DuckDB, not FLOAT[dim]: parquet has
//     no fixed-size list type, and the dimension is enforced on writing.
package export
