import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duckColumns, duckKeyValue, duckRows, sqlPath } from "@/test/support/duckdb";
import { makeContext, makeRow, makeStore, removeExportTemp, type TTestStore } from "@/test/support/export-rows";
import type { TExportImage, TExportRow, TSplit, TWriterContext, TWriterResult } from "../types";
import { LLAMA_FACTORY_DATASETS } from "./trainer-records";
import { TRAINER_FILES, TRL_COLUMNS, openVerifierTrainersWriter, type TKind } from "./trainers";

// verifier-trainers checked against each tool's documented rules. One export of five pairs for all three
// tools, asserted from several tests; a second small one for ms-swift's embedded images.
//
// Sources (the tools' own docs and loader code, read at the versions current in December 2026):
// [LF-README]  LLaMA-Factory data/README.md: dataset_info.json entries (file_name, formatting, ranking,
//              columns, tags), "OpenAI Format" (role/content tags), sharegpt "Preference Dataset" (chosen and
//              rejected are single message objects).
// [LF-CONV]    LLaMA-Factory src/llamafactory/data/converter.py: user turns at even indexes and assistant
//              turns at odd ones, else "Invalid role tag" and the row is skipped; a ranking row needs an odd
//              message count and dict-valued chosen/rejected with an assistant role; image strings are
//              os.path.join(media_dir, image), media_dir defaulting to dataset_dir.
// [LF-MM]      LLaMA-Factory src/llamafactory/data/mm_plugin.py: the number of <image> tokens in the messages
//              must equal the number of images ("The number of images does not match ...").
// [SWIFT]      ms-swift docs/source_en/Customization/Custom-dataset.md: standard keys messages, images,
//              rejected_response (DPO, a string). ms-swift swift/llm/template/vision_utils.py load_file: a
//              relative path opens from the working directory (or ROOT_IMAGE_DIR), `data:(.+?);base64,(.+)` decodes.
// [TRL]        TRL docs/source/dataset_formats.md "Vision datasets": the row holds `images` with the image
//              data, and each message's content is a list of {"type": "image"} / {"type": "text", "text"} parts;
//              "Preference": prompt, chosen, rejected as lists of messages.
// [HF]         datasets Features.from_arrow_schema reads the "huggingface" metadata key; Image storage is
//              struct<bytes: binary, path: string>; a JSON list is a list feature.

type TImg = TExportImage & { bytes: Buffer };
type TMessage = { role: string; content: string };

let store: TTestStore;
let red: TImg, blue: TImg, green: TImg, photo: TImg;
let rows: TExportRow[];
let ctx: TWriterContext;
let result: TWriterResult;

afterAll(removeExportTemp);

beforeAll(async () => {
  store = await makeStore();
  red = await store.put([255, 0, 0]);
  blue = await store.put([0, 0, 255]);
  green = await store.put([0, 255, 0]);
  photo = await store.put([10, 20, 30], { format: "jpeg", width: 8, height: 6 });
  rows = [
    makeRow({ source: red, edited: blue }, { externalId: "acc-train", split: "train" }),
    makeRow({ source: red, edited: green }, { externalId: "recap-val", split: "validation", finalDecision: "recaption", instruction: "Make it blue", finalInstruction: "Make it green" }),
    makeRow({ source: blue, edited: blue }, {
      externalId: "rej-train", split: "train", finalDecision: "reject", subtask: "removal",
      finalReasons: [{ code: "no_visible_edit", label: "No visible edit", dimension: "IF" }],
    }),
    makeRow({ source: photo, edited: red }, { externalId: "recap-train", split: "train", finalDecision: "recaption", instruction: "Put <image> on the wall", finalInstruction: "Hang a framed photo on the wall" }),
    makeRow({ source: photo, edited: green }, { externalId: "acc-val", split: "validation", task: null, subtask: null }),
  ];
  ctx = await makeContext(store, { images: "files" });
  ctx.about = {
    exportId: "7", projectId: 3, projectName: "Shard 0", createdBy: "Ada", createdAt: "2026-12-06T10:00:00.000Z",
    loupeVersion: "0.1.0", filtersText: "all final pairs", filters: {},
  };
  const writer = await openVerifierTrainersWriter(ctx);
  await writer.write(rows.slice(0, 2));
  await writer.write(rows.slice(2));
  result = await writer.finish();
});

