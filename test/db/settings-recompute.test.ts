import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel } from "@/lib/queue/submit";
import { DEFAULT_VERIFIER_SCALES } from "@/lib/quality/scales";
import { updateProjectSettings } from "@/lib/quality/settings";
import { getSettingsRecompute, runSettingsRecompute } from "@/lib/quality/recompute";
import { QUEUE_KEYS_BATCH } from "@/lib/queue/order-keys";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

// The save answers before the pairs are recomputed (docs/decisions/027). Claims and consensus must follow
// the new settings for pairs the background run has not reached, and the run, interrupted or not, must end
// with every pair as a full recomputation under the new settings makes it.

// ScaleEdit's declaration with EC's keep threshold raised from 2 to 3.
const STRICTER = DEFAULT_VERIFIER_SCALES.map((s) => (s.key === "editing_consistency" ? { ...s, keep: 3 } : s));

describe.each(engines())("settings recompute on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  const accept = (userId: number, pairId: string) =>
    submitLabel(t, userId, { pairId: BigInt(pairId), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });

  /** Pairs whose kept verifier figures or (open pairs') queue keys differ from a full recomputation now. */
  async function disagreeing(projectId: number): Promise<number> {
    const [r] = await t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pairs p JOIN projects pr ON pr.id = p.project_id,
              LATERAL (SELECT loupe_verifier_margin(p.verifier_scores, pr.verifier_scales) AS m) x
       WHERE p.project_id = $1 AND (
         p.verifier_margin IS DISTINCT FROM x.m
         OR (p.status = 'open' AND NOT p.is_gold AND (
              p.queue_uncertainty IS DISTINCT FROM loupe_queue_uncertainty(x.m, p.verifier_valid)
              OR p.queue_disagreement <> loupe_queue_disagreement(x.m, loupe_verifier_spread(p.verifier_scores, pr.verifier_scales),
                   p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.instruction, p.change_fraction,
                   p.change_outside_mask, pr.verifier_rule)))
         OR (p.taken = 0 AND p.label_count = 0 AND p.status = 'open' AND NOT p.is_gold AND p.wanted <> pr.overlap))`,
      [projectId],
    );
    return r!.n;
  }

  async function addScoredPairs(projectId: number, n: number): Promise<void> {
    // EC 2 on every third pair: kept under the default rule, dropped under STRICTER. No valid flag, so
    // the 'auto' rule reads the scores.
    await t.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted, verifier_scores, change_fraction)
       SELECT $1, 'r-' || lpad(g::text, 6, '0'), repeat('0', 64), repeat('0', 64), 'Make the car blue (' || g || ')', 1,
              jsonb_build_object('instruction_following', 3, 'editing_consistency', CASE WHEN g % 3 = 0 THEN 2 ELSE 3 END,
                                 'generation_quality', 3),
              (g % 7) / 100.0
       FROM generate_series(1, $2::int) g`,
      [projectId, n],
    );
  }

  it("after an overlap save, a pair claimed before the run reaches it wants the new overlap; the run then gives it to every untouched pair", async () => {
    const project = await makeProject(t, { pairs: 30, overlap: 1 });
    const [a, b, admin] = await makeUsers(t, 3, "ro");
    const saved = await updateProjectSettings(t, project.id, admin!, { overlap: 2 }, { enqueue: false });
    expect(saved.recompute).toMatchObject({ running: true, phase: "overlap", pairsDone: 0, pairsTotal: 30 });

    const first = await claimNextPair(t, { projectId: project.id, userId: a! });
    await accept(a!, first!.id);
    // One label of two: still open, not settled on the old overlap of 1.
    expect(await t.query(`SELECT status::text, wanted, label_count FROM pairs WHERE id = $1`, [first!.id])).toEqual([
      { status: "open", wanted: 2, label_count: 1 },
    ]);
    const second = await claimNextPair(t, { projectId: project.id, userId: b! });
    expect(second?.id).toBe(first!.id);
    await accept(b!, second!.id);
    expect((await t.query<{ status: string }>(`SELECT status::text FROM pairs WHERE id = $1`, [first!.id]))[0]!.status).toBe("final");
    expect(await disagreeing(project.id)).toBe(29);

    expect(await runSettingsRecompute(t, project.id)).toBe("finished");
    expect(await disagreeing(project.id)).toBe(0);
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ running: false, phase: null, overlapPairsChanged: 29, pairsDone: 29 });
    expect(await runSettingsRecompute(t, project.id)).toBe("idle");
  });

  it("after a keep-rule save, consensus routes on the new rule before the run; an interrupted run resumes and ends agreeing with a full recomputation", async () => {
    const project = await makeProject(t, { pairs: 0, overlap: 1 });
    const n = QUEUE_KEYS_BATCH + 100;
    await addScoredPairs(project.id, n);
    const [a, admin] = await makeUsers(t, 2, "rk");
    expect(await disagreeing(project.id)).toBe(0);

    const saved = await updateProjectSettings(t, project.id, admin!, { verifierScales: STRICTER, overlap: 2 }, { enqueue: false });
    expect(saved.recompute).toMatchObject({ running: true, phase: "overlap", pairsTotal: 2 * n });
    expect(await disagreeing(project.id)).toBeGreaterThan(n / 3);

    // The third pair (EC 2) is kept by its stale margin but dropped by the new rule: two accepts route it to
    // review for the verifier.
    const target = (await t.query<{ id: string }>(`SELECT id::text FROM pairs WHERE project_id = $1 AND external_id = 'r-000003'`, [project.id]))[0]!.id;
    expect((await t.query<{ m: number }>(`SELECT verifier_margin AS m FROM pairs WHERE id = $1`, [target]))[0]!.m).toBeGreaterThanOrEqual(0);
    const [b] = await makeUsers(t, 1, "rk-b");
    // Leased directly, as a claim would: the first lease fixes the pair's overlap at the new 2.
    await t.query(`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES ($1, $2, $3, now() + interval '10 minutes', 1), ($1, $2, $4, now() + interval '10 minutes', 1)`, [
      target,
      project.id,
      a!,
      b!,
    ]);
    await accept(a!, target);
    await accept(b!, target);
    expect(await t.query(`SELECT status::text, review_reasons FROM pairs WHERE id = $1`, [target])).toEqual([{ status: "in_review", review_reasons: ["verifier"] }]);

    // Two batches, then a stop (a worker shutting down): the checkpoint holds, the rest is left.
    let batches = 0;
    expect(await runSettingsRecompute(t, project.id, { shouldStop: () => batches++ >= 2 })).toBe("interrupted");
    const half = await getSettingsRecompute(t, project.id);
    expect(half).toMatchObject({ running: true, phase: "keys" });
    expect(half!.pairsDone).toBeGreaterThanOrEqual(QUEUE_KEYS_BATCH);
    expect(await disagreeing(project.id)).toBeGreaterThan(0);

    expect(await runSettingsRecompute(t, project.id)).toBe("finished");
    expect(await disagreeing(project.id)).toBe(0);
    const done = await getSettingsRecompute(t, project.id);
    // The overlap phase walks the open work only, which the pair in review has left.
    expect(done).toMatchObject({ running: false, pairsDone: 2 * n - 1 });
    expect(done!.keysPairsChanged).toBe(n / 3); // the pairs with EC 2: their margin, and keys while open
    const applied = await t.query<{ action: string; data: { pairs: number } }>(
      `SELECT action, data FROM audit_events WHERE subject_id = $1 AND action IN ('project.overlap_applied', 'project.queue_keys_applied') ORDER BY id`,
      [String(project.id)],
    );
    expect(applied.map((r) => r.action)).toEqual(["project.overlap_applied", "project.queue_keys_applied"]);
    expect(applied[1]!.data.pairs).toBe(done!.keysPairsChanged);
    // Run again: nothing left, nothing moves.
    expect(await runSettingsRecompute(t, project.id)).toBe("idle");
    expect(await disagreeing(project.id)).toBe(0);
  });
});
