import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INJECTION_PAYLOADS, makeContext, removeExportTemp, makeRow, makeStore, type TTestStore } from "@/test/support/export-rows";
import type { TExportImage, TExportRow } from "../types";
import { openGoldCsvWriter, openGoldJsonlWriter } from "./gold";
import { GOLD_COLUMNS, ZGoldRecord, type TGoldRecord } from "./schemas";

type TImg = TExportImage & { bytes: Buffer };

let store: TTestStore;
let red: TImg, blue: TImg, green: TImg, gray: TImg, mask: TImg, photo: TImg;

afterAll(removeExportTemp);

beforeAll(async () => {
  store = await makeStore();
  red = await store.put([255, 0, 0]);
  blue = await store.put([0, 0, 255]);
  green = await store.put([0, 255, 0]);
  gray = await store.put([128, 128, 128]);
  mask = await store.put([255, 255, 255], { width: 4, height: 3 });
  photo = await store.put([10, 20, 30], { format: "jpeg", width: 8, height: 6 });
});

/** Accept (train), recaption (validation, same source, with a mask), reject (its own source), accept (train, JPEG source, red edit). */
function mixedRows(): TExportRow[] {
  return [
    makeRow({ source: red, edited: blue }, { split: "train" }),
    makeRow({ source: red, edited: green, mask }, { split: "validation", finalDecision: "recaption", instruction: "Make it blue", finalInstruction: "Make it green" }),
    makeRow({ source: gray, edited: green }, { split: "train", finalDecision: "reject", finalReasons: [{ code: "artifacts", label: "Artifacts", dimension: "VQ" }] }),
    makeRow({ source: photo, edited: red }, { split: "train", isGold: true }),
  ];
}

