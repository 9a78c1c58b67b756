import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pagesOf, rewriteAsPageV1, writeScaleEditShard, type TCodec } from "@/test/support/parquet-shard";
import { readHead, readRecords } from "../sources";
import type { TRawRecord } from "../types";

// The page-streaming Parquet reader on files laid out as released: one row group of many pages, no page
// index, pages v1 and v2, every codec and column kind; resuming without reading the pages before.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loupe-parquet-stream-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(file: string, skip = 0): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const r of readRecords(file, "parquet", { skip })) out.push(values(r));
  return out;
}

/** Bytes as hex, recursively: vitest compares typed arrays element by element, far too slowly for images. */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return `bytes:${Buffer.from(x).toString("hex")}`;
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

function values(r: TRawRecord | undefined): Record<string, unknown> {
  if (!r?.ok) throw new Error(`expected a readable record, got ${JSON.stringify(r)}`);
  return r.values;
}

/** Distinct fake images of 5–9 KB: a few per 16 KB page. */
const pool = Array.from({ length: 7 }, (_, k) => {
  const b = new Uint8Array(5000 + k * 700);
  for (let i = 0; i < b.length; i++) b[i] = (i * (k + 3) + k) & 0xff;
  return b;
});
const nullSource = (i: number) => i % 17 === 5;

function expectShardRow(row: Record<string, unknown>, i: number) {
  expect(row.id).toBe(BigInt(i));
  expect(row.edit_instruction).toBe(`Edit number ${i}: add a small red hat`);
  if (nullSource(i)) expect(row.source_image).toBeNull();
  else expect(plain(row.source_image)).toBe(plain(pool[i % pool.length]));
  expect(plain(row.edited_image)).toBe(plain(pool[(i + 1) % pool.length]));
  // A row without source bytes has no URL either unless a test serves one (test/support/parquet-shard.ts).
  expect(row.source_image_url).toBe(nullSource(i) ? null : `https://images.example.org/scaleedit/${i}.jpg`);
  expect(row.generation_quality_score).toBe(BigInt(1 + ((i >> 1) % 3)));
}

