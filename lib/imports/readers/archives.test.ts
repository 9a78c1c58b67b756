import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberOffset, tarBytes, writeParts } from "@/test/support/archive-fixtures";
import { detectFormat, readHead, readRecords } from "../sources";
import type { TRawRecord } from "../types";
import { ImportFileError } from "./errors";
import { groupParts, partOf } from "./parts";
import { readTar } from "./tar";
import type { TReadOptions } from "./stream";
import { sampleKey } from "./webdataset";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loupe-archives-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(file: string, format: "json" | "webdataset", opts: TReadOptions = {}): Promise<TRawRecord[]> {
  const out: TRawRecord[] = [];
  for await (const r of readRecords(file, format, opts)) out.push(r);
  return out;
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

describe("numbered parts", () => {
  it("recognises the suffixes publishers use and orders them as split does", () => {
    expect(partOf("hqedit.tar.gz.part007")).toEqual({ base: "hqedit.tar.gz", suffix: "007" });
    expect(partOf("multi_turn.tar.gz.part-ab")).toEqual({ base: "multi_turn.tar.gz", suffix: "ab" });
    expect(partOf("edit_part1.tar.split.002")).toEqual({ base: "edit_part1.tar", suffix: "002" });
    expect(partOf("images.tar.gz")).toBeNull();
    const names = ["b.tar.gz.part-ab", "a.tar.split.010", "b.tar.gz.part-aa", "a.tar.split.009", "x.jsonl", "b.tar.gz.part-ba"]
      .concat(Array.from({ length: 24 }, (_, i) => `b.tar.gz.part-a${String.fromCharCode(99 + i)}`))
      .concat(Array.from({ length: 9 }, (_, i) => `a.tar.split.00${i}`));
    const groups = groupParts(names.map((name) => ({ name })));
    expect(groups.map((g) => g.name)).toEqual(["a.tar", "b.tar.gz", "x.jsonl"]);
    expect(groups[0]!.parts.map((p) => p.name).slice(-3)).toEqual(["a.tar.split.008", "a.tar.split.009", "a.tar.split.010"]);
    expect(groups[1]!.parts.map((p) => p.name).slice(-3)).toEqual(["b.tar.gz.part-ay", "b.tar.gz.part-az", "b.tar.gz.part-ba"]);
  });

  it("refuses a group with a part missing in the middle", () => {
    expect(() => groupParts([{ name: "g.tar.gz.part000" }, { name: "g.tar.gz.part002" }])).toThrow(/part 001 is missing/);
  });

  it("reads a gzip stream cut into three parts, with a member spanning a cut, as one archive", async () => {
    const big = bytes(300_000, 7);
    const entries = [
      { name: "hqedit/edit/input/0001.png", body: bytes(10_000, 1) },
      { name: "hqedit/edit/output/0001.png", body: big },
      { name: "hqedit/edit/input/0002.png", body: bytes(5_000, 2) },
    ];
    const tgz = await tarBytes(entries, { gzip: true });
    const third = Math.floor(tgz.length / 3);
    const parts = await writeParts(dir, "hqedit.tar.gz.part", tgz, [third, 2 * third], (i) => String(i).padStart(3, "0"));
    const tar = readTar(await Promise.all(parts.map(async (p) => ({ path: p, size: (await stat(p)).size }))), "hqedit.tar.gz");
    const seen: { name: string; body: Buffer }[] = [];
    for await (const m of tar.members) seen.push({ name: m.name, body: await m.read(1 << 20) });
    expect(seen.map((s) => s.name)).toEqual(entries.map((e) => e.name));
    expect(seen[1]!.body.equals(Buffer.from(big))).toBe(true);
    expect(tar.bytesRead()).toBe(tgz.length);
    expect(await detectFormat(parts[0]!, "hqedit.tar.gz")).toBe("webdataset");
  });

  it("recognises gzip when its signature is split across the first two parts (found by fuzzing)", async () => {
    const entries = [{ name: "a.jpg", body: bytes(3000, 4) }];
    const tgz = await tarBytes(entries, { gzip: true });
    const parts = await writeParts(dir, "split-magic.tar.gz.part", tgz, [1], (i) => String(i).padStart(3, "0"));
    const tar = readTar(await Promise.all(parts.map(async (p) => ({ path: p, size: (await stat(p)).size }))), "split-magic.tar.gz");
    const seen: string[] = [];
    for await (const m of tar.members) seen.push(`${m.name}:${(await m.read(1 << 20)).length}`);
    expect(seen).toEqual(["a.jpg:3000"]);
  });

  it("fails with the archive's name when a part is cut short", async () => {
    const tgz = await tarBytes([{ name: "a.png", body: randomBytes(200_000) }], { gzip: true });
    const parts = await writeParts(dir, "short.tar.gz.part", tgz.subarray(0, tgz.length - 5000), [1000], (i) => String(i).padStart(3, "0"));
    const run = async (p: string[]) => {
      for await (const m of readTar(p.map((x) => ({ path: x, size: 0 })), "short.tar.gz").members) await m.read(1 << 20);
    };
    await expect(run(parts)).rejects.toThrow(ImportFileError);
    await expect(run(parts)).rejects.toThrow(/short\.tar\.gz.*unexpected end of file.*parts complete/);
    const plain = path.join(dir, "short.tar");
    await writeFile(plain, (await tarBytes([{ name: "a.png", body: randomBytes(200_000) }])).subarray(0, 100_000));
    await expect(run([plain])).rejects.toThrow(/"short\.tar\.gz" cannot be read as a tar archive: Unexpected end of data/);
  });
});

describe("WebDataset shards", () => {
  it("groups members by key, merges the json member, and resumes by sample", async () => {
    expect(sampleKey("shard/0001.src.jpg")).toEqual({ key: "shard/0001", field: "src.jpg" });
    expect(sampleKey("a.b/0001.json")).toEqual({ key: "a.b/0001", field: "json" });
    const entries = [0, 1, 2].flatMap((i) => [
      { name: `00${i}.src.jpg`, body: bytes(100 + i, i) },
      { name: `00${i}.tgt.jpg`, body: bytes(200 + i, i + 9) },
      { name: `00${i}.json`, body: JSON.stringify({ edit_type: `type${i}`, score: i }) },
      { name: `00${i}.txt`, body: `make it ${i}` },
    ]);
    const file = path.join(dir, "shard-000.tar");
    await writeFile(file, await tarBytes(entries));
    expect(await detectFormat(file)).toBe("webdataset");
    const records = await all(file, "webdataset");
    expect(records).toHaveLength(3);
    const first = records[0]!;
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.loc).toEqual({ file: "shard-000.tar", index: 0, key: "000" });
    expect(first.values).toMatchObject({ __key__: "000", edit_type: "type0", score: 0, txt: "make it 0" });
    expect(first.values["src.jpg"]).toEqual(bytes(100, 0));
    expect((first.values["tgt.jpg"] as Uint8Array).byteLength).toBe(200);
    const resumed = await all(file, "webdataset", { skip: 2 });
    expect(resumed.map((r) => r.loc)).toEqual([{ file: "shard-000.tar", index: 2, key: "002" }]);
    const head = await readHead(file, "webdataset", {}, 2);
    expect(head.columns.sort()).toEqual(["__key__", "edit_type", "score", "src.jpg", "tgt.jpg", "txt"]);
  });

  it("reports a sample with a broken json member by its key and goes on", async () => {
    const file = path.join(dir, "broken.tar.gz");
    await writeFile(file, gzipSync(await tarBytes([
      { name: "a.jpg", body: bytes(10, 1) },
      { name: "a.json", body: "{not json" },
      { name: "b.jpg", body: bytes(10, 2) },
    ])));
    const records = await all(file, "webdataset");
    expect(records.map((r) => r.ok)).toEqual([false, true]);
    expect(records[0]).toMatchObject({ loc: { index: 0, key: "a" }, reason: expect.stringMatching(/a\.json is not valid JSON/) });
  });

  it("passes members that a tar writer pads to block size at any chunk size", async () => {
    const entries = [{ name: "x.src.png", body: bytes(513, 1) }, { name: "x.txt", body: "hi" }];
    const tar = await tarBytes(entries);
    expect(memberOffset(tar, "x.txt")).toBe(512 + 1024 + 512);
    const file = path.join(dir, "pad.tar");
    await writeFile(file, tar);
    const records = await all(file, "webdataset", { chunkBytes: 100 });
    expect(records[0]).toMatchObject({ ok: true, values: { txt: "hi" } });
  });
});

