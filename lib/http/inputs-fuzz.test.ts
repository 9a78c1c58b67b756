import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, InvalidError } from "@/lib/errors";
import { parseOrThrow, type TInputSchemas } from "./handler";

// Property-based tests of every input the app takes (issue 17 point 8): each route()'s JSON body (or query)
// and URL params, each server action's form. The handlers are found on disk and their schemas read off them
// (route() and action() keep them), so a new route or action is covered without a line here. Whatever
// arrives, parsing it either succeeds or ends in an InvalidError naming the field, as the wrappers send it:
// never a TypeError from a refinement or transform meeting a shape it did not expect (a 500).

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const ROOT = path.resolve(import.meta.dirname, "../..");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

type THandler = { loupeInputs?: TInputSchemas };

function files(dir: string, keep: (rel: string) => boolean): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter(keep)
    .map((f) => path.join(ROOT, dir, f));
}

/** Every route method and server action with its schemas, named as a reader of a failure wants. */
async function inputs(): Promise<{ name: string; schemas: TInputSchemas }[]> {
  const out: { name: string; schemas: TInputSchemas }[] = [];
  for (const file of files("app", (f) => path.basename(f) === "route.ts")) {
    const mod = (await import(file)) as Record<string, THandler | undefined>;
    for (const method of METHODS) {
      const schemas = mod[method]?.loupeInputs;
      if (schemas) out.push({ name: `${method} /${path.relative(path.join(ROOT, "app"), path.dirname(file))}`, schemas });
    }
  }
  const serverModules = [...files("app", (f) => /\.tsx?$/.test(f)), ...files("lib", (f) => /\.tsx?$/.test(f) && !f.endsWith(".test.ts"))].filter((f) =>
    /^\s*["']use server["']/.test(readFileSync(f, "utf8")),
  );
  for (const file of serverModules) {
    const mod = (await import(file)) as Record<string, THandler | undefined>;
    for (const [name, fn] of Object.entries(mod)) {
      const schemas = fn?.loupeInputs;
      if (schemas) out.push({ name: `action ${path.relative(ROOT, file)}#${name}`, schemas });
    }
  }
  return out;
}

/** The field names an object schema knows, through the wrappers zod puts around one (optional, refine, pipe...). */
function keysOf(schema: z.ZodType | undefined): string[] {
  let s: unknown = schema;
  for (let depth = 0; s && depth < 8; depth++) {
    if (s instanceof z.ZodObject) return Object.keys(s.shape);
    const def = (s as { def?: { innerType?: unknown; in?: unknown; schema?: unknown; options?: unknown[] } }).def;
    if (def?.options) return [...new Set(def.options.flatMap((o) => keysOf(o as z.ZodType)))];
    s = def?.innerType ?? def?.in ?? def?.schema;
  }
  return [];
}

/** Values that have broken parsers before: wrong types, edge numbers, odd strings, nesting. */
const awkward = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, "", " ", "0", "-1", "1e3", "NaN", "true", "null", "[]", "{}", "__proto__", "\u0000", "é".repeat(300)),
  fc.string({ maxLength: 40 }),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)), { maxLength: 4 }),
);

/** Objects built on the schema's own keys, so the fuzzing reaches past "expected an object" into each field. */
function shaped(keys: string[], form: boolean): fc.Arbitrary<Record<string, unknown>> {
  const value = form ? fc.oneof(fc.string({ maxLength: 40 }), awkward.map((v) => (typeof v === "string" ? v : JSON.stringify(v)))) : awkward;
  const own = keys.length > 0 ? fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length }) : fc.constant({});
  const extra = fc.dictionary(fc.constantFrom("__proto__", "constructor", "x", ""), value, { maxKeys: 2 });
  return fc.tuple(own, extra).map(([a, b]) => ({ ...b, ...a }));
}

/** The wrapper's own steps: JSON text → value → schema; nothing but an InvalidError may come out. */
function parseAsRouteDoes(schema: z.ZodType, text: string): void {
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : {};
  } catch {
    return; // route() answers "Request body is not valid JSON." before any schema runs
  }
  parseAs(schema, raw);
}

function parseAs(schema: z.ZodType, raw: unknown): void {
  try {
    parseOrThrow(schema, raw);
  } catch (err) {
    if (!(err instanceof InvalidError)) throw err;
    expect(err).toBeInstanceOf(AppError);
    expect(err.message.length).toBeGreaterThan(0);
  }
}

describe("every route and action input, fuzzed", () => {
  it("parses or refuses with a typed error, never a crash", async () => {
    const all = await inputs();
    // A floor, so a change that stops route() keeping its schemas cannot make this test pass on nothing.
    expect(all.filter((i) => i.schemas.input && !i.schemas.form).length).toBeGreaterThan(20);
    expect(all.filter((i) => i.schemas.form).length).toBeGreaterThan(3);
    for (const { name, schemas } of all) {
      const form = schemas.form === true;
      const targets: [string, z.ZodType | undefined, fc.Arbitrary<Record<string, unknown>>][] = [
        ["input", schemas.input, shaped(keysOf(schemas.input), form)],
        ["params", schemas.params, fc.dictionary(fc.constantFrom(...keysOf(schemas.params), "x"), fc.string({ maxLength: 30 }))],
      ];
      for (const [what, schema, arb] of targets) {
        if (!schema) continue;
        const runs = Math.max(20, Math.floor(RUNS / 2));
        const property = fc.property(fc.oneof(arb, fc.jsonValue({ maxDepth: 3 })), fc.option(fc.string({ maxLength: 60 })), (value, text) => {
          parseAs(schema, value);
          if (!form && what === "input") {
            parseAsRouteDoes(schema, JSON.stringify(value) ?? "");
            if (text !== null) parseAsRouteDoes(schema, text);
          }
        });
        const result = fc.check(property, { seed: SEED, numRuns: runs });
        if (result.failed) throw new Error(`${name} (${what}): ${fc.defaultReportMessage(result)}`);
      }
    }
  }, 120_000);
});