describe("Parquet streaming: a ScaleEdit shard in one row group", () => {
  const ROWS = 240;
  const files: Record<string, string> = {};
  const variants: { name: string; version: 1 | 2; codec: TCodec }[] = [
    { name: "v1-snappy", version: 1, codec: "SNAPPY" },
    { name: "v1-gzip", version: 1, codec: "GZIP" },
    { name: "v1-zstd", version: 1, codec: "ZSTD" },
    { name: "v1-none", version: 1, codec: "UNCOMPRESSED" },
    { name: "v2-snappy", version: 2, codec: "SNAPPY" },
    { name: "v2-zstd", version: 2, codec: "ZSTD" },
  ];
  beforeAll(async () => {
    for (const v of variants) {
      files[v.name] = path.join(dir, `${v.name}.parquet`);
      await writeScaleEditShard(files[v.name]!, { rows: ROWS, pool, nullSource, pageSize: 16 * 1024, pageVersion: v.version, codec: v.codec });
    }
  });

  it("writes the fixture as released: one row group, many pages, no page index, the right page version", async () => {
    const meta = parquetMetadata((await readFile(files["v1-snappy"]!)).buffer as ArrayBuffer);
    expect(meta.row_groups).toHaveLength(1);
    expect(Number(meta.num_rows)).toBe(ROWS);
    for (const c of meta.row_groups[0]!.columns) expect(c.offset_index_offset).toBeUndefined();
    const pages = pagesOf(files["v1-snappy"]!, "source_image");
    expect(pages.length).toBeGreaterThan(50);
    expect(new Set(pages.map((p) => p.type))).toEqual(new Set(["DATA_PAGE"]));
    expect(pagesOf(files["v1-snappy"]!, "edit_task")[0]!.type).toBe("DICTIONARY_PAGE");
    expect(new Set(pagesOf(files["v2-snappy"]!, "source_image").map((p) => p.type))).toEqual(new Set(["DATA_PAGE_V2"]));
  });

  it.each(variants)("reads every row of $name with nulls, bytes and int64s intact", async ({ name }) => {
    const rows = await readAll(files[name]!);
    expect(rows).toHaveLength(ROWS);
    rows.forEach((row, i) => expectShardRow(row, i));
  });

  it.each(variants)("resumes $name at any row inside the row group", async ({ name }) => {
    const perPage = pagesOf(files[name]!, "source_image")[0]!.values;
    for (const skip of [1, perPage - 1, perPage, perPage + 1, 101, ROWS - 1, ROWS]) {
      const rows = await readAll(files[name]!, skip);
      expect(rows.map((r) => r.id)).toEqual(Array.from({ length: ROWS - skip }, (_, k) => BigInt(skip + k)));
      rows.forEach((row, k) => expectShardRow(row, skip + k));
    }
  });

  it("resumes without reading the pages before the resume point", async () => {
    for (const name of ["v1-snappy", "v2-snappy"]) {
      const bytes = new Uint8Array(await readFile(files[name]!));
      const skip = 150;
      // Wreck the bodies (not the headers) of every image page wholly before row `skip`: a reader
      // that decoded them, or read them to find where rows start, would fail.
      let wrecked = 0;
      for (const column of ["source_image", "edited_image"]) {
        let row = 0;
        for (const p of pagesOf(files[name]!, column)) {
          if (row + p.values <= skip) {
            bytes.fill(0xff, p.bodyOffset, p.bodyOffset + p.size);
            wrecked++;
          }
          row += p.values;
        }
      }
      expect(wrecked).toBeGreaterThan(40);
      const broken = path.join(dir, `${name}-wrecked.parquet`);
      await writeFile(broken, bytes);
      const rows = await readAll(broken, skip);
      expect(rows).toHaveLength(ROWS - skip);
      rows.forEach((row, k) => expectShardRow(row, skip + k));
      await expect(readAll(broken, 0)).rejects.toThrow(/row group 0 cannot be read/);
    }
  });

  it("previews the first rows without reading the rest of the row group", async () => {
    const bytes = new Uint8Array(await readFile(files["v1-snappy"]!));
    // Wreck every page, header included, of every column after the first 40 rows.
    const columns = ["id", "edit_task", "edit_instruction", "source_image", "edited_image", "source_image_url"];
    for (const column of columns) {
      let row = 0;
      for (const p of pagesOf(files["v1-snappy"]!, column)) {
        if (p.type !== "DICTIONARY_PAGE" && row >= 40) bytes.fill(0xee, p.offset, p.bodyOffset + p.size);
        row += p.values;
      }
    }
    const broken = path.join(dir, "preview-wrecked.parquet");
    await writeFile(broken, bytes);
    const head = await readHead(broken, "parquet", {}, 20);
    expect(head.columns).toContain("source_image_fetch_date");
    expect(head.records).toHaveLength(20);
    head.records.forEach((r, i) => expectShardRow(values(r), i));
    await expect(readAll(broken)).rejects.toThrow(/cannot be read/);
  });

  it("moves byte progress inside the row group", async () => {
    const file = files["v1-snappy"]!;
    const size = (await readFile(file)).length;
    const stream = readRecords(file, "parquet", { chunkBytes: 64 * 1024 });
    const seen: number[] = [];
    for await (const r of stream) if (r.loc.index % 40 === 0) seen.push(stream.bytesRead());
    expect(seen).toHaveLength(ROWS / 40);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen[0]!).toBeLessThan(size / 4);
    expect(stream.bytesRead()).toBe(size);
  });
});

