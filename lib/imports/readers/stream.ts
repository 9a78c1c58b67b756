import path from "node:path";
import type { TEncoding, TRawRecord } from "../types";

/** One file of an archive published in numbered parts. */
export interface TPart {
  path: string;
  size: number;
}

export interface TReadOptions {
  encoding?: TEncoding;
  /** CSV only: one character; "," by default, a tab for .tsv files. */
  delimiter?: string;
  /** Records to pass over before the first one yielded (resuming after a crash). */
  skip?: number;
  /** Name used in record locations and messages; the file's base name by default. */
  displayName?: string;
  /** Bytes per read for text formats; Parquet's row window in uncompressed bytes. Tests make it tiny. */
  chunkBytes?: number;
  /** A file published in numbered parts (`x.tar.gz.part000…`): the parts, read as one stream. */
  parts?: TPart[];
}

/**
 * The records of one file, in order. `bytesRead()` rides on the generator so the runner reads it only when
 * it reports progress: how far the records yielded so far reach (exact for JSONL, up to one read ahead for
 * CSV, the end of the last finished row group for Parquet).
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

/** Reads this large keep syscalls and per-chunk overhead negligible next to parsing. */
export const CHUNK_BYTES = 1 << 20;
