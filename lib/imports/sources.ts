import "server-only";
import { open } from "node:fs/promises";
import path from "node:path";
import type { TImportFormat, TRawRecord } from "./types";
import { readCsv } from "./readers/csv";
import { ImportFileError, fileError } from "./readers/errors";
import { readJsonl } from "./readers/jsonl";
import { parquetInfo, readParquet } from "./readers/parquet";
import type { TReadOptions, TRecordStream } from "./readers/stream";

export { ImportFileError } from "./readers/errors";
export { asyncBufferFromFile } from "./readers/parquet";
export type { TReadOptions, TRecordStream } from "./readers/stream";

const SNIFF_BYTES = 64 * 1024;

function startsWith(buf: Uint8Array, bytes: number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

/** Parquet by signature, else by extension, else `{` means JSONL and the rest CSV; archives and JSON arrays refused. */
export async function detectFormat(filePath: string, displayName?: string): Promise<TImportFormat> {
  const name = displayName ?? path.basename(filePath);
  let head: Uint8Array;
  try {
    const handle = await open(filePath, "r");
    try {
      if ((await handle.stat()).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw fileError(name, err);
  }

  const ext = path.extname(name).toLowerCase();
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31]) || ext === ".parquet") return "parquet";
  if (startsWith(head, [0x1f, 0x8b]) || startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) {
    throw new ImportFileError(`"${name}" is compressed (gzip, zip or zstd); decompress it first.`);
  }

  let i = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  const first = head[i];

  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json" || (ext !== ".csv" && ext !== ".tsv" && first === 0x7b)) {
    if (first === 0x5b) {
      throw new ImportFileError(`"${name}" holds one JSON array; convert it to JSON Lines (one object per line).`);
    }
    return "jsonl";
  }
  return "csv";
}

export function readRecords(filePath: string, format: TImportFormat, opts: TReadOptions = {}): TRecordStream {
  switch (format) {
    case "jsonl":
      return readJsonl(filePath, opts);
    case "csv":
      return readCsv(filePath, opts);
    case "parquet":
      return readParquet(filePath, opts);
  }
}

/** Where a reader can start cheaply: each Parquet row group's first record (read by the footer); [0] for text files. */
export async function cheapStarts(filePath: string, format: TImportFormat, displayName?: string): Promise<number[]> {
  if (format !== "parquet") return [0];
  const starts: number[] = [];
  let at = 0;
  for (const n of (await parquetInfo(filePath, displayName)).groupRows) {
    if (n > 0) starts.push(at);
    at += n;
  }
  return starts;
}

export async function countRecords(filePath: string, format: TImportFormat, displayName?: string): Promise<number | null> {
  if (format !== "parquet") return null;
  return (await parquetInfo(filePath, displayName)).rows;
}

/** The first `n` records and the columns: CSV's header, Parquet's top-level fields, every JSONL key seen. */
export async function readHead(
  filePath: string,
  format: TImportFormat,
  opts: TReadOptions,
  n: number,
): Promise<{ columns: string[]; records: TRawRecord[] }> {
  const headOpts = { ...opts, skip: 0 };
  let columns: string[] = [];
  let stream: TRecordStream;
  if (format === "csv") stream = readCsv(filePath, headOpts, (c) => (columns = c));
  else if (format === "parquet") stream = readParquet(filePath, { ...headOpts, limit: n, onColumns: (c) => (columns = c) });
  else stream = readJsonl(filePath, headOpts);

  const records: TRawRecord[] = [];
  // Pulls at least one record even when n is 0: a CSV header is known only once reading starts.
  for await (const record of stream) {
    if (records.length < n) records.push(record);
    if (records.length >= n) break;
  }
  if (format === "jsonl") {
    const seen = new Set<string>();
    for (const r of records) if (r.ok) for (const key of Object.keys(r.values)) seen.add(key);
    columns = [...seen];
  }
  return { columns, records };
}
