// read.mjs: DuckDB as an independent reader of a parquet file.
//
//   node .ci/duckdb/read.mjs FILE.parquet [ROWS [OFFSET]]
//
// prints one JSON object: the row count, the columns with DuckDB's types,
// the parquet schema as DuckDB sees it (physical, converted and logical
// types, repetition), the compression codecs used, the number of row
// groups and ROWS rows (default 5) from row OFFSET (default 0, in file
// order) in DuckDB's lossless JSON
// form (BIGINT as a string, DOUBLE and FLOAT as numbers, lists as arrays).
// Exits 1 with the error on stderr when DuckDB cannot read the file.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, rowsArg, offsetArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node read.mjs FILE.parquet [ROWS [OFFSET]]');
  process.exit(2);
}
const limit = Number.parseInt(rowsArg ?? '5', 10);
const offset = Number.parseInt(offsetArg ?? '0', 10);

try {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const lit = `'${file.replaceAll("'", "''")}'`;

  const count = await con.runAndReadAll(`SELECT count(*)::VARCHAR AS n FROM read_parquet(${lit})`);
  const rows = await con.runAndReadAll(`SELECT * FROM read_parquet(${lit}) LIMIT ${limit} OFFSET ${offset}`);
  const schema = await con.runAndReadAll(
    `SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema(${lit})`);
  const meta = await con.runAndReadAll(
    `SELECT DISTINCT compression FROM parquet_metadata(${lit}) ORDER BY 1`);
  const groups = await con.runAndReadAll(
    `SELECT count(DISTINCT row_group_id)::VARCHAR AS n FROM parquet_metadata(${lit})`);

  const names = rows.columnNames();
  const types = rows.columnTypes().map((t) => t.toString());
  const out = {
    duckdb: (await import('@duckdb/node-api')).default.version(),
    rows: Number(count.getRowObjectsJson()[0].n),
    row_groups: Number(groups.getRowObjectsJson()[0].n),
    columns: names.map((name, i) => ({ name, type: types[i] })),
    parquet_schema: schema.getRowObjectsJson(),
    compression: meta.getRowObjectsJson().map((r) => r.compression),
    first: rows.getRowObjectsJson(),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  con.closeSync();
  instance.closeSync();
} catch (err) {
  console.error(`read.mjs: ${file}: ${err.message ?? err}`);
  process.exit(1);
}
