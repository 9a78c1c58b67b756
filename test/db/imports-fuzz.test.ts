import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { writeImagePairs } from "@/test/support/import-fixtures";
import { createImport, getImportView } from "@/lib/imports/service";
import { runImport } from "@/lib/imports/run";
import { closeImagePool } from "@/lib/images/pool";
import { stopBoss } from "@/lib/db/boss";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";
import { InvalidError } from "@/lib/errors";

// The db-level property of issue 17 point 8: a fuzzed manifest (good rows, rows spoiled in ways the runner
// must catch, then maybe cut short) imported into a fresh project stores exactly its good rows, each bad
// row is reported once by its line and id, and the import's counts add up to what the tables hold.

const SEED = 20261206;
const MAPPING = { externalId: "id", instruction: "instruction", source: "source", edited: "edited" };

type TRowKind = "good" | "malformed" | "noInstruction" | "missingImage" | "notObject";
// The first row is good: a file whose first records show none of the mapped columns is refused before
// the import exists (checked below too, but it would spend the few runs on that).
const kinds = fc
  .array(fc.constantFrom<TRowKind>("good", "good", "malformed", "noInstruction", "missingImage", "notObject"), { minLength: 1, maxLength: 8 })
  .map((k): TRowKind[] => ["good", ...k]);

describe.each(engines())("a fuzzed import ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let root: string;
  let images: { source: string; edited: string }[];

  beforeAll(async () => {
    db = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-imp-fuzz-"));
    images = await writeImagePairs(root, 2);
  });

  afterAll(async () => {
    await stopBoss(db);
    await closeImagePool();
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("stores exactly the good rows, reports each bad one by its line and id, and its counts add up", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(kinds, fc.option(fc.double({ min: 0.5, max: 1, noNaN: true }), { freq: 2 }), async (rowKinds, cut) => {
        n++;
        const line = (kind: TRowKind, i: number): string => {
          const img = images[i % images.length]!;
          const id = `r${i}`;
          switch (kind) {
            case "good":
              return JSON.stringify({ id, instruction: `edit ${i}`, source: img.source, edited: img.edited });
            case "malformed":
              return `{"id":"${id}","instruction":`;
            case "noInstruction":
              return JSON.stringify({ id, instruction: "", source: img.source, edited: img.edited });
            case "missingImage":
              return JSON.stringify({ id, instruction: `edit ${i}`, source: "images/none.png", edited: img.edited });
            case "notObject":
              return JSON.stringify([id]);
          }
        };
        let text = rowKinds.map(line).join("\n") + "\n";
        // Cut short as a download still under way is: the tail of the file, never its first row.
        if (cut !== null) text = text.slice(0, Math.floor(cut * text.length));
        const file = path.join(root, `fuzz-${n}.jsonl`);
        await writeFile(file, text);
        const project = await db.prisma.project.create({ data: { name: `fuzz-${n}-${engine}`, overlap: 1, rejectReasons: DEFAULT_REJECT_REASONS } });
        let view: Awaited<ReturnType<typeof createImport>>;
        try {
          view = await createImport(db, null, project.id, { source: { kind: "path", path: file }, preset: null, mapping: MAPPING } as TImportRequest, {
            importRoot: null,
            cliPath: file,
            imageRoot: root,
          });
        } catch (err) {
          // Refused up front (a file whose first records show none of the mapped columns): nothing written.
          expect(err).toBeInstanceOf(InvalidError);
          expect(await db.prisma.import.count({ where: { projectId: project.id } })).toBe(0);
          expect(await db.prisma.pair.count({ where: { projectId: project.id } })).toBe(0);
          return;
        }
        const result = await runImport(db, view.id, { dataDir: path.join(root, ".data"), fetch: { allowHosts: [], maxBytes: 1_000_000, timeoutMs: 2000 } });
        const done = (await getImportView(db, view.id))!;
        const pairs = await db.prisma.pair.findMany({ where: { projectId: project.id }, select: { externalId: true } });
        const errors = await db.prisma.importError.findMany({ where: { importId: BigInt(view.id) }, orderBy: { recordIndex: "asc" } });

        // What the tables hold is what the import says, whatever the file.
        expect(result).toBe("done");
        expect(pairs).toHaveLength(done.inserted);
        expect(errors).toHaveLength(done.invalid);
        expect(done.inserted + done.duplicates + done.invalid).toBe(done.rowsDone);
        expect(new Set(pairs.map((p) => p.externalId)).size).toBe(pairs.length);
        for (const e of errors) expect(e.line === null ? null : Number(e.line)).toBe(Number(e.recordIndex) + 1);

        // Line by line: a line that survived the cut whole and good is stored; every other line left in
        // the file (spoiled, or cut mid-record) is reported at its line, with its id when it has one.
        const kept = text.split("\n");
        const goodLines = rowKinds.map((k, i) => ({ k, i })).filter(({ k, i }) => k === "good" && kept[i] === line(k, i));
        expect(pairs.map((p) => p.externalId).sort()).toEqual(goodLines.map(({ i }) => `r${i}`).sort());
        const badLines = kept.map((l, i) => ({ l, i })).filter(({ l, i }) => l !== "" && !goodLines.some((g) => g.i === i));
        expect(errors.map((e) => Number(e.line))).toEqual(badLines.map(({ i }) => i + 1));
        for (const e of errors) {
          const i = Number(e.line) - 1;
          const k = rowKinds[i]!;
          if (kept[i] === line(k, i) && (k === "noInstruction" || k === "missingImage")) expect(e.externalId).toBe(`r${i}`);
        }
      }),
      { seed: SEED, numRuns: 6, endOnFailure: true },
    );
  }, 120_000);
});
