import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { seedExportProject, type TSeeded, type TSeededPair } from "@/test/support/export-fixtures";
import { stopBoss } from "@/lib/db/boss";
import { resetEnvCache } from "@/lib/env";
import { handleExportJob } from "@/lib/exports/job";
import { ConflictError, ForbiddenError, InvalidError } from "@/lib/errors";
import { parseExportFilters, type TExportFilters } from "@/lib/exports/filters";
import { canonicalCopySql, readCanonicalPage, type TCanonicalQuery, type TPageRow } from "@/lib/exports/reader";
import { exportDir, runExport } from "@/lib/exports/run";
import {
  cancelExport,
  createExport,
  createSavedFilter,
  deleteSavedFilter,
  getExportView,
  listExports,
  listSavedFilters,
  openExportDownload,
  readExportManifest,
  resolveFilters,
} from "@/lib/exports/service";
import { ZCanonicalLine, type TCanonicalLine } from "@/lib/exports/formats/canonical-schema";
import { fromCanonical, openCanonicalWriter, toCanonical } from "@/lib/exports/formats/canonical";
import { splitHash, splitOf } from "@/lib/exports/split";
import type { TExportManifest } from "@/lib/exports/schemas";
import { estimateForStrata, startAuditRound } from "@/lib/quality/audit";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { describeTrainerExports } from "./export-trainers";

// The export job on a real engine: filters, keyset pages, canonical lines, the split in SQL and Node, files,
// manifest and checksum, cancel, restart after a crash, and admins only.

const PINNED_HASHES = [0.2277924474193187, 0.8221622567887945];

async function readAll(db: TestDatabase, q: TCanonicalQuery, pageSize: number): Promise<TPageRow[]> {
  const out: TPageRow[] = [];
  let after = "0";
  for (;;) {
    const page = await readCanonicalPage(db, q, after, pageSize);
    out.push(...page);
    if (page.length < pageSize) return out;
    after = page[page.length - 1]!.id;
  }
}

