import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData, type RowGroup } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import type { TRawRecord } from "../types";
import { ImportFileError, errorMessage, fileError } from "./errors";
import { displayNameOf, recordStream, type TReadOptions, type TRecordStream } from "./stream";

/** A footer claiming more metadata than this is corrupt, not a real schema. */
const MAX_METADATA_BYTES = 512 * 1024 * 1024;
const MAGIC = 0x31524150; // "PAR1" little-endian

export interface TFileBuffer extends AsyncBuffer {
  close(): Promise<void>;
}

/**
 * An AsyncBuffer that reads only the slices hyparquet asks for through one file handle (hyparquet's
 * own version opens a read stream per slice).
 */
export async function asyncBufferFromFile(filePath: string): Promise<TFileBuffer> {
  const handle: FileHandle = await open(filePath, "r");
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    const byteLength = stats.size;
    return {
      byteLength,
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

/** Where a row group's bytes end: progress when its rows are done. */
function rowGroupEnd(group: RowGroup): number {
  let end = 0;
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (!meta) continue;
    const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    end = Math.max(end, start + Number(meta.total_compressed_size));
  }
  return end;
}

export function parquetColumns(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

export async function parquetInfo(filePath: string, displayName?: string): Promise<{ rows: number; columns: string[] }> {
  const { buffer, metadata } = await openParquet(filePath, displayName ?? path.basename(filePath));
  await buffer.close();
  return { rows: Number(metadata.num_rows), columns: parquetColumns(metadata) };
}

/**
 * Reads one row group at a time so memory is bounded by a row group (Parquet's unit of
 * compression); `skip` passes whole row groups using the footer alone. BYTE_ARRAY columns without
 * a string annotation come out as Uint8Array (`utf8: false`): that is how images are stored.
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
      let groupStart = 0;
      for (let g = 0; g < metadata.row_groups.length && groupStart < limit; g++) {
        const group = metadata.row_groups[g]!;
        const groupEnd = groupStart + Number(group.num_rows);
        const rowStart = Math.max(groupStart, skip);
        const rowEnd = Math.min(groupEnd, limit);
        if (rowStart < rowEnd) {
          let rows: Record<string, unknown>[];
          try {
            rows = await parquetReadObjects({
              file: buffer,
              metadata,
              rowStart,
              rowEnd,
              compressors,
              utf8: false,
              // Lets a preview of the first rows read only the pages it needs when the file has
              // an offset index; whole-group reads are unaffected.
              useOffsetIndex: rowEnd - rowStart < Number(group.num_rows),
            });
          } catch (err) {
            throw new ImportFileError(`"${file}": row group ${g} cannot be read: ${errorMessage(err)}`, { cause: err });
          }
          for (let i = 0; i < rows.length; i++) {
            const index = rowStart + i;
            yield { ok: true, loc: { file, index, rowGroup: g, row: index - groupStart }, values: rows[i]! };
          }
        }
        consumed = Math.max(consumed, rowGroupEnd(group));
        groupStart = groupEnd;
      }
      if (limit === Infinity) consumed = buffer.byteLength;
    } finally {
      await buffer.close();
    }
  }

  return recordStream(records(), () => consumed);
}