const readLines = async (file: string) => (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");

describe("gold-jsonl", () => {
  it("writes accepted and re-captioned pairs with their final instruction and split, copying each image once", async () => {
    const ctx = await makeContext(store);
    const rows = mixedRows();
    const writer = await openGoldJsonlWriter(ctx);
    await writer.write(rows.slice(0, 2));
    await writer.write(rows.slice(2));
    const result = await writer.finish();

    expect(result).toEqual({ dataFile: "export-1-test.jsonl", files: ["export-1-test.jsonl", "images/"], records: 3, splits: { train: 2, validation: 1 } });
    const records = (await readLines(path.join(ctx.dir, result.dataFile))).map((l) => ZGoldRecord.parse(JSON.parse(l)));
    expect(records.map((r) => r.pair_id)).toEqual([rows[0]!.pairId, rows[1]!.pairId, rows[3]!.pairId]);
    expect(records.map((r) => r.split)).toEqual(["train", "validation", "train"]);
    expect(records[1]).toMatchObject({ instruction: "Make it green", original_instruction: "Make it blue", final_decision: "recaption", mask_sha256: mask.sha256 });
    expect(records[2]).toMatchObject({ final_decision: "accept", is_gold: true, source_image: `images/${photo.sha256}.jpg`, source_width: 8, source_height: 6 });
    expect(records[0]!.mask_image).toBeNull();

    // red is the source of two pairs and the edit of a third: one file. gray appears only in the reject.
    const copied = (await readdir(path.join(ctx.dir, "images"))).sort();
    expect(copied).toEqual([red, blue, green, mask, photo].map((i) => `${i.sha256}.${i.mime === "image/png" ? "png" : "jpg"}`).sort());
    for (const rec of records) {
      for (const [ref, sha] of [[rec.source_image, rec.source_sha256], [rec.edited_image, rec.edited_sha256], [rec.mask_image, rec.mask_sha256]] as const) {
        if (ref === null) continue;
        const original = [red, blue, green, mask, photo].find((i) => i.sha256 === sha)!;
        expect(await readFile(path.join(ctx.dir, ref))).toEqual(original.bytes);
      }
    }
  });

  it("keeps every string byte for byte, injection payloads included", async () => {
    const ctx = await makeContext(store);
    const rows = INJECTION_PAYLOADS.map((p) => makeRow({ source: red, edited: blue }, { instruction: p, finalInstruction: p, externalId: p, subtask: p }));
    const writer = await openGoldJsonlWriter(ctx);
    await writer.write(rows);
    const result = await writer.finish();
    expect(result.records).toBe(INJECTION_PAYLOADS.length);
    const text = await readFile(path.join(ctx.dir, result.dataFile), "utf8");
    const records = text.split("\n").filter((l) => l !== "").map((l) => ZGoldRecord.parse(JSON.parse(l)));
    expect(records.map((r) => r.instruction)).toEqual(INJECTION_PAYLOADS);
    expect(records.map((r) => r.external_id)).toEqual(INJECTION_PAYLOADS);
    expect(records.map((r) => r.subtask)).toEqual(INJECTION_PAYLOADS);
    // Non-ASCII text is written as UTF-8, not as \u escapes.
    expect(text).toContain("把杯子变成蓝色 🙂");
  });

  it("embeds images as data URLs of the original bytes when asked, with no images folder", async () => {
    const ctx = await makeContext(store, { images: "embedded" });
    const writer = await openGoldJsonlWriter(ctx);
    await writer.write(mixedRows());
    const result = await writer.finish();
    expect(result.files).toEqual([result.dataFile]);
    expect(await readdir(ctx.dir)).toEqual([result.dataFile]);
    const records = (await readLines(path.join(ctx.dir, result.dataFile))).map((l) => ZGoldRecord.parse(JSON.parse(l)));
    const decode = (url: string) => Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
    expect(records[1]!.source_image.startsWith("data:image/png;base64,")).toBe(true);
    expect(decode(records[1]!.source_image)).toEqual(red.bytes);
    expect(decode(records[1]!.mask_image!)).toEqual(mask.bytes);
    expect(records[2]!.source_image.startsWith("data:image/jpeg;base64,")).toBe(true);
    expect(decode(records[2]!.source_image)).toEqual(photo.bytes);
  });

  it("finishes an export nothing qualified for with an empty data file", async () => {
    const ctx = await makeContext(store);
    const writer = await openGoldJsonlWriter(ctx);
    await writer.write([makeRow({ source: red, edited: blue }, { finalDecision: "reject" })]);
    const result = await writer.finish();
    expect(result).toEqual({ dataFile: "export-1-test.jsonl", files: ["export-1-test.jsonl"], records: 0, splits: { train: 0, validation: 0 } });
    expect(await readFile(path.join(ctx.dir, result.dataFile), "utf8")).toBe("");
  });
});

describe("gold-csv", () => {
  const parseCsv = (text: string) => parse(text, { columns: true, relax_column_count: false }) as Record<string, string>[];

  it("writes a header and one row per gold pair, images as files whatever the option", async () => {
    const ctx = await makeContext(store, { images: "embedded" });
    const writer = await openGoldCsvWriter(ctx);
    await writer.write(mixedRows());
    const result = await writer.finish();
    expect(result).toEqual({ dataFile: "export-1-test.csv", files: ["export-1-test.csv", "images/"], records: 3, splits: { train: 2, validation: 1 } });

    const text = await readFile(path.join(ctx.dir, result.dataFile), "utf8");
    expect(text.startsWith(`${GOLD_COLUMNS.join(",")}\r\n`)).toBe(true);
    const rows = parseCsv(text);
    expect(rows.map((r) => r.split)).toEqual(["train", "validation", "train"]);
    expect(rows.map((r) => r.final_decision)).toEqual(["accept", "recaption", "accept"]);
    expect(rows[1]).toMatchObject({ instruction: "Make it green", original_instruction: "Make it blue", is_gold: "false", mask_sha256: mask.sha256 });
    expect(rows[0]).toMatchObject({ mask_image: "", mask_sha256: "" });
    expect(rows[2]).toMatchObject({ is_gold: "true", source_width: "8", edited_height: "3" });
    for (const row of rows) {
      expect(await readFile(path.join(ctx.dir, row.source_image!))).toEqual([red, photo].find((i) => i.sha256 === row.source_sha256)!.bytes);
      expect((await readFile(path.join(ctx.dir, row.edited_image!))).length).toBeGreaterThan(0);
    }
  });

  it("neutralises formula cells with one apostrophe and keeps every other cell exact", async () => {
    const ctx = await makeContext(store);
    const rows = INJECTION_PAYLOADS.map((p, i) =>
      makeRow({ source: red, edited: blue }, { instruction: `orig ${i}`, finalInstruction: p, finalDecision: "recaption", externalId: p, task: p, split: i % 2 ? "validation" : "train" }),
    );
    const writer = await openGoldCsvWriter(ctx);
    await writer.write(rows);
    const result = await writer.finish();
    expect(result.splits).toEqual({ train: Math.ceil(INJECTION_PAYLOADS.length / 2), validation: Math.floor(INJECTION_PAYLOADS.length / 2) });

    const parsed = parseCsv(await readFile(path.join(ctx.dir, result.dataFile), "utf8"));
    expect(parsed).toHaveLength(INJECTION_PAYLOADS.length);
    INJECTION_PAYLOADS.forEach((payload, i) => {
      const expected = /^[=+\-@\t\r]/.test(payload) ? `'${payload}` : payload;
      expect(parsed[i]!.instruction).toBe(expected);
      expect(parsed[i]!.external_id).toBe(expected);
      expect(parsed[i]!.task).toBe(expected);
      expect(parsed[i]!.original_instruction).toBe(`orig ${i}`);
    });
    for (const rec of parsed) for (const cell of Object.values(rec)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("leaves the JSONL of the same rows byte-exact where the CSV neutralised", async () => {
    const rows = ["=1+1", "-1"].map((p) => makeRow({ source: red, edited: blue }, { finalInstruction: p }));
    const csvCtx = await makeContext(store);
    const jsonCtx = await makeContext(store);
    const csv = await openGoldCsvWriter(csvCtx);
    const jsonl = await openGoldJsonlWriter(jsonCtx);
    await csv.write(rows);
    await jsonl.write(rows);
    const csvRows = parseCsv(await readFile(path.join(csvCtx.dir, (await csv.finish()).dataFile), "utf8"));
    const jsonRows = (await readLines(path.join(jsonCtx.dir, (await jsonl.finish()).dataFile))).map((l) => JSON.parse(l) as TGoldRecord);
    expect(csvRows.map((r) => r.instruction)).toEqual(["'=1+1", "'-1"]);
    expect(jsonRows.map((r) => r.instruction)).toEqual(["=1+1", "-1"]);
  });
});
