import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportFileError, detectFormat, readHead, readRecords } from "./sources";
import type { TReadOptions } from "./sources";
import type { TImportFormat, TRawRecord } from "./types";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loupe-text-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function readAll(file: string, format: TImportFormat, opts: TReadOptions = {}): Promise<TRawRecord[]> {
  const out: TRawRecord[] = [];
  for await (const r of readRecords(file, format, opts)) out.push(r);
  return out;
}

const lines = (records: TRawRecord[]) => records.map((r) => r.loc.line);
const values = (records: TRawRecord[]) => records.map((r) => (r.ok ? r.values : r.reason));

describe("JSON Lines", () => {
  it("reports a malformed line with its line number and goes on", async () => {
    const file = await fixture("bad.jsonl", '{"a":1}\n{"a":2,}\n["not", "an object"]\n42\n{"a":5}\n');
    const records = await readAll(file, "jsonl");
    expect(records.map((r) => r.ok)).toEqual([true, false, false, false, true]);
    expect(records[1]).toMatchObject({ ok: false, loc: { file: "bad.jsonl", index: 1, line: 2 } });
    expect((records[1] as { reason: string }).reason).toMatch(/^invalid JSON: /);
    expect(records[2]).toMatchObject({ loc: { line: 3 }, reason: "invalid JSON: expected an object on each line, got an array" });
    expect(records[3]).toMatchObject({ loc: { line: 4 }, reason: "invalid JSON: expected an object on each line, got a number" });
    expect(records[4]).toMatchObject({ ok: true, loc: { index: 4, line: 5 }, values: { a: 5 } });
  });

  it("handles CRLF, blank lines, a BOM and a last line without a newline", async () => {
    const file = await fixture("crlf.jsonl", '\uFEFF{"a":"x"}\r\n\r\n   \r\n{"a":"y"}\r\n\n{"a":"z"}');
    const records = await readAll(file, "jsonl");
    expect(values(records)).toEqual([{ a: "x" }, { a: "y" }, { a: "z" }]);
    expect(lines(records)).toEqual([1, 4, 6]);
    expect(records.map((r) => r.loc.index)).toEqual([0, 1, 2]);
  });

  it("resumes after `skip` records, blank lines not counted", async () => {
    const file = await fixture("skip.jsonl", '{"n":0}\n\n{"n":1}\nnot json\n{"n":3}\n');
    const records = await readAll(file, "jsonl", { skip: 2 });
    expect(records.map((r) => [r.loc.index, r.loc.line, r.ok])).toEqual([
      [2, 4, false],
      [3, 5, true],
    ]);
  });

  it("reassembles lines across 1 MiB reads and reports exact byte progress", async () => {
    const row = (i: number) => JSON.stringify({ i, pad: "é".repeat(100 + (i % 37)) });
    const text = Array.from({ length: 20_000 }, (_, i) => row(i)).join("\n") + "\n";
    const file = await fixture("big.jsonl", text);
    const stream = readRecords(file, "jsonl");
    let count = 0;
    for await (const r of stream) {
      if (!r.ok || r.values.i !== count) throw new Error(`record ${count} came out wrong: ${JSON.stringify(r).slice(0, 200)}`);
      count++;
    }
    expect(count).toBe(20_000);
    expect(stream.bytesRead()).toBe((await stat(file)).size);
  });

  it("gives the same records whatever the read size", async () => {
    const file = await fixture("tiny-reads.jsonl", '\uFEFF{"a":"é"}\r\n\r\n{"a":"ü\\n"}\r\nnope\n{"a":"€"}');
    const expected = await readAll(file, "jsonl");
    expect(values(expected)).toEqual([{ a: "é" }, { a: "ü\n" }, expect.stringMatching(/^invalid JSON/), { a: "€" }]);
    for (const chunkBytes of [1, 2, 3, 5, 7]) expect(await readAll(file, "jsonl", { chunkBytes })).toEqual(expected);
  });

  it("previews the first records with every key seen", async () => {
    const file = await fixture("head.jsonl", '{"a":1}\n{"b":2,"a":3}\n{"c":4}\n');
    const head = await readHead(file, "jsonl", {}, 2);
    expect(head.columns).toEqual(["a", "b"]);
    expect(head.records).toHaveLength(2);
  });

  it("refuses UTF-16 JSON Lines", async () => {
    const file = await fixture("utf16.jsonl", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n', "utf16le")]));
    await expect(readAll(file, "jsonl")).rejects.toThrow(ImportFileError);
  });
});

describe("detectFormat", () => {
  it("goes by extension, then by the first character", async () => {
    expect(await detectFormat(await fixture("x.jsonl", "a,b\n"))).toBe("jsonl");
    expect(await detectFormat(await fixture("x.ndjson", '{"a":1}\n'))).toBe("jsonl");
    expect(await detectFormat(await fixture("x.csv", '{"a":1}\n'))).toBe("csv");
    expect(await detectFormat(await fixture("x.tsv", "a\tb\n"))).toBe("csv");
    expect(await detectFormat(await fixture("manifest.txt", '\uFEFF \n {"a":1}\n'))).toBe("jsonl");
    expect(await detectFormat(await fixture("manifest.dat", "id,instruction\n"))).toBe("csv");
    expect(await detectFormat(await fixture("empty.txt", ""))).toBe("csv");
  });

  it("reads a JSON array as one, and refuses compressed files that hold no tar with a clear message", async () => {
    expect(await detectFormat(await fixture("array.json", ' [{"a":1}]'))).toBe("json");
    expect(await detectFormat(await fixture("annotations.txt", '[{"a":1}]'))).toBe("json");
    expect(await detectFormat(await fixture("array.csv", '[a],b\n'))).toBe("csv");
    await expect(detectFormat(await fixture("x.jsonl.gz", new Uint8Array([0x1f, 0x8b, 8, 0])))).rejects.toThrow(/compressed .* not a tar archive/);
  });

  it("says when the path is a folder", async () => {
    await expect(detectFormat(dir)).rejects.toThrow(/is a folder/);
  });
});

describe("CSV", () => {
  it("handles quoted commas, quotes and newlines, and numbers lines from where a record starts", async () => {
    const file = await fixture(
      "quoted.csv",
      'id,instruction,note\n1,"Add a hat, a red one","say ""hi"""\n2,"line one\nline two\r\nline three",x\n3,plain,\n',
    );
    const records = await readAll(file, "csv");
    expect(values(records)).toEqual([
      { id: "1", instruction: "Add a hat, a red one", note: 'say "hi"' },
      { id: "2", instruction: "line one\nline two\nline three", note: "x" },
      { id: "3", instruction: "plain" },
    ]);
    expect(lines(records)).toEqual([2, 3, 6]);
  });

  it("reports a row with the wrong number of fields and goes on", async () => {
    const file = await fixture("count.csv", "a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n10,11,12\n");
    const records = await readAll(file, "csv");
    expect(records.map((r) => [r.loc.index, r.loc.line, r.ok ? "ok" : r.reason])).toEqual([
      [0, 2, "ok"],
      [1, 3, "expected 3 fields as in the header, found 2"],
      [2, 5, "expected 3 fields as in the header, found 4"],
      [3, 6, "ok"],
    ]);
  });

  it("reports an unclosed quote as one bad row", async () => {
    const file = await fixture("open-quote.csv", 'a,b\n1,2\n3,"never closed\n4,5\n');
    const records = await readAll(file, "csv");
    expect(records[0]).toMatchObject({ ok: true, values: { a: "1", b: "2" } });
    expect(records[1]).toMatchObject({ ok: false, loc: { index: 1, line: 3 } });
    expect((records[1] as { reason: string }).reason).toMatch(/^unreadable CSV row: /);
  });

  it("strips a UTF-8 BOM and trims header names", async () => {
    const file = await fixture("bom.csv", "\uFEFF id , instruction\n7,Make it night\n");
    const head = await readHead(file, "csv", {}, 5);
    expect(head.columns).toEqual(["id", "instruction"]);
    expect(values(head.records)).toEqual([{ id: "7", instruction: "Make it night" }]);
  });

  it("reads UTF-16LE and UTF-16BE with a BOM", async () => {
    const text = "id,instruction\n1,Ajoute un chapeau rouge à l'homme\n";
    const le = await fixture("le.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    expect(values(await readAll(le, "csv"))).toEqual([{ id: "1", instruction: "Ajoute un chapeau rouge à l'homme" }]);
    const swapped = Buffer.from(text, "utf16le").swap16();
    const be = await fixture("be.csv", Buffer.concat([Buffer.from([0xfe, 0xff]), swapped]));
    expect(values(await readAll(be, "csv"))).toEqual([{ id: "1", instruction: "Ajoute un chapeau rouge à l'homme" }]);
  });

  it("decodes windows-1252 when asked", async () => {
    const file = await fixture("cp1252.csv", Buffer.from([...Buffer.from("id,instruction\n1,caf"), 0xe9, 0x20, 0x80, 0x0a]));
    expect(values(await readAll(file, "csv", { encoding: "windows-1252" }))).toEqual([{ id: "1", instruction: "café €" }]);
    expect(values(await readAll(file, "csv"))).toEqual([{ id: "1", instruction: "caf\uFFFD \uFFFD" }]);
  });

  it("reads TSV by extension and any delimiter on request", async () => {
    const tsv = await fixture("pairs.tsv", "id\tinstruction\n1\tAdd a cat, please\n");
    expect(values(await readAll(tsv, "csv"))).toEqual([{ id: "1", instruction: "Add a cat, please" }]);
    const semi = await fixture("semi.csv", "id;instruction\n1;Add a cat, please\n");
    expect(values(await readAll(semi, "csv", { delimiter: ";" }))).toEqual([{ id: "1", instruction: "Add a cat, please" }]);
  });

  it("refuses duplicate header names", async () => {
    const file = await fixture("dup.csv", "id,src,src\n1,a,b\n");
    await expect(readAll(file, "csv")).rejects.toThrow(ImportFileError);
    await expect(readAll(file, "csv")).rejects.toThrow('"dup.csv": the header names the column "src" more than once.');
  });

  it("names an empty header cell and leaves empty cells out", async () => {
    const file = await fixture("pandas.csv", ",id,mask\n0,a,\n");
    const head = await readHead(file, "csv", {}, 1);
    expect(head.columns).toEqual(["column_1", "id", "mask"]);
    expect(values(head.records)).toEqual([{ column_1: "0", id: "a" }]);
  });

  it("resumes after `skip` records", async () => {
    const file = await fixture("skip.csv", 'n,t\n0,a\n1,"b\nb"\n2,c\n3,d\n');
    const records = await readAll(file, "csv", { skip: 2 });
    expect(records.map((r) => [r.loc.index, r.loc.line, r.ok && r.values.n])).toEqual([
      [2, 5, "2"],
      [3, 6, "3"],
    ]);
  });

  it("gives the same records whatever the read size", async () => {
    const text = '\uFEFFid,text\r\n1,"é\r\nü ""€"""\r\n\r\n2,x\r\n3\r\n4,"y'
    const file = await fixture("tiny-reads.csv", text);
    const expected = await readAll(file, "csv");
    expect(expected.map((r) => [r.loc.line, r.ok ? r.values : "bad"])).toEqual([
      [2, { id: "1", text: 'é\nü "€"' }],
      [5, { id: "2", text: "x" }],
      [6, "bad"],
      [7, "bad"],
    ]);
    for (const chunkBytes of [1, 2, 3, 4, 5, 7]) expect(await readAll(file, "csv", { chunkBytes })).toEqual(expected);
    const le = await fixture("tiny-reads-le.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.slice(1), "utf16le")]));
    for (const chunkBytes of [1, 3]) expect(values(await readAll(le, "csv", { chunkBytes }))).toEqual(values(expected));
  });

  it("keeps characters and CRLF intact across 1 MiB reads", async () => {
    // Rows of varying length so that reads split multi-byte characters and CR/LF pairs somewhere.
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},"ét\r\né ${"x".repeat(i % 13)}",ü`);
    const file = await fixture("big.csv", `n,text,u\r\n${rows.join("\r\n")}\r\n`);
    const stream = readRecords(file, "csv");
    let count = 0;
    for await (const r of stream) {
      if (!r.ok || r.values.n !== String(count) || r.values.text !== `ét\né ${"x".repeat(count % 13)}` || r.values.u !== "ü" || r.loc.line !== 2 + 2 * count) {
        throw new Error(`record ${count} came out wrong: ${JSON.stringify(r)}`);
      }
      count++;
    }
    expect(count).toBe(60_000);
    expect(stream.bytesRead()).toBe((await stat(file)).size);
  });
});
