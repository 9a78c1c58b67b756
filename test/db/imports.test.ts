import { mkdtemp, readFile, rm, writeFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import sharp from "sharp";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { pngBytes, writeImagePairs } from "@/test/support/import-fixtures";
import { createImport, getImportView, previewImport } from "@/lib/imports/service";
import { runImport, type TRunOptions } from "@/lib/imports/run";
import { runDerivatives } from "@/lib/imports/derivatives";
import { ensurePreview } from "@/lib/images/previews";
import { imagePath, putImage } from "@/lib/images/store";
import { closeImagePool } from "@/lib/images/pool";
import { handleImportJob, requeueStalledImports } from "@/lib/imports/job";
import { startJobWorkers } from "@/lib/jobs";
import { resetEnvCache } from "@/lib/env";
import { stopBoss } from "@/lib/db/boss";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";

// The import job end to end on a real engine: bad rows, dedupe, crash and resume, UnicEdit keys, bad files,
// and the pg-boss worker path.

const MAPPING = { externalId: "id", instruction: "instruction", source: "source", edited: "edited" };

describe.each(engines())("imports ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let root: string;
  let dataDir: string;
  let pairsFiles: { source: string; edited: string }[];
  let projectId: number;

  const opts = (extra: Partial<TRunOptions> = {}): TRunOptions => ({
    dataDir,
    fetch: { allowHosts: [], maxBytes: 10_000_000, timeoutMs: 2000 },
    ...extra,
  });

  async function newProject(overlap = 1): Promise<number> {
    const p = await db.prisma.project.create({
      data: { name: `imp-${Math.random().toString(36).slice(2, 9)}`, overlap, rejectReasons: DEFAULT_REJECT_REASONS },
    });
    return p.id;
  }

  async function start(file: string, req: Partial<TImportRequest> = {}, project = projectId) {
    return createImport(db, null, project, { source: { kind: "path", path: file }, preset: null, mapping: MAPPING, ...req } as TImportRequest, {
      importRoot: null,
      cliPath: file,
      imageRoot: root,
    });
  }

  beforeAll(async () => {
    db = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-imp-"));
    dataDir = path.join(root, ".data");
    pairsFiles = await writeImagePairs(root, 6);
    projectId = await newProject(2);
  });

  afterAll(async () => {
    await stopBoss(db);
    await closeImagePool();
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("imports a JSONL manifest, reports each bad row with its line, and derives previews and change maps", async () => {
    await writeFile(path.join(root, "outside.png"), await pngBytes({ bg: [1, 2, 3] }));
    const lines = [
      JSON.stringify({ id: "a1", instruction: "add a square", source: pairsFiles[0]!.source, edited: pairsFiles[0]!.edited, task: "object" }),
      "{not json",
      JSON.stringify({ id: "a2", instruction: "add a square", source: pairsFiles[1]!.source, edited: pairsFiles[1]!.edited }),
      JSON.stringify({ id: "a3", instruction: "", source: pairsFiles[2]!.source, edited: pairsFiles[2]!.edited }),
      JSON.stringify({ id: "a4", instruction: "escape", source: "../outside.png", edited: pairsFiles[2]!.edited }),
      JSON.stringify({ id: "a5", instruction: "missing", source: "images/nope.png", edited: pairsFiles[2]!.edited }),
      JSON.stringify({ id: "a6", instruction: "private url", source: "http://127.0.0.1:9/x.png", edited: pairsFiles[2]!.edited }),
      JSON.stringify({ id: "a7", instruction: "add a square", source: pairsFiles[3]!.source, edited: pairsFiles[3]!.edited }),
    ];
    const file = path.join(root, "m1.jsonl");
    await writeFile(file, lines.join("\n") + "\n");
    const view = await start(file, { mapping: { ...MAPPING, task: "task" } });
    expect(view.status).toBe("queued");
    expect(await runImport(db, view.id, opts())).toBe("done");
    const done = (await getImportView(db, view.id))!;
    expect(done).toMatchObject({ status: "done", rowsDone: 8, inserted: 3, duplicates: 0, invalid: 5, fraction: 1 });
    const errors = await db.prisma.importError.findMany({ where: { importId: BigInt(view.id) }, orderBy: { recordIndex: "asc" } });
    expect(errors.map((e) => Number(e.line))).toEqual([2, 4, 5, 6, 7]);
    expect(errors[0]!.reason).toMatch(/JSON/i);
    expect(errors[1]!.reason).toMatch(/instruction/i);
    expect(errors[2]!.reason).toMatch(/root/i);
    expect(errors[3]!.reason).toMatch(/not found/i);
    expect(errors[4]!.reason).toMatch(/refused|private|loopback/i);
    // Previews and change maps are the derivative workers' (decision 015).
    expect(await db.prisma.pair.count({ where: { projectId, heatmapImage: { not: null } } })).toBe(0);
    expect(await runDerivatives(db, { dataDir })).toMatchObject({ done: 3, more: false });
    const pairs = await db.prisma.pair.findMany({ where: { projectId }, orderBy: { externalId: "asc" } });
    expect(pairs.map((p) => p.externalId)).toEqual(["a1", "a2", "a7"]);
    for (const p of pairs) {
      expect(p.wanted).toBe(2);
      expect(p.heatmapImage).toMatch(/^[0-9a-f]{64}$/);
      expect(p.changeFraction).toBeGreaterThan(0.05);
      expect(p.changeFraction).toBeLessThan(0.4);
      expect(p.ssim).toBeLessThan(1);
      expect(p.sourcePreview).toBeNull(); // a 64x64 PNG is its own preview (stored as NULL)
    }
    const images = await db.prisma.image.count();
    expect(images).toBeGreaterThanOrEqual(6 + 3); // 3 pairs of images + 3 heatmaps
    const counts = await db.query<{ open: string }>("SELECT sum(open)::text AS open FROM project_counts WHERE project_id = $1", [projectId]);
    expect(Number(counts[0]!.open)).toBe(3);
    const audit = await db.prisma.auditEvent.findMany({ where: { subjectType: "import", subjectId: view.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(["import.created", "import.finished"]);

    const again = await start(file, { mapping: { ...MAPPING, task: "task" } });
    expect(await runImport(db, again.id, opts())).toBe("done");
    expect(await getImportView(db, again.id)).toMatchObject({ inserted: 0, duplicates: 3, invalid: 5 });
    expect(await db.prisma.pair.count({ where: { projectId } })).toBe(3);
  });

  it("resumes a job killed mid-import with no duplicates and no gaps", async () => {
    const project = await newProject();
    const n = 23;
    const lines = Array.from({ length: n }, (_, i) =>
      i === 11 ? "[1,2]" : JSON.stringify({ id: `r${i}`, instruction: `edit ${i}`, source: pairsFiles[i % 6]!.source, edited: pairsFiles[(i + 1) % 6]!.edited }),
    );
    const file = path.join(root, "crash.jsonl");
    await writeFile(file, lines.join("\n"));
    const view = await start(file, {}, project);
    let crashes = 0;
    await expect(
      runImport(db, view.id, opts({ batchSize: 4, afterBatch: ({ batches }) => {
        if (batches === 2) {
          crashes++;
          throw new Error("simulated crash");
        }
      } })),
    ).rejects.toThrow("simulated crash");
    expect(crashes).toBe(1);
    const mid = (await getImportView(db, view.id))!;
    expect(mid).toMatchObject({ status: "running", rowsDone: 8 });
    // A second crash inside a batch (before its commit) must not leave half a batch behind.
    await expect(
      runImport(db, view.id, opts({ batchSize: 4, afterBatch: () => { throw new Error("again"); } })),
    ).rejects.toThrow("again");
    expect((await getImportView(db, view.id))!.rowsDone).toBe(12);
    expect(await runImport(db, view.id, opts({ batchSize: 4 }))).toBe("done");
    const done = (await getImportView(db, view.id))!;
    expect(done).toMatchObject({ status: "done", rowsDone: n, inserted: n - 1, duplicates: 0, invalid: 1 });
    const ids = (await db.prisma.pair.findMany({ where: { projectId: project }, select: { externalId: true } })).map((p) => p.externalId).sort();
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => `r${i}`).filter((x) => x !== "r11").sort());
    expect(await db.prisma.importError.count({ where: { importId: BigInt(view.id) } })).toBe(1);
  });

  it("dedupes UnicEdit-style rows on key plus image hashes", async () => {
    const project = await newProject();
    const rows = [
      { key: "k1", prompt_en: "make it red", prompt_cn: "变红", edit_task: "attribute", edit_subtask: "Color Alteration", src_image: pairsFiles[0]!.source, edit_image: pairsFiles[0]!.edited },
      { key: "k1", prompt_en: "make it blue", prompt_cn: "变蓝", edit_task: "attribute", edit_subtask: "Color Alteration", src_image: pairsFiles[1]!.source, edit_image: pairsFiles[1]!.edited },
    ];
    const file = path.join(root, "unic.jsonl");
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n"));
    const v1 = await start(file, { preset: "unicedit", mapping: undefined }, project);
    expect(await runImport(db, v1.id, opts())).toBe("done");
    expect(await getImportView(db, v1.id)).toMatchObject({ inserted: 2, duplicates: 0, invalid: 0 });
    const pairs = await db.prisma.pair.findMany({ where: { projectId: project }, orderBy: { id: "asc" } });
    expect(pairs.map((p) => p.instructionCn)).toEqual(["变红", "变蓝"]);
    expect(pairs.every((p) => p.externalId.startsWith("k1#"))).toBe(true);
    expect(pairs[0]!.subtask).toBe("Color Alteration");
    const v2 = await start(file, { preset: "unicedit", mapping: undefined }, project);
    expect(await runImport(db, v2.id, opts())).toBe("done");
    expect(await getImportView(db, v2.id)).toMatchObject({ inserted: 0, duplicates: 2 });
  });

  it("refuses a symlink leading out of the image root, and fails a file that is not Parquet with a message", async () => {
    const project = await newProject();
    const outside = await mkdtemp(path.join(tmpdir(), "loupe-out-"));
    await writeFile(path.join(outside, "secret.png"), await pngBytes({ bg: [9, 9, 9] }));
    await symlink(path.join(outside, "secret.png"), path.join(root, "images", "link.png"));
    const file = path.join(root, "link.jsonl");
    await writeFile(file, JSON.stringify({ id: "s1", instruction: "x", source: "images/link.png", edited: pairsFiles[0]!.edited }));
    const v = await start(file, {}, project);
    expect(await runImport(db, v.id, opts())).toBe("done");
    const err = await db.prisma.importError.findFirst({ where: { importId: BigInt(v.id) } });
    expect(err?.reason).toMatch(/outside|escapes|root/i);

    // A 0-byte image and a file that is not an image are invalid rows, with the reason.
    await writeFile(path.join(root, "images", "empty.png"), "");
    await writeFile(path.join(root, "images", "text.png"), "just some text, not a picture");
    const imgs = path.join(root, "imgs.jsonl");
    await writeFile(imgs, [
      JSON.stringify({ id: "e1", instruction: "x", source: "images/empty.png", edited: pairsFiles[0]!.edited }),
      JSON.stringify({ id: "e2", instruction: "x", source: pairsFiles[0]!.source, edited: "images/text.png" }),
    ].join("\n"));
    const vi = await start(imgs, {}, project);
    expect(await runImport(db, vi.id, opts())).toBe("done");
    const reasons = (await db.prisma.importError.findMany({ where: { importId: BigInt(vi.id) }, orderBy: { recordIndex: "asc" } })).map((e) => e.reason);
    expect(reasons[0]).toMatch(/^source image: .*empty/i);
    expect(reasons[1]).toMatch(/^edited image: .*not an image|unsupported|unrecognised/i);

    const bad = path.join(root, "fake.parquet");
    await writeFile(bad, "this is not parquet at all");
    await expect(start(bad, { format: "parquet" }, project)).rejects.toThrow(/Parquet/);
    await rm(outside, { recursive: true, force: true });
  });

  it("refuses a value the database cannot store, reports an unclosed CSV quote by line, and hides dotfiles", async () => {
    const project = await newProject();
    // 1e300 does not fit a Postgres real: that row is invalid, the rest of its batch imports.
    const file = path.join(root, "range.jsonl");
    await writeFile(file, [
      JSON.stringify({ id: "v1", instruction: "ok", source: pairsFiles[0]!.source, edited: pairsFiles[0]!.edited, score: 0.5, note: "a\ud800b" }),
      JSON.stringify({ id: "v2", instruction: "too big", source: pairsFiles[1]!.source, edited: pairsFiles[1]!.edited, score: 1e300 }),
      JSON.stringify({ id: "v3", instruction: "ok", source: pairsFiles[2]!.source, edited: pairsFiles[2]!.edited, score: 0.9 }),
    ].join("\n"));
    const v = await start(file, { mapping: { ...MAPPING, vsOverall: "score", metadata: ["note"] } }, project);
    expect(await runImport(db, v.id, opts())).toBe("done");
    expect(await getImportView(db, v.id)).toMatchObject({ inserted: 2, invalid: 1 });
    const err = await db.prisma.importError.findFirst({ where: { importId: BigInt(v.id) } });
    expect(Number(err!.line)).toBe(2);
    const meta = await db.prisma.pair.findFirst({ where: { projectId: project, externalId: "v1" } });
    expect((meta!.metadata as { note: string }).note).toBe("a\ufffdb");

    // A CSV whose last field never closes its quote: that record is reported, the rows before it stay.
    const csv = path.join(root, "broken.csv");
    const good = pairsFiles.slice(0, 3).map((p, i) => `b${i},fine,${p.source},${p.edited}`);
    await writeFile(csv, ["id,instruction,source,edited", ...good, `b9,"never closed,${pairsFiles[0]!.source},${pairsFiles[0]!.edited}`].join("\n"));
    const b = await start(csv, {}, project);
    expect(await runImport(db, b.id, opts())).toBe("done");
    expect(await getImportView(db, b.id)).toMatchObject({ inserted: 3, invalid: 1 });
    const qe = await db.prisma.importError.findFirst({ where: { importId: BigInt(b.id) } });
    expect(Number(qe!.line)).toBe(5);
    expect(qe!.reason).toMatch(/quote/i);

    // Hidden files under the import root are refused even when named directly; so are non-data files.
    await writeFile(path.join(root, ".env"), "SECRET=1\n");
    await writeFile(path.join(root, "notes.txt"), "id\n1\n");
    const viaRoot = (p: string) => previewImport(db, { source: { kind: "path", path: p } } as TImportRequest, { importRoot: root });
    await expect(viaRoot(".env")).rejects.toThrow(/hidden/);
    await expect(viaRoot("notes.txt")).rejects.toThrow(/not a data file/);
    await expect(viaRoot("../etc/passwd")).rejects.toThrow(/outside the import root/);
  });

  it("imports a ScaleEdit Parquet shard with embedded images; a corrupt last row group keeps the rows before it", async () => {
    const project = await newProject();
    // 30 rows in row groups of 10: the preview (20 rows) reads groups 0 and 1 only.
    const n = 30;
    const srcs = await Promise.all(Array.from({ length: n }, (_, i) => pngBytes({ bg: [i * 40, 10, 200 - i * 30] })));
    const edits = await Promise.all(Array.from({ length: n }, (_, i) => pngBytes({ bg: [i * 40, 10, 200 - i * 30], square: { x: 8, y: 8, w: 20, rgb: [255, 255, 0] } })));
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "id", data: Array.from({ length: n }, (_, i) => `se-${i}`), type: "STRING" },
        { name: "edit_task", data: Array.from({ length: n }, () => "object_addition"), type: "STRING" },
        { name: "edit_instruction", data: Array.from({ length: n }, (_, i) => `add a yellow square ${i}`), type: "STRING" },
        { name: "source_image", data: srcs.map((b) => new Uint8Array(b)), type: "BYTE_ARRAY" },
        { name: "edited_image", data: edits.map((b) => new Uint8Array(b)), type: "BYTE_ARRAY" },
        { name: "source_image_width", data: Array(n).fill(64), type: "INT32" },
        { name: "source_image_height", data: Array(n).fill(64), type: "INT32" },
        { name: "edited_image_width", data: Array(n).fill(64), type: "INT32" },
        { name: "edited_image_height", data: Array(n).fill(64), type: "INT32" },
        { name: "instruction_following_score", data: Array.from({ length: n }, (_, i) => (i % 3) + 1), type: "INT32" },
        { name: "editing_consistency_score", data: Array.from({ length: n }, () => 2), type: "INT32" },
        { name: "generation_quality_score", data: Array.from({ length: n }, () => 3), type: "INT32" },
      ],
      rowGroupSize: 10,
    });
    const good = path.join(root, "scaleedit.parquet");
    await writeFile(good, new Uint8Array(buf));
    const v = await start(good, { preset: "scaleedit", mapping: undefined }, project);
    expect(v.totalRows).toBe(n);
    expect(await runImport(db, v.id, opts({ batchSize: 7 }))).toBe("done");
    expect(await getImportView(db, v.id)).toMatchObject({ inserted: n, invalid: 0, rowsDone: n, fraction: 1 });
    const pairs = await db.prisma.pair.findMany({ where: { projectId: project }, orderBy: { externalId: "asc" } });
    expect(pairs[0]).toMatchObject({ externalId: "object_addition:se-0", task: "object", subtask: "addition", verifierScores: { instruction_following: 1, editing_consistency: 2, generation_quality: 3 } });
    expect(await runDerivatives(db, { dataDir })).toMatchObject({ more: false }); // earlier tests' pairs too
    const derived = await db.prisma.pair.findMany({ where: { projectId: project } });
    expect(derived.every((p) => p.heatmapImage !== null && (p.changeFraction ?? 0) > 0)).toBe(true);

    // Wreck the last row group's column data: groups 0 and 1 (20 rows) import, then the job fails with a message.
    const bytes = new Uint8Array(buf.slice(0));
    const meta = parquetMetadata(bytes.buffer);
    for (const chunk of meta.row_groups[2]!.columns) {
      const m = chunk.meta_data!;
      const startAt = Number(m.dictionary_page_offset ?? m.data_page_offset);
      bytes.fill(0xff, startAt, startAt + Number(m.total_compressed_size));
    }
    const project2 = await newProject();
    const broken = path.join(root, "scaleedit-broken.parquet");
    await writeFile(broken, bytes);
    const b = await start(broken, { preset: "scaleedit", mapping: undefined }, project2);
    expect(await runImport(db, b.id, opts({ batchSize: 100 }))).toBe("failed");
    const bv = (await getImportView(db, b.id))!;
    expect(bv).toMatchObject({ status: "failed", inserted: 20, rowsDone: 20 });
    expect(bv.message).toMatch(/row group 2/);
    expect(bv.message).toMatch(/20 inserted/);
    expect(await db.prisma.pair.count({ where: { projectId: project2 } })).toBe(20);
  });

  it("retries an unexpected error with a message and fails the import after five in a row", async () => {
    const project = await newProject();
    const file = path.join(root, "retry.jsonl");
    await writeFile(file, JSON.stringify({ id: "t1", instruction: "x", source: pairsFiles[4]!.source, edited: pairsFiles[5]!.edited }));
    const v = await start(file, {}, project);
    // A data folder that is a file: storing the images fails with an error no row is to blame for.
    const notADir = path.join(root, "not-a-dir");
    await writeFile(notADir, "");
    const saved = process.env.LOUPE_DATA_DIR;
    process.env.LOUPE_DATA_DIR = notADir;
    resetEnvCache();
    try {
      const results: string[] = [];
      for (let i = 0; i < 5; i++) results.push(await handleImportJob(db, v.id));
      expect(results).toEqual(["retrying", "retrying", "retrying", "retrying", "failed"]);
    } finally {
      // Assigning undefined to process.env would store the string "undefined".
      if (saved === undefined) delete process.env.LOUPE_DATA_DIR;
      else process.env.LOUPE_DATA_DIR = saved;
      resetEnvCache();
    }
    const view = (await getImportView(db, v.id))!;
    expect(view.status).toBe("failed");
    expect(view.message).toMatch(/^Stopped after 5 failed attempts: .*ENOTDIR/);
    expect(await db.prisma.pair.count({ where: { projectId: project } })).toBe(0);
  });

  it("runs through the pg-boss worker and resumes a stalled import", async () => {
    const project = await newProject();
    const file = path.join(root, "worker.jsonl");
    await writeFile(file, pairsFiles.map((p, i) => JSON.stringify({ id: `w${i}`, instruction: "x", source: p.source, edited: p.edited })).join("\n"));
    const view = await start(file, {}, project);
    // Pretend a previous worker died holding it: status running, heartbeat long ago.
    await db.query("UPDATE imports SET status = 'running', updated_at = now() - interval '1 hour' WHERE id = $1", [view.id]);
    const worker = await startJobWorkers(db);
    try {
      await requeueStalledImports(db); // harmless next to the worker's own start-up sweep: one queued job per import
      const deadline = Date.now() + 60_000;
      let v = await getImportView(db, view.id);
      while (v && v.status !== "done" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        v = await getImportView(db, view.id);
      }
      if (v?.status !== "done") console.log(v, await db.execMulti("select name, state, singleton_key, data, output from pgboss.job"));
      expect(v).toMatchObject({ status: "done", inserted: 6, invalid: 0 });
    } finally {
      await worker.stop();
    }
  });

  // Decision 015: the import stores and checks images and leaves previews and change maps to the derivative
  // workers, whose work list is the pair_derivatives table; the image route makes a missing preview on request.
  interface DerivedRow {
    id: string;
    source_preview: string | null;
    edited_preview: string | null;
    heatmap_image: string | null;
    change_fraction: number | null;
    ssim: number | null;
    queue_disagreement: number;
  }

  async function importForDerivatives(): Promise<number> {
    // A source too large to show as it is: its preview is a smaller WebP.
    await writeFile(
      path.join(root, "images/big.jpg"),
      await sharp({ create: { width: 1400, height: 1000, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer(),
    );
    const rows = [
      { id: "d0", instruction: "add a square", source: pairsFiles[0]!.source, edited: pairsFiles[0]!.edited, failure: "no edit" },
      { id: "d1", instruction: "add a square", source: pairsFiles[1]!.source, edited: pairsFiles[1]!.edited },
      { id: "d2", instruction: "add a square", source: pairsFiles[2]!.source, edited: pairsFiles[2]!.edited },
      { id: "d3", instruction: "recolour", source: "images/big.jpg", edited: pairsFiles[0]!.edited },
    ];
    const file = path.join(root, "derive.jsonl");
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n"));
    const project = await newProject();
    const view = await start(file, { mapping: { ...MAPPING, verifierFailureClass: "failure" } }, project);
    // Earlier tests' pairs are derived first, so only this import's pairs wait.
    await runDerivatives(db, { dataDir });
    expect(await runImport(db, view.id, opts())).toBe("done");
    return project;
  }

  it("leaves previews and change maps to the job, which fills them once however many workers run it", async () => {
    const projectId = await importForDerivatives();
    const derived = () =>
      db.query<DerivedRow>(
        `SELECT id::text, source_preview, edited_preview, heatmap_image, change_fraction, ssim, queue_disagreement
           FROM pairs WHERE project_id = $1 ORDER BY external_id`,
        [projectId],
      );
    const pending = async () => Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pair_derivatives"))[0]!.n);
    // The import stored the originals and nothing derived from them.
    const before = await derived();
    expect(before).toHaveLength(4);
    expect(before.every((p) => p.heatmap_image === null && p.source_preview === null && p.change_fraction === null)).toBe(true);
    expect(await pending()).toBe(4);
    const bigSource = `SELECT preview_sha256 FROM images WHERE sha256 = (SELECT source_image FROM pairs WHERE project_id = $1 AND external_id = 'd3')`;
    expect(await db.query(bigSource, [projectId])).toEqual([{ preview_sha256: null }]);

    // Two workers at once, one pair per claim: each pair is claimed by one of them.
    const [a, b] = await Promise.all([runDerivatives(db, { dataDir, batchSize: 1 }), runDerivatives(db, { dataDir, batchSize: 1 })]);
    expect(a.done + b.done).toBe(4);
    expect(await pending()).toBe(0);
    const after = await derived();
    for (const p of after) {
      expect(p.heatmap_image).toMatch(/^[0-9a-f]{64}$/);
      expect(p.change_fraction).toBeGreaterThan(0.05);
      expect(p.ssim).toBeLessThan(1);
    }
    // Small PNGs are their own previews (NULL); the big JPEG got a WebP no longer than 1024 pixels.
    const big = after.find((p) => p.source_preview !== null)!;
    expect(after.filter((p) => p.source_preview !== null)).toHaveLength(1);
    expect(await sharp(await readFile(imagePath(dataDir, big.source_preview!))).metadata()).toMatchObject({ format: "webp", width: 1024 });
    // "No edit" from the verifier against a visible change: the disagreement key counts the change fraction.
    expect(after[0]!.queue_disagreement).toBeGreaterThanOrEqual(3);
    expect(after[1]!.queue_disagreement).toBe(0);

    // A second run finds nothing; a pair put back (a worker that died holding it, its lease run out) gets the same values.
    expect(await runDerivatives(db, { dataDir })).toEqual({ done: 0, more: false });
    await db.query(
      `UPDATE pairs SET heatmap_image = NULL, change_fraction = NULL, ssim = NULL, source_preview = NULL WHERE id = $1`,
      [big.id],
    );
    await db.query("INSERT INTO pair_derivatives (pair_id, lease_until, attempts) VALUES ($1, now() - interval '1 second', 1)", [big.id]);
    expect(await runDerivatives(db, { dataDir })).toMatchObject({ done: 1 });
    expect(await derived()).toEqual(after);
  });

  it("makes a missing preview on first need and stores it once", async () => {
    const big = await sharp({ create: { width: 2000, height: 500, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
    const stored = await putImage(db, dataDir, big);
    const images = await db.prisma.image.count();
    const [first, second] = await Promise.all([ensurePreview(db, dataDir, stored.sha256), ensurePreview(db, dataDir, stored.sha256)]);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
    expect(first).not.toBe(stored.sha256);
    expect(await db.prisma.image.findUnique({ where: { sha256: stored.sha256 } })).toMatchObject({ previewSha256: first });
    expect(await db.prisma.image.count()).toBe(images + 1);
    expect(await ensurePreview(db, dataDir, stored.sha256)).toBe(first);
    expect(await db.prisma.image.count()).toBe(images + 1);
    // A small browser image is its own preview; an unknown image has none.
    const small = await putImage(db, dataDir, await sharp({ create: { width: 8, height: 8, channels: 3, background: "#fff" } }).png().toBuffer());
    expect(await ensurePreview(db, dataDir, small.sha256)).toBe(small.sha256);
    expect(await ensurePreview(db, dataDir, "0".repeat(64))).toBeNull();
  });
});
