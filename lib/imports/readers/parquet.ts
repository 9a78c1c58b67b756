import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { parquetMetadataAsync, parquetSchema, type AsyncBuffer, type DecodedArray, type FileMetaData, type RowGroup, type SchemaTree } from "hyparquet";
import { assembleNested } from "hyparquet/src/assemble.js";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import type { TRawRecord } from "../types";
import { ImportFileError, errorMessage, fileError } from "./errors";
import { ColumnPages, FileReads, chunkRange } from "./parquet-pages";
import { displayNameOf, recordStream, type TReadOptions, type TRecordStream } from "./stream";

/** A footer claiming more metadata than this is corrupt, not a real schema. */
const MAX_METADATA_BYTES = 512 * 1024 * 1024;
const MAGIC = 0x31524150; // "PAR1" little-endian

export interface TFileBuffer extends AsyncBuffer {
  readonly handle: FileHandle;
  close(): Promise<void>;
}

/** An AsyncBuffer reading only the slices hyparquet asks for, through one handle (its own opens a stream per slice). */
export async function asyncBufferFromFile(filePath: string): Promise<TFileBuffer> {
  const handle: FileHandle = await open(filePath, "r");
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    const byteLength = stats.size;
    return {
      byteLength,
      handle,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const from = Math.max(0, Math.min(start, byteLength));
        const to = Math.max(from, Math.min(end ?? byteLength, byteLength));
        // Unpooled, so the ArrayBuffer handed back is exactly this slice.
        const buf = Buffer.allocUnsafeSlow(to - from);
        let filled = 0;
        while (filled < buf.length) {
          const { bytesRead } = await handle.read(buf, filled, buf.length - filled, from + filled);
          if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${from + filled}`);
          filled += bytesRead;
        }
        return buf.buffer as ArrayBuffer;
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function readMetadata(buffer: TFileBuffer, file: string): Promise<FileMetaData> {
  const notParquet = (why: string, cause?: unknown) => new ImportFileError(`"${file}" is not a readable Parquet file: ${why}`, { cause });
  if (buffer.byteLength < 12) throw notParquet("it is too short");
  const head = new DataView(await buffer.slice(0, 4));
  if (head.getUint32(0, true) !== MAGIC) throw notParquet("it does not start with the Parquet signature");
  const tail = new DataView(await buffer.slice(buffer.byteLength - 8));
  if (tail.getUint32(4, true) !== MAGIC) throw notParquet("the footer is missing (was the file cut short or still downloading?)");
  const metadataLength = tail.getUint32(0, true);
  if (metadataLength > buffer.byteLength - 12 || metadataLength > MAX_METADATA_BYTES) {
    throw notParquet(`the footer is corrupt (metadata length ${metadataLength})`);
  }
  try {
    return await parquetMetadataAsync(buffer);
  } catch (err) {
    throw notParquet(errorMessage(err), err);
  }
}

async function openParquet(filePath: string, file: string): Promise<{ buffer: TFileBuffer; metadata: FileMetaData }> {
  let buffer: TFileBuffer;
  try {
    buffer = await asyncBufferFromFile(filePath);
  } catch (err) {
    throw fileError(file, err);
  }
  try {
    return { buffer, metadata: await readMetadata(buffer, file) };
  } catch (err) {
    await buffer.close();
    throw err;
  }
}

/** The bytes a row group's column chunks span: progress moves from start to end as its rows are read. */
function groupRange(group: RowGroup): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const chunk of group.columns) {
    if (!chunk.meta_data) continue;
    const r = chunkRange(chunk.meta_data);
    start = Math.min(start, r.start);
    end = Math.max(end, r.end);
  }
  return { start: Number.isFinite(start) ? start : 0, end };
}

export function parquetColumns(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

export async function parquetInfo(filePath: string, displayName?: string): Promise<{ rows: number; columns: string[]; groupRows: number[] }> {
  const { buffer, metadata } = await openParquet(filePath, displayName ?? path.basename(filePath));
  await buffer.close();
  return { rows: Number(metadata.num_rows), columns: parquetColumns(metadata), groupRows: metadata.row_groups.map((g) => Number(g.num_rows)) };
}

/** Rows assembled at a time are sized to hold about this many uncompressed bytes... */
const WINDOW_BYTES = 4 * 1024 * 1024;
/** ...and never more rows than this, where rows are tiny and their objects would outweigh their bytes. */
const MAX_WINDOW_ROWS = 1024;

/** A row group whose columns are read page by page and zipped into rows a small window at a time. */
class GroupRows {
  private readonly columns: ColumnPages[];
  private readonly fields: { name: string; schema: SchemaTree; leaves: ColumnPages[] }[];

  constructor(file: FileReads, schema: SchemaTree, group: RowGroup) {
    this.columns = group.columns.map((chunk) => new ColumnPages(file, schema, chunk));
    this.fields = schema.children.map((child) => ({
      name: child.element.name,
      schema: child,
      leaves: this.columns.filter((c) => c.path[0] === child.element.name),
    }));
  }

  get consumed(): number {
    return this.columns.reduce((s, c) => s + c.consumed, 0);
  }

  async skip(n: number): Promise<void> {
    for (const c of this.columns) await c.skip(n);
  }

  async take(n: number): Promise<Record<string, unknown>[]> {
    const rows = Array.from({ length: n }, () => ({}) as Record<string, unknown>);
    for (const field of this.fields) {
      if (field.leaves.length === 0) continue;
      let values: unknown[];
      if (field.schema.children.length === 0) {
        values = await field.leaves[0]!.take(n);
      } else {
        // Structs and lists: hyparquet assembles the leaves' entries for these rows.
        const sub = new Map<string, DecodedArray>();
        for (const leaf of field.leaves) sub.set(leaf.path.join("."), (await leaf.take(n)) as DecodedArray);
        assembleNested(sub, field.schema, DEFAULT_PARSERS);
        values = Array.from((sub.get(field.name) ?? []) as ArrayLike<unknown>);
      }
      // A null list comes out of hyparquet's assembly as undefined; null is what every other column says.
      for (let i = 0; i < n; i++) rows[i]![field.name] = values[i] === undefined ? null : values[i];
    }
    return rows;
  }
}

function windowRows(group: RowGroup, bytes: number): number {
  const rows = Number(group.num_rows);
  const perRow = rows > 0 ? Number(group.total_byte_size) / rows : 0;
  return Math.max(1, Math.min(MAX_WINDOW_ROWS, perRow > 0 ? Math.floor(bytes / perRow) : MAX_WINDOW_ROWS));
}

/**
 * Streams rows page by page, so memory follows a few pages per column and a small window of rows. `skip`
 * passes row groups by the footer and pages by their headers, decoding only the page it resumes in.
 * BYTE_ARRAY columns without a string annotation come out as Uint8Array: that is how images are stored.
 */
export function readParquet(
  filePath: string,
  opts: TReadOptions & { limit?: number; onColumns?: (columns: string[]) => void } = {},
): TRecordStream {
  const file = displayNameOf(filePath, opts);
  const skip = opts.skip ?? 0;
  const limit = opts.limit ?? Infinity;
  let consumed = 0;

  async function* records(): AsyncGenerator<TRawRecord, void, undefined> {
    const { buffer, metadata } = await openParquet(filePath, file);
    try {
      opts.onColumns?.(parquetColumns(metadata));
      const schema = parquetSchema(metadata);
      const reads = new FileReads(buffer.handle, buffer.byteLength);
      let groupStart = 0;
      for (let g = 0; g < metadata.row_groups.length && groupStart < limit; g++) {
        const group = metadata.row_groups[g]!;
        const groupRows = Number(group.num_rows);
        const groupEnd = groupStart + groupRows;
        const rowStart = Math.max(groupStart, skip);
        const rowEnd = Math.min(groupEnd, limit);
        const { start: byteStart, end: byteEnd } = groupRange(group);
        if (rowStart < rowEnd) {
          const fail = (err: unknown) => new ImportFileError(`"${file}": row group ${g} cannot be read: ${errorMessage(err)}`, { cause: err });
          let rows: GroupRows;
          try {
            rows = new GroupRows(reads, schema, group);
            await rows.skip(rowStart - groupStart);
          } catch (err) {
            throw fail(err);
          }
          const window = windowRows(group, opts.chunkBytes ?? WINDOW_BYTES);
          for (let index = rowStart; index < rowEnd; ) {
            const n = Math.min(window, rowEnd - index);
            let values: Record<string, unknown>[];
            const before = rows.consumed;
            try {
              values = await rows.take(n);
            } catch (err) {
              throw fail(err);
            }
            // Progress follows the rows handed out, spread evenly over the bytes this window read.
            const read = rows.consumed - before;
            for (let i = 0; i < n; i++, index++) {
              consumed = Math.max(consumed, byteStart + before + Math.round((read * (i + 1)) / n));
              yield { ok: true, loc: { file, index, rowGroup: g, row: index - groupStart }, values: values[i]! };
            }
          }
        }
        if (rowEnd === groupEnd) consumed = Math.max(consumed, byteEnd);
        groupStart = groupEnd;
      }
      if (limit === Infinity) consumed = buffer.byteLength;
    } finally {
      await buffer.close();
    }
  }

  return recordStream(records(), () => consumed);
}
