// query.mjs: DuckDB as an independent answerer of SQL queries.
//
//   node .ci/duckdb/query.mjs < JOB.json
//
// JOB is {"setup": ["CREATE VIEW ...", ...], "queries": ["SELECT ...", ...]}.
// The setup statements run first, in order, in one in-memory database; then
// each query. Prints one JSON object:
//
//   {"duckdb": VERSION, "results": [{"columns": [...], "types": [...],
//    "rows": [[...], ...]} or {"error": "..."}, ...]}
//
// with one result per query, values in DuckDB's lossless JSON form (BIGINT
// and HUGEINT as strings, DOUBLE as numbers, NaN and infinities as
// strings, lists as arrays, NULL as null). A failing setup statement exits
// 1 with the error on stderr; a failing query is reported in its result.
import { DuckDBInstance } from '@duckdb/node-api';

let input = '';
for await (const chunk of process.stdin) input += chunk;

let job;
try {
  job = JSON.parse(input);
} catch (err) {
  console.error(`query.mjs: the job on stdin is not JSON: ${err.message}`);
  process.exit(2);
}

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
try {
  for (const sql of job.setup ?? []) {
    await con.run(sql);
  }
} catch (err) {
  console.error(`query.mjs: setup failed: ${err.message ?? err}`);
  process.exit(1);
}

const results = [];
for (const sql of job.queries ?? []) {
  try {
    const r = await con.runAndReadAll(sql);
    results.push({
      columns: r.columnNames(),
      types: r.columnTypes().map((t) => t.toString()),
      rows: r.getRowsJson(),
    });
  } catch (err) {
    results.push({ error: String(err.message ?? err) });
  }
}
process.stdout.write(JSON.stringify({
  duckdb: (await import('@duckdb/node-api')).default.version(),
  results,
}) + '\n');
con.closeSync();
instance.closeSync();
