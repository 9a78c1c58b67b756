import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarBytes } from "@/test/support/archive-fixtures";
import { AppError } from "@/lib/errors";
import { detectFormat, readRecords } from "../sources";
import type { TImportFormat, TRawRecord } from "../types";

// Property-based tests of the readers (issue 17 point 8): a valid file is generated, then cut short or
// corrupted, and read back. Whatever the bytes, a reader yields records or throws a typed error (never a
// TypeError or a hang), every record carries its file and its position (index in order; line, key when the
// format has one), and a record spoiled on purpose is reported at exactly its position while the others
// come out intact. A fixed seed keeps CI deterministic (FUZZ_SEED and FUZZ_RUNS override it for a longer
// hunt); on failure fast-check prints the seed, the path and the shrunk case.

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const params = { seed: SEED, numRuns: RUNS };
/** Generous: the machine is shared; the runs are bounded by numRuns, not by time. */
const TIMEOUT = 120_000;

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loupe-fuzz-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(ext: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(dir, `f${n++}${ext}`);
  await writeFile(file, bytes);
  return file;
}

/** Every record, or the typed error that ended the read (anything untyped fails the property). */
async function readAll(file: string, format: TImportFormat, chunkBytes?: number): Promise<{ records: TRawRecord[]; error?: AppError }> {
  const records: TRawRecord[] = [];
  try {
    for await (const r of readRecords(file, format, { displayName: "data", chunkBytes })) records.push(r);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    expect(err.status).toBeLessThan(500);
    return { records, error: err };
  }
  return { records };
}

/** What holds for every record of every read: named by its file, numbered in order, a reason when bad. */
function expectLocated(records: TRawRecord[], format: TImportFormat) {
  let lastLine = 0;
  records.forEach((r, i) => {
    expect(r.loc.file).toBe("data");
    expect(r.loc.index).toBe(i);
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    if (format === "jsonl" || format === "csv") {
      expect(Number.isInteger(r.loc.line) && r.loc.line! > lastLine).toBe(true);
      lastLine = r.loc.line!;
    }
    if (format === "webdataset") expect(typeof r.loc.key).toBe("string");
    if (format === "parquet") expect(Number.isInteger(r.loc.rowGroup) && Number.isInteger(r.loc.row)).toBe(true);
  });
}

// ---- generators: rows as datasets publish them, then damage ----

const text = fc.string({ unit: "grapheme", maxLength: 20 });
const row = fc.record({ id: fc.nat(1_000_000), instruction: text, score: fc.integer({ min: -5, max: 5 }), ok: fc.boolean() });
const rows = fc.array(row, { minLength: 1, maxLength: 12 });
type TRow = { id: number; instruction: string; score: number; ok: boolean };

type TDamage =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number; xor: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; len: number };

/** Positions are fractions of the file, so one damage applies to any length. */
const damage: fc.Arbitrary<TDamage> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 64 }) }),
);

function applyDamage(src: Uint8Array, ds: TDamage[]): Uint8Array {
  let b = Buffer.from(src);
  for (const d of ds) {
    const at = Math.min(b.length, Math.floor(d.at * b.length));
    if (d.kind === "truncate") b = b.subarray(0, at);
    else if (d.kind === "flip" && at < b.length) b[at] = b[at]! ^ d.xor;
    else if (d.kind === "insert") b = Buffer.concat([b.subarray(0, at), d.bytes, b.subarray(at)]);
    else if (d.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + d.len)]);
  }
  return b;
}

const damages = fc.array(damage, { minLength: 1, maxLength: 3 });
const chunk = fc.constantFrom(undefined, 1, 7, 64);

const jsonl = (rs: object[]) => rs.map((r) => JSON.stringify(r)).join("\n") + "\n";
const csvField = (v: unknown) => `"${String(v).replaceAll('"', '""')}"`;
const csv = (rs: Record<string, unknown>[]) =>
  [Object.keys(rs[0]!).join(","), ...rs.map((r) => Object.values(r).map(csvField).join(","))].join("\r\n") + "\r\n";
const jsonArray = (rs: object[]) => JSON.stringify(rs, null, 1);