describe.each(engines())("export ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let dataDir: string;
  let seeded: TSeeded;
  let admin: { id: number; role: "admin" };

  const query = (filters: TExportFilters, validationFraction = 0.1): TCanonicalQuery => ({ projectId: seeded.projectId, filters, validationFraction });
  const ids = (rows: { externalId: string }[]) => rows.map((r) => r.externalId);
  const externalIds = (rows: TPageRow[]) => rows.map((r) => (JSON.parse(r.line) as TCanonicalLine).external_id);

  beforeAll(async () => {
    db = await freshDatabase(engine);
    dataDir = await mkdtemp(path.join(tmpdir(), "loupe-exp-"));
    seeded = await seedExportProject(db);
    const [u] = await db.query<{ id: number }>(
      "INSERT INTO users (email, name, password_hash, role) VALUES ('exp-admin@test.local', 'Export Admin', 'x', 'admin') RETURNING id",
    );
    admin = { id: u!.id, role: "admin" };
    // Another project's final pairs interleave ids with this one's; they must never leak in.
    await seedExportProject(db, { pairs: 6 });
  });

  afterAll(async () => {
    await stopBoss(db);
    await db?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("reads every final pair exactly once across page boundaries, in id order, whatever the page size", async () => {
    const expected = ids(seeded.final);
    for (const size of [1, 7, 43, 500]) {
      const rows = await readAll(db, query({}), size);
      expect(externalIds(rows)).toEqual(expected);
      const numeric = rows.map((r) => BigInt(r.id));
      expect(numeric.every((v, i) => i === 0 || v > numeric[i - 1]!)).toBe(true);
    }
  });

  it("narrows by each filter to exactly the pairs it names", async () => {
    const all = seeded.final;
    const cases: [TExportFilters, (p: TSeededPair) => boolean][] = [
      [{ decisions: ["accept"] }, (p) => p.decision === "accept"],
      [{ decisions: ["reject", "recaption"] }, (p) => p.decision !== "accept"],
      [{ adjudicatedOnly: true }, (p) => p.source === "review"],
      [{ minAgreement: 0.75 }, (p) => p.agreement !== null && p.agreement >= 0.75],
      [{ minAgreement: 0.5 }, (p) => p.agreement !== null && p.agreement >= 0.5],
      [{ tasks: ["global"] }, (p) => p.task === "global"],
      [{ subtasks: ["removal", "color"] }, (p) => p.subtask === "removal" || p.subtask === "color"],
      [{ finalizedFrom: "2026-01-10" }, (p) => p.finalizedAt >= "2026-01-10T00:00:00.000Z"],
      [{ finalizedBefore: "2026-01-05" }, (p) => p.finalizedAt < "2026-01-05T00:00:00.000Z"],
      [{ finalizedFrom: "2026-01-03T09:30:00.250Z", finalizedBefore: "2026-01-06T00:00:00+02:00" },
        (p) => p.finalizedAt >= "2026-01-03T09:30:00.250Z" && p.finalizedAt < "2026-01-05T22:00:00.000Z"],
      [{ gold: "exclude" }, (p) => !p.isGold],
      [{ gold: "only" }, (p) => p.isGold],
      [{ decisions: ["accept"], tasks: ["object"], gold: "exclude", adjudicatedOnly: true }, (p) => p.decision === "accept" && p.task === "object" && !p.isGold && p.source === "review"],
    ];
    for (const [filters, keep] of cases) {
      const expected = ids(all.filter(keep));
      expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(filters)).toBeLessThan(all.length);
      const rows = await readAll(db, query(parseExportFilters(filters)), 5);
      expect(externalIds(rows), JSON.stringify(filters)).toEqual(expected);
    }
  });

  it("writes canonical lines that validate, carry every label, and round-trip through TExportRow", async () => {
    const rows = await readAll(db, query({}), 10);
    const labels = await db.query<{ external_id: string; annotator_id: number; decision: string; reasons: string[]; recaption: string | null; seconds_spent: number }>(
      `SELECT p.external_id, l.annotator_id, l.decision::text AS decision, l.reasons, l.recaption, l.seconds_spent
         FROM labels l JOIN pairs p ON p.id = l.pair_id WHERE p.project_id = $1 ORDER BY p.id, l.annotator_id`,
      [seeded.projectId],
    );
    const byPair = new Map<string, typeof labels>();
    for (const l of labels) byPair.set(l.external_id, [...(byPair.get(l.external_id) ?? []), l]);
    const reasons = new Map(DEFAULT_REJECT_REASONS.map((r) => [r.code, r]));
    for (const [i, row] of rows.entries()) {
      expect(row.line).not.toContain("\n");
      const line = ZCanonicalLine.parse(JSON.parse(row.line));
      const seed = seeded.final[i]!;
      expect(line.external_id).toBe(seed.externalId);
      expect(line.final.decision).toBe(seed.decision);
      expect(line.final.source).toBe(seed.source);
      expect(line.final.finalized_at).toBe(seed.finalizedAt);
      expect(line.project).toEqual({ id: seeded.projectId, name: expect.any(String) });
      expect(line.split).toBe(splitOf(seed.externalId, 0.1));
      expect(row.split).toBe(line.split);
      const stored = byPair.get(seed.externalId) ?? [];
      expect(line.labels).toHaveLength(seed.labels);
      expect(line.labels.map((l) => [l.annotator_id, l.decision, l.reasons.map((r) => r.code), l.recaption, l.seconds])).toEqual(
        stored.map((l) => [l.annotator_id, l.decision, l.reasons, l.recaption, l.seconds_spent]),
      );
      for (const r of [...line.final.reasons, ...line.labels.flatMap((l) => l.reasons)]) {
        const known = reasons.get(r.code);
        expect(r).toEqual(known ? { code: r.code, label: known.label, dimension: known.dimension } : { code: r.code, label: r.code, dimension: null });
      }
      // The other formats see the same pair through TExportRow; the row-based canonical writer gives it back.
      expect(toCanonical(fromCanonical(line))).toEqual(line);
    }
    const quoted = rows.map((r) => ZCanonicalLine.parse(JSON.parse(r.line))).find((l) => l.external_id.includes("quoted"))!;
    expect(quoted.external_id).toBe(`ex-ü-"quoted"\\-1`);
    const reviewed = rows.map((r) => ZCanonicalLine.parse(JSON.parse(r.line))).find((l) => l.external_id === "ex-0")!;
    expect(reviewed.review).toMatchObject({ reasons: ["decision"], reviewer_id: seeded.reviewer, note: "note 0" });
    expect(reviewed.images.mask).toMatchObject({ mime: "image/png" });
    const retired = rows.map((r) => ZCanonicalLine.parse(JSON.parse(r.line))).find((l) => l.external_id === "ex-4")!;
    expect(retired.final.reasons.map((r) => r.dimension)).toEqual(["VQ", null]);
    const missingImage = rows.map((r) => ZCanonicalLine.parse(JSON.parse(r.line))).find((l) => l.external_id === "ex-3")!;
    expect(missingImage.images.edited).toMatchObject({ mime: "application/octet-stream", width: 0, height: 0 });
    const recaption = rows.map((r) => ZCanonicalLine.parse(JSON.parse(r.line))).find((l) => l.external_id === "ex-5")!;
    expect(recaption.final.instruction).toBe(`re-caption 5: "say it"\nplainly`);
    expect(recaption.metadata).toEqual({ i: 5, tag: "t2", nested: { ok: true } });
  });

  it("splits by the same hash in SQL and in Node, on every engine", async () => {
    const externals = Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? `ünïcode-${i}-画像` : `pair-${i * 7919}`));
    const edges = ["", " ", "x".repeat(5000), "🐈", "e\u0301"];
    const rows = await db.query<{ e: string; h: number }>(
      "SELECT e, loupe_split_hash(e) AS h FROM unnest($1::text[]) e",
      [[...externals, ...edges]],
    );
    expect(rows).toHaveLength(externals.length + edges.length);
    for (const r of rows) expect(Number(r.h)).toBe(splitHash(r.e));
    const validation = externals.filter((e) => splitOf(e, 0.25) === "validation").length;
    expect(validation).toBeGreaterThan(60);
    expect(validation).toBeLessThan(140);
    // Pinned figures: the same ids give the same split in every later export and Loupe version.
    const pinned = await db.query<{ h: number }>("SELECT loupe_split_hash(e) AS h FROM unnest(ARRAY['pair-1', 'ünïcode-0-画像']) e");
    expect(pinned.map((r) => Number(r.h))).toEqual(PINNED_HASHES);
  });

  it("gives the benchmark a COPY-able form of the same SELECT, with the same lines", async () => {
    const filters = parseExportFilters({ tasks: ["o'bject", "object"], decisions: ["accept", "reject"] });
    const copy = canonicalCopySql({ ...query(filters), maxPairId: null });
    expect(copy).not.toMatch(/\$\d/);
    const viaCopySql = await db.query<{ line: string }>(copy);
    const paged = await readAll(db, query(filters), 4);
    expect(viaCopySql.map((r) => r.line).sort()).toEqual(paged.map((r) => r.line).sort());
    expect(paged.length).toBeGreaterThan(0);
  });

  it("runs an export job: the file, the manifest's counts and checksum, the view, the download", async () => {
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical", filters: { gold: "exclude" }, options: { validationFraction: 0.2 } });
    expect(view.status).toBe("queued");
    expect(await runExport(db, view.id, { dataDir, pageSize: 9 })).toBe("done");
    const done = (await getExportView(db, view.id))!;
    const expected = seeded.final.filter((p) => !p.isGold);
    expect(done).toMatchObject({ status: "done", rowsDone: expected.length, records: expected.length, fraction: 1, totalRows: expected.length });
    const file = path.join(exportDir(dataDir, view.id), done.dataFile!);
    const bytes = await readFile(file);
    const lines = bytes.toString("utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(expected.length);
    expect(lines.map((l) => ZCanonicalLine.parse(JSON.parse(l)).external_id)).toEqual(ids(expected));

    const manifest = JSON.parse(await readExportManifest(db, dataDir, view.id)) as TExportManifest;
    expect(manifest.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(done.sha256).toBe(manifest.sha256);
    expect(manifest.bytes).toBe(bytes.length);
    expect(manifest.files).toEqual([done.dataFile]);
    expect(manifest.filters).toEqual({ gold: "exclude" });
    expect(manifest.loupe.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.records).toBe(expected.length);
    const count = (f: (p: TSeededPair) => string) => expected.reduce<Record<string, number>>((m, p) => ({ ...m, [f(p)]: (m[f(p)] ?? 0) + 1 }), {});
    expect(manifest.counts.decision).toEqual(count((p) => p.decision));
    expect(manifest.counts.subtask).toEqual(count((p) => p.subtask ?? ""));
    const validation = expected.filter((p) => splitOf(p.externalId, 0.2) === "validation").length;
    expect(manifest.counts.split).toEqual({ train: expected.length - validation, validation });
    expect(manifest.recordsPerSplit).toEqual(manifest.counts.split);

    const dl = await openExportDownload(db, dataDir, view.id);
    expect(dl).toMatchObject({ kind: "file", name: done.dataFile, size: bytes.length });
    const downloaded = Buffer.from(await new Response(dl.stream()).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
    expect((await listExports(db, seeded.projectId)).map((e) => e.id)).toContain(view.id);
    const audit = await db.query<{ action: string }>("SELECT action FROM audit_events WHERE subject_type = 'export' AND subject_id = $1", [view.id]);
    expect(audit.map((a) => a.action)).toEqual(["export.create"]);
  });

  it("queues the export.finished webhook in the transaction that marks the export done", async () => {
    const [hook] = await db.query<{ id: number }>(
      `INSERT INTO webhook_endpoints (project_id, url, events, secret) VALUES ($1, 'https://hooks.example.com/x', ARRAY['export.finished'], 's') RETURNING id`,
      [seeded.projectId],
    );
    // An endpoint of the project that did not subscribe to export.finished gets nothing.
    await db.query(
      `INSERT INTO webhook_endpoints (project_id, url, events, secret) VALUES ($1, 'https://hooks.example.com/y', ARRAY['pair.finalized'], 's')`,
      [seeded.projectId],
    );
    try {
      const view = await createExport(db, admin, seeded.projectId, { format: "canonical", filters: { decisions: ["accept"] } });
      expect(await runExport(db, view.id, { dataDir, pageSize: 5 })).toBe("done");
      const done = (await getExportView(db, view.id))!;
      const rows = await db.query<{ endpoint_id: number; event: string; payload: { type: string; projectId: number; data: Record<string, unknown> } }>(
        "SELECT endpoint_id, event, payload FROM webhook_deliveries WHERE event = 'export.finished'",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.endpoint_id).toBe(hook!.id);
      expect(rows[0]!.payload).toMatchObject({ type: "export.finished", projectId: seeded.projectId });
      expect(rows[0]!.payload.data).toMatchObject({
        exportId: view.id,
        format: "canonical",
        pairs: done.rowsDone,
        records: done.records,
        sha256: done.sha256,
        downloadPath: `/api/exports/${view.id}/download`,
      });
    } finally {
      await db.query("DELETE FROM webhook_endpoints WHERE project_id = $1", [seeded.projectId]);
    }
  });

  it("writes the same file from rows (openCanonicalWriter) as from the SQL text", async () => {
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical" });
    expect(await runExport(db, view.id, { dataDir })).toBe("done");
    const done = (await getExportView(db, view.id))!;
    const fromSql = (await readFile(path.join(exportDir(dataDir, view.id), done.dataFile!), "utf8")).trim().split("\n");
    const dir = await mkdtemp(path.join(tmpdir(), "loupe-exp-rows-"));
    const writer = await openCanonicalWriter({ dir, baseName: "rows", options: { images: "files", validationFraction: 0.1 }, imagePath: (s) => s });
    const rows = await readAll(db, query({}), 8);
    for (let i = 0; i < rows.length; i += 8) await writer.write(rows.slice(i, i + 8).map((r) => fromCanonical(JSON.parse(r.line) as TCanonicalLine)));
    const result = await writer.finish();
    expect(result.records).toBe(rows.length);
    const fromRows = (await readFile(path.join(dir, result.dataFile), "utf8")).trim().split("\n");
    expect(fromRows.map((l) => JSON.parse(l))).toEqual(fromSql.map((l) => JSON.parse(l)));
    await rm(dir, { recursive: true, force: true });
  });

  it("cancels a running export: it stops at the next page, keeps nothing and is audited", async () => {
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical" });
    const result = await runExport(db, view.id, {
      dataDir,
      pageSize: 5,
      afterPage: async ({ pages }) => {
        if (pages === 2) await cancelExport(db, admin, view.id);
      },
    });
    expect(result).toBe("cancelled");
    const v = (await getExportView(db, view.id))!;
    expect(v).toMatchObject({ status: "cancelled", downloadUrl: null });
    expect(v.rowsDone).toBe(10);
    expect(existsSync(exportDir(dataDir, view.id))).toBe(false);
    await expect(cancelExport(db, admin, view.id)).rejects.toBeInstanceOf(ConflictError);
    const audit = await db.query<{ action: string; actor_id: number }>(
      "SELECT action, actor_id FROM audit_events WHERE subject_type = 'export' AND subject_id = $1 ORDER BY id", [view.id]);
    expect(audit).toEqual([{ action: "export.create", actor_id: admin.id }, { action: "export.cancel", actor_id: admin.id }]);
    const queued = await createExport(db, admin, seeded.projectId, { format: "canonical" });
    await cancelExport(db, admin, queued.id);
    expect(await runExport(db, queued.id, { dataDir })).toBe("cancelled");
  });

  it("hands the export back, queued and not counted as an attempt, when its process shuts down mid-run", async () => {
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical" });
    let pages = 0;
    const result = await runExport(db, view.id, {
      dataDir,
      pageSize: 5,
      afterPage: (s) => void (pages = s.pages),
      shouldStop: () => pages >= 2,
    });
    expect(result).toBe("interrupted");
    expect(pages).toBe(2); // the page in hand was written and saved, no further
    const [row] = await db.query<{ status: string; attempts: number; rows_done: number; message: string }>(
      "SELECT status::text, attempts, rows_done::int, message FROM exports WHERE id = $1", [view.id]);
    expect(row).toEqual({ status: "queued", attempts: 0, rows_done: 0, message: "Interrupted by a shutdown; starts again on the next worker." });
    expect(existsSync(exportDir(dataDir, view.id))).toBe(false);
    // Through the job: a stopping worker queues it again for the next one.
    expect(await handleExportJob(db, view.id, { stopping: () => true })).toBe("interrupted");
    const queued = await db.query<{ state: string }>(
      "SELECT state::text FROM pgboss.job WHERE name = 'loupe-exports' AND singleton_key = $1", [`export-${view.id}`]);
    expect(queued).toEqual([{ state: "created" }]);
    expect(await runExport(db, view.id, { dataDir, pageSize: 5 })).toBe("done");
    const [after] = await db.query<{ attempts: number }>("SELECT attempts FROM exports WHERE id = $1", [view.id]);
    expect(after!.attempts).toBe(1);
  });

  it("starts the file again after a crash, and fails with the message after repeated errors", async () => {
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical" });
    await expect(runExport(db, view.id, {
      dataDir,
      pageSize: 6,
      afterPage: ({ pages }) => {
        if (pages === 3) throw new Error("simulated crash");
      },
    })).rejects.toThrow("simulated crash");
    expect((await getExportView(db, view.id))!).toMatchObject({ status: "running", rowsDone: 18 });
    expect(await runExport(db, view.id, { dataDir, pageSize: 6 })).toBe("done");
    const done = (await getExportView(db, view.id))!;
    const lines = (await readFile(path.join(exportDir(dataDir, view.id), done.dataFile!), "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as TCanonicalLine).external_id)).toEqual(ids(seeded.final));
    const [row] = await db.query<{ attempts: number }>("SELECT attempts FROM exports WHERE id = $1", [view.id]);
    expect(row!.attempts).toBe(2);

    // An unexpected error each time (the export folder cannot be made): retried, then failed with the reason.
    const jobsDir = await mkdtemp(path.join(tmpdir(), "loupe-exp-jobs-"));
    await writeFile(path.join(jobsDir, "exports"), "not a folder");
    process.env.LOUPE_DATA_DIR = jobsDir;
    resetEnvCache();
    try {
      const broken = await createExport(db, admin, seeded.projectId, { format: "canonical" });
      expect(await handleExportJob(db, broken.id)).toBe("retrying");
      expect((await getExportView(db, broken.id))!.message).toMatch(/^Interrupted by an error; starting again: /);
      expect(await handleExportJob(db, broken.id)).toBe("retrying");
      expect(await handleExportJob(db, broken.id)).toBe("failed");
      const failed = (await getExportView(db, broken.id))!;
      expect(failed.status).toBe("failed");
      expect(failed.message).toMatch(/^Stopped after 3 attempts: .*(ENOTDIR|EEXIST)/);
    } finally {
      delete process.env.LOUPE_DATA_DIR;
      resetEnvCache();
      await rm(jobsDir, { recursive: true, force: true });
    }

    // Stored filters that do not parse fail at once: a retry would not help.
    const bad = await db.prisma.export.create({ data: { projectId: seeded.projectId, format: "canonical", filters: { tasks: "not a list" }, options: {} } });
    expect(await runExport(db, String(bad.id), { dataDir })).toBe("failed");
    expect((await getExportView(db, String(bad.id)))!.message).toBe("Export filters are not valid. Tasks must be a list of names.");
  });

  it("resolves saved filters server-side, keeps names unique per project, refuses bad filters with a sentence", async () => {
    const saved = await createSavedFilter(db, admin, seeded.projectId, { name: "Accepted objects", filters: { decisions: ["accept"], tasks: ["object"] } });
    expect(saved).toMatchObject({ name: "Accepted objects", filters: { decisions: ["accept"], tasks: ["object"] } });
    await expect(createSavedFilter(db, admin, seeded.projectId, { name: "Accepted objects", filters: {} })).rejects.toBeInstanceOf(ConflictError);
    expect(await resolveFilters(db, seeded.projectId, { savedFilterId: saved.id, gold: "exclude" }))
      .toEqual({ decisions: ["accept"], tasks: ["object"], gold: "exclude", savedFilterId: saved.id });
    await expect(resolveFilters(db, seeded.projectId, { savedFilterId: 999999 })).rejects.toThrow(/Saved filter 999999 does not exist/);

    const view = await createExport(db, admin, seeded.projectId, { format: "canonical", filters: { savedFilterId: saved.id } });
    expect(await runExport(db, view.id, { dataDir })).toBe("done");
    const done = (await getExportView(db, view.id))!;
    expect(done.rowsDone).toBe(seeded.final.filter((p) => p.decision === "accept" && p.task === "object").length);
    expect(done.filtersText).toBe("accept · task object");

    await expect(createExport(db, admin, seeded.projectId, { format: "canonical", filters: { minAgreement: 2 } }))
      .rejects.toThrow("Export filters are not valid. Minimum agreement must be a number between 0 and 1.");
    await expect(createExport(db, admin, seeded.projectId, { format: "canonical", filters: { finalizedFrom: "2026-02-01", finalizedBefore: "2026-01-01" } }))
      .rejects.toThrow("Export filters are not valid. The date range is empty: no pair can be finalised from 2026-02-01 and before 2026-01-01.");
    await expect(createExport(db, admin, seeded.projectId, { format: "nope" as "canonical" })).rejects.toBeInstanceOf(InvalidError);
    expect(() => parseExportFilters({ colour: "red" })).toThrow(/^Export filters are not valid\. Unknown filter "colour"; known filters are decisions, /);
    await deleteSavedFilter(db, admin, seeded.projectId, saved.id);
    expect(await listSavedFilters(db, seeded.projectId)).toEqual([]);
  });

  it("refuses reviewers and annotators at the service", async () => {
    for (const role of ["reviewer", "annotator"] as const) {
      const actor = { id: seeded.annotators[0]!, role };
      await expect(createExport(db, actor, seeded.projectId, { format: "canonical" })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(createSavedFilter(db, actor, seeded.projectId, { name: "x", filters: {} })).rejects.toBeInstanceOf(ForbiddenError);
    }
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical" });
    await expect(cancelExport(db, { id: seeded.reviewer, role: "reviewer" }, view.id)).rejects.toBeInstanceOf(ForbiddenError);
    await cancelExport(db, admin, view.id);
  });

  it("the manifest carries the latest audit round's estimate for the strata the export covers (null before a round)", async () => {
    const before = await createExport(db, admin, seeded.projectId, { format: "canonical", filters: { gold: "exclude" }, options: { validationFraction: 0.2 } });
    expect(await runExport(db, before.id, { dataDir })).toBe("done");
    expect((JSON.parse(await readExportManifest(db, dataDir, before.id)) as TExportManifest).audit).toBeNull();
    // Every regular pair drawn, so each exported subtask's stratum has labels.
    await startAuditRound(db, seeded.projectId, admin.id, { allocation: "proportional", size: 100_000 });
    const view = await createExport(db, admin, seeded.projectId, { format: "canonical", filters: { gold: "exclude" }, options: { validationFraction: 0.2 } });
    expect(await runExport(db, view.id, { dataDir })).toBe("done");
    const manifest = JSON.parse(await readExportManifest(db, dataDir, view.id)) as TExportManifest;
    const expected = await estimateForStrata(db, seeded.projectId, { subtasks: Object.keys(manifest.counts.subtask) });
    expect(manifest.audit).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(manifest.audit!.round).toBe(1);
    expect(manifest.audit!.labelled).toBeGreaterThan(0);
    // Every exported subtask's strata (a subtask without a task and one with it are two strata).
    expect(new Set(manifest.audit!.strata.map((s) => s.subtask ?? ""))).toEqual(new Set(Object.keys(manifest.counts.subtask)));
  });

  describeTrainerExports(() => ({ db, dataDir, seeded, admin }));
});
