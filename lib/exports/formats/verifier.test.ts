import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeContext, makeRow, removeExportTemp, makeStore, type TTestStore } from "@/test/support/export-rows";
import type { TExportImage, TExportReason, TExportRow } from "../types";
import { ZFailureAnswer, ZVerifierPreferenceRecord, ZVerifierSftRecord, type TVerifierSftRecord } from "./schemas";
import { openVerifierPreferenceWriter, openVerifierSftWriter } from "./verifier";
import { RECAPTION_PROMPT, failureAnswer, failureDetectionPrompt } from "./verifier-prompts";

type TImg = TExportImage & { bytes: Buffer };

let store: TTestStore;
let red: TImg, blue: TImg, green: TImg, mask: TImg;

afterAll(removeExportTemp);

beforeAll(async () => {
  store = await makeStore();
  red = await store.put([255, 0, 0]);
  blue = await store.put([0, 0, 255]);
  green = await store.put([0, 255, 0]);
  mask = await store.put([255, 255, 255]);
});

const reason = (code: string, dimension: string | null): TExportReason => ({ code, label: code, dimension });

/** accept, reject (defect), reject (no edit), recaption, a recaption identical to the original. */
function mixedRows(): TExportRow[] {
  return [
    makeRow({ source: red, edited: blue, mask }, { split: "train", instruction: "Make the cup blue" }),
    makeRow({ source: red, edited: green }, { split: "validation", finalDecision: "reject", finalReasons: [reason("artifacts", "VQ"), reason("extra_change", "NC")] }),
    makeRow({ source: blue, edited: blue }, { split: "train", finalDecision: "reject", finalReasons: [reason("no_visible_edit", "IF"), reason("gone", null)] }),
    makeRow({ source: green, edited: red }, { split: "validation", finalDecision: "recaption", instruction: "Make it blue", finalInstruction: "Make it red" }),
    makeRow({ source: green, edited: blue }, { split: "train", finalDecision: "recaption", instruction: "Same words", finalInstruction: " Same  words" }),
  ];
}

