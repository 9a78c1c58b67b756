import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { writeScaleEditShard } from "@/test/support/parquet-shard";
import { cancelImport, createImport, getImportView, previewImport, resumeImport } from "@/lib/imports/service";
import { runImport, type TRunOptions } from "@/lib/imports/run";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";

// A ScaleEdit shard as released (one row group of many pages, no page index) imported in batches inside the
// row group: a crash, a pause and a cancel mid-group each resume with every row exactly once.

describe.each(engines())("Parquet imports inside one row group ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let root: string;
  let file: string;
  const ROWS = 90;
  const nullSource = (i: number) => i % 17 === 5;

  const opts = (extra: Partial<TRunOptions> = {}): TRunOptions => ({
    dataDir: path.join(root, ".data"),
    fetch: { allowHosts: [], maxBytes: 10_000_000, timeoutMs: 2000 },
    batchSize: 8,
    ...extra,
  });

  beforeAll(async () => {
    db = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-imp-pq-"));
    const pool = await Promise.all(
      Array.from({ length: 5 }, (_, k) =>
        sharp({ create: { width: 96, height: 96, channels: 3, background: { r: k * 50, g: 120, b: 255 - k * 40 } } })
          .jpeg({ quality: 90 })
          .toBuffer()
          .then((b) => new Uint8Array(b)),
      ),
    );
    file = path.join(root, "object_addition_0000.parquet");
    await writeScaleEditShard(file, { rows: ROWS, pool, nullSource, pageSize: 4096 });
  });

  afterAll(async () => {
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("previews 20 rows, then survives a crash, a pause and a cancel mid-group with no duplicates and no gaps", async () => {
    const project = await db.prisma.project.create({ data: { name: "shard", overlap: 1, rejectReasons: DEFAULT_REJECT_REASONS } });
    const source = { kind: "path" as const, path: file };
    const ctx = { importRoot: null, cliPath: file, imageRoot: null };
    const preview = await previewImport(db, { source, preset: "scaleedit" } as TImportRequest, ctx);
    expect(preview.rows).toHaveLength(20);

    const view = await createImport(db, null, project.id, { source, preset: "scaleedit", mapping: undefined } as unknown as TImportRequest, ctx);
    expect(view.totalRows).toBe(ROWS);
    const size = (await stat(file)).size;

    // A crash after the third committed batch: 24 rows in, byte progress part of the way through the group.
    await expect(
      runImport(db, view.id, opts({ afterBatch: ({ batches }) => {
        if (batches === 3) throw new Error("simulated crash");
      } })),
    ).rejects.toThrow("simulated crash");
    const crashed = (await getImportView(db, view.id))!;
    expect(crashed).toMatchObject({ status: "running", rowsDone: 24 });
    expect(crashed.bytesDone).toBeGreaterThan(0);
    expect(crashed.bytesDone).toBeLessThan(size / 2);

    expect(await runImport(db, view.id, opts({ budgetMs: 0 }))).toBe("paused");
    const paused = (await getImportView(db, view.id))!;
    expect(paused.rowsDone).toBe(32);
    expect(paused.bytesDone).toBeGreaterThan(crashed.bytesDone);

    await cancelImport(db, null, view.id);
    expect(await runImport(db, view.id, opts())).toBe("cancelled");
    await resumeImport(db, null, view.id);
    expect(await runImport(db, view.id, opts())).toBe("done");

    const nulls = Array.from({ length: ROWS }, (_, i) => i).filter(nullSource);
    const done = (await getImportView(db, view.id))!;
    expect(done).toMatchObject({ status: "done", rowsDone: ROWS, inserted: ROWS - nulls.length, duplicates: 0, invalid: nulls.length });
    const ids = await db.query<{ external_id: string }>("SELECT external_id FROM pairs WHERE project_id = $1", [project.id]);
    // The preset's id is edit_task:id (id restarts in every task folder).
    expect(ids.map((r) => Number(r.external_id.split(":")[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i).filter((i) => !nullSource(i)));
    const errors = await db.prisma.importError.findMany({ where: { importId: BigInt(view.id) }, orderBy: { recordIndex: "asc" } });
    expect(errors.map((e) => Number(e.recordIndex))).toEqual(nulls);
    expect(errors.map((e) => [e.rowGroup, e.rowInGroup])).toEqual(nulls.map((i) => [0, i]));
    expect(errors[0]!.reason).toMatch(/source_image/);
  });
});
