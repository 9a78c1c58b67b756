import { readdir, readFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/test/support/db";
import { imageStruct, opt, str } from "@/test/support/layout-fixtures";
import { createImport, getImportView, previewImport } from "@/lib/imports/service";
import { runImport, type TRunOptions } from "@/lib/imports/run";
import { runDerivatives } from "@/lib/imports/derivatives";
import { imagePath } from "@/lib/images/store";
import { getEarlierTurns } from "@/lib/queue/session";
import { postPairs } from "@/lib/pipeline-api/pairs";
import { readCanonicalPage } from "@/lib/exports/reader";
import { parseExportFilters } from "@/lib/exports/filters";
import { createExport } from "@/lib/exports/service";
import { exportDir, runExport } from "@/lib/exports/run";
import { ZCanonicalLine } from "@/lib/exports/formats/canonical-schema";
import { NotFoundError } from "@/lib/errors";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";

// MagicBrush as released (DATASETS.md): Parquet with img_id, turn_index int32, Image structs source_img,
// mask_img, target_img and the instruction; turn n edits turn n-1's output; the mask is an RGBA "masked
// image" (the source, opaque, with the edit area transparent) at another resolution than the source.
// Run inside test/db/imports-layouts.test.ts, on its database, so it costs no database of its own.

const SIZE = 64;
/** The edit area of turn k, in source pixels: a square that moves with the turn. */
const area = (k: number) => ({ left: 8 + 12 * k, top: 10 + 8 * k, side: 16 });

function gradient(): Buffer {
  const px = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) px.set([x * 4, y * 4, 128], (y * SIZE + x) * 3);
  }
  return px;
}

/** The raw image with turn k's area painted a flat colour. */
function paint(raw: Buffer, k: number): Buffer {
  const out = Buffer.from(raw);
  const a = area(k);
  for (let y = a.top; y < a.top + a.side; y++) {
    for (let x = a.left; x < a.left + a.side; x++) out.set([250 - 60 * k, 40 * k, 20], (y * SIZE + x) * 3);
  }
  return out;
}

const png = (raw: Buffer, size = SIZE) => sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();

/** MagicBrush's mask: the source picture at `scale` times its size, opaque, with turn k's area transparent. */
async function maskedImage(raw: Buffer, k: number, scale: number): Promise<Buffer> {
  const side = SIZE * scale;
  const rgba = Buffer.alloc(side * side * 4);
  const a = area(k);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const sx = Math.floor(x / scale);
      const sy = Math.floor(y / scale);
      const inside = sx >= a.left && sx < a.left + a.side && sy >= a.top && sy < a.top + a.side;
      const o = (sy * SIZE + sx) * 3;
      rgba.set([raw[o]!, raw[o + 1]!, raw[o + 2]!, inside ? 0 : 255], (y * side + x) * 4);
    }
  }
  return sharp(rgba, { raw: { width: side, height: side, channels: 4 } }).png().toBuffer();
}

