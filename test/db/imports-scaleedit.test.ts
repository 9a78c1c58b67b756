import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { writeScaleEditShard } from "@/test/support/parquet-shard";
import { writeImagePairs } from "@/test/support/import-fixtures";
import { createImport, getImportView, previewImport, REPORT_HEADER, streamImportReport } from "@/lib/imports/service";
import { runImport, type TRunOptions } from "@/lib/imports/run";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";

// ScaleEdit as released: task folders whose ids restart at 0, rows whose source is only a URL and its
// sha256 (served here by a local server the fetch policy allow-lists), every already-present row reported
// with the earlier row it matched, and a preview that resolves images the way the import will.

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function readReport(stream: ReadableStream<Uint8Array>): Promise<Record<string, string>[]> {
  const text = await new Response(stream).text();
  const [header, ...lines] = text.trim().split("\n");
  expect(header).toBe(REPORT_HEADER);
  const names = header!.split(",");
  // No cell in these fixtures holds a comma or a quote, so a plain split reads them.
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [names[i]!, v])));
}

describe.each(engines())("ScaleEdit as released ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let root: string;
  let pool: Uint8Array[];
  let server: http.Server;
  let port = 0;
  const requests: string[] = [];

  const fetchPolicy = { allowHosts: ["127.0.0.1"], maxBytes: 10_000_000, timeoutMs: 5000 };
  const opts = (extra: Partial<TRunOptions> = {}): TRunOptions => ({ dataDir: path.join(root, ".data"), fetch: fetchPolicy, batchSize: 5, ...extra });
  const newProject = (name: string) => db.prisma.project.create({ data: { name, overlap: 1, rejectReasons: DEFAULT_REJECT_REASONS } });
  const start = (projectId: number, target: string, req: Partial<TImportRequest> = { preset: "scaleedit" }) =>
    createImport(db, null, projectId, { source: { kind: "path", path: target }, ...req } as TImportRequest, { importRoot: null, cliPath: target, imageRoot: root });

  beforeAll(async () => {
    db = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-imp-se-"));
    pool = await Promise.all(
      Array.from({ length: 4 }, (_, k) =>
        sharp({ create: { width: 80 + k * 8, height: 60, channels: 3, background: { r: 40 * k, g: 200 - 30 * k, b: 90 } } })
          .jpeg({ quality: 90 })
          .toBuffer()
          .then((b) => new Uint8Array(b)),
      ),
    );
    // /img/<k>.jpg serves pool image k, as the dataset's source URLs serve the original pictures.
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      const k = Number(/^\/img\/(\d+)\.jpg$/.exec(req.url ?? "")?.[1] ?? -1);
      const body = pool[k];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": body.length }).end(Buffer.from(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("keeps every row of a folder import across task folders whose ids overlap, and reports a second import as all already present", async () => {
    const tasks = path.join(root, "tasks");
    const folders = [
      ["2.1_object_addition", "object_addition_0000.parquet", "addition"],
      ["2.2_object_removal", "object_removal_0000.parquet", "removal"],
    ] as const;
    for (const [folder, file] of folders) {
      await mkdir(path.join(tasks, folder), { recursive: true });
      await writeScaleEditShard(path.join(tasks, folder, file), { rows: 12, pool, task: folder, pageSize: 4096 });
    }
    const project = await newProject("task folders");
    const first = await start(project.id, tasks);
    expect(first.totalRows).toBe(24);
    expect(await runImport(db, first.id, opts())).toBe("done");
    expect(await getImportView(db, first.id)).toMatchObject({ inserted: 24, duplicates: 0, invalid: 0, outcome: "imported" });

    const pairs = await db.query<{ external_id: string; task: string; subtask: string; import_id: string; import_file: number; import_record: string }>(
      `SELECT external_id, task, subtask, import_id::text, import_file, import_record::text FROM pairs WHERE project_id = $1`,
      [project.id],
    );
    const expected = folders.flatMap(([folder], f) => Array.from({ length: 12 }, (_, i) => ({ id: `${folder}:${i}`, f, i })));
    expect(pairs.map((p) => p.external_id).sort()).toEqual(expected.map((e) => e.id).sort());
    for (const [folder, , subtask] of folders) {
      const mine = pairs.filter((p) => p.external_id.startsWith(`${folder}:`));
      expect(mine.every((p) => p.task === "object" && p.subtask === subtask)).toBe(true);
    }
    // Each pair remembers the import, file and row it came from.
    for (const e of expected) {
      expect(pairs.find((p) => p.external_id === e.id)).toMatchObject({ import_id: first.id, import_file: e.f, import_record: String(e.i) });
    }

    // The same folder again: nothing new, never silently; every row is listed with the pair it matched.
    const second = await start(project.id, tasks);
    expect(await runImport(db, second.id, opts())).toBe("done");
    const view = (await getImportView(db, second.id))!;
    expect(view).toMatchObject({ inserted: 0, duplicates: 24, invalid: 0, outcome: "nothing-new", message: "Nothing new: 24 rows already present." });
    const report = await readReport(streamImportReport(db, second.id));
    expect(report).toHaveLength(24);
    const pairIds = new Map((await db.query<{ id: string; external_id: string }>("SELECT id::text, external_id FROM pairs WHERE project_id = $1", [project.id])).map((p) => [p.external_id, p.id]));
    for (const [k, e] of expected.entries()) {
      const file = path.join("tasks", folders[e.f]![0], folders[e.f]![1]);
      expect(report[k]).toEqual({
        kind: "already present",
        file,
        line: "",
        row_group: "0",
        row: String(e.i),
        record: String(e.i),
        id: e.id,
        reason: `already present: the project has a pair with this id from import ${first.id}`,
        matched_pair: pairIds.get(e.id),
        matched_import: first.id,
        matched_file: file,
        matched_line: "",
        matched_record: String(e.i),
      });
    }
  });

  it("fetches a URL-only source, keeps it when its sha256 matches, and reports a mismatch or a missing URL as invalid", async () => {
    const url = (k: number) => `http://127.0.0.1:${port}/img/${k}.jpg`;
    const wrong = sha256(pool[3]!);
    const shard = path.join(root, "1.1_style_transfer", "style_transfer_0000.parquet");
    await mkdir(path.dirname(shard), { recursive: true });
    await writeScaleEditShard(shard, {
      rows: 10,
      pool,
      task: "1.1_style_transfer",
      pageSize: 4096,
      nullSource: (i) => i === 2 || i === 5 || i === 7,
      // Row 2 names the right hash, row 5 another image's, row 7 has no URL at all.
      sourceUrl: (i) => (i === 2 ? { url: url(1), sha256: sha256(pool[1]!) } : i === 5 ? { url: url(2), sha256: wrong } : null),
    });

    // The preview meets row 5's mismatch before anything is written (row 7 is refused by the mapping in its table).
    const project = await newProject("url sources");
    const preview = await previewImport(db, { source: { kind: "path", path: shard }, preset: "scaleedit" } as TImportRequest, {
      importRoot: null,
      cliPath: shard,
      imageCheck: { ...fetchPolicy, imageRoot: root },
    });
    expect(preview.imageCheck?.problems).toEqual([
      {
        loc: { file: "style_transfer_0000.parquet", index: 5, rowGroup: 0, row: 5 },
        externalId: "1.1_style_transfer:5",
        reason: `source image: sha256 mismatch: the downloaded image hashes to ${sha256(pool[2]!).slice(0, 12)}…, the row expects ${wrong.slice(0, 12)}…`,
      },
    ]);
    expect(preview.rows.filter((r) => !r.ok).map((r) => r.loc.index)).toEqual([5, 7]);

    requests.length = 0;
    const view = await start(project.id, shard);
    expect(await runImport(db, view.id, opts())).toBe("done");
    expect(await getImportView(db, view.id)).toMatchObject({ inserted: 8, duplicates: 0, invalid: 2, outcome: "imported" });
    expect(requests.sort()).toEqual(["/img/1.jpg", "/img/2.jpg"]);

    const fetched = await db.prisma.pair.findUniqueOrThrow({ where: { projectId_externalId: { projectId: project.id, externalId: "1.1_style_transfer:2" } } });
    expect(fetched.sourceImage).toBe(sha256(pool[1]!));
    expect(fetched.metadata).toMatchObject({
      source_image_width: 512,
      source_image_height: 512,
      edited_image_width: 512,
      edited_image_height: 512,
      source_image_fetch_date: "2025-09-14",
      source_image_url: url(1),
      source_image_sha256: sha256(pool[1]!),
    });
    expect(existsSync(path.join(root, ".data", "images", sha256(pool[1]!).slice(0, 2), sha256(pool[1]!)))).toBe(true);

    const errors = await db.prisma.importError.findMany({ where: { importId: BigInt(view.id) }, orderBy: { recordIndex: "asc" } });
    expect(errors.map((e) => [Number(e.recordIndex), e.externalId, e.reason])).toEqual([
      [5, "1.1_style_transfer:5", `source image: sha256 mismatch: the downloaded image hashes to ${sha256(pool[2]!).slice(0, 12)}…, the row expects ${wrong.slice(0, 12)}…`],
      [7, "1.1_style_transfer:7", 'source image is missing: no bytes in column "source_image" and no URL in column "source_image_url"'],
    ]);
    expect((await getImportView(db, view.id))!.firstInvalid.map((p) => p.externalId)).toEqual(["1.1_style_transfer:5", "1.1_style_transfer:7"]);
  });

  it("matches a repeated id in one file with the earlier row of the same import, within a batch and across batches", async () => {
    const dir = path.join(root, "manifest");
    const files = await writeImagePairs(dir, 3);
    const ids = ["d1", "d2", "d1", "d3", "d1"];
    const lines = ids.map((id, i) => JSON.stringify({ id, instruction: `edit ${i}`, source_image: files[i % 3]!.source, edited_image: files[i % 3]!.edited }));
    const manifest = path.join(dir, "repeats.jsonl");
    await writeFile(manifest, lines.join("\n") + "\n");
    const project = await newProject("repeats");
    const mapping = { externalId: "id", instruction: "instruction", source: "source_image", edited: "edited_image" };
    const view = await createImport(db, null, project.id, { source: { kind: "path", path: manifest }, mapping } as TImportRequest, {
      importRoot: null,
      cliPath: manifest,
      imageRoot: dir,
    });
    // Batches of 3: row 3 repeats row 1 inside the first batch, row 5 repeats it from the second.
    expect(await runImport(db, view.id, opts({ batchSize: 3 }))).toBe("done");
    expect(await getImportView(db, view.id)).toMatchObject({ inserted: 3, duplicates: 2, invalid: 0, outcome: "imported" });
    const [d1] = await db.query<{ id: string }>("SELECT id::text FROM pairs WHERE project_id = $1 AND external_id = 'd1'", [project.id]);
    const report = await readReport(streamImportReport(db, view.id));
    expect(report.map((r) => [r.kind, r.line, r.id, r.reason, r.matched_pair, r.matched_import, r.matched_file, r.matched_line, r.matched_record])).toEqual(
      [3, 5].map((line) => [
        "already present",
        String(line),
        "d1",
        "already present: the same id as an earlier row of this import",
        d1!.id,
        view.id,
        "repeats.jsonl",
        "1",
        "0",
      ]),
    );
  });

  it("previews a missing image file and a refused URL with their rows' positions and ids, writing nothing", async () => {
    const dir = path.join(root, "preview");
    const files = await writeImagePairs(dir, 2);
    const row = (id: string, source: string, edited: string) => JSON.stringify({ id, instruction: "add a hat", source_image: source, edited_image: edited });
    await writeFile(path.join(dir, "a.jsonl"), [row("p1", files[0]!.source, files[0]!.edited), row("p2", "images/none.png", files[1]!.edited)].join("\n") + "\n");
    // The second file's first row is sampled too: it names a host the fetch policy refuses.
    await writeFile(path.join(dir, "b.jsonl"), row("p3", files[1]!.source, `http://127.0.0.1:${port}/img/0.jpg`) + "\n");
    const before = await db.query<{ images: number; pairs: number }>("SELECT (SELECT count(*)::int FROM images) AS images, (SELECT count(*)::int FROM pairs) AS pairs");

    const preview = await previewImport(db, { source: { kind: "path", path: dir }, mapping: { externalId: "id", instruction: "instruction", source: "source_image", edited: "edited_image" } } as TImportRequest, {
      importRoot: null,
      cliPath: dir,
      imageCheck: { allowHosts: [], maxBytes: 10_000_000, timeoutMs: 5000, imageRoot: dir },
    });
    expect(preview.imageCheck).toMatchObject({ rows: 3, images: 6, unchecked: 0 });
    expect(preview.imageCheck!.problems).toEqual([
      { loc: { file: path.join("preview", "a.jsonl"), index: 1, line: 2 }, externalId: "p2", reason: "source image: image file not found: images/none.png" },
      { loc: { file: path.join("preview", "b.jsonl"), index: 0, line: 1 }, externalId: "p3", reason: "edited image: image URL refused: 127.0.0.1 is a loopback address" },
    ]);
    expect(preview.rows.map((r) => r.ok)).toEqual([true, false]);
    expect(preview.rows[1]!.reason).toBe("source image: image file not found: images/none.png");

    // Without an image root the preview says so as the import would.
    const rootless = await previewImport(db, { source: { kind: "path", path: path.join(dir, "a.jsonl") }, mapping: { instruction: "instruction", source: "source_image", edited: "edited_image" } } as TImportRequest, {
      importRoot: null,
      cliPath: path.join(dir, "a.jsonl"),
      imageCheck: { allowHosts: [], maxBytes: 10_000_000, timeoutMs: 5000, imageRoot: null },
    });
    expect(rootless.imageCheck!.problems[0]).toMatchObject({ loc: { line: 1 }, reason: "source image: image paths need an image root (LOUPE_IMAGE_ROOT)" });

    const after = await db.query<{ images: number; pairs: number }>("SELECT (SELECT count(*)::int FROM images) AS images, (SELECT count(*)::int FROM pairs) AS pairs");
    expect(after).toEqual(before);
  });
});
