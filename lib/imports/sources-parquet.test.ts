import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapRecord } from "./mapping";
import { PRESETS, presetMapping } from "./presets";
import { ImportFileError, countRecords, detectFormat, readHead, readRecords } from "./sources";
import type { TRawRecord } from "./types";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loupe-parquet-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeParquet(name: string, columnData: ColumnSource[], opts: { schema?: SchemaElement[]; rowGroupSize?: number } = {}) {
  const file = path.join(dir, name);
  const buf = parquetWriteBuffer({ columnData, schema: opts.schema, rowGroupSize: opts.rowGroupSize });
  await writeFile(file, new Uint8Array(buf));
  return file;
}

async function readAll(file: string, skip = 0): Promise<TRawRecord[]> {
  const out: TRawRecord[] = [];
  for await (const r of readRecords(file, "parquet", { skip })) out.push(r);
  return out;
}

function okValues(r: TRawRecord | undefined): Record<string, unknown> {
  if (!r?.ok) throw new Error(`expected a readable record, got ${JSON.stringify(r)}`);
  return r.values;
}

const img = (...bytes: number[]) => new Uint8Array(bytes);
const opt = (name: string, type: SchemaElement["type"], extra: Partial<SchemaElement> = {}): SchemaElement => ({
  name,
  type,
  repetition_type: "OPTIONAL",
  ...extra,
});
const str = (name: string) => opt(name, "BYTE_ARRAY", { converted_type: "UTF8" });
const imageStruct = (name: string): SchemaElement[] => [
  { name, repetition_type: "OPTIONAL", num_children: 2 },
  opt("bytes", "BYTE_ARRAY"),
  str("path"),
];

describe("Parquet: ScaleEdit", () => {
  let file: string;
  beforeAll(async () => {
    file = await writeParquet(
      "scaleedit.parquet",
      [
        { name: "id", data: [101n, 102n, 103n], type: "INT64" },
        { name: "edit_task", data: ["2.1_object_addition", "style_transfer", "mystery_task"], type: "STRING" },
        { name: "edit_instruction", data: ["Add a red hat", "Make it Van Gogh", "Do something"], type: "STRING" },
        { name: "source_image", data: [img(1, 2, 3), img(4), img(5)], type: "BYTE_ARRAY" },
        { name: "edited_image", data: [img(9, 9), img(8), img(7)], type: "BYTE_ARRAY" },
        { name: "source_image_width", data: [640, 512, 256], type: "INT32" },
        { name: "source_image_height", data: [480, 512, 256], type: "INT32" },
        { name: "edited_image_width", data: [640, 512, 256], type: "INT32" },
        { name: "edited_image_height", data: [480, 512, 256], type: "INT32" },
        { name: "instruction_following_score", data: [3, 2, 4], type: "INT32" },
        { name: "editing_consistency_score", data: [2, 1, 1], type: "INT32" },
        { name: "generation_quality_score", data: [1, 3, 1], type: "INT32" },
      ],
      { rowGroupSize: 2 },
    );
  });

  it("is detected, counted and previewed from the footer", async () => {
    expect(await detectFormat(file)).toBe("parquet");
    expect(await countRecords(file, "parquet")).toBe(3);
    const head = await readHead(file, "parquet", {}, 1);
    expect(head.columns).toEqual([
      "id",
      "edit_task",
      "edit_instruction",
      "source_image",
      "edited_image",
      "source_image_width",
      "source_image_height",
      "edited_image_width",
      "edited_image_height",
      "instruction_following_score",
      "editing_consistency_score",
      "generation_quality_score",
    ]);
    expect(head.records).toHaveLength(1);
  });

  it("yields byte columns as Uint8Array with row-group locations", async () => {
    const records = await readAll(file);
    expect(records.map((r) => r.loc)).toEqual([
      { file: "scaleedit.parquet", index: 0, rowGroup: 0, row: 0 },
      { file: "scaleedit.parquet", index: 1, rowGroup: 0, row: 1 },
      { file: "scaleedit.parquet", index: 2, rowGroup: 1, row: 0 },
    ]);
    const first = okValues(records[0]);
    expect(first.source_image).toBeInstanceOf(Uint8Array);
    expect(Array.from(first.source_image as Uint8Array)).toEqual([1, 2, 3]);
    expect(first.edit_instruction).toBe("Add a red hat");
    expect(first.id).toBe(101n);
  });

  it("maps with the preset: task family and subtask, scores, sizes in metadata", async () => {
    // Mapped for a project with the preset's declaration: a score outside its 1-3 scale refuses the row.
    const ctx = { scales: PRESETS.scaleedit.scales };
    const [a, b, c] = (await readAll(file)).map((r) => mapRecord(okValues(r), PRESETS.scaleedit.mapping, ctx));
    expect(a).toMatchObject({
      ok: true,
      candidate: {
        externalId: "2.1_object_addition:101",
        instruction: "Add a red hat",
        task: "object",
        subtask: "addition",
        source: { kind: "bytes", bytes: img(1, 2, 3) },
        edited: { kind: "bytes", bytes: img(9, 9) },
        mask: null,
        scores: { instruction_following: 3, editing_consistency: 2, generation_quality: 1 },
        metadata: {
          edit_task: "2.1_object_addition",
          source_image_width: 640,
          source_image_height: 480,
          edited_image_width: 640,
          edited_image_height: 480,
        },
      },
    });
    expect(b).toMatchObject({ ok: true, candidate: { task: "global", subtask: "style_transfer" } });
    expect(c).toEqual({ ok: false, reason: 'column "instruction_following_score": expected a score from 1 to 3 (Instruction following (IF)), got 4' });
  });
});

