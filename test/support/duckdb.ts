import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

// DuckDB as the independent Parquet reader of the export tests: its own C++ Parquet implementation, not the
// hyparquet family the exports are written with, so a file both agree on is not one library's private dialect.

let connection: Promise<DuckDBConnection> | null = null;

function connect(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(":memory:").then((db) => db.connect());
  return connection;
}

/** Rows as JSON-safe objects (blobs come back as strings: select hex(...) for bytes). */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await (await connect()).runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** A file path as a SQL string literal. */
export function sqlPath(file: string): string {
  return `'${file.replace(/'/g, "''")}'`;
}

/** The file's key/value metadata, e.g. the "huggingface" features. */
export async function duckKeyValue(file: string): Promise<Record<string, string>> {
  const rows = await duckRows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlPath(file)})`);
  return Object.fromEntries(rows.map((r) => [String(r.k), String(r.v)]));
}

/** Column name → DuckDB's type of it, in file order. */
export async function duckColumns(file: string): Promise<[string, string][]> {
  const rows = await duckRows(`DESCRIBE SELECT * FROM ${sqlPath(file)}`);
  return rows.map((r) => [String(r.column_name), String(r.column_type)]);
}