export function describeMagicBrushSessions(env: () => { db: TestDatabase; root: string; engine: string }) {
  describe("MagicBrush sessions and masks", () => {
    let db: TestDatabase;
    let root: string;
    let engine: string;
    let file: string;
    let project: number;
    let admin: { id: number; email: string; name: string; role: "admin" };
    const dataDir = () => path.join(root, ".data");

    const opts = (): TRunOptions => ({ dataDir: dataDir(), fetch: { allowHosts: [], maxBytes: 10_000_000, timeoutMs: 5000 }, batchSize: 2 });
    const request = (req: Partial<TImportRequest>) => ({ source: { kind: "path", path: file }, ...req }) as TImportRequest;
    const ctx = { importRoot: null, cliPath: "", imageRoot: null };

    beforeAll(async () => {
      ({ db, engine } = env());
      root = path.join(env().root, "magicbrush");
      const u = await db.prisma.user.create({ data: { email: `a-${engine}@x.test`, name: "Admin", role: "admin", passwordHash: "x" } });
      admin = { id: u.id, email: u.email, name: u.name, role: "admin" };
      project = (await db.prisma.project.create({ data: { name: `mb-${engine}`, overlap: 1, rejectReasons: DEFAULT_REJECT_REASONS } })).id;

      // Three turns of one session, each editing the last one's output, masks at twice the source's size.
      const raws = [gradient()];
      for (let k = 1; k <= 3; k++) raws.push(paint(raws[k - 1]!, k));
      const cell = async (raw: Buffer, name: string) => ({ bytes: new Uint8Array(await png(raw)), path: name });
      const turns = [1, 2, 3];
      const buf = parquetWriteBuffer({
        columnData: [
          { name: "img_id", data: turns.map(() => "327726") },
          { name: "turn_index", data: turns },
          { name: "source_img", data: await Promise.all(turns.map((k) => cell(raws[k - 1]!, `327726-input-${k}.png`))) },
          {
            name: "mask_img",
            data: await Promise.all(turns.map(async (k) => ({ bytes: new Uint8Array(await maskedImage(raws[k - 1]!, k, 2)), path: `327726-mask${k}.png` }))),
          },
          { name: "target_img", data: await Promise.all(turns.map((k) => cell(raws[k]!, `327726-output${k}.png`))) },
          { name: "instruction", data: ["put a red square on the left", "add an orange tile below it", "and a dark one further down"] },
        ],
        schema: [
          { name: "schema", num_children: 6 },
          str("img_id"),
          opt("turn_index", "INT32"),
          ...imageStruct("source_img"),
          ...imageStruct("mask_img"),
          ...imageStruct("target_img"),
          str("instruction"),
        ],
      });
      await mkdir(path.join(root, "data"), { recursive: true });
      file = path.join(root, "data", "dev-00000-of-00001.parquet");
      await writeFile(file, new Uint8Array(buf));
      ctx.cliPath = file;
    });

    it("imports a three-turn session: session and turn stored, each RGBA mask's transparent area kept as the edit area", async () => {
      const preview = await previewImport(db, request({}), ctx);
      expect(preview).toMatchObject({ format: "parquet", suggestedPreset: "magicbrush" });
      expect(preview.rows[2]!.mapped).toMatchObject({ externalId: "327726:3", sessionId: "327726", turn: 3 });

      const view = await createImport(db, null, project, request({ preset: "magicbrush" }), ctx);
      expect(await runImport(db, view.id, opts())).toBe("done");
      expect(await getImportView(db, view.id)).toMatchObject({ inserted: 3, invalid: 0 });
      // Change maps come from the derivative workers (decision 015): run them as a worker would.
      expect(await runDerivatives(db, { dataDir: dataDir() })).toMatchObject({ more: false });

      const pairs = await db.prisma.pair.findMany({ where: { projectId: project }, orderBy: { turn: "asc" } });
      expect(pairs.map((p) => [p.externalId, p.sessionId, p.turn])).toEqual([
        ["327726:1", "327726", 1],
        ["327726:2", "327726", 2],
        ["327726:3", "327726", 3],
      ]);
      // Turn n's source is turn n-1's output, byte for byte.
      expect(pairs[1]!.sourceImage).toBe(pairs[0]!.editedImage);

      for (const [i, p] of pairs.entries()) {
        const k = i + 1;
        // The stored mask is white exactly where the shipped one was transparent, at the shipped resolution.
        const { data, info } = await sharp(await readFile(imagePath(dataDir(), p.maskImage!))).greyscale().raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([SIZE * 2, SIZE * 2]);
        const a = area(k);
        let wrong = 0;
        for (let y = 0; y < info.height; y++) {
          for (let x = 0; x < info.width; x++) {
            const sx = x >> 1;
            const sy = y >> 1;
            const inside = sx >= a.left && sx < a.left + a.side && sy >= a.top && sy < a.top + a.side;
            if (data[(y * info.width + x) * info.channels]! !== (inside ? 255 : 0)) wrong++;
          }
        }
        expect(wrong).toBe(0);
        // The edit stays inside the mask, so almost nothing changed outside it (read inverted, all of it would be).
        expect(p.changeOutsideMask).not.toBeNull();
        expect(p.changeOutsideMask!).toBeLessThan(0.01);
        expect(p.changeFraction!).toBeGreaterThan(0.03);
      }
    });

    it("shows a turn's earlier turns in order, to reviewers and to annotators who hold the pair only", async () => {
      const [first, , third] = await db.prisma.pair.findMany({ where: { projectId: project }, orderBy: { turn: "asc" } });
      const earlier = await getEarlierTurns(db, admin, third!.id);
      expect(earlier).toMatchObject({ sessionId: "327726", turn: 3, omitted: 0 });
      expect(earlier.earlier.map((t) => [t.turn, t.instruction])).toEqual([
        [1, "put a red square on the left"],
        [2, "add an orange tile below it"],
      ]);
      expect(earlier.earlier[0]!.maskImage).toBe(first!.maskImage);
      expect((await getEarlierTurns(db, admin, first!.id)).earlier).toEqual([]);

      const u = await db.prisma.user.create({ data: { email: `n-${engine}@x.test`, name: "Ann", role: "annotator", passwordHash: "x" } });
      const annotator = { id: u.id, email: u.email, name: u.name, role: "annotator" as const };
      await expect(getEarlierTurns(db, annotator, third!.id)).rejects.toThrow(NotFoundError);
      await db.query(`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES ($1, $2, $3, now() + interval '10 minutes', 1)`, [
        String(third!.id),
        project,
        u.id,
      ]);
      expect((await getEarlierTurns(db, annotator, third!.id)).earlier).toHaveLength(2);
    });

    it("takes session_id and turn through the pipeline API", async () => {
      const pngData = `data:image/png;base64,${(await png(gradient())).toString("base64")}`;
      const edited = `data:image/png;base64,${(await png(paint(gradient(), 1))).toString("base64")}`;
      const res = await postPairs(
        db,
        project,
        [
          { id: "api-1", instruction: "first", source_image: pngData, edited_image: edited, session_id: "s-9", turn: 0 },
          { id: "api-2", instruction: "turn without session", source_image: pngData, edited_image: edited, turn: 1 },
        ],
        { actorId: admin.id, tokenId: null, dataDir: dataDir(), resolve: { imageRoot: null, allowHosts: [], maxBytes: 10_000_000, timeoutMs: 2000 } },
      );
      expect(res.items.map((i) => i.status)).toEqual(["created", "invalid"]);
      expect(res.items[1]!.reason).toMatch(/a turn needs its session/);
      expect(await db.prisma.pair.findFirst({ where: { projectId: project, externalId: "api-1" }, select: { sessionId: true, turn: true } })).toEqual({
        sessionId: "s-9",
        turn: 0,
      });
    });

    it("exports session and turn: the canonical line and the gold CSV", async () => {
      await db.query(
        `UPDATE pairs SET status = 'final', final_decision = 'accept', final_source = 'review', finalized_at = now() WHERE project_id = $1 AND session_id = '327726'`,
        [project],
      );
      const page = await db.transaction((tx) => readCanonicalPage(tx, { projectId: project, filters: parseExportFilters({}), validationFraction: 0 }, "0", 10));
      const lines = page.map((r) => ZCanonicalLine.parse(JSON.parse(r.line)));
      expect(lines.map((l) => [l.external_id, l.session_id, l.turn, l.images.mask?.mime])).toEqual([
        ["327726:1", "327726", 1, "image/png"],
        ["327726:2", "327726", 2, "image/png"],
        ["327726:3", "327726", 3, "image/png"],
      ]);

      const exp = await createExport(db, admin, project, { format: "gold-csv", filters: {}, options: { validationFraction: 0 } });
      expect(await runExport(db, exp.id, { dataDir: dataDir() })).toBe("done");
      const dir = exportDir(dataDir(), exp.id);
      const csv = await readFile(path.join(dir, (await readdir(dir)).find((f) => f.endsWith(".csv"))!), "utf8");
      const [header, ...rows] = csv.trim().split("\r\n").map((l) => l.split(","));
      const col = (name: string) => header!.indexOf(name);
      expect(rows.map((r) => [r[col("external_id")], r[col("session_id")], r[col("turn")]])).toEqual([
        ["327726:1", "327726", "1"],
        ["327726:2", "327726", "2"],
        ["327726:3", "327726", "3"],
      ]);
    });
  });
}
