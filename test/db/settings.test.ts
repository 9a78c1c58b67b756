import { DEFAULT_VERIFIER_SCALES } from "@/lib/quality/scales";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidError, NotFoundError } from "@/lib/errors";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel } from "@/lib/queue/submit";
import { getProjectSettings, updateProjectSettings as saveSettings } from "@/lib/quality/settings";
import { getSettingsRecompute, OVERLAP_BATCH, runSettingsRecompute } from "@/lib/quality/recompute";
import { QUEUE_KEYS_BATCH } from "@/lib/queue/order-keys";
import { updateProjectSettings } from "@/test/support/settings";
import { ZSettingsPatch, type TSettingsPatch } from "@/lib/quality/settings-schema";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";


// The default (ScaleEdit) declaration with EC's threshold raised from 2 to 3.
const STRICTER = DEFAULT_VERIFIER_SCALES.map((s) => (s.key === "editing_consistency" ? { ...s, keep: 3 } : s));

describe.each(engines())("project settings on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  const auditRows = (projectId: number, action = "project.updated") =>
    t.prisma.auditEvent.findMany({ where: { action, subjectType: "project", subjectId: String(projectId) }, orderBy: { id: "asc" } });

  it("refuses out-of-range, unknown and empty patches with a sentence naming the field", async () => {
    const project = await makeProject(t, { pairs: 0 });
    const cases: [unknown, RegExp][] = [
      [{ goldRate: 0.8 }, /^Gold rate must be between 0 and 0\.5 \(0–50%\)\.$/],
      [{ overlap: 6 }, /^Overlap must be between 1 and 5\.$/],
      [{ overlap: 2.5 }, /^Overlap must be a whole number from 1 to 5\.$/],
      [{ goldAccuracyThreshold: -0.1 }, /Gold accuracy threshold must be between 0 and 1 \(0–100%\)/],
      [{ verifierScales: [{ key: "if", label: "Instruction following (IF)", min: 1, max: 3, higherIsBetter: true, keep: 4 }] },
        /Instruction following \(IF\): the keep threshold must be between 1 and 3/],
      [{ verifierScales: [{ key: "If", label: "IF", min: 1, max: 3, higherIsBetter: true, keep: 3 }] }, /score key/],
      [{ verifierRule: "majority" }, /Verifier rule must be one of auto, valid_flag, scores, off/],
      [{ goldMinCount: "ten" }, /Minimum gold checks must be a number/],
      [{ leaseSeconds: 10 }, /Lease must be between 30 and 86400/],
      [{ colour: "red" }, /colour/],
      [{}, /at least one setting/],
    ];
    for (const [patch, message] of cases) {
      const parsed = ZSettingsPatch.safeParse(patch);
      expect(parsed.success, JSON.stringify(patch)).toBe(false);
      const err = await updateProjectSettings(t, project.id, null, patch as TSettingsPatch).catch((e: unknown) => e);
      expect(err, JSON.stringify(patch)).toBeInstanceOf(InvalidError);
      expect((err as Error).message).toMatch(message);
    }
    await expect(updateProjectSettings(t, 999_999, null, { goldRate: 0.1 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await auditRows(project.id)).toHaveLength(0);
    expect(await getProjectSettings(t, project.id)).toMatchObject({ goldRate: 0, goldAccuracyThreshold: 0.7, overlap: 1 });
  });

  it("saves the changed fields and audits each with before and after; an unchanged save writes nothing", async () => {
    const project = await makeProject(t, { pairs: 0 });
    const [admin] = await makeUsers(t, 1, "settings-admin");
    const result = await updateProjectSettings(t, project.id, admin!, {
      goldRate: 0.1,
      goldAccuracyThreshold: 0.8,
      goldMinCount: 10, // the default: not a change
      verifierRule: "scores",
      verifierScales: STRICTER,
      guidelines: "Look at the hands.",
    });
    expect(result.changed.sort()).toEqual(["goldAccuracyThreshold", "goldRate", "guidelines", "verifierRule", "verifierScales"]);
    expect(result.pairsUpdated).toBeNull();
    expect(result.settings).toMatchObject({ goldRate: 0.1, goldAccuracyThreshold: 0.8, verifierRule: "scores", verifierScales: STRICTER });
    const stored = await t.prisma.project.findUniqueOrThrow({ where: { id: project.id } });
    expect(Math.fround(stored.goldRate)).toBe(Math.fround(0.1));
    expect(stored.verifierRule).toBe("scores");
    const rows = await auditRows(project.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.actorId).toBe(admin);
    expect(rows[0]!.data).toEqual({
      changes: {
        goldRate: { before: 0, after: 0.1 },
        goldAccuracyThreshold: { before: 0.7, after: 0.8 },
        verifierRule: { before: "auto", after: "scores" },
        verifierScales: { before: DEFAULT_VERIFIER_SCALES, after: STRICTER },
        guidelines: { before: "", after: "Look at the hands." },
      },
    });
    // Saving the same values again (as read back from REAL columns) is no change and no audit row.
    const again = await updateProjectSettings(t, project.id, admin!, { goldRate: 0.1, goldAccuracyThreshold: 0.8 });
    expect(again.changed).toEqual([]);
    expect(await auditRows(project.id)).toHaveLength(1);
  });

  it("rolls the audit row back when the update fails after it, and the update back when the audit insert fails", async () => {
    const project = await makeProject(t, { pairs: 0 });
    const settingsNow = async () => (await getProjectSettings(t, project.id))?.goldRate;
    // 1. The project update fails after the audit row was inserted in the same transaction.
    await t.exec(`
      CREATE FUNCTION test_fail_project() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- The audit row is already there, inside this transaction, when the update is refused.
        IF NOT EXISTS (SELECT 1 FROM audit_events WHERE action = 'project.updated' AND subject_id = NEW.id::text) THEN
          RAISE EXCEPTION 'test expected the audit row before the update';
        END IF;
        RAISE EXCEPTION 'project update refused for test';
      END $$;
      CREATE TRIGGER test_fail_project BEFORE UPDATE ON projects FOR EACH ROW
        WHEN (NEW.id = ${project.id}) EXECUTE FUNCTION test_fail_project();`);
    try {
      await expect(updateProjectSettings(t, project.id, null, { goldRate: 0.2 })).rejects.toThrow(/project update refused for test/);
    } finally {
      await t.exec(`DROP TRIGGER test_fail_project ON projects; DROP FUNCTION test_fail_project();`);
    }
    expect(await settingsNow()).toBe(0);
    expect(await auditRows(project.id)).toHaveLength(0);

    // 2. The audit insert fails: the update never lands either.
    await t.exec(`
      CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit refused for test'; END $$;
      CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW
        WHEN (NEW.action = 'project.updated' AND NEW.subject_id = '${project.id}') EXECUTE FUNCTION test_fail_audit();`);
    try {
      await expect(updateProjectSettings(t, project.id, null, { goldRate: 0.2 })).rejects.toThrow(/audit refused for test/);
    } finally {
      await t.exec(`DROP TRIGGER test_fail_audit ON audit_events; DROP FUNCTION test_fail_audit();`);
    }
    expect(await settingsNow()).toBe(0);
    expect(await auditRows(project.id)).toHaveLength(0);

    await updateProjectSettings(t, project.id, null, { goldRate: 0.3 });
    expect(await settingsNow()).toBe(0.3);
    expect(await auditRows(project.id)).toHaveLength(1);
  });

  it("an overlap change reaches only open pairs nobody has started, across keyset batches", async () => {
    const total = OVERLAP_BATCH + 12;
    const project = await makeProject(t, { pairs: 0, overlap: 2 });
    // One INSERT … SELECT: createMany is slow on PGlite.
    await t.prisma.$executeRaw`
      INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted)
      SELECT ${project.id}, 'e-' || n, repeat('0', 64), repeat('0', 64), 'instruction ' || n, 2 FROM generate_series(1, ${total}) n`;
    const [a, b, admin] = await makeUsers(t, 3, "overlap");
    const ids = (await t.prisma.pair.findMany({ where: { projectId: project.id }, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
    // Started pairs, each a different way: a live lease; one label of two; both labels (final).
    const leased = await claimNextPair(t, { projectId: project.id, userId: a! });
    expect(leased?.id).toBe(String(ids[0]));
    const half = await claimNextPair(t, { projectId: project.id, userId: b!, exclude: [] });
    expect(half?.id).toBe(String(ids[0])); // overlap 2: b may take the same pair
    await submitLabel(t, b!, { pairId: ids[0]!, submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });
    const second = await claimNextPair(t, { projectId: project.id, userId: b! });
    await submitLabel(t, b!, { pairId: BigInt(second!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });
    const third = await claimNextPair(t, { projectId: project.id, userId: a!, exclude: [ids[0]!] });
    expect(third?.id).toBe(second?.id);
    await submitLabel(t, a!, { pairId: BigInt(third!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(second!.id) }, select: { status: true } })).toEqual({ status: "final" });
    // A gold pair in the open part of the id range, and a pair someone skipped (skips do not start it).
    const gold = ids[100]!;
    await t.prisma.$executeRaw`UPDATE pairs SET is_gold = true, gold_active = true, gold_decision = 'accept', status = 'final',
      final_decision = 'accept', final_source = 'gold', finalized_at = now() WHERE id = ${gold}`;
    const skipped = ids[200]!;
    await t.prisma.skip.create({ data: { pairId: skipped, annotatorId: a! } });

    const result = await updateProjectSettings(t, project.id, admin!, { overlap: 3 });
    const started = new Set([ids[0]!, BigInt(second!.id), gold]);
    expect(result.pairsUpdated).toBe(total - started.size);
    const wanted = await t.prisma.pair.findMany({ where: { projectId: project.id }, select: { id: true, wanted: true, taken: true } });
    for (const p of wanted) expect({ id: p.id, wanted: p.wanted }).toEqual({ id: p.id, wanted: started.has(p.id) ? 2 : 3 });
    expect(wanted.find((p) => p.id === skipped)?.wanted).toBe(3);
    const applied = await auditRows(project.id, "project.overlap_applied");
    expect(applied.map((r) => r.data)).toEqual([{ overlap: 3, pairs: total - started.size }]);
    const updated = await auditRows(project.id);
    expect(updated.map((r) => r.data)).toEqual([{ changes: { overlap: { before: 2, after: 3 } } }]);
    const [counts] = await t.prisma.$queryRaw<{ open: number; final: number }[]>`
      SELECT sum(open)::int AS open, sum(final)::int AS final FROM project_counts WHERE project_id = ${project.id}`;
    expect(counts).toEqual({ open: total - 2, final: 2 });

    // Back to 1: the leased and half-labelled pair keeps 2, i.e. still wants its second label.
    const back = await updateProjectSettings(t, project.id, admin!, { overlap: 1 });
    expect(back.pairsUpdated).toBe(total - started.size);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: ids[0]! } })).wanted).toBe(2);
  });

  // The save answers before the pairs are recomputed (docs/decisions/027). Claims and consensus must follow
  // the new settings for pairs the background run has not reached, and the run, interrupted or not, must end
  // with every pair as a full recomputation under the new settings makes it.
  const accept = (userId: number, pairId: string) =>
    submitLabel(t, userId, { pairId: BigInt(pairId), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });

  /**
   * Pairs whose kept verifier figures or (open pairs') queue keys differ from a full recomputation now,
   * and with `overlap` those nobody started whose wanted differs from the project's overlap.
   */
  const STALE_PAIRS = (overlap: boolean) => `
    SELECT p.id FROM pairs p JOIN projects pr ON pr.id = p.project_id,
           LATERAL (SELECT loupe_verifier_margin(p.verifier_scores, pr.verifier_scales) AS m) x
    WHERE p.project_id = $1 AND (
      p.verifier_margin IS DISTINCT FROM x.m
      OR (p.status = 'open' AND NOT p.is_gold AND (
           p.queue_uncertainty IS DISTINCT FROM loupe_queue_uncertainty(x.m, p.verifier_valid)
           OR p.queue_disagreement <> loupe_queue_disagreement(x.m, loupe_verifier_spread(p.verifier_scores, pr.verifier_scales),
                p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.instruction, p.change_fraction,
                p.change_outside_mask, pr.verifier_rule)))
      ${overlap ? "OR (p.taken = 0 AND p.label_count = 0 AND p.status = 'open' AND NOT p.is_gold AND p.wanted <> pr.overlap)" : ""})`;

  async function disagreeing(projectId: number): Promise<number> {
    const [r] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${STALE_PAIRS(true)}) s`, [projectId]);
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
    const saved = await saveSettings(t, project.id, admin!, { overlap: 2 }, { enqueue: false });
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

    const saved = await saveSettings(t, project.id, admin!, { verifierScales: STRICTER, overlap: 2 }, { enqueue: false });
    // The overlap and the keys look at the open pairs, the margins at every pair.
    expect(saved.recompute).toMatchObject({ running: true, phase: "overlap", pairsTotal: 3 * n });
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
    // The overlap and keys phases walk the open pairs only, which the pair in review has left.
    expect(done).toMatchObject({ running: false, pairsDone: 3 * n - 2 });
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
  /** Pairs whose kept figures differ from a full recomputation now, by id (the rows a run must write). */
  async function staleIds(projectId: number): Promise<string[]> {
    const rows = await t.query<{ id: string }>(`SELECT id::text AS id FROM (${STALE_PAIRS(false)}) s ORDER BY id`, [projectId]);
    return rows.map((r) => r.id);
  }
  /** Each pair's row version: a pair the run writes gets a new one. */
  async function rowVersions(projectId: number): Promise<Map<string, string>> {
    const rows = await t.query<{ id: string; v: string }>(`SELECT id::text AS id, xmin::text AS v FROM pairs WHERE project_id = $1`, [projectId]);
    return new Map(rows.map((r) => [r.id, r.v]));
  }
  const written = (before: Map<string, string>, after: Map<string, string>) => [...after].filter(([id, v]) => before.get(id) !== v).map(([id]) => id).sort((a, b) => Number(a) - Number(b));
  const finalise = (projectId: number, where: string) =>
    t.query(`UPDATE pairs SET status = 'final', final_decision = 'accept', final_source = 'consensus', finalized_at = now()
             WHERE project_id = $1 AND ${where}`, [projectId]);

  it("a keep-rule save recomputes the open pairs' keys first, then every pair's margin, writing only the pairs that change", async () => {
    const project = await makeProject(t, { pairs: 0, overlap: 1 });
    const n = 60;
    await addScoredPairs(project.id, n);
    const [admin] = await makeUsers(t, 1, "mk");
    // Half the pairs final (calibration, filters and exports read their margins), a third of those with EC 2.
    await finalise(project.id, `external_id::text > 'r-000030'`);
    const open = n / 2;

    const saved = await saveSettings(t, project.id, admin!, { verifierScales: STRICTER }, { enqueue: false });
    expect(saved.recompute).toMatchObject({ running: true, phase: "keys", pairsDone: 0, pairsTotal: open + n });
    const mustChange = await staleIds(project.id);
    const finalStale = await t.query<{ id: string }>(
      `SELECT id::text AS id FROM pairs WHERE project_id = $1 AND status = 'final' AND verifier_scores->>'editing_consistency' = '2'`, [project.id]);
    expect(finalStale.length).toBe(n / 6);
    const before = await rowVersions(project.id);

    // The first batch brings the open pairs current; the final ones wait for the margins phase.
    let batches = 0;
    expect(await runSettingsRecompute(t, project.id, { shouldStop: () => batches++ >= 1 })).toBe("interrupted");
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ running: true, phase: "margins", pairsDone: open, keysPairsChanged: n / 6 });
    expect(written(before, await rowVersions(project.id))).toEqual(
      mustChange.filter((id) => !finalStale.some((f) => f.id === id)));
    const stillStale = await staleIds(project.id);
    expect(stillStale.sort()).toEqual(finalStale.map((f) => f.id).sort());

    // A final pair reopened now (with its stale margin) gets its margin and its keys from the margins phase.
    const reopened = finalStale[0]!.id;
    await t.query(`UPDATE pairs SET status = 'open', final_decision = NULL, final_source = NULL, finalized_at = NULL WHERE id = $1`, [reopened]);
    const beforeMargins = await rowVersions(project.id);
    expect(await runSettingsRecompute(t, project.id)).toBe("finished");
    expect(await staleIds(project.id)).toEqual([]);
    expect(await disagreeing(project.id)).toBe(0);
    expect(written(beforeMargins, await rowVersions(project.id))).toEqual(finalStale.map((f) => f.id).sort((a, b) => Number(a) - Number(b)));
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ running: false, phase: null, pairsDone: open + n, pairsTotal: open + n, keysPairsChanged: n / 3 });
    const margins = await t.query<{ m: number }>(`SELECT verifier_margin AS m FROM pairs WHERE id = ANY($1::bigint[])`, [finalStale.map((f) => f.id)]);
    for (const r of margins) expect(r.m).toBeLessThan(0); // EC 2 under 3: dropped
    const applied = await auditRows(project.id, "project.queue_keys_applied");
    expect(applied.map((r) => r.data)).toEqual([{ pairs: n / 3 }]);

    // A change of the verifier rule alone moves no margin: only the open pairs are looked at and written.
    const open2 = (await t.query<{ id: string }>(`SELECT id::text AS id FROM pairs WHERE project_id = $1 AND status = 'open'`, [project.id])).map((r) => r.id);
    const rule = await saveSettings(t, project.id, admin!, { verifierRule: "valid_flag" }, { enqueue: false });
    expect(rule.recompute).toMatchObject({ running: true, phase: "keys", pairsTotal: open2.length });
    const beforeRule = await rowVersions(project.id);
    const mustChangeRule = await staleIds(project.id);
    expect(mustChangeRule.length).toBeGreaterThan(0); // under valid_flag no pair here is kept: the +4 for a kept pair with no visible edit goes
    expect(await runSettingsRecompute(t, project.id)).toBe("finished");
    expect(written(beforeRule, await rowVersions(project.id))).toEqual(mustChangeRule);
    expect(mustChangeRule.every((id) => open2.includes(id))).toBe(true);
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ running: false, pairsDone: open2.length, keysPairsChanged: mustChangeRule.length });
    expect(await disagreeing(project.id)).toBe(0);
    expect(await runSettingsRecompute(t, project.id)).toBe("idle");
  });

  it("a verifier-rule save during the margins phase reruns the open pairs' keys and lets the margins phase go on", async () => {
    const project = await makeProject(t, { pairs: 0, overlap: 1 });
    const n = 30;
    await addScoredPairs(project.id, n);
    const [admin] = await makeUsers(t, 1, "lw");
    await finalise(project.id, `external_id::text > 'r-000015'`);
    await saveSettings(t, project.id, admin!, { verifierScales: STRICTER }, { enqueue: false });
    let batches = 0;
    expect(await runSettingsRecompute(t, project.id, { shouldStop: () => batches++ >= 1 })).toBe("interrupted");
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ phase: "margins" });

    // The rule feeds the keys only: they start over, the margins phase still waits, and the total counts both.
    const saved = await saveSettings(t, project.id, admin!, { verifierRule: "valid_flag" }, { enqueue: false });
    expect(saved.recompute).toMatchObject({ running: true, phase: "keys", pairsDone: 0, pairsTotal: 15 + n });
    expect(await runSettingsRecompute(t, project.id)).toBe("finished");
    expect(await staleIds(project.id)).toEqual([]);
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ running: false, pairsDone: 15 + n });
    expect((await auditRows(project.id, "project.queue_keys_applied")).length).toBe(1);
  });

  it("an active-version change re-copies every pair's output, final pairs included, and computes margins and keys from the copy", async () => {
    const project = await makeProject(t, { pairs: 0, overlap: 1 });
    const n = 12;
    await addScoredPairs(project.id, n);
    const [admin] = await makeUsers(t, 1, "vc");
    await finalise(project.id, `external_id::text > 'r-000006'`);
    // A v2 output for every pair but the last: EC 2 where v1 had 3, and 3 where it had 2.
    await t.query(
      `INSERT INTO pair_verifier_outputs (pair_id, version, scores)
       SELECT id, 'v2', verifier_scores || jsonb_build_object('editing_consistency', CASE WHEN verifier_scores->>'editing_consistency' = '2' THEN 3 ELSE 2 END)
       FROM pairs WHERE project_id = $1 AND external_id <> 'r-000012'`,
      [project.id],
    );
    const saved = await saveSettings(t, project.id, admin!, { verifierVersion: "v2" }, { enqueue: false });
    expect(saved.recompute).toMatchObject({ phase: "keys", pairsTotal: 6 + n });
    expect(await runSettingsRecompute(t, project.id)).toBe("finished");
    const rows = await t.query<{ external_id: string; copy: unknown; v2: unknown; model_version: string | null; ok: boolean }>(
      `SELECT p.external_id, p.verifier_scores AS copy, o.scores AS v2, p.model_version,
              p.verifier_margin IS NOT DISTINCT FROM loupe_verifier_margin(p.verifier_scores, pr.verifier_scales) AS ok
       FROM pairs p JOIN projects pr ON pr.id = p.project_id LEFT JOIN pair_verifier_outputs o ON o.pair_id = p.id AND o.version = 'v2'
       WHERE p.project_id = $1 ORDER BY p.external_id`,
      [project.id],
    );
    expect(rows).toHaveLength(n);
    for (const r of rows) {
      expect(r.copy).toEqual(r.v2);
      expect(r.model_version).toBe(r.v2 === null ? null : "v2");
      expect(r.ok).toBe(true);
    }
    expect(await disagreeing(project.id)).toBe(0);
    expect(await getSettingsRecompute(t, project.id)).toMatchObject({ running: false, pairsDone: 6 + n, keysPairsChanged: n });
    // The copy's own trigger still keeps the margin outside the run.
    await t.query(`UPDATE pair_verifier_outputs SET scores = scores || '{"editing_consistency": 1}' WHERE version = 'v2' AND pair_id = (SELECT id FROM pairs WHERE project_id = $1 AND external_id = 'r-000001')`, [project.id]);
    expect(await disagreeing(project.id)).toBe(0);
  });
});
