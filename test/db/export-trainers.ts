import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/test/support/db";
import { duckRows, sqlPath } from "@/test/support/duckdb";
import { STORED_IMAGES, type TSeeded } from "@/test/support/export-fixtures";
import { InvalidError } from "@/lib/errors";
import { imagePath } from "@/lib/images/paths";
import { exportDir, runExport } from "@/lib/exports/run";
import { createExport, getExportView, readExportManifest } from "@/lib/exports/service";
import { splitOf } from "@/lib/exports/split";
import type { TExportManifest } from "@/lib/exports/schemas";

// The trainer formats through the export job on a real engine, run inside test/db/export.test.ts so they
// share its migrated database and seeded project (a fresh database per file is most of a db file's cost):
// the format passes the table's check, the job hands the writers the export's provenance for their cards,
// the manifest lists every file, and no pair lands on both sides. One verifier-trainers run for all three
// tools, asserted from several tests; the files' shapes against each tool's rules are
// lib/exports/formats/trainers.test.ts.

export interface TTrainerExportEnv {
  db: TestDatabase;
  dataDir: string;
  seeded: TSeeded;
  admin: { id: number; role: "admin" };
}

const sha = (n: number) => n.toString(16).padStart(64, "0");

export function describeTrainerExports(env: () => TTrainerExportEnv): void {
  describe("verifier-trainers", () => {
    let id: string;
    let manifest: TExportManifest;
    let dir: string;

    beforeAll(async () => {
      const { db, dataDir, seeded, admin } = env();
      // The fixture's image rows have no files behind them: put a few bytes where the store keeps each.
      for (const s of [...STORED_IMAGES, sha(999)]) {
        await mkdir(path.dirname(imagePath(dataDir, s)), { recursive: true });
        await writeFile(imagePath(dataDir, s), `image ${s.slice(-3)}`);
      }
      const view = await createExport(db, admin, seeded.projectId, { format: "verifier-trainers", options: { validationFraction: 0.3 } });
      id = view.id;
      expect(await runExport(db, view.id, { dataDir, pageSize: 16 })).toBe("done");
      manifest = JSON.parse(await readExportManifest(db, dataDir, view.id)) as TExportManifest;
      dir = exportDir(dataDir, view.id);
    });

    it("runs a verifier-trainers export: every file in the manifest, SFT and DPO samples counted as records", async () => {
      const { db, seeded } = env();
      const recaptions = seeded.final.filter((p) => p.decision === "recaption").length;
      expect(manifest.export.format).toBe("verifier-trainers");
      expect(manifest.pairs).toBe(seeded.final.length);
      // Every pair gives a failure-detection sample; a re-captioned one also a re-caption and a preference sample.
      expect(manifest.records).toBe(seeded.final.length + 2 * recaptions);
      expect(manifest.dataFile).toBe("llama-factory/sft-train.jsonl");
      for (const f of ["dataset_info.json", "README.md", "trl/sft/README.md", "trl/dpo/README.md", "images/", "ms-swift/dpo-train.jsonl", "trl/dpo/data/validation-00000-of-00001.parquet"]) {
        expect(manifest.files).toContain(f);
      }
      for (const f of manifest.files) expect(existsSync(path.join(dir, f))).toBe(true);
      expect(await getExportView(db, id)).toMatchObject({ status: "done", records: manifest.records, files: manifest.files });
    });

    it("keeps every validation pair out of every train file, and the reverse", async () => {
      const sideOf = new Map(env().seeded.final.map((p) => [p.externalId, splitOf(p.externalId, 0.3)]));
      expect(new Set(sideOf.values())).toEqual(new Set(["train", "validation"]));
      for (const split of ["train", "validation"] as const) {
        for (const kind of ["sft", "dpo"]) {
          const got = await duckRows(`SELECT DISTINCT external_id FROM ${sqlPath(path.join(dir, `trl/${kind}/data/${split}-00000-of-00001.parquet`))}`);
          expect(got.length).toBeGreaterThan(0);
          for (const r of got) expect(sideOf.get(String(r.external_id))).toBe(split);
        }
      }
      // The JSONL tools carry no ids: the same samples in the same order, so their line counts match TRL's rows.
      for (const split of ["train", "validation"] as const) {
        const [{ n }] = (await duckRows(`SELECT count(*)::int AS n FROM ${sqlPath(path.join(dir, `trl/sft/data/${split}-00000-of-00001.parquet`))}`)) as [{ n: number }];
        for (const tool of ["llama-factory", "ms-swift"]) {
          const lines = (await readFile(path.join(dir, `${tool}/sft-${split}.jsonl`), "utf8")).trimEnd().split("\n");
          expect(lines).toHaveLength(n);
        }
      }
      expect(manifest.recordsPerSplit.train + manifest.recordsPerSplit.validation).toBe(manifest.records);
    });

    it("writes the export's provenance into the cards, and checks the trainers option", async () => {
      const { db, seeded, admin } = env();
      const readme = await readFile(path.join(dir, "README.md"), "utf8");
      expect(readme).toContain(`export ${id}, created ${manifest.export.createdAt} by ${manifest.export.createdBy}.`);
      expect(readme).toContain(`Project: ${manifest.project.name} (id ${seeded.projectId}).`);
      expect(readme).toContain("Filters: all final pairs");
      await expect(createExport(db, admin, seeded.projectId, { format: "verifier-trainers", options: { trainers: ["axolotl" as "trl"] } })).rejects.toBeInstanceOf(InvalidError);
      await expect(createExport(db, admin, seeded.projectId, { format: "verifier-trainers", options: { trainers: [] } })).rejects.toThrow(/at least one trainer/);
      await expect(createExport(db, admin, seeded.projectId, { format: "verifier-sft", options: { trainers: ["trl"] } })).rejects.toThrow(/verifier-trainers format only/);
    });
  });
}