describe("Parquet: UnicEdit image structs", () => {
  it("reads {bytes, path} structs as objects and maps bytes before path", async () => {
    const file = await writeParquet(
      "unicedit.parquet",
      [
        { name: "key", data: ["k1", "k1"] },
        { name: "edit_task", data: ["Attribute", "Object"] },
        { name: "edit_subtask", data: ["Color Alteration", "Subject Addition"] },
        { name: "src_image", data: [{ bytes: img(1, 1), path: "a.png" }, { bytes: null, path: "imgs/b.png" }] },
        { name: "edit_image", data: [{ bytes: img(2, 2), path: "a_e.png" }, { bytes: img(3), path: null }] },
        { name: "prompt_cn", data: ["把车变成红色", "加一只猫"] },
        { name: "prompt_en", data: ["Make the car red", "Add a cat"] },
      ],
      {
        schema: [
          { name: "root", num_children: 7 },
          str("key"),
          str("edit_task"),
          str("edit_subtask"),
          ...imageStruct("src_image"),
          ...imageStruct("edit_image"),
          str("prompt_cn"),
          str("prompt_en"),
        ],
      },
    );
    const records = await readAll(file);
    const first = okValues(records[0]);
    expect(first.src_image).toEqual({ bytes: img(1, 1), path: "a.png" });
    expect((first.src_image as { bytes: unknown }).bytes).toBeInstanceOf(Uint8Array);

    const mapping = presetMapping("unicedit", (await readHead(file, "parquet", {}, 0)).columns);
    expect(mapping.dedupe).toBe("externalIdAndImages");
    const [a, b] = records.map((r) => mapRecord(okValues(r), mapping));
    expect(a).toMatchObject({
      ok: true,
      candidate: {
        externalId: "k1",
        instruction: "Make the car red",
        instructionCn: "把车变成红色",
        task: "Attribute",
        subtask: "Color Alteration",
        source: { kind: "bytes", bytes: img(1, 1) },
        edited: { kind: "bytes", bytes: img(2, 2) },
      },
    });
    expect(b).toMatchObject({ ok: true, candidate: { externalId: "k1", source: { kind: "path", path: "imgs/b.png" }, edited: { kind: "bytes" } } });
  });
});

