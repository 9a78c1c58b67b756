import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parquetWriteBuffer } from "hyparquet-writer";
import { InvalidError } from "@/lib/errors";
import { createImport } from "@/lib/imports/service";
import { runImport } from "@/lib/imports/run";
import { closeImagePool } from "@/lib/images/pool";
import { postPairs } from "@/lib/pipeline-api/pairs";
import { writeImagePairs } from "../support/import-fixtures";
import { filterWhere } from "@/lib/exports/filters";
import { updateProjectSettings } from "@/test/support/settings";
import { SCALE_PRESETS, verifierMargin } from "@/lib/quality/scales";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

// Declared verifier scales (docs/decisions/014): the keep rule's margin, the uncertainty order, the
// export filter and the exported scores on a 0-10 (OmniEdit) and a 0-1 (UltraEdit) project, figures
// worked out by hand; two verifier versions on one pair and switching the active one.

const HASH = "0".repeat(64);

async function insert(t: TestDatabase, projectId: number, id: string, scores: Record<string, number> | null,
  extra: { valid?: boolean | null; version?: string | null } = {}) {
  await t.query(
    `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, verifier_scores, verifier_valid, model_version)
     VALUES ($1, $2, $3, $3, 'make it so', $4::jsonb, $5, $6)`,
    [projectId, id, HASH, scores === null ? null : JSON.stringify(scores), extra.valid ?? null, extra.version ?? null],
  );
}

async function keys(t: TestDatabase, projectId: number) {
  return t.query<{ external_id: string; margin: number | null; uncertainty: number | null }>(
    `SELECT external_id, verifier_margin AS margin, queue_uncertainty AS uncertainty FROM pairs WHERE project_id = $1 ORDER BY external_id`,
    [projectId],
  );
}

const close = (v: number | null) => (v === null ? null : Math.round(v * 1e4) / 1e4);