const readLines = async (file: string) => (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");

describe("failure answers", () => {
  it("map decisions and reasons to a valid flag, a class and the reasons with their dimensions", () => {
    const texts = { instruction: "Make it blue", finalInstruction: "Make it blue" };
    expect(failureAnswer({ ...texts, finalDecision: "accept", finalReasons: [] })).toEqual({ valid: true, failure_class: "Normal", reasons: [] });
    expect(failureAnswer({ ...texts, finalDecision: "recaption", finalReasons: [], finalInstruction: "Make it red" })).toEqual({ valid: false, failure_class: "Hallucination", reasons: [] });
    expect(failureAnswer({ ...texts, finalDecision: "recaption", finalReasons: [], finalInstruction: "Make it  blue " })).toEqual({ valid: true, failure_class: "Normal", reasons: [] });
    expect(failureAnswer({ ...texts, finalDecision: "reject", finalReasons: [reason("artifacts", "VQ")] })).toEqual({ valid: false, failure_class: "Defect", reasons: [{ code: "artifacts", dimension: "VQ" }] });
    expect(failureAnswer({ ...texts, finalDecision: "reject", finalReasons: [reason("wrong_object", "IF"), reason("hallucinated", "IF")] }).failure_class).toBe("Hallucination");
    expect(failureAnswer({ ...texts, finalDecision: "reject", finalReasons: [reason("hallucinated", "IF"), reason("no_visible_edit", "IF")] }).failure_class).toBe("No Edit");
    expect(failureAnswer({ ...texts, finalDecision: "reject", finalReasons: [] })).toEqual({ valid: false, failure_class: "Defect", reasons: [] });
  });
});

describe("verifier-sft", () => {
  it("writes a failure-detection sample per pair and a re-caption sample per re-captioned pair", async () => {
    const ctx = await makeContext(store);
    const rows = mixedRows();
    const writer = await openVerifierSftWriter(ctx);
    await writer.write(rows.slice(0, 3));
    await writer.write(rows.slice(3));
    const result = await writer.finish();
    expect(result).toEqual({ dataFile: "export-1-test.jsonl", files: ["export-1-test.jsonl", "images/"], records: 6, splits: { train: 3, validation: 3 } });

    const records = (await readLines(path.join(ctx.dir, result.dataFile))).map((l) => ZVerifierSftRecord.parse(JSON.parse(l)));
    expect(records.map((r) => [r.pair_id, r.task, r.split])).toEqual([
      [rows[0]!.pairId, "failure_detection", "train"],
      [rows[1]!.pairId, "failure_detection", "validation"],
      [rows[2]!.pairId, "failure_detection", "train"],
      [rows[3]!.pairId, "failure_detection", "validation"],
      [rows[3]!.pairId, "recaption", "validation"],
      [rows[4]!.pairId, "failure_detection", "train"],
    ]);
    const answers = records.filter((r) => r.task === "failure_detection").map((r) => ZFailureAnswer.parse(JSON.parse(r.messages[1].content)));
    expect(answers).toEqual([
      { valid: true, failure_class: "Normal", reasons: [] },
      { valid: false, failure_class: "Defect", reasons: [{ code: "artifacts", dimension: "VQ" }, { code: "extra_change", dimension: "NC" }] },
      { valid: false, failure_class: "No Edit", reasons: [{ code: "no_visible_edit", dimension: "IF" }, { code: "gone", dimension: null }] },
      { valid: false, failure_class: "Hallucination", reasons: [] },
      // A re-caption that kept the wording confirms the instruction.
      { valid: true, failure_class: "Normal", reasons: [] },
    ]);
    // The verifier is asked about the pipeline's instruction; the re-caption sample answers with the people's.
    expect(records[0]!.messages[0].content).toBe(failureDetectionPrompt("Make the cup blue"));
    expect(records[3]!.messages[0].content.endsWith("Instruction: Make it blue")).toBe(true);
    expect(records[4]!.messages).toEqual([
      { role: "user", content: RECAPTION_PROMPT },
      { role: "assistant", content: "Make it red" },
    ]);
    expect(records[0]).toMatchObject({ external_id: rows[0]!.externalId, edit_task: "attribute", edit_subtask: "color" });

    // Source then edited, never the mask; each image copied once and each path resolving to its bytes.
    expect(records[0]!.images).toEqual([`images/${red.sha256}.png`, `images/${blue.sha256}.png`]);
    expect((await readdir(path.join(ctx.dir, "images"))).sort()).toEqual([red, blue, green].map((i) => `${i.sha256}.png`).sort());
    for (const rec of records) {
      for (const [i, ref] of rec.images.entries()) {
        const row = rows.find((r) => r.pairId === rec.pair_id)!;
        const sha = i === 0 ? row.sourceImage.sha256 : row.editedImage.sha256;
        expect(await readFile(path.join(ctx.dir, ref))).toEqual([red, blue, green].find((img) => img.sha256 === sha)!.bytes);
      }
    }
  });

  it("keeps the image placeholders the images list's length when instructions contain tags of their own", async () => {
    const ctx = await makeContext(store);
    const writer = await openVerifierSftWriter(ctx);
    await writer.write([makeRow({ source: red, edited: blue }, { instruction: "Put <image> on the wall", finalDecision: "recaption", finalInstruction: "Put a <video> frame on the wall" })]);
    const result = await writer.finish();
    const records = (await readLines(path.join(ctx.dir, result.dataFile))).map((l) => ZVerifierSftRecord.parse(JSON.parse(l)) as TVerifierSftRecord);
    expect(records[0]!.messages[0].content.endsWith("Instruction: Put [image] on the wall")).toBe(true);
    expect(records[1]!.messages[1].content).toBe("Put a [video] frame on the wall");
  });

  it("rejects lines whose placeholders or answers are off", () => {
    const good = {
      task: "failure_detection",
      pair_id: "1",
      external_id: "e",
      split: "train",
      edit_task: null,
      edit_subtask: null,
      images: [`images/${red.sha256}.png`, `images/${blue.sha256}.png`],
      messages: [
        { role: "user", content: failureDetectionPrompt("x") },
        { role: "assistant", content: '{"valid":true,"failure_class":"Normal","reasons":[]}' },
      ],
    };
    expect(ZVerifierSftRecord.safeParse(good).success).toBe(true);
    const withAnswer = (content: string) => ({ ...good, messages: [good.messages[0], { role: "assistant", content }] });
    expect(ZVerifierSftRecord.safeParse(withAnswer('{"valid":true,"failure_class":"Defect","reasons":[]}')).success).toBe(false);
    expect(ZVerifierSftRecord.safeParse(withAnswer("valid")).success).toBe(false);
    expect(ZVerifierSftRecord.safeParse({ ...good, messages: [{ role: "user", content: "<image>one tag" }, good.messages[1]] }).success).toBe(false);
    expect(ZVerifierSftRecord.safeParse({ ...good, images: ["../etc/passwd", good.images[1]] }).success).toBe(false);
  });

  it("embeds images as data URLs of the original bytes when asked", async () => {
    const ctx = await makeContext(store, { images: "embedded" });
    const writer = await openVerifierSftWriter(ctx);
    await writer.write(mixedRows().slice(0, 1));
    const result = await writer.finish();
    expect(result.files).toEqual([result.dataFile]);
    const [rec] = (await readLines(path.join(ctx.dir, result.dataFile))).map((l) => ZVerifierSftRecord.parse(JSON.parse(l)));
    const decode = (url: string) => Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
    expect(rec!.images[0].startsWith("data:image/png;base64,")).toBe(true);
    expect(decode(rec!.images[0])).toEqual(red.bytes);
    expect(decode(rec!.images[1])).toEqual(blue.bytes);
  });
});

describe("verifier-preference", () => {
  it("pairs the human re-caption (chosen) with the pipeline's instruction (rejected), re-captioned pairs only", async () => {
    const ctx = await makeContext(store);
    const rows = mixedRows();
    const writer = await openVerifierPreferenceWriter(ctx);
    await writer.write(rows);
    const result = await writer.finish();
    // The accept, both rejects and the re-caption that changed nothing give no pair.
    expect(result).toEqual({ dataFile: "export-1-test.jsonl", files: ["export-1-test.jsonl", "images/"], records: 1, splits: { train: 0, validation: 1 } });
    const [rec] = (await readLines(path.join(ctx.dir, result.dataFile))).map((l) => ZVerifierPreferenceRecord.parse(JSON.parse(l)));
    expect(rec).toEqual({
      task: "recaption_preference",
      pair_id: rows[3]!.pairId,
      external_id: rows[3]!.externalId,
      split: "validation",
      edit_task: "attribute",
      edit_subtask: "color",
      images: [`images/${green.sha256}.png`, `images/${red.sha256}.png`],
      prompt: [{ role: "user", content: RECAPTION_PROMPT }],
      chosen: [{ role: "assistant", content: "Make it red" }],
      rejected: [{ role: "assistant", content: "Make it blue" }],
    });
    for (const ref of rec!.images) expect((await readFile(path.join(ctx.dir, ref))).length).toBeGreaterThan(0);
  });

  it("writes an empty file, and no images folder, when nothing was re-captioned", async () => {
    const ctx = await makeContext(store, { images: "embedded" });
    const writer = await openVerifierPreferenceWriter(ctx);
    await writer.write(mixedRows().slice(0, 3));
    const result = await writer.finish();
    expect(result).toEqual({ dataFile: "export-1-test.jsonl", files: ["export-1-test.jsonl"], records: 0, splits: { train: 0, validation: 0 } });
    expect(await readdir(ctx.dir)).toEqual(["export-1-test.jsonl"]);
  });
});