const SPLIT_OF = () => new Map(rows.map((r) => [r.externalId, r.split]));
const sftCount = (split: TSplit) => ({ train: 4, validation: 3 })[split];
const dpoCount = 1; // one re-captioned pair on each side

async function jsonl(rel: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(ctx.dir, rel), "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

const tags = (text: string) => text.split("<image>").length - 1;

describe("verifier-trainers", () => {
  it("writes every tool's files, train and validation apart, and counts SFT and DPO samples as records", () => {
    const jsonlFiles = (tool: "llama-factory" | "ms-swift") =>
      (["sft", "dpo"] as const).flatMap((k) => (["train", "validation"] as const).map((s) => TRAINER_FILES.jsonl(tool, k, s)));
    expect(result.files).toEqual([
      ...jsonlFiles("llama-factory"),
      ...jsonlFiles("ms-swift"),
      TRAINER_FILES.trl("sft", "train"), TRAINER_FILES.trl("sft", "validation"), TRAINER_FILES.trlCard("sft"),
      TRAINER_FILES.trl("dpo", "train"), TRAINER_FILES.trl("dpo", "validation"), TRAINER_FILES.trlCard("dpo"),
      "dataset_info.json", "README.md", "images/",
    ]);
    expect(result.dataFile).toBe("llama-factory/sft-train.jsonl");
    expect(result.records).toBe(9);
    expect(result.splits).toEqual({ train: 5, validation: 4 });
  });

  it("LLaMA-Factory: dataset_info.json registers each file as the README prescribes [LF-README]", async () => {
    const info = JSON.parse(await readFile(path.join(ctx.dir, "dataset_info.json"), "utf8")) as Record<string, Record<string, unknown>>;
    const tagsEntry = { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" };
    expect(Object.keys(info).sort()).toEqual([...Object.values(LLAMA_FACTORY_DATASETS.sft), ...Object.values(LLAMA_FACTORY_DATASETS.dpo)].sort());
    expect(info[LLAMA_FACTORY_DATASETS.sft.train]).toEqual({
      file_name: "llama-factory/sft-train.jsonl", formatting: "sharegpt", columns: { messages: "messages", images: "images" }, tags: tagsEntry,
    });
    expect(info[LLAMA_FACTORY_DATASETS.dpo.validation]).toEqual({
      file_name: "llama-factory/dpo-validation.jsonl", formatting: "sharegpt", ranking: true,
      columns: { messages: "messages", chosen: "chosen", rejected: "rejected", images: "images" }, tags: tagsEntry,
    });
    // file_name is relative to dataset_dir, the folder holding dataset_info.json.
    for (const entry of Object.values(info)) expect(existsSync(path.join(ctx.dir, entry.file_name as string))).toBe(true);
  });

  it("LLaMA-Factory: no row the converter would skip, <image> tags match images, images resolve under media_dir [LF-CONV, LF-MM]", async () => {
    const splitOf = SPLIT_OF();
    for (const kind of ["sft", "dpo"] as const) {
      for (const split of ["train", "validation"] as const) {
        const recs = await jsonl(TRAINER_FILES.jsonl("llama-factory", kind, split));
        expect(recs).toHaveLength(kind === "sft" ? sftCount(split) : dpoCount);
        for (const rec of recs) {
          const messages = rec.messages as TMessage[];
          messages.forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? "user" : "assistant"));
          const images = rec.images as string[];
          let text = messages.map((m) => m.content).join("");
          if (kind === "sft") {
            expect(Object.keys(rec).sort()).toEqual(["images", "messages"]);
            expect(messages.length % 2).toBe(0);
          } else {
            expect(Object.keys(rec).sort()).toEqual(["chosen", "images", "messages", "rejected"]);
            expect(messages.length % 2).toBe(1);
            for (const side of [rec.chosen, rec.rejected] as TMessage[]) {
              expect(Array.isArray(side)).toBe(false);
              expect(side).toEqual({ role: "assistant", content: expect.any(String) });
              text += side.content;
            }
            expect((rec.chosen as TMessage).content).not.toBe((rec.rejected as TMessage).content);
          }
          expect(tags(text)).toBe(images.length);
          expect(images).toHaveLength(2);
          for (const image of images) {
            expect(image).not.toMatch(/^data:/);
            expect(existsSync(path.join(ctx.dir, image))).toBe(true);
          }
        }
      }
    }
    // The pipeline's instruction "Put <image> on the wall" is the rejected side: its tag is escaped, not counted.
    const dpoTrain = await jsonl(TRAINER_FILES.jsonl("llama-factory", "dpo", "train"));
    expect(dpoTrain[0]!.rejected).toEqual({ role: "assistant", content: "Put [image] on the wall" });
    expect(dpoTrain[0]!.chosen).toEqual({ role: "assistant", content: "Hang a framed photo on the wall" });
    expect(splitOf.get("recap-train")).toBe("train");
  });

  it("ms-swift: messages + images, DPO with rejected_response as a string, paths from the export folder [SWIFT]", async () => {
    for (const split of ["train", "validation"] as const) {
      const sft = await jsonl(TRAINER_FILES.jsonl("ms-swift", "sft", split));
      expect(sft).toHaveLength(sftCount(split));
      for (const rec of sft) {
        expect(Object.keys(rec).sort()).toEqual(["images", "messages"]);
        const messages = rec.messages as TMessage[];
        expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
        expect(tags(messages[0]!.content)).toBe(2);
        expect(tags(messages[1]!.content)).toBe(0);
        for (const image of rec.images as string[]) expect(existsSync(path.join(ctx.dir, image))).toBe(true);
      }
      const dpo = await jsonl(TRAINER_FILES.jsonl("ms-swift", "dpo", split));
      expect(dpo).toHaveLength(dpoCount);
      for (const rec of dpo) {
        expect(Object.keys(rec).sort()).toEqual(["images", "messages", "rejected_response"]);
        expect(typeof rec.rejected_response).toBe("string");
        const messages = rec.messages as TMessage[];
        expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
        expect(messages[1]!.content).not.toBe(rec.rejected_response);
      }
    }
    const [val] = await jsonl(TRAINER_FILES.jsonl("ms-swift", "dpo", "validation"));
    expect(val).toMatchObject({ messages: [{ role: "user" }, { role: "assistant", content: "Make it green" }], rejected_response: "Make it blue" });
  });

  it("TRL: typed content parts, one image part per embedded image, read back by DuckDB [TRL, HF]", async () => {
    const bytesOf = new Map([red, blue, green, photo].map((i) => [i.sha256, i.bytes.toString("hex").toUpperCase()]));
    const sourceOf = new Map(rows.map((r) => [r.externalId, [bytesOf.get(r.sourceImage.sha256), bytesOf.get(r.editedImage.sha256)]]));
    for (const kind of ["sft", "dpo"] as TKind[]) {
      for (const split of ["train", "validation"] as const) {
        const file = path.join(ctx.dir, TRAINER_FILES.trl(kind, split));
        expect((await duckColumns(file)).map(([name]) => name)).toEqual(TRL_COLUMNS[kind].map((c) => c.name));
        const cols = Object.fromEntries(await duckColumns(file));
        expect(cols.images).toBe("STRUCT(bytes BLOB, path VARCHAR)[]");
        const chat = kind === "sft" ? ["messages"] : ["prompt", "chosen", "rejected"];
        for (const c of chat) expect(cols[c]).toBe('STRUCT("role" VARCHAR, "content" STRUCT("type" VARCHAR, "text" VARCHAR)[])[]');

        const got = await duckRows(
          `SELECT external_id, sample, ${chat.join(", ")}, list_transform(images, x -> hex(x.bytes)) AS image_hex, list_transform(images, x -> x.path) AS image_path FROM ${sqlPath(file)}`,
        );
        expect(got).toHaveLength(kind === "sft" ? sftCount(split) : dpoCount);
        for (const row of got) {
          expect(SPLIT_OF().get(String(row.external_id))).toBe(split);
          expect(row.image_hex).toEqual(sourceOf.get(String(row.external_id)));
          expect((row.image_path as string[]).every((p) => /^[0-9a-f]{64}\.(png|jpg)$/.test(p))).toBe(true);
          const messages = chat.flatMap((c) => row[c] as { role: string; content: { type: string; text: string | null }[] }[]);
          const parts = messages.flatMap((m) => m.content);
          expect(parts.filter((p) => p.type === "image")).toHaveLength(2);
          for (const p of parts) {
            expect(["image", "text"]).toContain(p.type);
            if (p.type === "image") expect(p.text).toBeNull();
            else expect(tags(p.text!)).toBe(0);
          }
          // Image parts open the user turn, in the order of `images`; assistant turns are text only.
          expect(messages[0]!.content.slice(0, 2).map((p) => p.type)).toEqual(["image", "image"]);
          if (kind === "dpo") expect([row.chosen, row.rejected].map((m) => (m as { role: string }[])[0]!.role)).toEqual(["assistant", "assistant"]);
        }
        const hf = JSON.parse((await duckKeyValue(file)).huggingface!) as { info: { features: Record<string, unknown> } };
        expect(Object.keys(hf.info.features)).toEqual(TRL_COLUMNS[kind].map((c) => c.name));
        expect(hf.info.features.images).toEqual([{ _type: "Image" }]);
        const value = { dtype: "string", _type: "Value" };
        expect(hf.info.features[chat[0]!]).toEqual([{ role: value, content: [{ type: value, text: value }] }]);
      }
    }
  });

  it("TRL: each folder's dataset card names its split files and row counts", async () => {
    const card = await readFile(path.join(ctx.dir, TRAINER_FILES.trlCard("dpo")), "utf8");
    expect(card).toMatch(/^---\n/);
    // Block YAML in the Hub's compact style (a sequence at its key's indent).
    expect(card).toContain(
      'configs:\n- config_name: "default"\n  data_files:\n  - split: "train"\n    path: "data/train-00000-of-00001.parquet"\n' +
        '  - split: "validation"\n    path: "data/validation-00000-of-00001.parquet"\n',
    );
    expect(card).toContain('  - name: "images"\n    list: "image"\n');
    expect(card).toContain('  splits:\n  - name: "train"\n    num_examples: 1\n  - name: "validation"\n    num_examples: 1\n---\n');
    expect(card).toContain("Project: Shard 0 (id 3)");
  });

  it("never puts a pair in both splits, in any file of any tool", async () => {
    const seen = new Map<string, Set<TSplit>>();
    for (const split of ["train", "validation"] as const) {
      for (const kind of ["sft", "dpo"] as TKind[]) {
        const got = await duckRows(`SELECT external_id FROM ${sqlPath(path.join(ctx.dir, TRAINER_FILES.trl(kind, split)))}`);
        for (const r of got) seen.set(String(r.external_id), (seen.get(String(r.external_id)) ?? new Set()).add(split));
      }
    }
    expect([...seen.entries()].filter(([, s]) => s.size > 1)).toEqual([]);
    expect(seen).toEqual(new Map(rows.map((r) => [r.externalId, new Set([r.split])])));
  });

  it("ms-swift alone with embedded images: data URLs as load_file decodes them, no images folder, no other tool's files [SWIFT]", async () => {
    const c = await makeContext(store, { images: "embedded", trainers: ["ms-swift"] });
    const writer = await openVerifierTrainersWriter(c);
    await writer.write([rows[0]!, rows[1]!]);
    const r = await writer.finish();
    expect(r.files).toEqual(["ms-swift/sft-train.jsonl", "ms-swift/sft-validation.jsonl", "ms-swift/dpo-validation.jsonl", "README.md"]);
    const [rec] = (await readFile(path.join(c.dir, "ms-swift/sft-train.jsonl"), "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as { images: string[] });
    expect(rec!.images).toEqual([`data:image/png;base64,${red.bytes.toString("base64")}`, `data:image/png;base64,${blue.bytes.toString("base64")}`]);
    expect(existsSync(path.join(c.dir, "images"))).toBe(false);
  });
});
