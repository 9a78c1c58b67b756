import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberOffset, tarBytes, writeParts } from "@/test/support/archive-fixtures";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { imageStruct, noisePng, str, strList } from "@/test/support/layout-fixtures";
import { describeMagicBrushSessions } from "@/test/support/sessions-suite";
import { createImport, getImportView, previewImport, REPORT_HEADER, streamImportReport } from "@/lib/imports/service";
import { runImport, type TRunOptions } from "@/lib/imports/run";
import { readCanonicalPage } from "@/lib/exports/reader";
import { parseExportFilters } from "@/lib/exports/filters";
import type { TCanonicalLine } from "@/lib/exports/formats/canonical-schema";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";

// The layouts datasets ship, built as released (DATASETS.md): a WebDataset shard, GPT-Image-Edit's JSON-array
// annotations with a tar.gz split into parts, ImgEdit's Parquet list columns with a split tar, SEED-Data-Edit's
// JSONL with images.tar.gz, AnyEdit's third image, HQ-Edit's inverse pairs, Pico-Banana's URLs behind a
// rate limit. Each is previewed and imported; the archive scan is crashed midway and resumed.

describe.each(engines())("imports in the layouts datasets ship ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let root: string;
  let pngs: Buffer[];
  let server: http.Server;
  let port: number;
  const hits = new Map<string, number>();

  const opts = (extra: Partial<TRunOptions> = {}): TRunOptions => ({
    dataDir: path.join(root, ".data"),
    fetch: { allowHosts: ["127.0.0.1"], maxBytes: 10_000_000, timeoutMs: 5000, retry: { attempts: 3, maxWaitMs: 10_000, baseDelayMs: 50 } },
    batchSize: 4,
    ...extra,
  });

  async function newProject(): Promise<number> {
    const p = await db.prisma.project.create({ data: { name: `lay-${Math.random().toString(36).slice(2, 9)}`, overlap: 1, rejectReasons: DEFAULT_REJECT_REASONS } });
    return p.id;
  }

  const ctx = (target: string) => ({ importRoot: null, cliPath: target, imageRoot: null });
  const request = (target: string, req: Partial<TImportRequest>) => ({ source: { kind: "path", path: target }, ...req }) as TImportRequest;
  const preview = (target: string, req: Partial<TImportRequest> = {}) => previewImport(db, request(target, req), ctx(target));
  const start = (project: number, target: string, req: Partial<TImportRequest>) => createImport(db, null, project, request(target, req), ctx(target));

  async function report(id: string): Promise<string[]> {
    const text = await new Response(streamImportReport(db, id)).text();
    return text.trim().split("\n");
  }

  async function externalIds(project: number): Promise<string[]> {
    return (await db.prisma.pair.findMany({ where: { projectId: project }, select: { externalId: true } })).map((p) => p.externalId).sort();
  }

  beforeAll(async () => {
    db = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-layouts-"));
    pngs = await Promise.all(Array.from({ length: 16 }, (_, i) => noisePng(i)));
    server = http.createServer((req, res) => {
      const url = req.url ?? "";
      const n = (hits.get(url) ?? 0) + 1;
      hits.set(url, n);
      const m = /\/(\d+)\.png$/.exec(url);
      if (!m) return void res.writeHead(404).end();
      // The CDN limits the rate: the first request for each edited image is told to come back in a second.
      if (url.startsWith("/cdn/") && n === 1) return void res.writeHead(429, { "retry-after": "1" }).end();
      res.writeHead(200, { "content-type": "image/png" }).end(pngs[Number(m[1])]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  describeMagicBrushSessions(() => ({ db, root, engine }));

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("WebDataset shard: samples by key, the json member merged in, a broken sample reported by position and key", async () => {
    const dir = path.join(root, `wds-${engine}`);
    await mkdir(dir, { recursive: true });
    const entries = [0, 1, 2, 3, 4].flatMap((i) => {
      const key = `00000${i}`;
      const sample = [
        { name: `${key}.src.png`, body: pngs[i]! },
        { name: `${key}.json`, body: JSON.stringify({ edit_type: i % 2 ? "removal" : "addition", score: i }) },
        { name: `${key}.txt`, body: `edit number ${i}` },
      ];
      return i === 2 ? sample : [...sample, { name: `${key}.tgt.png`, body: pngs[i + 5]! }];
    });
    const shard = path.join(dir, "shard-000000.tar");
    await writeFile(shard, await tarBytes(entries));
    const mapping = { externalId: "__key__", instruction: "txt", source: "src.png", edited: "tgt.png", task: "edit_type", metadata: ["score"] };

    const p = await preview(shard, { preset: null, mapping });
    expect(p.format).toBe("webdataset");
    expect(p.columns).toEqual(expect.arrayContaining(["__key__", "src.png", "tgt.png", "txt", "edit_type", "score"]));
    expect(p.rows.map((r) => r.ok)).toEqual([true, true, false, true, true]);
    expect(p.rows[0]!.mapped).toMatchObject({ externalId: "000000", instruction: "edit number 0", task: "addition" });

    const project = await newProject();
    const view = await start(project, shard, { preset: null, mapping });
    expect(await runImport(db, view.id, opts())).toBe("done");
    expect(await getImportView(db, view.id)).toMatchObject({ rowsDone: 5, inserted: 4, invalid: 1, duplicates: 0 });
    expect(await externalIds(project)).toEqual(["000000", "000001", "000003", "000004"]);
    const pair = await db.prisma.pair.findFirst({ where: { projectId: project, externalId: "000001" } });
    expect(pair).toMatchObject({ task: "removal", instruction: "edit number 1", metadata: { score: 1 } });
    const lines = await report(view.id);
    expect(lines[0]).toBe(REPORT_HEADER);
    expect(lines.slice(1)).toEqual(['invalid,shard-000000.tar,,,,2,000002,"edited image is missing (column ""tgt.png"")",,,,,']);
  });

  it("GPT-Image-Edit: JSON-array annotations and a tar.gz in three parts, scanned once, crashed mid-archive and resumed", async () => {
    const dir = path.join(root, `gpt-${engine}`);
    await mkdir(dir, { recursive: true });
    const ids = [0, 1, 2, 3, 4, 5].map((i) => `000${i}`);
    const entries = [
      { name: "hqedit/edit/README.txt", body: "not an image" },
      ...ids.flatMap((id, i) => [
        { name: `hqedit/edit/input/${id}.png`, body: pngs[i]! },
        { name: `hqedit/edit/output/${id}.png`, body: pngs[i + 6]! },
      ]),
      // The generate subset names its files alike: only the image path prefix tells them apart.
      { name: "hqedit/generate/output/0000.png", body: pngs[15]! },
    ];
    const tar = await tarBytes(entries);
    const tgz = await tarBytes(entries, { gzip: true });
    const cuts = [Math.floor(tgz.length / 3), Math.floor((2 * tgz.length) / 3)];
    // The first cut falls inside a member's body: the part ends partway through an image.
    const inflated = gunzipSync(tgz.subarray(0, cuts[0]), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).length;
    const spanning = entries.find((e) => {
      const at = memberOffset(tar, e.name);
      return at < inflated && inflated < at + e.body.length;
    });
    expect(spanning).toBeDefined();
    await writeParts(dir, "hqedit.tar.gz.part", tgz, cuts, (i) => String(i).padStart(3, "0"));
    const annotations = [
      ...ids.map((id, i) => ({
        image: [`input/${id}.png`, `output/${id}.png`],
        conversations: [{ from: "human", value: `<image>\nMake it look like picture ${i}` }, { from: "gpt", value: "<image>" }],
      })),
      { image: ["input/0000.png", "output/0099.png"], conversations: [{ from: "human", value: "<image>\nThis output is missing" }] },
    ];
    await writeFile(path.join(dir, "hqedit_gpt_edit.json"), JSON.stringify(annotations, null, 2));

    const p = await preview(dir);
    expect(p).toMatchObject({ format: "json", suggestedPreset: "gptimageedit", preset: "gptimageedit" });
    expect(p.files.map((f) => f.path)).toEqual([path.join(path.basename(dir), "hqedit_gpt_edit.json")]);
    expect(p.archives).toEqual([{ path: path.join(path.basename(dir), "hqedit.tar.gz"), size: tgz.length }]);
    expect(p.rows[0]!.mapped).toMatchObject({ instruction: "Make it look like picture 0", externalId: "output/0000" });

    const project = await newProject();
    const view = await start(project, dir, { preset: "gptimageedit", options: { imagePathPrefix: "hqedit/edit" } });
    await expect(
      runImport(db, view.id, opts({ archiveBatchMembers: 3, afterBatch: ({ phase, batches }) => {
        if (phase === "archives" && batches === 2) throw new Error("simulated crash");
      } })),
    ).rejects.toThrow("simulated crash");
    const [mid] = await db.query<{ archive_index: number; archive_member: string; stored: string }>(
      `SELECT archive_index, archive_member::text, (SELECT count(*) FROM import_archive_members WHERE import_id = $1)::text AS stored FROM imports WHERE id = $1`,
      [view.id],
    );
    expect(mid).toMatchObject({ archive_index: 0, stored: "6" });
    expect(Number(mid!.archive_member)).toBeGreaterThanOrEqual(6);
    expect(Number(mid!.archive_member)).toBeLessThan(entries.length);

    expect(await runImport(db, view.id, opts())).toBe("done");
    expect(await getImportView(db, view.id)).toMatchObject({ status: "done", rowsDone: 7, inserted: 6, invalid: 1, duplicates: 0, fraction: 1 });
    expect(await externalIds(project)).toEqual(ids.map((id) => `hqedit/edit/output/${id}`));
    const pairs = await db.prisma.pair.findMany({ where: { projectId: project }, orderBy: { externalId: "asc" } });
    expect(new Set(pairs.map((x) => x.sourceImage)).size).toBe(6);
    expect(new Set(pairs.map((x) => x.editedImage)).size).toBe(6);
    expect(pairs[0]!.instruction).toBe("Make it look like picture 0");
    const lines = await report(view.id);
    expect(lines.slice(1)).toEqual([
      `invalid,${path.join(path.basename(dir), "hqedit_gpt_edit.json")},,,,6,hqedit/edit/output/0099,"edited image: ""hqedit/edit/output/0099.png"" is in none of the import's archives",,,,,`,
    ]);
    expect(await db.query("SELECT 1 FROM import_archive_members WHERE import_id = $1", [view.id])).toHaveLength(0);

    // Without the prefix, a path that is the tail of two members is reported, not guessed.
    const other = await newProject();
    const loose = await start(other, dir, { preset: "gptimageedit" });
    expect(await runImport(db, loose.id, opts())).toBe("done");
    const errors = await db.prisma.importError.findMany({ where: { importId: BigInt(loose.id) }, orderBy: { recordIndex: "asc" } });
    expect(errors[0]).toMatchObject({ recordIndex: 0n, externalId: "output/0000" });
    expect(errors[0]!.reason).toMatch(/"output\/0000\.png" matches several archive members .*image path prefix/);
    expect(await getImportView(db, loose.id)).toMatchObject({ inserted: 5, invalid: 2 });
  });

  it("ImgEdit: a Parquet part with list columns whose paths point into a tar split into numbered parts", async () => {
    const dir = path.join(root, `imgedit-${engine}`);
    await mkdir(dir, { recursive: true });
    const n = 4;
    const entries = Array.from({ length: n }, (_, i) => [
      { name: `edit/animal/0000${i}_in.png`, body: pngs[i]! },
      { name: `edit/animal/0000${i}_out.png`, body: pngs[i + 8]! },
    ]).flat();
    const tar = await tarBytes(entries);
    const inside = memberOffset(tar, entries[3]!.name) + 100;
    await writeParts(dir, "edit_part1.tar.split.", tar, [1024, inside], (i) => String(i).padStart(3, "0"));
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "input_images", data: entries.filter((_, k) => k % 2 === 0).map((e) => [e.name.slice(5)]) },
        { name: "output_images", data: entries.filter((_, k) => k % 2 === 1).map((e) => [e.name.slice(5)]) },
        { name: "prompt", data: Array.from({ length: n }, (_, i) => `Change the animal ${i}`) },
      ],
      schema: [{ name: "root", num_children: 3 }, ...strList("input_images"), ...strList("output_images"), str("prompt")],
    });
    await writeFile(path.join(dir, "singleturn_part1.parquet"), new Uint8Array(buf));

    const p = await preview(dir);
    expect(p).toMatchObject({ format: "parquet", suggestedPreset: "imgedit", totalRows: n });
    expect(p.archives.map((a) => a.path)).toEqual([path.join(path.basename(dir), "edit_part1.tar")]);
    expect(p.rows[1]!.mapped).toMatchObject({ source: "animal/00001_in.png", edited: "animal/00001_out.png", externalId: "animal/00001_out" });

    const project = await newProject();
    const view = await start(project, dir, { preset: "imgedit" });
    expect(await runImport(db, view.id, opts())).toBe("done");
    expect(await getImportView(db, view.id)).toMatchObject({ inserted: n, invalid: 0 });
    expect(await externalIds(project)).toEqual(Array.from({ length: n }, (_, i) => `animal/0000${i}_out`));
  });

  it("SEED-Data-Edit's JSONL with images.tar.gz; AnyEdit's visual_input kept as the reference image; HQ-Edit's inverse pairs", async () => {
    const dir = path.join(root, `seed-${engine}`);
    await mkdir(path.join(dir, "annotations"), { recursive: true });
    await writeFile(
      path.join(dir, "images.tar.gz"),
      await tarBytes([0, 1, 2].flatMap((i) => [{ name: `./images/${i}_src.png`, body: pngs[i]! }, { name: `./images/${i}_tgt.png`, body: pngs[i + 3]! }]), { gzip: true }),
    );
    await writeFile(
      path.join(dir, "annotations", "part2_real.jsonl"),
      [0, 1, 2].map((i) => JSON.stringify({ source_image: `images/${i}_src.png`, target_image: `images/${i}_tgt.png`, instruction: `retouch ${i}` })).join("\n"),
    );
    const seed = await newProject();
    const sp = await preview(dir);
    expect(sp).toMatchObject({ format: "jsonl", suggestedPreset: "seededit" });
    const sv = await start(seed, dir, { preset: "seededit" });
    expect(await runImport(db, sv.id, opts())).toBe("done");
    expect(await getImportView(db, sv.id)).toMatchObject({ inserted: 3, invalid: 0 });
    expect(await externalIds(seed)).toEqual(["images/0_tgt", "images/1_tgt", "images/2_tgt"]);

    const anyFile = path.join(root, `anyedit-${engine}.parquet`);
    const image = (k: number, p: string | null) => ({ bytes: new Uint8Array(pngs[k]!), path: p });
    await writeFile(
      anyFile,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "image_id", data: ["visual_001", "plain_002"] },
            { name: "edit_instruction", data: ["Make the cup look like the reference", "Remove the cup"] },
            { name: "edit_type", data: ["visual_reference", "remove"] },
            { name: "image_file", data: [image(0, "a.jpg"), image(1, "b.jpg")] },
            { name: "edited_file", data: [image(2, "a_e.jpg"), image(3, "b_e.jpg")] },
            { name: "visual_input", data: [image(4, "ref.jpg"), null] },
            { name: "input", data: ["a cup on a table", "a cup"] },
            { name: "output", data: ["a striped cup on a table", "a table"] },
          ],
          schema: [
            { name: "root", num_children: 8 },
            str("image_id"),
            str("edit_instruction"),
            str("edit_type"),
            ...imageStruct("image_file"),
            ...imageStruct("edited_file"),
            ...imageStruct("visual_input"),
            str("input"),
            str("output"),
          ],
        }),
      ),
    );
    const ap = await preview(anyFile);
    expect(ap.suggestedPreset).toBe("anyedit");
    expect(ap.rows[0]!.mapped).toMatchObject({ source: expect.stringMatching(/^embedded image/), reference: expect.stringMatching(/^embedded image/) });
    const any = await newProject();
    const av = await start(any, anyFile, { preset: "anyedit" });
    expect(await runImport(db, av.id, opts())).toBe("done");
    const pairs = await db.prisma.pair.findMany({ where: { projectId: any }, orderBy: { externalId: "asc" } });
    expect(pairs.map((x) => [x.externalId, x.task, x.referenceImage !== null])).toEqual([
      ["plain_002", "remove", false],
      ["visual_001", "visual_reference", true],
    ]);
    expect(pairs[1]!.metadata).toMatchObject({ input: "a cup on a table", output: "a striped cup on a table" });
    expect(await db.prisma.image.findUnique({ where: { sha256: pairs[1]!.referenceImage! } })).not.toBeNull();
    // Exported with the pair once it is final.
    await db.query(`UPDATE pairs SET status = 'final', final_decision = 'accept', final_source = 'review', finalized_at = now() WHERE project_id = $1`, [any]);
    const exported = await db.transaction((tx) => readCanonicalPage(tx, { projectId: any, filters: parseExportFilters({}), validationFraction: 0 }, "0", 10));
    const lines = exported.map((r) => JSON.parse(r.line) as TCanonicalLine);
    expect(lines.map((l) => [l.external_id, l.images.reference?.sha256 ?? null])).toEqual([
      ["visual_001", pairs[1]!.referenceImage],
      ["plain_002", null],
    ]);

    const hqFile = path.join(root, `hqedit-${engine}.parquet`);
    await writeFile(
      hqFile,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "input", data: ["a red car"] },
            { name: "input_image", data: [image(5, null)] },
            { name: "edit", data: ["Make the car blue"] },
            { name: "inverse_edit", data: ["Make the car red"] },
            { name: "output", data: ["a blue car"] },
            { name: "output_image", data: [image(6, null)] },
          ],
          schema: [{ name: "root", num_children: 6 }, str("input"), ...imageStruct("input_image"), str("edit"), str("inverse_edit"), str("output"), ...imageStruct("output_image")],
        }),
      ),
    );
    const hq = await newProject();
    const hv = await start(hq, hqFile, { preset: "hqedit", options: { inverse: true } });
    expect(await runImport(db, hv.id, opts())).toBe("done");
    const hqPairs = await db.prisma.pair.findMany({ where: { projectId: hq }, orderBy: { id: "asc" } });
    expect(hqPairs.map((x) => x.instruction)).toEqual(["Make the car blue", "Make the car red"]);
    expect(hqPairs[1]!.sourceImage).toBe(hqPairs[0]!.editedImage);
    expect(hqPairs[1]!.editedImage).toBe(hqPairs[0]!.sourceImage);
  });

  it("Pico-Banana: source URLs and output paths under a base URL, fetched through a rate limit (429 with Retry-After, then 200)", async () => {
    const file = path.join(root, `sft-${engine}.jsonl`);
    const rows = [0, 1, 2].map((i) => ({
      open_image_input_url: `http://127.0.0.1:${port}/flickr/${engine}/${i}.png`,
      text: `Add a small boat to the lake ${i}`,
      output_image: `images/positive-edit/${engine}/${i + 3}.png`,
      edit_type: "Add a new object to the scene",
      summarized_text: "Add a boat.",
    }));
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const p = await preview(file);
    expect(p.suggestedPreset).toBe("picobanana");
    expect(p.rows[0]!.mapped).toMatchObject({ edited: `https://ml-site.cdn-apple.com/datasets/pico-banana-300k/nb/images/positive-edit/${engine}/3.png` });

    const project = await newProject();
    const view = await start(project, file, { preset: "picobanana", options: { imageBaseUrl: `http://127.0.0.1:${port}/cdn/` } });
    expect(await runImport(db, view.id, opts())).toBe("done");
    expect(await getImportView(db, view.id)).toMatchObject({ inserted: 3, invalid: 0 });
    expect(await externalIds(project)).toEqual([3, 4, 5].map((i) => `images/positive-edit/${engine}/${i}`));
    for (const i of [3, 4, 5]) expect(hits.get(`/cdn/images/positive-edit/${engine}/${i}.png`)).toBe(2);
    const pair = await db.prisma.pair.findFirst({ where: { projectId: project }, orderBy: { externalId: "asc" } });
    expect(pair).toMatchObject({ task: "Add a new object to the scene", metadata: { summarized_text: "Add a boat." } });
  });
});
