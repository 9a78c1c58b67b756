import path from "node:path";
import type { TEncoding, TRawRecord } from "../types";

export interface TReadOptions {
  encoding?: TEncoding;
  /** CSV only: one character; "," by default, a tab for .tsv files. */
  delimiter?: string;
  /** Records to pass over before the first one yielded (resuming after a crash). */
  skip?: number;
  /** Name used in record locations and messages; the file's base name by default. */
  displayName?: string;
  /**
   * Size of each file read for text formats, and for Parquet the uncompressed bytes of the rows
   * assembled at a time; tests make it tiny to put boundaries everywhere.
   */
  chunkBytes?: number;
}

/**
 * The records of one file, in order. Byte progress rides on the generator itself rather than in a
 * callback so that the runner reads it when it reports progress (every N records), not on every
 * chunk: `bytesRead()` is how far into the file the records yielded so far reach (exact for JSONL,
 * up to one 1 MiB read ahead for CSV, the end of the last finished row group for Parquet).
 */
export interface TRecordStream extends AsyncGenerator<TRawRecord, void, undefined> {
  bytesRead(): number;
  /** The stream itself, for callers that read it as `{ records, bytesRead }`. */
  readonly records: AsyncGenerator<TRawRecord, void, undefined>;
}

export function recordStream(gen: AsyncGenerator<TRawRecord, void, undefined>, bytesRead: () => number): TRecordStream {
  return Object.assign(gen, { bytesRead, records: gen });
}

export function displayNameOf(filePath: string, opts: TReadOptions): string {
  return opts.displayName ?? path.basename(filePath);
}

/** Reads of 1 MiB keep syscalls and per-chunk overhead negligible next to parsing. */
export const CHUNK_BYTES = 1 << 20;
