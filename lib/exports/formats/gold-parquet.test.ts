import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeContext, makeRow, removeExportTemp, makeStore, type TTestStore } from "@/test/support/export-rows";
import type { TExportImage, TExportRow } from "../types";
import { duckColumns, duckKeyValue, duckRows, sqlPath } from "@/test/support/duckdb";
import { GOLD_CARD, ROW_GROUP_ROWS, SPLIT_FILES, goldCardFeatures, openGoldParquetWriter } from "./gold-parquet";
import { GOLD_COLUMNS } from "./schemas";

type TImg = TExportImage & { bytes: Buffer };
type TImageCell = { bytes: Uint8Array | null; path: string } | undefined;

let store: TTestStore;
let red: TImg, blue: TImg, green: TImg, gray: TImg, mask: TImg, photo: TImg;

afterAll(removeExportTemp);

beforeAll(async () => {
  store = await makeStore();
  red = await store.put([255, 0, 0]);
  blue = await store.put([0, 0, 255]);
  green = await store.put([0, 255, 0]);
  gray = await store.put([128, 128, 128]);
  mask = await store.put([255, 255, 255]);
  photo = await store.put([10, 20, 30], { format: "jpeg", width: 8, height: 6 });
});

function mixedRows(): TExportRow[] {
  return [
    makeRow({ source: red, edited: blue }, { split: "train" }),
    makeRow({ source: red, edited: green, mask }, { split: "validation", finalDecision: "recaption", instruction: "Make it blue", finalInstruction: "=Make it green" }),
    makeRow({ source: gray, edited: green }, { split: "train", finalDecision: "reject" }),
    makeRow({ source: photo, edited: red }, { split: "train", isGold: true, task: null, subtask: null }),
  ];
}

async function readParquet(file: string) {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  // utf8: false keeps the image bytes as bytes; UTF8-annotated columns still come back as strings.
  const rows = (await parquetReadObjects({ file: buffer, utf8: false })) as Record<string, unknown>[];
  return { metadata, rows };
}

