import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { writeImagePairs } from "@/test/support/import-fixtures";
import { createImport, getImportView, previewImport } from "@/lib/imports/service";
import { runImport, type TRunOptions } from "@/lib/imports/run";
import { stopBoss } from "@/lib/db/boss";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest, TMappingInput } from "@/lib/imports/schemas";

// Gold pairs from a manifest: arrive final with their answer, reasons checked against the taxonomy, bad rows reported.

describe.each(engines())("gold from imports ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let root: string;
  let images: { source: string; edited: string }[];

  const opts: TRunOptions = { dataDir: "", fetch: { allowHosts: [], maxBytes: 10_000_000, timeoutMs: 2000 } };

  beforeAll(async () => {
    db = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-gold-"));
    opts.dataDir = path.join(root, ".data");
    images = await writeImagePairs(root, 5);
  });

  afterAll(async () => {
    await stopBoss(db);
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function newProject(): Promise<number> {
    const p = await db.prisma.project.create({
      data: { name: `gold-${Math.random().toString(36).slice(2, 9)}`, overlap: 2, rejectReasons: DEFAULT_REJECT_REASONS },
    });
    return p.id;
  }

  async function importFile(projectId: number, name: string, rows: Record<string, unknown>[], mapping?: TMappingInput) {
    const file = path.join(root, name);
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const ctx = { importRoot: null, cliPath: file, imageRoot: root };
    const source = { kind: "path" as const, path: file };
    // Without a mapping, take the one the preview guesses from the column names, as the import form does.
    const used = mapping ?? (await previewImport(db, { source } as TImportRequest, ctx)).mapping;
    const view = await createImport(db, null, projectId, { source, preset: null, mapping: used }, ctx);
    expect(await runImport(db, view.id, opts)).toBe("done");
    const errors = await db.prisma.importError.findMany({ where: { importId: BigInt(view.id) }, orderBy: { recordIndex: "asc" } });
    return { view: (await getImportView(db, view.id))!, errors, mapping: used };
  }

  const pair = (i: number, extra: Record<string, unknown>) => ({
    id: `p${i}`,
    instruction: `Add a square ${i}`,
    source: images[i]!.source,
    edited: images[i]!.edited,
    ...extra,
  });

  it("imports two gold rows final with their answers, and reports a gold row with an unknown reason by its line", async () => {
    const projectId = await newProject();
    const { view, errors, mapping } = await importFile(projectId, "gold.jsonl", [
      pair(0, { gold: false }),
      pair(1, { gold: "yes", gold_decision: "accept" }),
      pair(2, { gold: 1, gold_decision: "Reject", gold_reasons: "wrong_object; extra_change" }),
      pair(3, { gold: true, gold_decision: "reject", gold_reasons: ["wrong_object", "made_up"] }),
    ]);
    expect(mapping).toMatchObject({ gold: "gold", goldDecision: "gold_decision", goldReasons: "gold_reasons" });
    expect(view).toMatchObject({ status: "done", rowsDone: 4, inserted: 3, invalid: 1 });
    expect(errors.map((e) => Number(e.line))).toEqual([4]);
    expect(errors[0]!.reason).toMatch(/^column "gold_reasons": "made_up" is not a reject reason of this project \(its codes: no_visible_edit, /);

    const pairs = await db.prisma.pair.findMany({ where: { projectId }, orderBy: { externalId: "asc" } });
    expect(pairs.map((p) => p.externalId)).toEqual(["p0", "p1", "p2"]);
    const [regular, accept, reject] = pairs;
    expect(regular).toMatchObject({ isGold: false, goldActive: false, goldDecision: null, status: "open", finalDecision: null, finalSource: null });
    expect(accept).toMatchObject({
      isGold: true, goldActive: true, goldDecision: "accept", goldReasons: [], goldInstruction: null,
      status: "final", finalDecision: "accept", finalReasons: [], finalInstruction: "Add a square 1", finalSource: "gold", wanted: 2, taken: 0,
    });
    expect(accept!.finalizedAt).not.toBeNull();
    expect(reject).toMatchObject({
      isGold: true, goldDecision: "reject", goldReasons: ["wrong_object", "extra_change"],
      status: "final", finalDecision: "reject", finalReasons: ["wrong_object", "extra_change"], finalSource: "gold",
    });
    const [counts] = await db.prisma.$queryRaw<{ open: number; final: number }[]>`
      SELECT sum(open)::int AS open, sum(final)::int AS final FROM project_counts WHERE project_id = ${projectId}`;
    expect(counts).toEqual({ open: 1, final: 2 });
  });

  it("reads the aliases: expected_decision, expected_reasons and reference_recaption; a gold re-caption needs its reference", async () => {
    const projectId = await newProject();
    const { view, errors, mapping } = await importFile(projectId, "aliases.jsonl", [
      pair(0, { expected_decision: "recaption", reference_recaption: "Add a red square", expected_reasons: "" }),
      pair(1, { expected_decision: "", reference_recaption: "", expected_reasons: "" }),
      pair(2, { expected_decision: "re-caption", reference_recaption: "", expected_reasons: "" }),
      pair(3, { expected_decision: "reject", reference_recaption: "", expected_reasons: '["artifacts"]' }),
      pair(4, { expected_decision: "accept", reference_recaption: "", expected_reasons: "artifacts|text_wrong" }),
    ]);
    // No flag column: a row with an expected decision is gold.
    expect(mapping).toMatchObject({ gold: null, goldDecision: "expected_decision", goldReasons: "expected_reasons", goldInstruction: "reference_recaption" });
    expect(view).toMatchObject({ inserted: 3, invalid: 2 });
    expect(errors.map((e) => [Number(e.line), e.reason])).toEqual([
      [3, 'column "reference_recaption": a gold re-caption needs its reference instruction'],
      [5, 'column "expected_reasons": expected reasons go with a gold reject, not accept'],
    ]);
    const pairs = await db.prisma.pair.findMany({ where: { projectId }, orderBy: { externalId: "asc" } });
    expect(pairs.map((p) => [p.externalId, p.isGold, p.goldDecision, p.finalInstruction])).toEqual([
      ["p0", true, "recaption", "Add a red square"],
      ["p1", false, null, null],
      ["p3", true, "reject", "Add a square 3"],
    ]);
    expect(pairs[0]).toMatchObject({ goldInstruction: "Add a red square", finalDecision: "recaption", status: "final" });
    expect(pairs[2]).toMatchObject({ goldReasons: ["artifacts"], finalReasons: ["artifacts"] });
  });

  it("checks gold reasons against this project's own taxonomy", async () => {
    const projectId = (
      await db.prisma.project.create({
        data: { name: `gold-own-${Math.random().toString(36).slice(2, 9)}`, rejectReasons: [{ code: "blurry", label: "Blurry", dimension: "VQ" }] },
      })
    ).id;
    const mapping = { externalId: "id", instruction: "instruction", source: "source", edited: "edited", gold: "g", goldDecision: "d", goldReasons: "r" };
    const { view, errors } = await importFile(projectId, "own.jsonl", [
      pair(0, { g: "y", d: "reject", r: "blurry" }),
      pair(1, { g: "y", d: "reject", r: "artifacts, blurry, text_wrong" }),
      pair(2, { g: "n", d: "reject", r: "anything" }),
    ], mapping);
    expect(view).toMatchObject({ inserted: 2, invalid: 1 });
    expect(errors.map((e) => [Number(e.line), e.reason])).toEqual([
      [2, 'column "r": "artifacts", "text_wrong" are not reject reasons of this project (its codes: blurry)'],
    ]);
    // A row flagged not gold is a regular pair whatever its other gold columns say.
    expect(await db.prisma.pair.findFirstOrThrow({ where: { projectId, externalId: "p2" } })).toMatchObject({ isGold: false, status: "open" });
  });
});