describe("Parquet: OmniEdit list column", () => {
  it("takes the first prompt of the list and keeps the rest in metadata, and maps the four scores", async () => {
    const file = await writeParquet(
      "omniedit.parquet",
      [
        { name: "omni_edit_id", data: ["o-1"] },
        { name: "task", data: ["removal"] },
        { name: "src_img", data: [img(1)] },
        { name: "edited_img", data: [img(2)] },
        { name: "edited_prompt_list", data: [["Remove the dog", "Erase the dog"]] },
        { name: "sc_score_1", data: [9] },
        { name: "sc_score_2", data: [8] },
        { name: "pq_score", data: [7] },
        { name: "o_score", data: [7.5] },
      ],
      {
        schema: [
          { name: "root", num_children: 9 },
          str("omni_edit_id"),
          str("task"),
          opt("src_img", "BYTE_ARRAY"),
          opt("edited_img", "BYTE_ARRAY"),
          { name: "edited_prompt_list", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
          { name: "list", repetition_type: "REPEATED", num_children: 1 },
          str("element"),
          opt("sc_score_1", "INT32"),
          opt("sc_score_2", "INT32"),
          opt("pq_score", "INT32"),
          opt("o_score", "DOUBLE"),
        ],
      },
    );
    const [rec] = await readAll(file);
    expect(okValues(rec).edited_prompt_list).toEqual(["Remove the dog", "Erase the dog"]);
    expect(mapRecord(okValues(rec), PRESETS.omniedit.mapping)).toMatchObject({
      ok: true,
      candidate: {
        externalId: "o-1",
        instruction: "Remove the dog",
        task: "removal",
        scores: { sc_score_1: 9, sc_score_2: 8, pq_score: 7, o_score: 7.5 },
        metadata: { alternative_instructions: ["Erase the dog"] },
      },
    });
  });
});

describe("Parquet: MagicBrush", () => {
  it("joins img_id and turn_index into the id and maps the mask", async () => {
    const file = await writeParquet("magicbrush.parquet", [
      { name: "img_id", data: ["327726", "327726"], type: "STRING" },
      { name: "turn_index", data: [1, 2], type: "INT32" },
      { name: "source_img", data: [img(1), img(2)], type: "BYTE_ARRAY" },
      { name: "mask_img", data: [img(3), img(4)], type: "BYTE_ARRAY" },
      { name: "instruction", data: ["let the man wear a hat", "make the hat blue"], type: "STRING" },
      { name: "target_img", data: [img(5), img(6)], type: "BYTE_ARRAY" },
    ]);
    const results = (await readAll(file)).map((r) => mapRecord(okValues(r), PRESETS.magicbrush.mapping));
    expect(results[0]).toMatchObject({
      ok: true,
      candidate: { externalId: "327726:1", instruction: "let the man wear a hat", mask: { kind: "bytes", bytes: img(3) }, edited: { kind: "bytes", bytes: img(5) } },
    });
    expect(results[1]).toMatchObject({ ok: true, candidate: { externalId: "327726:2" } });
  });
});

describe("Parquet: UltraEdit", () => {
  it("takes idx as the id (told apart by images too); a FreeForm split's null-typed mask and edit_object read as empty", async () => {
    // Arrow writes a column of type null as INT32 with the null logical type (UNKNOWN in parquet.thrift), every value null.
    const nullTyped = (name: string): SchemaElement => opt(name, "INT32", { logical_type: { type: "NULL" } });
    const file = await writeParquet(
      "ultraedit.parquet",
      [
        { name: "idx", data: [7n] },
        { name: "edit_prompt", data: ["turn the sky pink"] },
        { name: "edit_object", data: [null] },
        { name: "source_image", data: [{ bytes: img(1), path: null }] },
        { name: "edited_image", data: [{ bytes: img(2), path: null }] },
        { name: "mask_image", data: [null] },
        { name: "ssim", data: [0.81] },
        { name: "clip_sim_dir", data: [0.22] },
      ],
      {
        schema: [
          { name: "root", num_children: 8 },
          opt("idx", "INT64"),
          str("edit_prompt"),
          nullTyped("edit_object"),
          ...imageStruct("source_image"),
          ...imageStruct("edited_image"),
          nullTyped("mask_image"),
          opt("ssim", "DOUBLE"),
          opt("clip_sim_dir", "DOUBLE"),
        ],
      },
    );
    const { columns, records } = await readHead(file, "parquet", {}, 5);
    const mapping = presetMapping("ultraedit", columns);
    expect(mapping.metadata).toEqual(["edit_object"]);
    expect(mapping.scores).toEqual({ clip_sim_dir: "clip_sim_dir", ssim: "ssim" });
    expect(mapping.dedupe).toBe("externalIdAndImages");
    expect(mapRecord(okValues(records[0]), mapping)).toMatchObject({
      ok: true,
      candidate: { externalId: "7", instruction: "turn the sky pink", mask: null, scores: { ssim: 0.81, clip_sim_dir: 0.22 }, metadata: { edit_object: null } },
    });
  });
});

describe("Parquet: row groups and resuming", () => {
  let file: string;
  beforeAll(async () => {
    file = await writeParquet(
      "groups.parquet",
      [
        { name: "n", data: Array.from({ length: 10 }, (_, i) => i), type: "INT32" },
        { name: "blob", data: Array.from({ length: 10 }, (_, i) => img(i, i, i, i)), type: "BYTE_ARRAY" },
      ],
      { rowGroupSize: 3 },
    );
  });

  it("resumes mid row group with the right locations", async () => {
    const records = await readAll(file, 4);
    expect(records.map((r) => okValues(r).n)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(records[0]!.loc).toEqual({ file: "groups.parquet", index: 4, rowGroup: 1, row: 1 });
    expect(records[2]!.loc).toEqual({ file: "groups.parquet", index: 6, rowGroup: 2, row: 0 });
    expect(records[5]!.loc).toEqual({ file: "groups.parquet", index: 9, rowGroup: 3, row: 0 });
    expect(await readAll(file, 10)).toEqual([]);
  });

  it("skips whole row groups without reading them", async () => {
    // Wreck row group 0's column data: a reader that skips by metadata never notices.
    const bytes = new Uint8Array(await readFile(file));
    const meta = parquetMetadata(bytes);
    for (const chunk of meta.row_groups[0]!.columns) {
      const m = chunk.meta_data!;
      const start = Number(m.dictionary_page_offset ?? m.data_page_offset);
      bytes.fill(0xff, start, start + Number(m.total_compressed_size));
    }
    const broken = path.join(dir, "groups-broken.parquet");
    await writeFile(broken, bytes);

    const records = await readAll(broken, 3);
    expect(records.map((r) => okValues(r).n)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    await expect(readAll(broken, 0)).rejects.toThrow(ImportFileError);
    await expect(readAll(broken, 0)).rejects.toThrow(/row group 0 cannot be read/);
  });

  it("reports progress in bytes up to the end of the file", async () => {
    const stream = readRecords(file, "parquet");
    const seen: number[] = [];
    for await (const r of stream) seen.push(r.loc.index);
    expect(seen).toHaveLength(10);
    expect(stream.bytesRead()).toBe((await readFile(file)).length);
  });
});

describe("Parquet: unreadable files", () => {
  it("refuses a file that is not Parquet", async () => {
    const file = path.join(dir, "fake.parquet");
    await writeFile(file, "id,instruction\n1,hello\n");
    expect(await detectFormat(file)).toBe("parquet");
    await expect(readAll(file)).rejects.toThrow(ImportFileError);
    await expect(readAll(file)).rejects.toThrow('"fake.parquet" is not a readable Parquet file: it does not start with the Parquet signature');
    await expect(countRecords(file, "parquet")).rejects.toThrow(ImportFileError);
  });

  it("refuses a truncated file with a message and no stack", async () => {
    const whole = await writeParquet("whole.parquet", [{ name: "n", data: [1, 2, 3], type: "INT32" }]);
    const bytes = await readFile(whole);
    const file = path.join(dir, "truncated.parquet");
    await writeFile(file, bytes.subarray(0, bytes.length - 20));
    expect(await detectFormat(file)).toBe("parquet");
    const err = await readAll(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFileError);
    expect((err as Error).message).toMatch(/^"truncated.parquet" is not a readable Parquet file: the footer is missing/);
    expect((err as Error).message).not.toMatch(/\n\s+at /);
  });

  it("refuses a corrupt footer", async () => {
    const whole = await writeParquet("whole2.parquet", [{ name: "n", data: [1, 2, 3], type: "INT32" }]);
    const bytes = new Uint8Array(await readFile(whole));
    // Garble the metadata itself but keep the length and the trailing signature.
    const len = new DataView(bytes.buffer).getUint32(bytes.length - 8, true);
    bytes.fill(0xee, bytes.length - 8 - len, bytes.length - 8);
    const file = path.join(dir, "garbled.parquet");
    await writeFile(file, bytes);
    await expect(readAll(file)).rejects.toThrow(/is not a readable Parquet file/);
  });

  it("says when the file does not exist", async () => {
    await expect(readAll(path.join(dir, "nope.parquet"))).rejects.toThrow('File "nope.parquet" was not found.');
    await expect(detectFormat(path.join(dir, "nope.parquet"))).rejects.toThrow(ImportFileError);
  });
});
