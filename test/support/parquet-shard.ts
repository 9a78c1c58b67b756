import { gzipSync } from "node:zlib";
import { closeSync, fstatSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { parquetMetadata, parquetSchema, type ColumnChunk, type CompressionCodec, type FileMetaData, type PageHeader } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from "hyparquet/src/schema.js";
import { compressors as decompressors } from "hyparquet-compressors";
import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import { fileWriter } from "hyparquet-writer/src/node.js";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";

// Parquet fixtures laid out as the released files are: one row group over many small pages, no page index,
// every column OPTIONAL (as Arrow writes them), data pages v1 or v2. Shared by the tests and bench:import.

export type TCodec = "SNAPPY" | "GZIP" | "ZSTD" | "UNCOMPRESSED";

/** A zstd frame of raw (stored) blocks: valid zstd for any decoder, without a zstd encoder (Node 20 has none). */
export function zstdStored(input: Uint8Array): Uint8Array {
  const MAX_BLOCK = 128 * 1024;
  const blocks = Math.max(1, Math.ceil(input.length / MAX_BLOCK));
  const out = new Uint8Array(4 + 1 + 8 + blocks * 3 + input.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  out[4] = 0xe0; // frame content size in 8 bytes, single segment, no checksum, no dictionary
  view.setBigUint64(5, BigInt(input.length), true);
  let o = 13;
  for (let b = 0; b < blocks; b++) {
    const part = input.subarray(b * MAX_BLOCK, Math.min(input.length, (b + 1) * MAX_BLOCK));
    const header = (part.length << 3) | (0 << 1) | (b === blocks - 1 ? 1 : 0); // raw block
    out[o] = header & 0xff;
    out[o + 1] = (header >> 8) & 0xff;
    out[o + 2] = (header >> 16) & 0xff;
    out.set(part, o + 3);
    o += 3 + part.length;
  }
  return out;
}

export const compressors: Record<TCodec, ((b: Uint8Array) => Uint8Array) | undefined> = {
  SNAPPY: snappyCompress,
  GZIP: (b) => new Uint8Array(gzipSync(b)),
  ZSTD: zstdStored,
  UNCOMPRESSED: undefined,
};

function decompress(codec: CompressionCodec, bytes: Uint8Array, size: number): Uint8Array {
  if (codec === "UNCOMPRESSED") return bytes;
  const fn = (decompressors as Record<string, (b: Uint8Array, n: number) => Uint8Array>)[codec];
  if (!fn) throw new Error(`no decompressor for ${codec}`);
  return fn(bytes, size);
}

function readExact(fd: number, pos: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let n = 0;
  while (n < length) {
    const r = readSync(fd, buf, n, length - n, pos + n);
    if (r === 0) throw new Error("unexpected end of file");
    n += r;
  }
  return buf;
}

function readFooter(fd: number, size: number): FileMetaData {
  const tail = readExact(fd, size - 8, 8);
  const len = new DataView(tail.buffer).getUint32(0, true);
  const footer = readExact(fd, size - 8 - len, len + 8);
  return parquetMetadata(footer.buffer as ArrayBuffer);
}

function maxLevels(meta: FileMetaData, path: string[]): { def: number; rep: number } {
  const schemaPath = getTreePath(parquetSchema(meta), path);
  return { def: getMaxDefinitionLevel(schemaPath), rep: getMaxRepetitionLevel(schemaPath) };
}

/** Rewrites a Parquet file's data pages v2 as v1 (parquet-cpp-arrow's default layout) and drops any page index. */
export function rewriteAsPageV1(src: string, dst: string): void {
  const inFd = openSync(src, "r");
  const outFd = openSync(dst, "w");
  try {
    const size = fstatSync(inFd).size;
    const meta = readFooter(inFd, size);
    let outPos = 0;
    const put = (bytes: Uint8Array) => {
      writeSync(outFd, bytes, 0, bytes.length, outPos);
      outPos += bytes.length;
    };
    put(new Uint8Array([0x50, 0x41, 0x52, 0x31]));
    for (const group of meta.row_groups) {
      const groupStart = outPos;
      let groupBytes = 0n;
      for (const chunk of group.columns as ColumnChunk[]) {
        const m = chunk.meta_data!;
        const levels = maxLevels(meta, m.path_in_schema);
        const codec = m.codec;
        const compress = compressors[codec as TCodec];
        const dict = m.dictionary_page_offset ? Number(m.dictionary_page_offset) : undefined;
        let pos = dict ?? Number(m.data_page_offset);
        const end = pos + Number(m.total_compressed_size);
        const chunkStart = outPos;
        let uncompressed = 0;
        let firstData: number | undefined;
        let newDict: number | undefined;
        while (pos < end) {
          const probe = readExact(inFd, pos, Math.min(64 * 1024, end - pos));
          const reader = { view: new DataView(probe.buffer), offset: 0 };
          const header: PageHeader = parquetHeader(reader);
          const body = readExact(inFd, pos + reader.offset, header.compressed_page_size);
          pos += reader.offset + header.compressed_page_size;
          const w = new ByteWriter();
          if (header.type === "DATA_PAGE_V2") {
            const h = header.data_page_header_v2!;
            const repBytes = body.subarray(0, h.repetition_levels_byte_length);
            const defBytes = body.subarray(h.repetition_levels_byte_length, h.repetition_levels_byte_length + h.definition_levels_byte_length);
            const levelBytes = h.repetition_levels_byte_length + h.definition_levels_byte_length;
            const valuesRaw = body.subarray(levelBytes);
            const values = h.is_compressed === false ? valuesRaw : decompress(codec, valuesRaw, header.uncompressed_page_size - levelBytes);
            const plain = new ByteWriter();
            if (levels.rep > 0) {
              plain.appendUint32(repBytes.length);
              plain.appendBytes(repBytes);
            }
            if (levels.def > 0) {
              plain.appendUint32(defBytes.length);
              plain.appendBytes(defBytes);
            }
            plain.appendBytes(values);
            const raw = plain.getBytes();
            const packed = compress ? compress(raw) : raw;
            firstData ??= outPos;
            writePageHeader(w, {
              type: "DATA_PAGE",
              uncompressed_page_size: raw.length,
              compressed_page_size: packed.length,
              data_page_header: { num_values: h.num_values, encoding: h.encoding, definition_level_encoding: "RLE", repetition_level_encoding: "RLE" },
            });
            w.appendBytes(packed);
            uncompressed += w.offset - packed.length + raw.length;
          } else {
            if (header.type === "DICTIONARY_PAGE") newDict = outPos;
            else firstData ??= outPos;
            writePageHeader(w, header);
            w.appendBytes(body);
            uncompressed += w.offset - body.length + header.uncompressed_page_size;
          }
          put(w.getBytes());
        }
        m.data_page_offset = BigInt(firstData ?? chunkStart);
        m.dictionary_page_offset = newDict === undefined ? undefined : BigInt(newDict);
        m.total_compressed_size = BigInt(outPos - chunkStart);
        m.total_uncompressed_size = BigInt(uncompressed);
        m.encoding_stats = undefined;
        chunk.file_offset = BigInt(chunkStart);
        chunk.offset_index_offset = undefined;
        chunk.offset_index_length = undefined;
        chunk.column_index_offset = undefined;
        chunk.column_index_length = undefined;
        groupBytes += BigInt(uncompressed);
      }
      group.total_byte_size = groupBytes;
      group.total_compressed_size = BigInt(outPos - groupStart);
      group.file_offset = BigInt(groupStart);
    }
    const footer = new ByteWriter();
    writeMetadata(footer, { ...meta, created_by: "parquet-cpp-arrow version 15.0.2" });
    footer.appendUint32(0x31524150);
    put(footer.getBytes());
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
}

export interface TShardOptions {
  rows: number;
  /** Distinct JPEGs: row i's source is pool[i % n], its edited image pool[(i + 1) % n]. */
  pool: Uint8Array[];
  /** Rows with no source bytes (only the URL, its sha256 and the fetch date), as some of ScaleEdit's are. */
  nullSource?: (i: number) => boolean;
  /**
   * The URL and sha256 a row without source bytes carries (a test serves them). By default such a row has
   * neither, so it stays invalid without reaching for a network the tests do not have.
   */
  sourceUrl?: (i: number) => { url: string; sha256: string } | null;
  /** Every row's edit_task, as in a released shard (one task folder each); by default a few tasks in turn. */
  task?: string;
  /** Target uncompressed page size (1 MiB, pyarrow's default). */
  pageSize?: number;
  /** 1 as parquet-cpp-arrow writes (a second pass over the file), 2 as hyparquet-writer does. */
  pageVersion?: 1 | 2;
  codec?: TCodec;
  firstId?: number;
  rowGroupRows?: number;
}

const TASKS = ["2.1_object_addition", "2.2_object_removal", "3.1_style_transfer", "1.4_color_alteration"];

const opt = (name: string, type: SchemaElement["type"], extra: Partial<SchemaElement> = {}): SchemaElement => ({ name, type, repetition_type: "OPTIONAL", ...extra });
const str = (name: string) => opt(name, "BYTE_ARRAY", { converted_type: "UTF8" });

/** ScaleEdit-12M's columns as released: names, physical types and nullability. */
export const SCALEEDIT_SCHEMA: SchemaElement[] = [
  { name: "schema", num_children: 15 },
  opt("id", "INT64"),
  str("edit_task"),
  str("edit_instruction"),
  opt("source_image", "BYTE_ARRAY"),
  opt("edited_image", "BYTE_ARRAY"),
  opt("source_image_width", "INT64"),
  opt("source_image_height", "INT64"),
  opt("edited_image_width", "INT64"),
  opt("edited_image_height", "INT64"),
  opt("instruction_following_score", "INT64"),
  opt("editing_consistency_score", "INT64"),
  opt("generation_quality_score", "INT64"),
  str("source_image_url"),
  str("source_image_sha256"),
  str("source_image_fetch_date"),
];

/** Writes a ScaleEdit-layout shard (one row group unless rowGroupRows), image columns PLAIN; answers their bytes. */
export async function writeScaleEditShard(file: string, o: TShardOptions): Promise<{ imageBytes: number; nullSources: number }> {
  const version = o.pageVersion ?? 1;
  const codec = o.codec ?? "SNAPPY";
  const target = version === 1 ? `${file}.v2` : file;
  const n = o.pool.length;
  const firstId = o.firstId ?? 0;
  let imageBytes = 0;
  let nullSources = 0;
  const cols = {
    id: [] as bigint[],
    task: [] as string[],
    text: [] as string[],
    src: [] as (Uint8Array | null)[],
    edt: [] as Uint8Array[],
    size: [] as bigint[],
    s1: [] as bigint[],
    s2: [] as bigint[],
    s3: [] as bigint[],
    url: [] as (string | null)[],
    sha: [] as (string | null)[],
    date: [] as (string | null)[],
  };
  for (let i = 0; i < o.rows; i++) {
    const none = o.nullSource?.(i) ?? false;
    const src = o.pool[i % n]!;
    const edt = o.pool[(i + 1) % n]!;
    cols.id.push(BigInt(firstId + i));
    cols.task.push(o.task ?? TASKS[i % TASKS.length]!);
    cols.text.push(`Edit number ${firstId + i}: add a small red hat`);
    cols.src.push(none ? null : src);
    cols.edt.push(edt);
    cols.size.push(512n);
    cols.s1.push(3n);
    cols.s2.push(BigInt(1 + (i % 3)));
    cols.s3.push(BigInt(1 + ((i >> 1) % 3)));
    const fetched = none ? (o.sourceUrl?.(i) ?? null) : { url: `https://images.example.org/scaleedit/${firstId + i}.jpg`, sha256: String(i % n).padStart(64, "0") };
    cols.url.push(fetched?.url ?? null);
    cols.sha.push(fetched?.sha256 ?? null);
    cols.date.push(fetched ? "2025-09-14" : null);
    imageBytes += edt.length + (none ? 0 : src.length);
    if (none) nullSources++;
  }
  const plain = { encoding: "PLAIN" as const, statistics: false, offsetIndex: false };
  const other = { offsetIndex: false };
  const columnData: ColumnSource[] = [
    { name: "id", data: cols.id, ...other },
    { name: "edit_task", data: cols.task, ...other },
    { name: "edit_instruction", data: cols.text, ...other },
    { name: "source_image", data: cols.src, ...plain },
    { name: "edited_image", data: cols.edt, ...plain },
    { name: "source_image_width", data: cols.size, ...other },
    { name: "source_image_height", data: cols.size, ...other },
    { name: "edited_image_width", data: cols.size, ...other },
    { name: "edited_image_height", data: cols.size, ...other },
    { name: "instruction_following_score", data: cols.s1, ...other },
    { name: "editing_consistency_score", data: cols.s2, ...other },
    { name: "generation_quality_score", data: cols.s3, ...other },
    { name: "source_image_url", data: cols.url, ...other },
    { name: "source_image_sha256", data: cols.sha, ...other },
    { name: "source_image_fetch_date", data: cols.date, ...other },
  ];
  const writer = new ParquetWriter({
    writer: fileWriter(target),
    schema: SCALEEDIT_SCHEMA,
    codec: codec as CompressionCodec,
    compressors: { GZIP: compressors.GZIP!, ZSTD: compressors.ZSTD! },
    createdBy: "parquet-cpp-arrow version 15.0.2",
  });
  await writer.write({ columnData, rowGroupSize: o.rowGroupRows ?? o.rows, pageSize: o.pageSize ?? 1 << 20 });
  await writer.finish();
  if (version === 1) {
    rewriteAsPageV1(target, file);
    rmSync(target);
  }
  return { imageBytes, nullSources };
}

export interface TPageInfo {
  type: PageHeader["type"];
  /** Byte offset of the page header, and of the page body after it. */
  offset: number;
  bodyOffset: number;
  size: number;
  /** Rows (flat columns) or values in the page; 0 for a dictionary page. */
  values: number;
}

/** The pages of one column chunk, walked by their headers, for tests that corrupt chosen pages. */
export function pagesOf(file: string, column: string, rowGroup = 0): TPageInfo[] {
  const fd = openSync(file, "r");
  try {
    const meta = readFooter(fd, fstatSync(fd).size);
    const chunk = meta.row_groups[rowGroup]!.columns.find((c) => c.meta_data!.path_in_schema.join(".") === column);
    if (!chunk) throw new Error(`no column ${column}`);
    const m = chunk.meta_data!;
    let pos = Number(m.dictionary_page_offset || m.data_page_offset);
    const end = pos + Number(m.total_compressed_size);
    const out: TPageInfo[] = [];
    while (pos < end) {
      const probe = readExact(fd, pos, Math.min(64 * 1024, end - pos));
      const reader = { view: new DataView(probe.buffer), offset: 0 };
      const h = parquetHeader(reader);
      const values = h.data_page_header?.num_values ?? h.data_page_header_v2?.num_rows ?? 0;
      out.push({ type: h.type, offset: pos, bodyOffset: pos + reader.offset, size: h.compressed_page_size, values });
      pos += reader.offset + h.compressed_page_size;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