describe("Parquet streaming: column shapes over many pages", () => {
  const N = 300;
  const opt = (name: string, type: SchemaElement["type"], extra: Partial<SchemaElement> = {}): SchemaElement => ({ name, type, repetition_type: "OPTIONAL", ...extra });
  const str = (name: string) => opt(name, "BYTE_ARRAY", { converted_type: "UTF8" });

  async function both(name: string, columnData: ColumnSource[], schema: SchemaElement[]): Promise<string[]> {
    const v2 = path.join(dir, `${name}-v2.parquet`);
    const buf = parquetWriteBuffer({ columnData: columnData.map((c) => ({ ...c, offsetIndex: false })), schema, rowGroupSize: N, pageSize: 2048 });
    await writeFile(v2, new Uint8Array(buf));
    const v1 = path.join(dir, `${name}-v1.parquet`);
    rewriteAsPageV1(v2, v1);
    return [v1, v2];
  }

  it("reads nullable int32, int64, double, boolean and string columns and resumes between them", async () => {
    const ints = Array.from({ length: N }, (_, i) => (i % 7 === 0 ? null : i * 3));
    const longs = Array.from({ length: N }, (_, i) => (i % 11 === 0 ? null : BigInt(i) * 10_000_000_000n));
    const doubles = Array.from({ length: N }, (_, i) => (i % 5 === 0 ? null : i / 4));
    const bools = Array.from({ length: N }, (_, i) => (i % 13 === 0 ? null : i % 3 === 0));
    const texts = Array.from({ length: N }, (_, i) => (i % 9 === 0 ? null : `row ${i} ${"x".repeat(i % 50)}`));
    const files = await both(
      "shapes",
      [
        { name: "i", data: ints },
        { name: "l", data: longs },
        { name: "d", data: doubles },
        { name: "b", data: bools },
        { name: "t", data: texts },
      ],
      [{ name: "root", num_children: 5 }, opt("i", "INT32"), opt("l", "INT64"), opt("d", "DOUBLE"), opt("b", "BOOLEAN"), str("t")],
    );
    for (const file of files) {
      expect(pagesOf(file, "t").length).toBeGreaterThan(3);
      for (const skip of [0, 77, 299]) {
        const rows = await readAll(file, skip);
        expect(rows).toEqual(
          Array.from({ length: N - skip }, (_, k) => {
            const i = skip + k;
            return { i: ints[i], l: longs[i], d: doubles[i], b: bools[i], t: texts[i] };
          }),
        );
      }
    }
  });

  it("reads Hugging Face image structs {bytes, path} with null bytes, and resumes inside the group", async () => {
    const img = (i: number) => new Uint8Array(900).fill(i & 0xff);
    const src = Array.from({ length: N }, (_, i) => (i % 4 === 0 ? { bytes: null, path: `imgs/${i}.png` } : { bytes: img(i), path: null }));
    const edit = Array.from({ length: N }, (_, i) => ({ bytes: img(i + 1), path: `e/${i}.png` }));
    const files = await both(
      "structs",
      [
        { name: "key", data: Array.from({ length: N }, (_, i) => `k${i}`) },
        { name: "src_image", data: src },
        { name: "edit_image", data: edit },
      ],
      [
        { name: "root", num_children: 3 },
        str("key"),
        { name: "src_image", repetition_type: "OPTIONAL", num_children: 2 },
        opt("bytes", "BYTE_ARRAY"),
        str("path"),
        { name: "edit_image", repetition_type: "OPTIONAL", num_children: 2 },
        opt("bytes", "BYTE_ARRAY"),
        str("path"),
      ],
    );
    for (const file of files) {
      expect(pagesOf(file, "src_image.bytes").length).toBeGreaterThan(10);
      for (const skip of [0, 123]) {
        const rows = await readAll(file, skip);
        expect(plain(rows)).toEqual(plain(Array.from({ length: N - skip }, (_, k) => ({ key: `k${skip + k}`, src_image: src[skip + k], edit_image: edit[skip + k] }))));
      }
    }
  });

  it("reads list<string> columns (OmniEdit prompts, ImgEdit paths) across pages, and resumes inside the group", async () => {
    const prompts = Array.from({ length: N }, (_, i) => (i % 10 === 3 ? null : Array.from({ length: 1 + (i % 4) }, (_, j) => `prompt ${i}.${j} ${"y".repeat(i % 30)}`)));
    const files = await both(
      "lists",
      [
        { name: "omni_edit_id", data: Array.from({ length: N }, (_, i) => `o-${i}`) },
        { name: "edited_prompt_list", data: prompts },
      ],
      [
        { name: "root", num_children: 2 },
        str("omni_edit_id"),
        { name: "edited_prompt_list", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        str("element"),
      ],
    );
    for (const file of files) {
      expect(pagesOf(file, "edited_prompt_list.list.element").length).toBeGreaterThan(3);
      for (const skip of [0, 1, 150, 299]) {
        const rows = await readAll(file, skip);
        expect(rows).toEqual(Array.from({ length: N - skip }, (_, k) => ({ omni_edit_id: `o-${skip + k}`, edited_prompt_list: prompts[skip + k] })));
      }
    }
  });
});
