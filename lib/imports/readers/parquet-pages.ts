import type { FileHandle } from "node:fs/promises";
import type { ColumnChunk, ColumnMetaData, DecodedArray, PageHeader, SchemaTree } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { parquetHeader, readPage } from "hyparquet/src/column.js";
import { DEFAULT_PARSERS, convert } from "hyparquet/src/convert.js";
import { getMaxRepetitionLevel, getTreePath } from "hyparquet/src/schema.js";
import type { ColumnDecoder } from "hyparquet/src/types.js";

// One column chunk read page by page, each page decompressed and decoded on its own, so memory follows a
// page, not the chunk: released shards have single huge image chunks and no page index (decision 011).

/** A page header is read with this much look-ahead; a longer one (big statistics) is read again. */
const HEADER_PROBE = 16 * 1024;

/** Positional reads of one open file, each into its own exactly sized buffer. */
export class FileReads {
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(from: number, length: number): Promise<Uint8Array> {
    const to = Math.min(this.size, from + length);
    // Unpooled and exact: thrift and page decoding must fail at the end of what was read, not run on
    // into a neighbouring allocation; and values handed out as views retain only their own page.
    const buf = new Uint8Array(new ArrayBuffer(Math.max(0, to - from)));
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await this.handle.read(buf, filled, buf.length - filled, from + filled);
      if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${from + filled}`);
      filled += bytesRead;
    }
    return buf;
  }
}

/** Where a column chunk's pages start (its dictionary page when it has one) and end. */
export function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const dict = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
  const data = Number(meta.data_page_offset);
  // Some writers set dictionary_page_offset to 0 when there is none.
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
  return { start, end: start + Number(meta.total_compressed_size) };
}

/** One leaf column's values, one entry per row of the row group (a list row as hyparquet nests it), read lazily. */
export class ColumnPages {
  readonly path: string[];
  readonly start: number;
  readonly end: number;
  private pos: number;
  private readonly decoder: ColumnDecoder;
  private readonly repeated: boolean;
  private dictionary: DecodedArray | undefined;
  /** Decoded entries not yet handed out: buf[at..]. For a list column the last may still grow. */
  private buf: DecodedArray = [];
  private at = 0;
  private ahead: { pos: number; bytes: Uint8Array } | null = null;

  constructor(
    private readonly file: FileReads,
    schema: SchemaTree,
    chunk: ColumnChunk,
  ) {
    const meta = chunk.meta_data;
    if (!meta) throw new Error("a column chunk has no metadata");
    if (chunk.file_path) throw new Error(`column chunks in other files (${chunk.file_path}) are not supported`);
    this.path = meta.path_in_schema;
    const schemaPath = getTreePath(schema, meta.path_in_schema);
    this.decoder = {
      pathInSchema: meta.path_in_schema,
      type: meta.type,
      element: schemaPath[schemaPath.length - 1]!.element,
      schemaPath,
      codec: meta.codec,
      parsers: DEFAULT_PARSERS,
      compressors,
      // BYTE_ARRAY without a string annotation stays bytes: that is how images are stored.
      utf8: false,
    };
    this.repeated = getMaxRepetitionLevel(schemaPath) > 0;
    ({ start: this.start, end: this.end } = chunkRange(meta));
    this.pos = this.start;
  }

  /** Bytes of the chunk passed so far (read, or skipped by their headers). */
  get consumed(): number {
    return this.pos - this.start;
  }

  private get available(): number {
    const n = this.buf.length - this.at;
    // A list row can continue on the next page (data page v1); it is whole once the chunk is done.
    return this.repeated && this.pos < this.end ? Math.max(0, n - 1) : n;
  }

  /** Bytes [pos, pos+length) of the chunk, reading `extra` more ahead for the next header. */
  private async bytes(pos: number, length: number, extra: number): Promise<Uint8Array> {
    const a = this.ahead;
    if (a && pos >= a.pos && pos + length <= a.pos + a.bytes.length) return a.bytes.subarray(pos - a.pos, pos - a.pos + length);
    const want = Math.min(this.end - pos, length + extra);
    if (want < length) throw new Error(`a page runs past the end of its column chunk (byte ${pos + length} > ${this.end})`);
    const bytes = await this.file.read(pos, want);
    this.ahead = { pos, bytes };
    return bytes.subarray(0, length);
  }

  private async header(): Promise<{ header: PageHeader; length: number }> {
    let probe = Math.min(HEADER_PROBE, this.end - this.pos);
    for (;;) {
      const bytes = await this.bytes(this.pos, probe, 0);
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
      try {
        const header = parquetHeader(reader);
        if (reader.offset <= bytes.length) return { header, length: reader.offset };
      } catch (err) {
        if (!(err instanceof RangeError) || probe >= this.end - this.pos) throw err;
      }
      if (probe >= this.end - this.pos) throw new Error(`a page header runs past the end of its column chunk (byte ${this.end})`);
      this.ahead = null;
      probe = Math.min(probe * 8, this.end - this.pos);
    }
  }

  /** Rows a data page holds when its header says so without decoding: always but for list pages in v1. */
  private pageRows(h: PageHeader): number | null {
    if (h.type === "DATA_PAGE_V2") return h.data_page_header_v2!.num_rows;
    if (h.type === "DATA_PAGE" && !this.repeated) return h.data_page_header!.num_values;
    return null;
  }

  /** Reads, decodes and queues the next page; while skipping, a page the header shows all skipped is passed unread. */
  private async nextPage(skipping = 0): Promise<{ end: true } | { end: false; skipped: number }> {
    if (this.pos >= this.end) return { end: true };
    const { header, length } = await this.header();
    const bodyAt = this.pos + length;
    const size = header.compressed_page_size;
    const rows = header.type === "DICTIONARY_PAGE" ? null : this.pageRows(header);
    if (header.type === "INDEX_PAGE" || (skipping > 0 && rows !== null && rows <= skipping)) {
      this.pos = bodyAt + size;
      return { end: false, skipped: header.type === "INDEX_PAGE" ? 0 : rows! };
    }
    const body = await this.bytes(bodyAt, size, skipping > 0 ? 0 : HEADER_PROBE);
    this.pos = bodyAt + size;
    const reader = { view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 };
    if (header.type === "DICTIONARY_PAGE") {
      const { data } = readPage(reader, header, this.decoder, undefined, undefined, 0);
      if (data) this.dictionary = convert(data, this.decoder);
      return { end: false, skipped: 0 };
    }
    if (this.repeated) {
      // Appends to the open row when this page continues it.
      const rest = this.at === 0 ? (this.buf as unknown[]) : (this.buf as unknown[]).slice(this.at);
      const { data } = readPage(reader, header, this.decoder, this.dictionary, rest, 0);
      this.buf = data ?? rest;
    } else {
      const { data } = readPage(reader, header, this.decoder, this.dictionary, undefined, 0);
      const rest = this.buf.length - this.at;
      this.buf = rest === 0 ? (data ?? []) : concat(this.buf.slice(this.at), data ?? []);
    }
    this.at = 0;
    return { end: false, skipped: 0 };
  }

  /** Passes over the next n rows, skipping whole pages by their headers where it can. */
  async skip(n: number): Promise<void> {
    let left = n;
    for (;;) {
      const drop = Math.min(left, this.available);
      this.at += drop;
      left -= drop;
      if (left === 0) return;
      const page = await this.nextPage(this.buf.length === this.at ? left : 0);
      if (page.end) break;
      left -= page.skipped;
    }
    throw new Error(`column ${this.path.join(".")} has fewer rows than its row group`);
  }

  async take(n: number): Promise<unknown[]> {
    while (this.available < n) {
      if ((await this.nextPage()).end) break;
    }
    if (this.available < n) throw new Error(`column ${this.path.join(".")} has fewer rows than its row group`);
    const out: unknown[] = Array.from(this.buf.slice(this.at, this.at + n) as ArrayLike<unknown>);
    this.at += n;
    if (this.at === this.buf.length) {
      this.buf = [];
      this.at = 0;
    }
    return out;
  }
}

function concat(a: DecodedArray, b: DecodedArray): unknown[] {
  const out = Array.from(a as ArrayLike<unknown>);
  for (let i = 0; i < b.length; i++) out.push((b as ArrayLike<unknown>)[i]);
  return out;
}
