import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { makeProject, makeUsers } from "@/test/support/fixtures";
import { pngBytes } from "@/test/support/import-fixtures";
import { startS3, type TS3Server } from "@/test/support/s3";
import { stopBoss } from "@/lib/db/boss";
import { resetEnvCache } from "@/lib/env";
import { createExport, openExportDownload } from "@/lib/exports/service";
import { runDerivatives } from "@/lib/imports/derivatives";
import { runExport } from "@/lib/exports/run";
import { postPairs } from "@/lib/pipeline-api/pairs";
import { saveUpload } from "@/lib/imports/files";
import { storageAt } from "@/lib/storage/config";
import { readImageBytes } from "@/lib/images/store";
import { updateProjectSettings } from "@/lib/quality/settings";
import { serveBytes } from "@/lib/storage/serve";
import { imageKey } from "@/lib/storage/keys";
import { localCopy } from "@/lib/storage/local-copy";
import { readObject } from "@/lib/storage/read";
import type { Storage } from "@/lib/storage/types";

// Loupe on a bucket (s3rver, decision 017): images, previews and change maps land in the bucket under the
// store's prefix; an s3:// image is referenced in place, never copied; uploads and exports live in the
// bucket too, so no host needs another's disk. Previews and change maps are the derivative workers'
// (decision 015): they read in-place originals from their bucket and write only derivatives to Loupe's.

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** An RGBA mask as MagicBrush ships it: opaque, transparent over the edit area (a square here). */
async function transparentSquareMask(size: number, from: number, to: number): Promise<Buffer> {
  const px = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) px[(y * size + x) * 4 + 3] = x >= from && x < to && y >= from && y < to ? 0 : 255;
  }
  return sharp(px, { raw: { width: size, height: size, channels: 4 } }).png().toBuffer();
}