async function parquet(rs: TRow[]): Promise<Uint8Array> {
  const schema: SchemaElement[] = [
    { name: "root", num_children: 4 },
    { name: "id", type: "INT64", repetition_type: "REQUIRED" },
    { name: "instruction", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    { name: "score", type: "INT32", repetition_type: "OPTIONAL" },
    { name: "ok", type: "BOOLEAN", repetition_type: "OPTIONAL" },
  ];
  const columnData = [
    { name: "id", data: rs.map((r) => BigInt(r.id)) },
    { name: "instruction", data: rs.map((r) => r.instruction) },
    { name: "score", data: rs.map((r) => r.score) },
    { name: "ok", data: rs.map((r) => r.ok) },
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData, schema, rowGroupSize: 4, pageSize: 64 }));
}

async function webdataset(rs: { id: number; instruction: string }[], gzip: boolean): Promise<Uint8Array> {
  const entries = rs.flatMap((r, i) => [
    { name: `s${String(i).padStart(4, "0")}.jpg`, body: Uint8Array.of(0xff, 0xd8, i & 0xff, 0xff, 0xd9) },
    { name: `s${String(i).padStart(4, "0")}.json`, body: JSON.stringify(r) },
  ]);
  return tarBytes(entries, { gzip });
}

// Reads of a byte or a few find the seams (a signature split across reads); a plain tar is larger, so its
// tiny reads stay a few hundred bytes to keep the run short.
const FORMATS: { format: TImportFormat; ext: string; make: (rs: TRow[]) => Promise<Uint8Array | string>; chunks?: fc.Arbitrary<number | undefined> }[] = [
  { format: "jsonl", ext: ".jsonl", make: async (rs) => jsonl(rs) },
  { format: "csv", ext: ".csv", make: async (rs) => csv(rs) },
  { format: "json", ext: ".json", make: async (rs) => jsonArray(rs) },
  { format: "parquet", ext: ".parquet", make: parquet },
  { format: "webdataset", ext: ".tar", make: (rs) => webdataset(rs, false), chunks: fc.constantFrom(undefined, 509, 4096) },
  { format: "webdataset", ext: ".tar.gz", make: (rs) => webdataset(rs, true) },
];

describe("readers on damaged files", () => {
  for (const { format, ext, make, chunks = chunk } of FORMATS) {
    it(`${format} (${ext}): a valid file reads back whole; a damaged one yields located records or a typed error`, async () => {
      await fc.assert(
        fc.asyncProperty(rows, damages, chunks, async (rs, ds, chunkBytes) => {
          const valid = await make(rs);
          const whole = await readAll(await fixture(ext, valid), format, chunkBytes);
          expect(whole.error).toBeUndefined();
          expect(whole.records.map((r) => r.ok)).toEqual(rs.map(() => true));
          expectLocated(whole.records, format);

          const bytes = applyDamage(typeof valid === "string" ? Buffer.from(valid) : valid, ds);
          const file = await fixture(ext, bytes);
          // Detection sees any bytes too: a format or a typed refusal.
          await detectFormat(file, `data${ext}`).catch((err: unknown) => {
            if (!(err instanceof AppError)) throw err;
          });
          const damaged = await readAll(file, format, chunkBytes);
          expectLocated(damaged.records, format);
        }),
        params,
      );
    }, TIMEOUT);
  }

  it("any bytes at all, read as each format: records or a typed error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom<TImportFormat>("jsonl", "csv", "json", "parquet", "webdataset"), async (bytes, format) => {
        const out = await readAll(await fixture(".bin", bytes), format);
        expectLocated(out.records, format);
      }),
      params,
    );
  }, TIMEOUT);
});

// ---- bad records reported at their position, the good ones untouched ----

/** A line that is not a JSON object and has no newline in it. */
const badJsonLine = fc.oneof(
  fc.constantFrom("{", "[1,2]", "42", "null", '"text"', '{"a":1,}', "not json", '{"a":"\\x"}'),
  fc.string({ maxLength: 30 }).filter((s) => !/[\r\n]/.test(s) && s.trim() !== "" && !isObjectJson(s)),
);
function isObjectJson(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** CSV gives every field as text and leaves an empty one out. */
const csvValues = (r: TRow) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== "").map(([k, v]) => [k, String(v)]));

/** A tar member that does not parse as JSON at all (a member holding `42` is a value, not a fault). */
const brokenJson = badJsonLine.filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});