describe.each(engines())("declared verifier scales on $engine", ({ engine }) => {
  let t: TestDatabase;
  let admin: number | undefined;
  let root: string;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    [admin] = await makeUsers(t, 1, "scales-admin");
    root = await mkdtemp(path.join(tmpdir(), "loupe-scales-"));
  });
  afterAll(async () => {
    await closeImagePool();
    await t?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("keeps, orders and filters a 0-10 project by its declared thresholds", async () => {
    const project = await makeProject(t, { pairs: 0 });
    // OmniEdit: sc_score_1, sc_score_2, pq_score ≥ 6 on 0-10; o_score shown, not in the keep rule.
    await updateProjectSettings(t, project.id, admin!, { verifierScales: SCALE_PRESETS.omniedit.scales.map((s) => ({ ...s })) });
    await insert(t, project.id, "a", { sc_score_1: 9, sc_score_2: 7, pq_score: 8, o_score: 8 }); // kept, margin min(.3,.1,.2) = .1
    await insert(t, project.id, "b", { sc_score_1: 6, sc_score_2: 10, pq_score: 6, o_score: 7 }); // kept at the threshold: 0
    await insert(t, project.id, "c", { sc_score_1: 4, sc_score_2: 5, pq_score: 9, o_score: 5 }); // dropped: -(.2 + .1) = -.3
    await insert(t, project.id, "d", { sc_score_1: 9, sc_score_2: 9, pq_score: 9 }, { valid: false }); // flag contradicts: -1
    await insert(t, project.id, "e", { sc_score_1: 9, o_score: 9 }); // a thresholded score missing: no verdict
    expect((await keys(t, project.id)).map((r) => [r.external_id, close(r.margin), close(r.uncertainty)])).toEqual([
      ["a", 0.1, 0.1],
      ["b", 0, 0],
      ["c", -0.3, 0.3],
      ["d", 0.3, -1],
      ["e", null, null],
    ]);
    // The TypeScript copy of the rule agrees with the database's.
    expect(close(verifierMargin({ sc_score_1: 4, sc_score_2: 5, pq_score: 9 }, SCALE_PRESETS.omniedit.scales))).toBe(-0.3);

    // The uncertainty order, as the claim's index serves it: contradiction, then nearest the threshold.
    const order = await t.query<{ external_id: string }>(
      `SELECT external_id FROM pairs WHERE project_id = $1 AND taken < wanted AND NOT is_gold ORDER BY queue_uncertainty NULLS LAST, id`,
      [project.id],
    );
    expect(order.map((r) => r.external_id)).toEqual(["d", "b", "a", "c", "e"]);

    const values: unknown[] = [project.id];
    const kept = await t.query<{ external_id: string }>(
      `SELECT external_id FROM pairs p WHERE p.project_id = $1 ${filterWhere({ verifier: ["keeps"] }, values)} ORDER BY 1`,
      values,
    );
    expect(kept.map((r) => r.external_id)).toEqual(["a", "b", "d"]);

    // A stricter threshold recomputes every verdict from the stored scores.
    const scales = SCALE_PRESETS.omniedit.scales.map((s) => ({ ...s, keep: s.key === "sc_score_2" ? 8 : s.keep }));
    const changed = await updateProjectSettings(t, project.id, admin!, { verifierScales: scales });
    expect(changed.changed).toEqual(["verifierScales"]);
    expect((await keys(t, project.id)).map((r) => [r.external_id, close(r.margin)])).toEqual([
      ["a", -0.1], ["b", 0], ["c", -0.5], ["d", 0.1], ["e", null],
    ]);
  });

  it("handles a 0-1 project with a lower-is-better column", async () => {
    const project = await makeProject(t, { pairs: 0 });
    const scales = [
      { key: "clip_sim_dir", label: "CLIP direction", min: 0, max: 1, higherIsBetter: true, keep: 0.2 },
      { key: "lpips", label: "LPIPS", min: 0, max: 1, higherIsBetter: false, keep: 0.4 },
    ];
    await updateProjectSettings(t, project.id, admin!, { verifierScales: scales });
    await insert(t, project.id, "a", { clip_sim_dir: 0.5, lpips: 0.3 }); // kept: min(.3, .1)
    await insert(t, project.id, "b", { clip_sim_dir: 0.1, lpips: 0.6 }); // dropped: -(.1 + .2)
    expect((await keys(t, project.id)).map((r) => [r.external_id, close(r.margin), close(r.uncertainty)])).toEqual([
      ["a", 0.1, 0.1],
      ["b", -0.3, 0.3],
    ]);
    const values: unknown[] = [project.id];
    const dropped = await t.query<{ external_id: string; scores: Record<string, number> }>(
      `SELECT external_id, verifier_scores AS scores FROM pairs p WHERE p.project_id = $1 ${filterWhere({ verifier: ["drops"] }, values)}`,
      values,
    );
    expect(dropped).toEqual([{ external_id: "b", scores: { clip_sim_dir: 0.1, lpips: 0.6 } }]);
    await expect(updateProjectSettings(t, project.id, admin!, { verifierScales: [{ ...scales[0]!, keep: 2 }] })).rejects.toThrow(
      /between 0 and 1/,
    );
  });

  it("refuses score keys the project has not declared: the API's whole request, an import's rows", async () => {
    const project = await makeProject(t, { pairs: 0 });
    await updateProjectSettings(t, project.id, admin!, { verifierScales: SCALE_PRESETS.omniedit.scales.map((s) => ({ ...s })) });
    const ctx = { actorId: admin!, tokenId: null, dataDir: path.join(root, ".data"), resolve: { imageRoot: root, allowHosts: [], maxBytes: 1e7, timeoutMs: 2000 } };
    const [img] = await writeImagePairs(root, 1);
    const item = { id: "x1", instruction: "add a square", source_image: img!.source, edited_image: img!.edited };

    // The API: a 400 naming the item, the key and the declared keys; nothing is inserted.
    const posted = postPairs(t, project.id, [{ ...item, scores: { sc_score_1: 7 } }, { ...item, id: "x2", scores: { sc_score_1: 7, clip_sim_dir: 0.3 } }], ctx);
    await expect(posted).rejects.toThrow(InvalidError);
    await expect(posted).rejects.toThrow(/Item 1 \(id "x2"\): the score key "clip_sim_dir".*declared: "sc_score_1", "sc_score_2", "pq_score", "o_score"/);
    await expect(postPairs(t, project.id, [{ ...item, vs_instruction_following: 3 }], ctx)).rejects.toThrow(/"instruction_following" \(field "vs_instruction_following"\)/);
    expect(await t.prisma.pair.count({ where: { projectId: project.id } })).toBe(0);

    // An import: each row with a value under an undeclared key is refused by position and id; the others go in.
    const file = path.join(root, "scores.jsonl");
    const row = (id: string, extra: Record<string, unknown>) => JSON.stringify({ id, instruction: "add a square", source: img!.source, edited: img!.edited, ...extra });
    await writeFile(file, [row("r1", { sc: 8, clip: null }), row("r2", { sc: 8, clip: 0.4 })].join("\n") + "\n");
    const view = await createImport(t, null, project.id, {
      source: { kind: "path", path: file },
      preset: null,
      mapping: { externalId: "id", instruction: "instruction", source: "source", edited: "edited", scores: { sc_score_1: "sc", clip_sim_dir: "clip" } },
    }, { importRoot: null, cliPath: file, imageRoot: root });
    expect(await runImport(t, view.id, { dataDir: ctx.dataDir, fetch: { allowHosts: [], maxBytes: 1e7, timeoutMs: 2000 } })).toBe("done");
    const errors = await t.prisma.importError.findMany({ where: { importId: BigInt(view.id) } });
    expect(errors.map((e) => [Number(e.line), e.externalId])).toEqual([[2, "r2"]]);
    expect(errors[0]!.reason).toMatch(/score key "clip_sim_dir" \(column "clip"\) is not declared by this project \(declared: "sc_score_1", "sc_score_2", "pq_score", "o_score"\)/);
    const pairs = await t.query<{ external_id: string; scores: unknown }>(`SELECT external_id, verifier_scores AS scores FROM pairs WHERE project_id = $1`, [project.id]);
    expect(pairs).toEqual([{ external_id: "r1", scores: { sc_score_1: 8 } }]);
  });

  it("keeps two verifier versions of one pair and reads the active one", async () => {
    const project = await makeProject(t, { pairs: 0 });
    await insert(t, project.id, "p", { instruction_following: 3, editing_consistency: 2, generation_quality: 2 }, { version: "v1" });
    const [pair] = await t.query<{ id: string }>(`SELECT id::text FROM pairs WHERE project_id = $1`, [project.id]);
    await t.query(
      `INSERT INTO pair_verifier_outputs (pair_id, version, scores, valid, recaption)
       VALUES ($1, 'v2', '{"instruction_following": 1, "editing_consistency": 3, "generation_quality": 3}', false, 'Paint it red')`,
      [pair!.id],
    );
    const outputs = await t.query<{ version: string }>(`SELECT version FROM pair_verifier_outputs WHERE pair_id = $1 ORDER BY version`, [pair!.id]);
    expect(outputs.map((o) => o.version)).toEqual(["v1", "v2"]);
    // No active version named: the pair keeps its first output.
    let [row] = await t.query<{ model_version: string; margin: number; valid: boolean | null }>(
      `SELECT model_version, verifier_margin AS margin, verifier_valid AS valid FROM pairs WHERE id = $1`, [pair!.id]);
    expect(row).toMatchObject({ model_version: "v1", margin: 0, valid: null });

    const r = await updateProjectSettings(t, project.id, admin!, { verifierVersion: "v2" });
    expect(r.queueKeysUpdated).toBe(1);
    [row] = await t.query(`SELECT model_version, verifier_margin AS margin, verifier_valid AS valid FROM pairs WHERE id = $1`, [pair!.id]);
    expect(row!.model_version).toBe("v2");
    expect(row!.valid).toBe(false);
    expect(close(row!.margin)).toBe(-1); // IF 1 under 3 on 1-3: a whole scale short

    // A correction of the active version's output reaches the pair.
    await t.query(`UPDATE pair_verifier_outputs SET scores = '{"instruction_following": 3, "editing_consistency": 3, "generation_quality": 3}'
                   WHERE pair_id = $1 AND version = 'v2'`, [pair!.id]);
    [row] = await t.query(`SELECT model_version, verifier_margin AS margin, verifier_valid AS valid FROM pairs WHERE id = $1`, [pair!.id]);
    expect(close(row!.margin)).toBe(0);

    // A pair imported with another version than the active one carries no copy: the active version has not spoken.
    await insert(t, project.id, "q", { instruction_following: 3, editing_consistency: 3, generation_quality: 3 }, { version: "v1" });
    const [q] = await t.query<{ model_version: string | null; margin: number | null; n: number }>(
      `SELECT model_version, verifier_margin AS margin, (SELECT count(*)::int FROM pair_verifier_outputs o WHERE o.pair_id = p.id) AS n
       FROM pairs p WHERE project_id = $1 AND external_id = 'q'`, [project.id]);
    expect(q).toEqual({ model_version: null, margin: null, n: 1 });
  });
  it("imports several versions of one pair in the long layout (a row or item per pair and version): manifest, Parquet, API", async () => {
    const ctx = { actorId: admin!, tokenId: null, dataDir: path.join(root, ".data"), resolve: { imageRoot: root, allowHosts: [], maxBytes: 1e7, timeoutMs: 2000 } };
    const [img] = await writeImagePairs(root, 1);
    const rows = [["r1", "v1", 7], ["r1", "v2", 4], ["r2", "v1", 8]] as const;
    const mapping = { externalId: "id", instruction: "instruction", source: "source", edited: "edited", modelVersion: "version", scores: { sc_score_1: "sc" } };
    const outputs = (projectId: number) => t.query<{ id: string; version: string; scores: unknown }>(
      `SELECT p.external_id AS id, o.version, o.scores FROM pair_verifier_outputs o JOIN pairs p ON p.id = o.pair_id
        WHERE p.project_id = $1 ORDER BY 1, 2`, [projectId]);
    const expected = [
      { id: "r1", version: "v1", scores: { sc_score_1: 7 } },
      { id: "r1", version: "v2", scores: { sc_score_1: 4 } },
      { id: "r2", version: "v1", scores: { sc_score_1: 8 } },
    ];
    const manifest = path.join(root, "versions.jsonl");
    await writeFile(manifest, rows.map(([id, version, sc]) => JSON.stringify({ id, version, sc, instruction: "add a square", source: img!.source, edited: img!.edited })).join("\n") + "\n");
    const parquet = path.join(root, "versions.parquet");
    await writeFile(parquet, new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: "id", data: rows.map((r) => r[0]), type: "STRING" },
        { name: "version", data: rows.map((r) => r[1]), type: "STRING" },
        { name: "sc", data: rows.map((r) => r[2]), type: "DOUBLE" },
        { name: "instruction", data: rows.map(() => "add a square"), type: "STRING" },
        { name: "source", data: rows.map(() => img!.source), type: "STRING" },
        { name: "edited", data: rows.map(() => img!.edited), type: "STRING" },
      ],
    })));
    for (const file of [manifest, parquet]) {
      const project = await makeProject(t, { pairs: 0 });
      await updateProjectSettings(t, project.id, admin!, { verifierScales: SCALE_PRESETS.omniedit.scales.map((s) => ({ ...s })) });
      const view = await createImport(t, null, project.id, { source: { kind: "path", path: file }, preset: null, mapping },
        { importRoot: null, cliPath: file, imageRoot: root });
      expect(await runImport(t, view.id, { dataDir: ctx.dataDir, fetch: { allowHosts: [], maxBytes: 1e7, timeoutMs: 2000 } })).toBe("done");
      expect(await t.prisma.import.findUnique({ where: { id: BigInt(view.id) }, select: { inserted: true, duplicates: true, invalid: true } }))
        .toEqual({ inserted: 2n, duplicates: 1n, invalid: 0n });
      expect(await outputs(project.id)).toEqual(expected);
    }

    const project = await makeProject(t, { pairs: 0 });
    await updateProjectSettings(t, project.id, admin!, { verifierScales: SCALE_PRESETS.omniedit.scales.map((s) => ({ ...s })) });
    const item = (id: string, version: string, sc: number) =>
      ({ id, model_version: version, scores: { sc_score_1: sc }, instruction: "add a square", source_image: img!.source, edited_image: img!.edited });
    const posted = await postPairs(t, project.id, rows.map(([id, version, sc]) => item(id, version, sc)), ctx);
    expect(posted.items.map((i) => i.status)).toEqual(["created", "duplicate", "created"]);
    expect(await outputs(project.id)).toEqual(expected);
    // A later request adds a third version to a pair already there.
    await postPairs(t, project.id, [item("r2", "v2", 3)], ctx);
    expect((await outputs(project.id)).map((o) => `${o.id}/${o.version}`)).toEqual(["r1/v1", "r1/v2", "r2/v1", "r2/v2"]);
  });
});