describe.each(engines())("storage on a bucket ($engine)", ({ engine }) => {
  let t: TestDatabase;
  let s3: TS3Server;
  let store: Storage;
  let datasets: Storage;
  let dataDir: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    t = await freshDatabase(engine);
    s3 = await startS3(["loupe", "datasets"]);
    // In-place objects are read with the process's client settings, as in production (AWS_* variables).
    for (const [k, v] of Object.entries(s3.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    resetEnvCache();
    store = storageAt(`s3://loupe/team-${engine}`, s3.client);
    datasets = storageAt("s3://datasets", s3.client);
    dataDir = await mkdtemp(path.join(tmpdir(), "loupe-s3db-"));
  });

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvCache();
    await stopBoss(t);
    await t?.close();
    await s3?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("stores a posted pair's images in the bucket, references an s3:// pair in place, derives from the bucket, and exports from it", async () => {
    const admin = (await makeUsers(t, 1, "admin"))[0]!;
    await t.prisma.user.update({ where: { id: admin }, data: { role: "admin" } });
    const [annotator] = await makeUsers(t, 1, "ann");
    const project = await makeProject(t, { pairs: 0 });

    const copied = { source: await pngBytes({ bg: [10, 20, 30] }), edited: await pngBytes({ bg: [10, 20, 30], square: { x: 8, y: 8, w: 20, rgb: [250, 0, 0] } }) };
    // Larger than a preview's side, so the workers make previews of them; the mask marks the edit by
    // transparency (MagicBrush), so the import stores its white-on-black conversion.
    const inPlace = {
      source: await pngBytes({ size: 1100, bg: [200, 100, 0] }),
      edited: await pngBytes({ size: 1100, bg: [200, 100, 0], square: { x: 64, y: 64, w: 500, rgb: [0, 0, 255] } }),
      mask: await transparentSquareMask(64, 4, 34),
    };
    await datasets.put("omni/src/0001.png", inPlace.source);
    await datasets.put("omni/edit/0001.png", inPlace.edited);
    await datasets.put("omni/mask/0001.png", inPlace.mask);
    const originals = [inPlace.source, inPlace.edited, inPlace.mask].map(sha);

    const dataUrl = (b: Buffer) => `data:image/png;base64,${b.toString("base64")}`;
    const res = await postPairs(
      t,
      project.id,
      [
        { id: "copied", instruction: "add a red square", source_image: dataUrl(copied.source), edited_image: dataUrl(copied.edited) },
        {
          id: "in-place",
          instruction: "add a blue square",
          source_image: "s3://datasets/omni/src/0001.png",
          edited_image: "s3://datasets/omni/edit/0001.png",
          mask_image: "s3://datasets/omni/mask/0001.png",
        },
      ],
      { actorId: admin, tokenId: null, dataDir, storage: store, resolve: { imageRoot: null, allowHosts: [], maxBytes: 10_000_000, timeoutMs: 2000 } },
    );
    expect(res).toMatchObject({ created: 2 });
    // The import left previews and change maps to the workers; they read and write through the same store.
    expect(await runDerivatives(t, { dataDir, storage: store })).toMatchObject({ more: false });

    const pairs = await t.query<{
      external_id: string;
      source_image: string;
      edited_image: string;
      mask_image: string | null;
      source_preview: string | null;
      edited_preview: string | null;
      heatmap_image: string | null;
      change_outside_mask: number | null;
    }>(
      `SELECT external_id, source_image, edited_image, mask_image, source_preview, edited_preview, heatmap_image, change_outside_mask
         FROM pairs WHERE project_id = $1 ORDER BY external_id`,
      [project.id],
    );
    const byId = Object.fromEntries(pairs.map((p) => [p.external_id, p]));
    // Copied: the originals are in the bucket under the store's prefix, key for key as on disk.
    expect((await readObject(store, imageKey(sha(copied.source))))!.equals(copied.source)).toBe(true);
    expect(byId.copied!.source_image).toBe(sha(copied.source));
    expect(await store.head(imageKey(byId.copied!.heatmap_image!))).not.toBeNull();
    // In place: the rows name where the originals are, and no copy exists under Loupe's prefix.
    const p = byId["in-place"]!;
    expect(p.source_image).toBe(sha(inPlace.source));
    const rows = await t.query<{ sha256: string; location: string | null }>("SELECT sha256, location FROM images WHERE sha256 = ANY($1::text[])", [originals]);
    expect(rows.map((r) => r.location).sort()).toEqual(["s3://datasets/omni/edit/0001.png", "s3://datasets/omni/mask/0001.png", "s3://datasets/omni/src/0001.png"]);
    // Its previews, converted mask and change map are derivatives: stored in Loupe's bucket, read back as images.
    const derived = [p.source_preview, p.edited_preview, p.mask_image, p.heatmap_image];
    for (const d of derived) {
      expect(d).toMatch(/^[0-9a-f]{64}$/);
      expect(originals).not.toContain(d);
      const bytes = (await readObject(store, imageKey(d!)))!;
      expect((await sharp(bytes).metadata()).width).toBeGreaterThan(0);
    }
    expect((await sharp((await readObject(store, imageKey(p.source_preview!)))!).metadata()).format).toBe("webp");
    expect(p.change_outside_mask).not.toBeNull();
    const everything: string[] = [];
    for await (const o of store.list("images/")) everything.push(o.key);
    const expected = [sha(copied.source), sha(copied.edited), byId.copied!.heatmap_image!, ...derived.map((d) => d!)].map(imageKey);
    expect(everything.sort()).toEqual([...new Set(expected)].sort());
    // Nothing went to this host's folder.
    expect(await stat(path.join(dataDir, "images")).catch(() => null)).toBeNull();

    // Final decisions, then an export with images as files, written to the bucket and downloaded from it.
    for (const p of await t.query<{ id: string }>("SELECT id::text FROM pairs WHERE project_id = $1", [project.id])) {
      await t.query(
        `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
         SELECT id, project_id, $2, 'accept', '{}', NULL, 3.5, $3::uuid FROM pairs WHERE id = $1`,
        [p.id, annotator, randomUUID()],
      );
    }
    const view = await createExport(t, { id: admin, role: "admin" }, project.id, { format: "verifier-sft", filters: {}, options: { images: "files", validationFraction: 0 } });
    expect(await runExport(t, view.id, { dataDir, storage: store })).toBe("done");
    const exported: string[] = [];
    for await (const o of store.list(`exports/${view.id}/`)) exported.push(o.key.slice(`exports/${view.id}/`.length));
    expect(exported).toContain("manifest.json");
    for (const b of [copied.source, copied.edited, inPlace.source, inPlace.edited]) {
      const name = exported.find((k) => k.startsWith(`images/${sha(b)}.`));
      expect(name, `image ${sha(b)} in the export`).toBeDefined();
      expect((await readObject(store, `exports/${view.id}/${name}`))!.equals(b)).toBe(true);
    }
    const dl = await openExportDownload(t, dataDir, view.id, store);
    expect(dl.kind).toBe("tar");
    const tar = Buffer.from(await new Response(dl.stream()).arrayBuffer());
    expect(tar.includes(Buffer.from("manifest.json"))).toBe(true);
    expect(tar.includes(inPlace.edited)).toBe(true);
  });

  it("references http images at their address when the project says so: fetched once, read from there by hash, never copied", async () => {
    const admin = (await makeUsers(t, 1, "web"))[0]!;
    const project = await makeProject(t, { pairs: 0 });
    await updateProjectSettings(t, project.id, admin, { webImagesInPlace: true });
    const copiedProject = await makeProject(t, { pairs: 0 });
    const images: Record<string, Buffer> = {
      "/src.png": await pngBytes({ size: 1100, bg: [0, 90, 40] }),
      "/edit.png": await pngBytes({ size: 1100, bg: [0, 90, 40], square: { x: 40, y: 40, w: 300, rgb: [255, 255, 0] } }),
      "/copy-src.png": await pngBytes({ bg: [1, 2, 3] }),
      "/copy-edit.png": await pngBytes({ bg: [1, 2, 3], square: { x: 2, y: 2, w: 9, rgb: [9, 9, 9] } }),
    };
    const server = http.createServer((req, res) => {
      const b = images[req.url ?? ""];
      if (!b) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "image/png" }).end(b);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Reading in place goes through the process's fetch policy (LOUPE_FETCH_ALLOW), as in production.
    const savedAllow = process.env.LOUPE_FETCH_ALLOW;
    process.env.LOUPE_FETCH_ALLOW = "127.0.0.1";
    resetEnvCache();
    const local = await mkdtemp(path.join(tmpdir(), "loupe-web-"));
    try {
      const ctx = { actorId: admin, tokenId: null, dataDir: local, resolve: { imageRoot: null, allowHosts: ["127.0.0.1"], maxBytes: 10_000_000, timeoutMs: 5000 } };
      const pair = (id: string, src: string, edit: string) => ({ id, instruction: "add a yellow square", source_image: `${base}${src}`, edited_image: `${base}${edit}` });
      expect(await postPairs(t, project.id, [pair("web", "/src.png", "/edit.png")], ctx)).toMatchObject({ created: 1 });
      expect(await postPairs(t, copiedProject.id, [pair("copied", "/copy-src.png", "/copy-edit.png")], ctx)).toMatchObject({ created: 1 });
      expect(await runDerivatives(t, { dataDir: local })).toMatchObject({ more: false });

      const located = await t.query<{ sha256: string; location: string | null }>("SELECT sha256, location FROM images WHERE sha256 = ANY($1::text[])", [
        Object.values(images).map(sha),
      ]);
      const where = Object.fromEntries(located.map((r) => [r.sha256.trim(), r.location]));
      expect(where[sha(images["/src.png"]!)]).toBe(`${base}/src.png`);
      expect(where[sha(images["/edit.png"]!)]).toBe(`${base}/edit.png`);
      // The other project copies, as before.
      expect(where[sha(images["/copy-src.png"]!)]).toBeNull();
      const held = (await readdir(path.join(local, "images"), { recursive: true })).filter((f) => /[0-9a-f]{64}$/.test(f)).map((f) => f.slice(-64));
      expect(held).toContain(sha(images["/copy-src.png"]!));
      expect(held).not.toContain(sha(images["/src.png"]!));
      expect(held).not.toContain(sha(images["/edit.png"]!));
      // Previews and the change map were made from the address and stored as derivatives.
      const [row] = await t.query<{ source_preview: string | null; heatmap_image: string | null }>(
        "SELECT source_preview, heatmap_image FROM pairs WHERE project_id = $1",
        [project.id],
      );
      expect(held).toContain(row!.source_preview);
      expect(held).toContain(row!.heatmap_image);

      // Served through Loupe from the address, Range and all; an address that now answers other bytes is
      // missing, not a different picture under the old hash.
      const edited = images["/edit.png"]!;
      expect((await readImageBytes(local, sha(edited), `${base}/edit.png`))!.equals(edited)).toBe(true);
      const partial = await serveBytes(() => readImageBytes(local, sha(edited), `${base}/edit.png`), new Request("http://x/", { headers: { range: "bytes=0-9" } }), {
        contentType: "image/png",
        immutable: true,
        missingMessage: "gone",
      });
      expect(partial.status).toBe(206);
      expect(Buffer.from(await partial.arrayBuffer()).equals(edited.subarray(0, 10))).toBe(true);
      images["/edit.png"] = images["/copy-edit.png"]!;
      expect(await readImageBytes(local, sha(edited), `${base}/edit.png`)).toBeNull();
      await expect(serveBytes(async () => null, new Request("http://x/"), { contentType: "image/png", immutable: true, missingMessage: `${base}/edit.png is gone` })).rejects.toThrow(
        `${base}/edit.png is gone`,
      );
    } finally {
      if (savedAllow === undefined) delete process.env.LOUPE_FETCH_ALLOW;
      else process.env.LOUPE_FETCH_ALLOW = savedAllow;
      resetEnvCache();
      server.close();
      await rm(local, { recursive: true, force: true });
    }
  });

  it("keeps an upload in the bucket and reads it on any host through a local copy", async () => {
    const admin = (await makeUsers(t, 1, "up"))[0]!;
    const body = new Response('{"id":"a"}\n').body!;
    const up = await saveUpload(t, store, admin, "rows.jsonl", body, undefined);
    const row = await t.prisma.upload.findUniqueOrThrow({ where: { id: up.uploadId } });
    expect(row.path).toBe(`s3://loupe/team-${engine}/uploads/${up.uploadId}/rows.jsonl`);
    const other = await mkdtemp(path.join(tmpdir(), "loupe-host-b-"));
    try {
      const local = await localCopy(row.path, other);
      expect(local.startsWith(other)).toBe(true);
      expect(await import("node:fs/promises").then((fs) => fs.readFile(local, "utf8"))).toBe('{"id":"a"}\n');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