describe("JSON arrays", () => {
  it("streams the elements with their index, reports a non-object element, and resumes by element", async () => {
    const elements = Array.from({ length: 50 }, (_, i) => ({
      image: [`input/${i}.png`, `output/${i}.png`],
      conversations: [{ from: "human", value: `<image>\nEdit ${i}` }, { from: "gpt", value: "<image>" }],
    }));
    const text = JSON.stringify([...elements.slice(0, 7), 42, ...elements.slice(7)], null, 1) + "\n";
    const file = path.join(dir, "hqedit_gpt_edit.json");
    await writeFile(file, text);
    expect(await detectFormat(file)).toBe("json");
    const records = await all(file, "json", { chunkBytes: 97 });
    expect(records).toHaveLength(51);
    expect(records[7]).toEqual({ ok: false, loc: { file: "hqedit_gpt_edit.json", index: 7 }, reason: "element 7: expected an object, got a number" });
    expect(records[8]).toMatchObject({ ok: true, loc: { index: 8 }, values: { image: ["input/7.png", "output/7.png"] } });
    const resumed = await all(file, "json", { skip: 49 });
    expect(resumed.map((r) => r.loc.index)).toEqual([49, 50]);
    const head = await readHead(file, "json", {}, 3);
    expect(head.columns).toEqual(["image", "conversations"]);
  });

  it("fails a truncated array naming the element it broke after, and refuses a top-level object", async () => {
    const file = path.join(dir, "cut.json");
    await writeFile(file, '[{"a":1},{"a":2},{"a":');
    const out: TRawRecord[] = [];
    const run = async () => {
      for await (const r of readRecords(file, "json")) out.push(r);
    };
    await expect(run()).rejects.toThrow(/cut\.json.*after element 2/);
    expect(out).toHaveLength(2);
    const obj = path.join(dir, "obj.json");
    await writeFile(obj, '{"data": []}');
    expect(await detectFormat(obj)).toBe("jsonl");
    await expect(all(obj, "json")).rejects.toThrow(/does not hold a JSON array/);
  });
});
