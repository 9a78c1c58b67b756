import "server-only";
import { open } from "node:fs/promises";
import path from "node:path";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import type { TImportFormat, TRawRecord } from "./types";
import { readCsv } from "./readers/csv";
import { ImportFileError, fileError } from "./readers/errors";
import { readJsonArray } from "./readers/json-array";
import { readJsonl } from "./readers/jsonl";
import { parquetInfo, readParquet } from "./readers/parquet";
import { looksLikeTar } from "./readers/tar";
import { readWebdataset } from "./readers/webdataset";
import type { TReadOptions, TRecordStream } from "./readers/stream";

export { ImportFileError } from "./readers/errors";
export { asyncBufferFromFile } from "./readers/parquet";
export type { TReadOptions, TRecordStream } from "./readers/stream";

const SNIFF_BYTES = 64 * 1024;

function startsWith(buf: Uint8Array, bytes: number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

/** Tar and tar.gz by name (the first of numbered parts included). */
export function isArchiveName(name: string): boolean {
  return /\.(tar|tar\.gz|tgz)$/i.test(name);
}

/** The first bytes a gzip stream inflates to, to see whether it holds a tar. */
function gunzipHead(head: Uint8Array): Uint8Array {
  try {
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return new Uint8Array();
  }
}

/**
 * Parquet by signature, else by extension; a tar or a gzip stream holding one is WebDataset; then `[` means
 * one JSON array, `{` JSON Lines and the rest CSV. Other compressed files are refused.
 */
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
  const gzip = startsWith(head, [0x1f, 0x8b]);
  if ((gzip && (isArchiveName(name) || looksLikeTar(gunzipHead(head)))) || (!gzip && (looksLikeTar(head) || ext === ".tar"))) {
    return "webdataset";
  }
  if (gzip || startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) {
    throw new ImportFileError(`"${name}" is compressed (gzip, zip or zstd) and is not a tar archive; decompress it first.`);
  }

  let i = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  const first = head[i];

  if (ext !== ".csv" && ext !== ".tsv" && first === 0x5b) return "json";
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json" || (ext !== ".csv" && ext !== ".tsv" && first === 0x7b)) return "jsonl";
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
    case "json":
      return readJsonArray(filePath, opts);
    case "webdataset":
      return readWebdataset(filePath, opts);
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

/** The first `n` records and the columns: CSV's header, Parquet's top-level fields, every key seen in the others. */
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
  else stream = readRecords(filePath, format, headOpts);

  const records: TRawRecord[] = [];
  // Pulls at least one record even when n is 0: a CSV header is known only once reading starts.
  for await (const record of stream) {
    if (records.length < n) records.push(record);
    if (records.length >= n) break;
  }
  if (format !== "csv" && format !== "parquet") {
    const seen = new Set<string>();
    for (const r of records) if (r.ok) for (const key of Object.keys(r.values)) seen.add(key);
    columns = [...seen];
  }
  return { columns, records };
}