describe("gold-parquet", () => {
  it("writes one Hugging Face split file per split, image paths resolving to copies made once", async () => {
    const ctx = await makeContext(store);
    const rows = mixedRows();
    const writer = await openGoldParquetWriter(ctx);
    await writer.write(rows.slice(0, 1));
    await writer.write(rows.slice(1));
    const result = await writer.finish();
    expect(result).toEqual({ dataFile: SPLIT_FILES.train, files: [SPLIT_FILES.train, SPLIT_FILES.validation, "README.md", "images/"], records: 3, splits: { train: 2, validation: 1 } });
    expect(SPLIT_FILES).toEqual({ train: "data/train-00000-of-00001.parquet", validation: "data/validation-00000-of-00001.parquet" });

    const train = await readParquet(path.join(ctx.dir, SPLIT_FILES.train));
    const validation = await readParquet(path.join(ctx.dir, SPLIT_FILES.validation));
    expect(train.metadata.num_rows).toBe(2n);
    expect(validation.metadata.num_rows).toBe(1n);
    expect(Object.keys(train.rows[0]!)).toEqual(GOLD_COLUMNS);
    expect(train.rows.map((r) => r.split)).toEqual(["train", "train"]);
    expect(validation.rows.map((r) => r.split)).toEqual(["validation"]);
    expect(train.rows.map((r) => r.pair_id)).toEqual([rows[0]!.pairId, rows[3]!.pairId]);
    expect(train.rows[1]).toMatchObject({ is_gold: true, task: null, subtask: null, source_width: 8, source_height: 6, final_decision: "accept" });
    // Strings stay exact in Parquet (only the CSV neutralises).
    expect(validation.rows[0]).toMatchObject({ instruction: "=Make it green", original_instruction: "Make it blue", final_decision: "recaption", mask_sha256: mask.sha256 });

    const all = [...train.rows, ...validation.rows];
    const originals = [red, blue, green, mask, photo];
    for (const row of all) {
      for (const col of ["source_image", "edited_image", "mask_image"] as const) {
        const cell = row[col] as TImageCell;
        if (col === "mask_image" && row.mask_sha256 === null) {
          expect(cell ?? null).toBeNull();
          continue;
        }
        expect(cell!.bytes).toBeNull();
        const sha = row[col.replace("_image", "_sha256")] as string;
        expect(cell!.path).toBe(`images/${sha}.${sha === photo.sha256 ? "jpg" : "png"}`);
        expect(await readFile(path.join(ctx.dir, cell!.path))).toEqual(originals.find((i) => i.sha256 === sha)!.bytes);
      }
    }
    expect((await readdir(path.join(ctx.dir, "images"))).length).toBe(5);
  });

  it("embeds the image bytes in the Hugging Face Image layout when asked", async () => {
    const ctx = await makeContext(store, { images: "embedded" });
    const writer = await openGoldParquetWriter(ctx);
    await writer.write(mixedRows());
    const result = await writer.finish();
    expect(result.files).toEqual([SPLIT_FILES.train, SPLIT_FILES.validation, "README.md"]);
    expect((await readdir(ctx.dir)).sort()).toEqual(["README.md", "data"]);

    const { rows } = await readParquet(path.join(ctx.dir, SPLIT_FILES.validation));
    const source = rows[0]!.source_image as TImageCell;
    expect(source!.path).toBe(`${red.sha256}.png`);
    expect(Buffer.from(source!.bytes!)).toEqual(red.bytes);
    expect(Buffer.from((rows[0]!.mask_image as TImageCell)!.bytes!)).toEqual(mask.bytes);
    const train = await readParquet(path.join(ctx.dir, SPLIT_FILES.train));
    expect(Buffer.from((train.rows[1]!.source_image as TImageCell)!.bytes!)).toEqual(photo.bytes);
  });

  it("declares the columns to datasets: image columns as Image, their storage struct {bytes, path}", async () => {
    const ctx = await makeContext(store);
    const writer = await openGoldParquetWriter(ctx);
    await writer.write(mixedRows());
    await writer.finish();
    const { metadata } = await readParquet(path.join(ctx.dir, SPLIT_FILES.train));
    const hf = JSON.parse(metadata.key_value_metadata!.find((kv) => kv.key === "huggingface")!.value!) as { info: { features: Record<string, { _type: string; dtype?: string }> } };
    expect(Object.keys(hf.info.features)).toEqual(GOLD_COLUMNS);
    expect(hf.info.features.source_image).toEqual({ _type: "Image" });
    expect(hf.info.features.mask_image).toEqual({ _type: "Image" });
    expect(hf.info.features.instruction).toEqual({ dtype: "string", _type: "Value" });
    expect(hf.info.features.is_gold).toEqual({ dtype: "bool", _type: "Value" });
    expect(hf.info.features.source_width).toEqual({ dtype: "int32", _type: "Value" });

    // datasets only applies the metadata when the Arrow types match the Image storage exactly.
    const tree = parquetSchema(metadata);
    const image = tree.children.find((c) => c.element.name === "source_image")!;
    expect(image.element.repetition_type).toBe("OPTIONAL");
    expect(image.children.map((c) => [c.element.name, c.element.type, c.element.converted_type ?? null, c.element.repetition_type])).toEqual([
      ["bytes", "BYTE_ARRAY", null, "OPTIONAL"],
      ["path", "BYTE_ARRAY", "UTF8", "OPTIONAL"],
    ]);
    expect(tree.children.every((c) => c.element.repetition_type === "OPTIONAL")).toBe(true);
  });

  it("reads back in DuckDB, an independent reader, as a datasets folder with its dataset card", async () => {
    const ctx = await makeContext(store, { images: "embedded" });
    ctx.about = {
      exportId: "12", projectId: 4, projectName: "ScaleEdit | shard 0", createdBy: null, createdAt: "2026-12-06T10:00:00.000Z",
      loupeVersion: "0.1.0", filtersText: "decision accept or recaption; subtasks color", filters: { decisions: ["accept", "recaption"] },
    };
    const writer = await openGoldParquetWriter(ctx);
    await writer.write(mixedRows());
    await writer.finish();
    const train = path.join(ctx.dir, SPLIT_FILES.train);
    const cols = Object.fromEntries(await duckColumns(train));
    expect(Object.keys(cols)).toEqual(GOLD_COLUMNS);
    expect(cols.source_image).toBe("STRUCT(bytes BLOB, path VARCHAR)");
    expect(cols.is_gold).toBe("BOOLEAN");
    expect(cols.source_width).toBe("INTEGER");
    const got = await duckRows(`SELECT external_id, hex(source_image.bytes) AS source, source_image.path AS path, mask_image FROM ${sqlPath(train)} ORDER BY pair_id::int`);
    expect(got.map((r) => r.source)).toEqual([red.bytes.toString("hex").toUpperCase(), photo.bytes.toString("hex").toUpperCase()]);
    expect(got[1]!.path).toBe(`${photo.sha256}.jpg`);
    expect(got.map((r) => r.mask_image)).toEqual([null, null]);
    expect(JSON.parse((await duckKeyValue(train)).huggingface!).info.features.edited_image).toEqual({ _type: "Image" });

    // The card: YAML configs and features the Hub reads, then counts, filters and provenance for people.
    const card = await readFile(path.join(ctx.dir, GOLD_CARD), "utf8");
    expect(card).toContain(
      'configs:\n- config_name: "default"\n  data_files:\n  - split: "train"\n    path: "data/train-00000-of-00001.parquet"\n' +
        '  - split: "validation"\n    path: "data/validation-00000-of-00001.parquet"\n',
    );
    for (const f of goldCardFeatures()) expect(card).toContain(`  - name: "${f.name}"\n    dtype: "${f.dtype}"\n`);
    expect(goldCardFeatures().filter((f) => f.dtype === "image").map((f) => f.name)).toEqual(["source_image", "edited_image", "mask_image"]);
    expect(card).toContain('  splits:\n  - name: "train"\n    num_examples: 2\n  - name: "validation"\n    num_examples: 1\n---\n');
    expect(card).toContain("| subtask | train | validation |\n|---|---:|---:|\n| (none) | 1 | 0 |\n| color | 1 | 1 |\n| **all** | 2 | 1 |");
    expect(card).toContain("Filters: decision accept or recaption; subtasks color.");
    expect(card).toContain('As JSON: `{"decisions":["accept","recaption"]}`');
    expect(card).toContain("Project: ScaleEdit \\| shard 0 (id 4).");
    expect(card).toContain("export 12, created 2026-12-06T10:00:00.000Z.");
    expect(card).toContain("Images are embedded");
  });

  it("writes row groups as they fill rather than holding the split", async () => {
    const ctx = await makeContext(store);
    const writer = await openGoldParquetWriter(ctx);
    const total = ROW_GROUP_ROWS * 2 + 5;
    for (let start = 0; start < total; start += 1000) {
      const page = Array.from({ length: Math.min(1000, total - start) }, () => makeRow({ source: red, edited: blue }, { split: "train" }));
      await writer.write(page);
    }
    const result = await writer.finish();
    expect(result.records).toBe(total);
    expect(result.files).toEqual([SPLIT_FILES.train, "README.md", "images/"]);
    const { metadata, rows } = await readParquet(path.join(ctx.dir, SPLIT_FILES.train));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([ROW_GROUP_ROWS, ROW_GROUP_ROWS, 5]);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.pair_id)).size).toBe(total);
  });

  it("writes an empty train split when no pair qualified", async () => {
    const ctx = await makeContext(store);
    const writer = await openGoldParquetWriter(ctx);
    await writer.write([makeRow({ source: red, edited: blue }, { finalDecision: "reject", split: "validation" })]);
    const result = await writer.finish();
    expect(result).toEqual({ dataFile: SPLIT_FILES.train, files: [SPLIT_FILES.train, "README.md"], records: 0, splits: { train: 0, validation: 0 } });
    const { metadata, rows } = await readParquet(path.join(ctx.dir, SPLIT_FILES.train));
    expect(metadata.num_rows).toBe(0n);
    expect(rows).toEqual([]);
  });

  it("names the validation file the data file when only validation pairs qualified", async () => {
    const ctx = await makeContext(store);
    const writer = await openGoldParquetWriter(ctx);
    await writer.write([makeRow({ source: red, edited: blue }, { split: "validation" })]);
    const result = await writer.finish();
    expect(result).toMatchObject({ dataFile: SPLIT_FILES.validation, files: [SPLIT_FILES.validation, "README.md", "images/"], splits: { train: 0, validation: 1 } });
  });

  it("closes its files on abort", async () => {
    const ctx = await makeContext(store);
    const writer = await openGoldParquetWriter(ctx);
    await writer.write(mixedRows());
    await writer.abort();
    expect((await readdir(path.join(ctx.dir, "data"))).sort()).toEqual(["train-00000-of-00001.parquet", "validation-00000-of-00001.parquet"]);
  });
});