describe("bad records by position", () => {
  it("JSON Lines: each spoiled line is reported at its line and index, every other line intact", async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.array(fc.tuple(fc.nat(), badJsonLine), { maxLength: 4 }), chunk, async (rs, spoil, chunkBytes) => {
        const lines = rs.map((r) => JSON.stringify(r));
        const bad = new Set<number>();
        for (const [i, line] of spoil) {
          const at = i % lines.length;
          lines[at] = line;
          bad.add(at);
        }
        const { records, error } = await readAll(await fixture(".jsonl", lines.join("\n")), "jsonl", chunkBytes);
        expect(error).toBeUndefined();
        expect(records).toHaveLength(rs.length);
        records.forEach((r, i) => {
          expect(r.loc).toEqual({ file: "data", index: i, line: i + 1 });
          if (bad.has(i)) expect(r.ok).toBe(false);
          else expect(r).toMatchObject({ ok: true, values: rs[i] });
        });
      }),
      params,
    );
  }, TIMEOUT);

  it("CSV: a row with the wrong number of fields is reported at its line and index, the others intact", async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.array(fc.tuple(fc.nat(), fc.constantFrom(1, 2, 3, 5, 6)), { maxLength: 4 }), async (rs, spoil) => {
        const lines = rs.map((r) => Object.values(r).map(csvField).join(","));
        const bad = new Set<number>();
        for (const [i, fields] of spoil) {
          const at = i % lines.length;
          lines[at] = Array.from({ length: fields }, (_, k) => `x${k}`).join(",");
          bad.add(at);
        }
        const file = await fixture(".csv", [Object.keys(rs[0]!).join(","), ...lines].join("\n") + "\n");
        const { records, error } = await readAll(file, "csv");
        expect(error).toBeUndefined();
        expect(records).toHaveLength(rs.length);
        records.forEach((r, i) => {
          expect(r.loc).toMatchObject({ file: "data", index: i, line: i + 2 });
          if (bad.has(i)) expect(r.ok).toBe(false);
          else expect(r).toMatchObject({ ok: true, values: csvValues(rs[i]!) });
        });
      }),
      params,
    );
  }, TIMEOUT);

  it("JSON array: an element that is not an object is reported at its index, the others intact", async () => {
    const notObject = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(rows, fc.array(fc.tuple(fc.nat(), notObject), { maxLength: 4 }), chunk, async (rs, spoil, chunkBytes) => {
        const elements: unknown[] = [...rs];
        const bad = new Set<number>();
        for (const [i, v] of spoil) {
          elements[i % elements.length] = v;
          bad.add(i % elements.length);
        }
        const { records, error } = await readAll(await fixture(".json", JSON.stringify(elements)), "json", chunkBytes);
        expect(error).toBeUndefined();
        records.forEach((r, i) => {
          expect(r.loc).toEqual({ file: "data", index: i });
          if (bad.has(i)) expect(r.ok).toBe(false);
          else expect(r).toMatchObject({ ok: true, values: rs[i] });
        });
        expect(records).toHaveLength(rs.length);
      }),
      params,
    );
  }, TIMEOUT);

  it("WebDataset: a sample whose json member is broken is reported by its key and index, the others intact", async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.array(fc.tuple(fc.nat(), brokenJson), { maxLength: 3 }), fc.boolean(), async (rs, spoil, gzip) => {
        const bodies = rs.map((r) => JSON.stringify(r));
        const bad = new Set<number>();
        for (const [i, body] of spoil) {
          bodies[i % bodies.length] = body;
          bad.add(i % bodies.length);
        }
        const key = (i: number) => `s${String(i).padStart(4, "0")}`;
        const entries = bodies.flatMap((body, i) => [
          { name: `${key(i)}.jpg`, body: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9) },
          { name: `${key(i)}.json`, body },
        ]);
        const { records, error } = await readAll(await fixture(gzip ? ".tar.gz" : ".tar", await tarBytes(entries, { gzip })), "webdataset");
        expect(error).toBeUndefined();
        expect(records).toHaveLength(rs.length);
        records.forEach((r, i) => {
          expect(r.loc).toEqual({ file: "data", index: i, key: key(i) });
          if (bad.has(i)) expect(r.ok).toBe(false);
          else expect(r).toMatchObject({ ok: true, values: rs[i] });
        });
      }),
      { ...params, numRuns: Math.min(RUNS, 40) },
    );
  }, TIMEOUT);
});
