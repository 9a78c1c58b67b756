import { DEFAULT_VERIFIER_SCALES } from "@/lib/quality/scales";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "@/lib/db/generated/client";
import { claimNextPair, releaseExpiredLeases } from "@/lib/queue/claim";
import { CLAIM_SQL, MAX_LIVE_LEASES } from "@/lib/queue/sql";
import { skipPair, submitLabel } from "@/lib/queue/submit";
import { QUEUE_ORDER_INFO, QUEUE_ORDERS, type TQueueOrder } from "@/lib/queue/order";
import { QUEUE_KEYS_BATCH } from "@/lib/queue/order-keys";
import { estimateForStrata, getDatasetQuality, startAuditRound } from "@/lib/quality/audit";
import { getApiDatasetQuality } from "@/lib/pipeline-api/dataset-quality";
import { ZApiDatasetQuality } from "@/lib/pipeline-api/schemas";
import { updateProjectSettings } from "@/test/support/settings";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeUsers } from "../support/fixtures";

// Queue orders: the insert trigger's keys, the order each serves pairs in through the real claim, gold,
// leases, skips and overlap under every order, switching and recomputing keys, and the claim's plan.

const HASH = "0".repeat(64);

type PairSpec = Partial<Prisma.PairCreateManyInput> & { expect: { uncertainty: number | null; disagreement: number } };

// Ten pairs whose keys were worked out by hand under the default keep rule (IF ≥ 3, EC ≥ 2, GQ ≥ 2)
// and verifier rule ('auto': the valid flag when present, else the scores).
const SPECS: PairSpec[] = [
  // 0: dropped, 2 + 1 + 1 steps short on a 2-step scale: 4 / 2.
  { task: "object", subtask: "addition", verifierScores: { instruction_following: 1, editing_consistency: 1, generation_quality: 1 }, changeFraction: 0.3, expect: { uncertainty: 2, disagreement: 0 } },
  // 1: kept (at IF's threshold: 0) with almost no pixels changed: "no visible edit" (+4).
  { task: "object", subtask: "addition", verifierScores: { instruction_following: 3, editing_consistency: 3, generation_quality: 3 }, verifierValid: true, changeFraction: 0.005, expect: { uncertainty: 0, disagreement: 4 } },
  // 2: one step short on IF: 1 / 2.
  { task: "object", subtask: "removal", verifierScores: { instruction_following: 2, editing_consistency: 2, generation_quality: 2 }, changeFraction: 0.2, expect: { uncertainty: 0.5, disagreement: 0 } },
  // 3: one step short on EC (1 / 2); scores 3 and 1, a whole scale apart, contradict each other (+1).
  { task: "object", subtask: "removal", verifierScores: { instruction_following: 3, editing_consistency: 1, generation_quality: 3 }, changeFraction: 0.2, expect: { uncertainty: 0.5, disagreement: 1 } },
  // 4: the valid flag says no, the scores say keep: uncertainty -1 (first), and +3.
  { task: "attribute", subtask: "color", verifierScores: { instruction_following: 3, editing_consistency: 3, generation_quality: 3 }, verifierValid: false, changeFraction: 0.4, expect: { uncertainty: -1, disagreement: 3 } },
  // 5: no scores; kept by the flag, but the verifier's re-caption describes another edit (+2).
  { task: "attribute", subtask: "color", verifierValid: true, verifierRecaption: "Remove the lamp from the table", changeFraction: 0.5, expect: { uncertainty: null, disagreement: 2 } },
  // 6: 1 + 1 + 1 steps short: 3 / 2.
  { task: "text", subtask: "sign", verifierScores: { instruction_following: 2, editing_consistency: 1, generation_quality: 1 }, changeFraction: 0.1, expect: { uncertainty: 1.5, disagreement: 0 } },
  // 7: the verifier says "No Edit" but a quarter of the pixels changed (+3).
  { task: "text", subtask: "sign", verifierValid: false, verifierFailureClass: "No Edit", changeFraction: 0.25, expect: { uncertainty: null, disagreement: 3 } },
  // 8: no signals at all.
  { task: "object", subtask: "addition", expect: { uncertainty: null, disagreement: 0 } },
  // 9: kept at IF's and EC's thresholds (0), but a fifth of the area outside the mask changed (+2).
  { task: "global", subtask: "style", verifierScores: { instruction_following: 3, editing_consistency: 2, generation_quality: 3 }, verifierValid: true, changeFraction: 0.3, changeOutsideMask: 0.2, expect: { uncertainty: 0, disagreement: 2 } },
];

const AUDIT_KEEP = { instruction_following: 3, editing_consistency: 3, generation_quality: 3 };
const AUDIT_DROP = { instruction_following: 1, editing_consistency: 1, generation_quality: 1 };

/** The orders whose keys the insert trigger sets; the audit order serves a drawn sample (test/db/audit.test.ts). */
const KEYED_ORDERS = QUEUE_ORDERS.filter((o): o is Exclude<TQueueOrder, "audit"> => o !== "audit");

/** The order each queue order serves SPECS in, as indexes into SPECS, worked out by hand from the keys. */
const EXPECTED: Record<(typeof KEYED_ORDERS)[number], number[]> = {
  import: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  // By normalised distance from flipping the keep rule (the self-contradicting -1 first), ties by id,
  // pairs without scores last.
  uncertainty: [4, 1, 9, 2, 3, 6, 0, 5, 7, 8],
  // By heuristic points, highest first, ties by id.
  disagreement: [1, 4, 7, 5, 9, 3, 0, 2, 6, 8],
  // Ranks within (task, subtask): addition 0,1,8 · removal 2,3 · color 4,5 · sign 6,7 · style 9.
  subtask: [0, 2, 4, 6, 9, 1, 3, 5, 7, 8],
};

describe.each(engines())("queue order on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine, { poolSize: 8 });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newProject(opts: { order?: TQueueOrder; overlap?: number; gold?: number; settings?: Partial<Prisma.ProjectCreateInput> } = {}) {
    const overlap = opts.overlap ?? 1;
    const project = await t.prisma.project.create({
      data: { name: `qo-${randomUUID()}`, overlap, rejectReasons: DEFAULT_REJECT_REASONS, queueOrder: opts.order ?? "import", ...opts.settings },
    });
    await t.prisma.pair.createMany({
      data: SPECS.map(({ expect: _expect, ...spec }, i) => ({
        projectId: project.id,
        externalId: `r-${String(i).padStart(2, "0")}`,
        sourceImage: HASH,
        editedImage: HASH,
        instruction: `Make the car blue (${i})`,
        wanted: overlap,
        ...spec,
      })),
    });
    await t.prisma.pair.createMany({
      data: Array.from({ length: opts.gold ?? 0 }, (_, i) => ({
        projectId: project.id,
        externalId: `g-${i}`,
        sourceImage: HASH,
        editedImage: HASH,
        instruction: `Gold ${i}`,
        isGold: true,
        goldActive: true,
        goldDecision: "accept" as const,
        status: "final" as const,
        finalDecision: "accept" as const,
        finalInstruction: `Gold ${i}`,
        finalSource: "gold",
        finalizedAt: new Date(),
      })),
    });
    const all = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" }, select: { id: true, isGold: true } });
    return { id: project.id, regular: all.filter((p) => !p.isGold).map((p) => p.id), gold: all.filter((p) => p.isGold).map((p) => p.id) };
  }

  async function accept(userId: number, pairId: bigint) {
    await submitLabel(t, userId, { pairId, submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 });
  }

  async function workInTurns(projectId: number, users: number[]): Promise<bigint[]> {
    const served: bigint[] = [];
    for (let idle = 0; idle < users.length; ) {
      idle = 0;
      for (const u of users) {
        const pair = await claimNextPair(t, { projectId, userId: u });
        if (!pair) {
          idle++;
          continue;
        }
        served.push(BigInt(pair.id));
        await accept(u, BigInt(pair.id));
      }
    }
    return served;
  }

  const inOrder = (ids: bigint[], order: (typeof KEYED_ORDERS)[number]) => EXPECTED[order].map((i) => ids[i]!);

  it("sets every pair's keys on insert, as documented, and continues stratum ranks across inserts", async () => {
    const project = await newProject();
    const rows = await t.prisma.pair.findMany({
      where: { projectId: project.id },
      orderBy: { id: "asc" },
      select: { queueUncertainty: true, queueDisagreement: true, queueStratumRank: true },
    });
    expect(rows.map((r) => r.queueUncertainty)).toEqual(SPECS.map((s) => s.expect.uncertainty));
    expect(rows.map((r) => r.queueDisagreement)).toEqual(SPECS.map((s) => s.expect.disagreement));
    expect(rows.map((r) => r.queueStratumRank)).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 3, 1]);
    // A later insert (another statement, another transaction) continues each stratum where it stopped;
    // a new stratum starts at 1. Gold pairs take no rank.
    await t.prisma.pair.createMany({
      data: [
        { task: "object", subtask: "addition" },
        { task: "knowledge", subtask: "symbolic" },
        { task: null, subtask: null },
        { task: "object", subtask: "addition" },
      ].map((s, i) => ({ projectId: project.id, externalId: `later-${i}`, sourceImage: HASH, editedImage: HASH, instruction: "x", ...s })),
    });
    const later = await t.prisma.pair.findMany({ where: { projectId: project.id, externalId: { startsWith: "later-" } }, orderBy: { id: "asc" } });
    expect(later.map((p) => p.queueStratumRank)).toEqual([4, 1, 1, 5]);
    await t.prisma.$transaction(async (tx) => {
      for (const batch of ["tx-a", "tx-b"]) {
        await tx.pair.createMany({
          data: [0, 1].map((i) => ({ projectId: project.id, externalId: `${batch}-${i}`, sourceImage: HASH, editedImage: HASH, instruction: "x", task: "object", subtask: "addition" })),
        });
      }
    });
    const inTx = await t.prisma.pair.findMany({ where: { projectId: project.id, externalId: { startsWith: "tx-" } }, orderBy: { id: "asc" } });
    expect(inTx.map((p) => p.queueStratumRank)).toEqual([6, 7, 8, 9]);
    const counters = await t.prisma.queueStratum.findMany({ where: { projectId: project.id }, orderBy: { stratum: "asc" } });
    expect(counters.map((c) => [c.stratum.replace("\u001f", "/"), c.lastRank])).toEqual([
      ["/", 1],
      ["attribute/color", 2],
      ["global/style", 1],
      ["knowledge/symbolic", 1],
      ["object/addition", 9],
      ["object/removal", 2],
      ["text/sign", 2],
    ]);
  });

  it("a row dropped by ON CONFLICT DO NOTHING and a rolled-back insert leave the counters consistent", async () => {
    const project = await newProject();
    // Re-inserting existing external ids (as a re-import does) inserts nothing and moves no counter.
    await t.prisma.$executeRaw`
      INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask)
      VALUES (${project.id}, 'r-00', ${HASH}, ${HASH}, 'x', 'object', 'addition')
      ON CONFLICT (project_id, external_id) DO NOTHING`;
    // A transaction that fails after inserting leaves neither its pairs nor its counts behind.
    await expect(
      t.prisma.$transaction(async (tx) => {
        await tx.pair.create({ data: { projectId: project.id, externalId: "doomed", sourceImage: HASH, editedImage: HASH, instruction: "x", task: "object", subtask: "addition" } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const next = await t.prisma.pair.create({
      data: { projectId: project.id, externalId: "next", sourceImage: HASH, editedImage: HASH, instruction: "x", task: "object", subtask: "addition" },
    });
    expect(next.queueStratumRank).toBe(4);
  });

  for (const order of KEYED_ORDERS) {
    it(`serves pairs in ${order} order to annotators taking turns`, async () => {
      const project = await newProject({ order });
      const users = await makeUsers(t, 3, `o-${order}`);
      const served = await workInTurns(project.id, users);
      expect(served).toEqual(inOrder(project.regular, order));
    });
  }

  for (const order of KEYED_ORDERS) {
    it(`under ${order} order, gold is mixed in and the regular pairs keep their order`, async () => {
      const project = await newProject({ order, gold: 6, settings: { goldRate: 0.5 } });
      const [u] = await makeUsers(t, 1, `g-${order}`);
      const served = await workInTurns(project.id, [u!]);
      const gold = new Set(project.gold);
      const goldServed = served.filter((id) => gold.has(id));
      // At rate 0.5 over 10 regular pairs, no gold at all has probability 0.5^10 per run.
      expect(goldServed.length).toBeGreaterThan(0);
      expect(new Set(goldServed).size).toBe(goldServed.length);
      expect(served.filter((id) => !gold.has(id))).toEqual(inOrder(project.regular, order));
    });
  }

  for (const order of KEYED_ORDERS) {
    it(`under ${order} order, leases, expiry, skips and overlap behave as in import order`, async () => {
      const project = await newProject({ order });
      const expected = inOrder(project.regular, order);
      const [a, b, c] = await makeUsers(t, 3, `l-${order}`);
      // A holds the first pair: B gets the second, and A's prefetch the third.
      const a1 = await claimNextPair(t, { projectId: project.id, userId: a! });
      const b1 = await claimNextPair(t, { projectId: project.id, userId: b! });
      const a2 = await claimNextPair(t, { projectId: project.id, userId: a!, exclude: [BigInt(a1!.id)] });
      expect([a1!.id, b1!.id, a2!.id]).toEqual(expected.slice(0, 3).map(String));
      // B skips: the skipped pair goes to C (next in order for C), and B moves on past A's leases.
      await skipPair(t, b!, BigInt(b1!.id));
      const c1 = await claimNextPair(t, { projectId: project.id, userId: c! });
      expect(c1!.id).toBe(String(expected[1]));
      const b2 = await claimNextPair(t, { projectId: project.id, userId: b! });
      expect(b2!.id).toBe(String(expected[3]));
      // A's leases expire and are swept: the first pair goes back to the front of the queue.
      await t.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE annotator_id = ${a!}`;
      expect(await releaseExpiredLeases(t)).toBe(2);
      await accept(c!, BigInt(c1!.id));
      const c2 = await claimNextPair(t, { projectId: project.id, userId: c! });
      expect(c2!.id).toBe(String(expected[0]));

      // Overlap 2: both annotators get every pair, each in the project's order.
      const twice = await newProject({ order, overlap: 2 });
      const [d, e] = await makeUsers(t, 2, `ov-${order}`);
      const served = await workInTurns(twice.id, [d!, e!]);
      const want = inOrder(twice.regular, order);
      expect(served.filter((_, i) => i % 2 === 0)).toEqual(want);
      expect(served.filter((_, i) => i % 2 === 1)).toEqual(want);
    });
  }

  it("switching the order applies to the open pairs at the next claim, audited", async () => {
    const project = await newProject();
    const [admin] = await makeUsers(t, 1, "qo-admin");
    const [u] = await makeUsers(t, 1, "qo-switch");
    // Two pairs in import order, then the rest by round robin over subtasks, then by disagreement.
    const first = [await claimNextPair(t, { projectId: project.id, userId: u! })];
    await accept(u!, BigInt(first[0]!.id));
    first.push(await claimNextPair(t, { projectId: project.id, userId: u! }));
    await accept(u!, BigInt(first[1]!.id));
    expect(first.map((p) => p!.id)).toEqual([project.regular[0], project.regular[1]].map(String));

    const saved = await updateProjectSettings(t, project.id, admin!, { queueOrder: "subtask" });
    expect(saved).toMatchObject({ changed: ["queueOrder"], settings: { queueOrder: "subtask" }, queueKeysUpdated: null });
    const next = await claimNextPair(t, { projectId: project.id, userId: u! });
    // Round robin over what is left: 2 (removal, rank 1), 4 (color, 1), 6 (sign, 1), 9 (style, 1), 3, …
    expect(next!.id).toBe(String(project.regular[2]));
    await accept(u!, BigInt(next!.id));

    await updateProjectSettings(t, project.id, admin!, { queueOrder: "disagreement" });
    const rest = await workInTurns(project.id, [u!]);
    expect(rest).toEqual(EXPECTED.disagreement.filter((i) => ![0, 1, 2].includes(i)).map((i) => project.regular[i]!));

    const audits = await t.prisma.auditEvent.findMany({ where: { action: "project.updated", subjectId: String(project.id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.data)).toEqual([
      { changes: { queueOrder: { before: "import", after: "subtask" } } },
      { changes: { queueOrder: { before: "subtask", after: "disagreement" } } },
    ]);
    await expect(updateProjectSettings(t, project.id, admin!, { queueOrder: "random" as TQueueOrder })).rejects.toThrow(
      /Queue order must be one of import, uncertainty, disagreement, subtask/,
    );
    await expect(t.prisma.$executeRaw`UPDATE projects SET queue_order = 'random' WHERE id = ${project.id}`).rejects.toThrow(/projects_queue_order_check/);
  });

  it("a keep-rule or verifier-rule change recomputes the keys of open pairs in batches, audited, and the order follows", async () => {
    const [admin] = await makeUsers(t, 1, "rk-admin");
    const project = await t.prisma.project.create({
      data: { name: `rk-${randomUUID()}`, rejectReasons: DEFAULT_REJECT_REASONS, queueOrder: "uncertainty" },
    });
    // More pairs than one batch, every score combination, a valid flag on some and a change fraction.
    const n = QUEUE_KEYS_BATCH + 700;
    await t.prisma.pair.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        projectId: project.id,
        externalId: `k-${i}`,
        sourceImage: HASH,
        editedImage: HASH,
        instruction: `Make the car blue (${i})`,
        verifierScores: {
          instruction_following: 1 + (i % 3),
          editing_consistency: 1 + (Math.floor(i / 3) % 3),
          generation_quality: 1 + (Math.floor(i / 9) % 3),
        },
        verifierValid: i % 4 === 0 ? null : i % 4 === 1,
        changeFraction: (i % 7) / 100,
      })),
    });
    const stale = async () => {
      const [r] = await t.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pairs p JOIN projects pr ON pr.id = p.project_id
        WHERE p.project_id = ${project.id} AND p.status = 'open' AND (
          p.verifier_margin IS DISTINCT FROM loupe_verifier_margin(p.verifier_scores, pr.verifier_scales)
          OR p.queue_uncertainty IS DISTINCT FROM loupe_queue_uncertainty(loupe_verifier_margin(p.verifier_scores, pr.verifier_scales), p.verifier_valid)
          OR p.queue_disagreement <> loupe_queue_disagreement(loupe_verifier_margin(p.verifier_scores, pr.verifier_scales),
            loupe_verifier_spread(p.verifier_scores, pr.verifier_scales), p.verifier_valid, p.verifier_failure_class,
            p.verifier_recaption, p.instruction, p.change_fraction, p.change_outside_mask, pr.verifier_rule))`;
      return r!.n;
    };
    expect(await stale()).toBe(0);
    // A labelled pair is not open: its keys are left alone (marked here so a rewrite would show).
    const [u] = await makeUsers(t, 1, "rk-ann");
    const firstPair = await claimNextPair(t, { projectId: project.id, userId: u! });
    await accept(u!, BigInt(firstPair!.id));
    await t.prisma.$executeRaw`UPDATE pairs SET queue_uncertainty = 99 WHERE id = ${BigInt(firstPair!.id)}`;
    // How many pairs the new rule (IF ≥ 2, EC ≥ 2, GQ ≥ 1) changes, computed independently: every
    // pair's verdict (its margin), and an open pair's keys.
    const newScales = DEFAULT_VERIFIER_SCALES.map((s) =>
      s.key === "instruction_following" ? { ...s, keep: 2 } : s.key === "generation_quality" ? { ...s, keep: 1 } : s);
    const scalesJson = JSON.stringify(newScales);
    const [moves] = await t.prisma.$queryRaw<{ n: number; open: number }[]>`
      SELECT count(*)::int AS n, (count(*) FILTER (WHERE open))::int AS open FROM (
        SELECT p.status = 'open' AS open, m.margin, p.verifier_margin, p.queue_uncertainty, p.queue_disagreement,
               loupe_queue_uncertainty(m.margin, p.verifier_valid) AS u,
               loupe_queue_disagreement(m.margin, loupe_verifier_spread(p.verifier_scores, ${scalesJson}::jsonb), p.verifier_valid,
                 p.verifier_failure_class, p.verifier_recaption, p.instruction, p.change_fraction, p.change_outside_mask, 'auto') AS d
        FROM pairs p, LATERAL (SELECT loupe_verifier_margin(p.verifier_scores, ${scalesJson}::jsonb) AS margin) m
        WHERE p.project_id = ${project.id}) x
      WHERE x.verifier_margin IS DISTINCT FROM x.margin
         OR (x.open AND (x.queue_uncertainty IS DISTINCT FROM x.u OR x.queue_disagreement <> x.d))`;
    expect(moves!.open).toBeGreaterThan(QUEUE_KEYS_BATCH / 4);

    const result = await updateProjectSettings(t, project.id, admin!, { verifierScales: newScales });
    expect(result.changed).toEqual(["verifierScales"]);
    expect(result.queueKeysUpdated).toBe(moves!.n);
    expect(await stale()).toBe(0);
    const labelled = await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(firstPair!.id) } });
    expect(labelled.queueUncertainty).toBe(99);
    // A pair inserted after the change gets its keys under the new rule (IF 2 ≥ 2, EC 2 ≥ 2, GQ 1 ≥ 1: kept, at the thresholds).
    const after = await t.prisma.pair.create({
      data: { projectId: project.id, externalId: "after-change", sourceImage: HASH, editedImage: HASH, instruction: "x",
              verifierScores: { instruction_following: 2, editing_consistency: 2, generation_quality: 1 } },
    });
    expect(after.queueUncertainty).toBe(0);
    const applied = await t.prisma.auditEvent.findMany({ where: { action: "project.queue_keys_applied", subjectId: String(project.id) } });
    expect(applied.map((a) => [a.actorId, a.data])).toEqual([[admin, { pairs: result.queueKeysUpdated }]]);

    const [best] = await t.prisma.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM pairs WHERE project_id = ${project.id} AND taken < wanted AND NOT is_gold
      ORDER BY queue_uncertainty NULLS LAST, id LIMIT 1`;
    const next = await claimNextPair(t, { projectId: project.id, userId: u! });
    expect(next!.id).toBe(String(best!.id));

    // The verifier rule feeds the disagreement key: changing it recomputes too; other settings do not.
    const rule = await updateProjectSettings(t, project.id, admin!, { verifierRule: "scores" });
    expect(rule.queueKeysUpdated).toBeGreaterThan(0);
    expect(await stale()).toBe(0);
    expect((await updateProjectSettings(t, project.id, admin!, { goldRate: 0.1 })).queueKeysUpdated).toBeNull();
  });

  it("the claim under each order walks that order's partial index: no sequential scan, no sort of the open pairs", async () => {
    const project = await t.prisma.project.create({ data: { name: `plan-${randomUUID()}`, rejectReasons: DEFAULT_REJECT_REASONS } });
    const subtasks = ["addition", "removal", "color", "style", "sign", "count", "symbolic"];
    const n = 4_000;
    await t.prisma.pair.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        projectId: project.id,
        externalId: `p-${i}`,
        sourceImage: HASH,
        editedImage: HASH,
        instruction: `Make the car blue (${i})`,
        task: "object",
        // Long-tailed: most pairs in the first subtask.
        subtask: subtasks[i % 10 < 4 ? 0 : Math.min((i % 10) - 3, subtasks.length - 1)],
        verifierScores: {
          instruction_following: 1 + (i % 3),
          editing_consistency: 1 + (Math.floor(i / 3) % 3),
          generation_quality: 1 + (Math.floor(i / 9) % 3),
        },
        verifierValid: i % 5 === 0 ? null : i % 2 === 0,
        changeFraction: (i % 50) / 100,
      })),
    });
    await t.prisma.$executeRaw`UPDATE pairs SET taken = wanted, label_count = wanted, status = 'labelled' WHERE project_id = ${project.id} AND id % 4 = 0`;
    const other = await newProject();
    expect(other.regular.length).toBe(SPECS.length);
    const [u] = await makeUsers(t, 1, "plan");
    await t.exec("ANALYZE pairs; ANALYZE leases; ANALYZE labels; ANALYZE skips; ANALYZE projects");

    type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; "Subplan Name"?: string; Plans?: PlanNode[] };
    const walk = (node: PlanNode, out: PlanNode[] = []): PlanNode[] => {
      out.push(node);
      for (const child of node.Plans ?? []) walk(child, out);
      return out;
    };
    // The audit order walks its index over a drawn round.
    await startAuditRound(t, project.id, null, { allocation: "proportional", size: 400 });
    for (const order of QUEUE_ORDERS) {
      await t.prisma.project.update({ where: { id: project.id }, data: { queueOrder: order } });
      const rows = await t.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${CLAIM_SQL}`, [u!, project.id, [], MAX_LIVE_LEASES]);
      const raw = rows[0]!["QUERY PLAN"];
      const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
      const nodes = walk(plan[0]!.Plan);
      const onPairs = nodes.filter((x) => x["Relation Name"] === "pairs");
      expect(onPairs.filter((x) => x["Node Type"] === "Seq Scan"), `${order}: no sequential scan of pairs`).toEqual([]);
      const cte = nodes.find((x) => x["Subplan Name"] === `CTE regular_${order}`);
      expect(cte, `${order}: the regular_${order} CTE`).toBeDefined();
      const inCte = walk(cte!);
      expect(inCte.filter((x) => x["Node Type"] === "Sort" || x["Node Type"] === "Incremental Sort"), `${order}: no sort`).toEqual([]);
      const scans = inCte.filter((x) => x["Relation Name"] === "pairs").map((x) => `${x["Node Type"]} ${x["Index Name"] ?? ""}`.trim());
      expect(scans, `${order}: the pick's scan of pairs`).toEqual([`Index Scan ${QUEUE_ORDER_INFO[order].index}`]);
      const [first] = await t.prisma.$queryRawUnsafe<{ id: bigint }[]>(
        `SELECT p.id FROM pairs p WHERE p.project_id = $1 AND p.taken < p.wanted AND NOT p.is_gold${QUEUE_ORDER_INFO[order].where ? ` AND ${QUEUE_ORDER_INFO[order].where}` : ""} ORDER BY ${QUEUE_ORDER_INFO[order].orderBy} LIMIT 1`,
        project.id,
      );
      const got = await claimNextPair(t, { projectId: project.id, userId: u! });
      expect(got!.id, `${order}: first pair`).toBe(String(first!.id));
      await t.prisma.$executeRaw`DELETE FROM leases WHERE annotator_id = ${u!}`;
    }
  });

  // The audit order: the draw (strata, allocation, probabilities, the n_h smallest keys), the order through the
  // real claim, and the dataset-quality estimate against figures worked out by hand.
  /** 20 pairs in object/addition, 10 in text/sign, and a gold pair that is never sampled; no verifier routing to review. */
  async function newAuditProject() {
    const project = await t.prisma.project.create({ data: { name: `au-${randomUUID()}`, rejectReasons: DEFAULT_REJECT_REASONS, queueOrder: "audit", verifierRule: "off" } });
    await t.prisma.pair.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        projectId: project.id,
        externalId: `a-${String(i).padStart(2, "0")}`,
        sourceImage: HASH,
        editedImage: HASH,
        instruction: `Make the car blue (${i})`,
        task: i < 20 ? "object" : "text",
        subtask: i < 20 ? "addition" : "sign",
      })),
    });
    await t.prisma.pair.create({
      data: { projectId: project.id, externalId: "gold", sourceImage: HASH, editedImage: HASH, instruction: "g", task: "object", subtask: "addition",
              isGold: true, goldActive: true, goldDecision: "accept", status: "final", finalDecision: "accept", finalInstruction: "g",
              finalSource: "gold", finalizedAt: new Date() },
    });
    return project.id;
  }

  async function auditSample(projectId: number, round: number) {
    return t.query<{ pair_id: string; subtask: string; stratum_size: number; sample_size: number; probability: number; queue_audit: string | null }>(
      `SELECT s.pair_id::text, s.subtask, s.stratum_size, s.sample_size, s.probability, p.queue_audit::text AS queue_audit
       FROM audit_samples s JOIN pairs p ON p.id = s.pair_id WHERE s.project_id = $1 AND s.round = $2 ORDER BY p.queue_audit`,
      [projectId, round],
    );
  }

  it("draws n_h of N_h per stratum, the pairs with the smallest keys, and records the inclusion probabilities", async () => {
    const projectId = await newAuditProject();
    const [admin] = await makeUsers(t, 1, "au-admin");
    // Proportional: 6 of 30 → 4 of the 20 and 2 of the 10 (probability 0.2 each).
    const r1 = await startAuditRound(t, projectId, admin!, { allocation: "proportional", size: 6 });
    expect(r1).toMatchObject({ round: 1, frameSize: 30, sampleSize: 6, allocation: "proportional", requested: 6 });
    const s1 = await auditSample(projectId, 1);
    const bySubtask = (rows: typeof s1, sub: string) => rows.filter((r) => r.subtask === sub);
    expect(bySubtask(s1, "addition").map((r) => [Number(r.stratum_size), Number(r.sample_size), Number(r.probability)])).toEqual(Array(4).fill([20, 4, 0.2]));
    expect(bySubtask(s1, "sign").map((r) => [Number(r.stratum_size), Number(r.sample_size), Number(r.probability)])).toEqual(Array(2).fill([10, 2, 0.2]));
    // The sample is exactly the n_h smallest keys of each stratum under the round's seed.
    const smallest = await t.query<{ id: string }>(
      `SELECT id::text FROM (
         SELECT p.id, row_number() OVER (PARTITION BY p.subtask ORDER BY hashint8extended(p.id, r.seed), p.id) AS rn,
                CASE p.subtask WHEN 'addition' THEN 4 ELSE 2 END AS take
         FROM pairs p JOIN audit_rounds r ON r.project_id = p.project_id AND r.round = 1
         WHERE p.project_id = $1 AND NOT p.is_gold) x WHERE rn <= take ORDER BY id`,
      [projectId],
    );
    expect(s1.map((r) => r.pair_id).sort()).toEqual(smallest.map((r) => r.id).sort());
    expect(s1.every((r) => r.queue_audit !== null)).toBe(true);

    // Equal, 5 from each: a superset of round 1 (same seed, same pool); round 1's queue keys move to round 2.
    const r2 = await startAuditRound(t, projectId, admin!, { allocation: "equal", size: 5 });
    expect(r2).toMatchObject({ round: 2, frameSize: 30, sampleSize: 10 });
    const s2 = await auditSample(projectId, 2);
    expect(new Set(s2.map((r) => r.pair_id))).toEqual(new Set([...s2.map((r) => r.pair_id), ...s1.map((r) => r.pair_id)]));
    expect(bySubtask(s2, "addition").map((r) => Number(r.probability))).toEqual(Array(5).fill(0.25));
    expect(bySubtask(s2, "sign").map((r) => Number(r.probability))).toEqual(Array(5).fill(0.5));
    const keyed = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM pairs WHERE project_id = $1 AND queue_audit IS NOT NULL`, [projectId]);
    expect(Number(keyed[0]!.n)).toBe(10);
    const audits = await t.prisma.auditEvent.findMany({ where: { action: "project.audit_round", subjectId: String(projectId) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.data)).toEqual([
      { round: 1, allocation: "proportional", requested: 6, frameSize: 30, sampleSize: 6 },
      { round: 2, allocation: "equal", requested: 5, frameSize: 30, sampleSize: 10 },
    ]);
    await expect(startAuditRound(t, 999_999, admin!, { allocation: "equal", size: 5 })).rejects.toThrow(/Project not found/);
  });

  it("the audit order serves exactly the sampled pairs, in key order, then nothing; the estimate matches the hand computation", async () => {
    const projectId = await newAuditProject();
    const [admin, u] = await makeUsers(t, 2, "au-claim");
    expect(await claimNextPair(t, { projectId, userId: u! })).toBeNull();
    await startAuditRound(t, projectId, admin!, { allocation: "equal", size: 5 });
    const drawn = await auditSample(projectId, 1);
    // Verdicts by place in each stratum's key order: addition keep, keep, keep, drop, drop; sign keep ×4, drop.
    // People: addition kept accept, accept, reject · dropped reject, accept; sign kept accept, accept, accept,
    // recaption · dropped reject.
    const plan = new Map<string, { scores: object; decision: "accept" | "reject" | "recaption" }>();
    const add = drawn.filter((r) => r.subtask === "addition");
    const sign = drawn.filter((r) => r.subtask === "sign");
    const addPlan = [[AUDIT_KEEP, "accept"], [AUDIT_KEEP, "accept"], [AUDIT_KEEP, "reject"], [AUDIT_DROP, "reject"], [AUDIT_DROP, "accept"]] as const;
    const signPlan = [[AUDIT_KEEP, "accept"], [AUDIT_KEEP, "accept"], [AUDIT_KEEP, "accept"], [AUDIT_KEEP, "recaption"], [AUDIT_DROP, "reject"]] as const;
    add.forEach((r, i) => plan.set(r.pair_id, { scores: addPlan[i]![0], decision: addPlan[i]![1] }));
    sign.forEach((r, i) => plan.set(r.pair_id, { scores: signPlan[i]![0], decision: signPlan[i]![1] }));
    for (const [id, p] of plan) {
      await t.query(`UPDATE pairs SET verifier_scores = $2::jsonb WHERE id = $1`, [id, JSON.stringify(p.scores)]);
    }
    // Unsampled pairs carry verdicts too; they must not count.
    await t.query(`UPDATE pairs SET verifier_scores = $2::jsonb WHERE project_id = $1 AND queue_audit IS NULL AND NOT is_gold`, [projectId, JSON.stringify(AUDIT_DROP)]);

    const served: string[] = [];
    for (;;) {
      const pair = await claimNextPair(t, { projectId, userId: u! });
      if (!pair) break;
      served.push(pair.id);
      const { decision } = plan.get(pair.id)!;
      await submitLabel(t, u!, {
        pairId: BigInt(pair.id),
        submissionId: randomUUID(),
        decision,
        reasons: decision === "reject" ? ["no_visible_edit"] : [],
        recaption: decision === "recaption" ? "Make the car red" : undefined,
        secondsSpent: 1,
      });
    }
    expect(served).toEqual(drawn.map((r) => r.pair_id));

    const q = (await getDatasetQuality(t, projectId, 0.5))!;
    expect(q.round).toMatchObject({ round: 1, sampleSize: 10, frameSize: 30 });
    expect([q.sampled, q.labelled]).toEqual([10, 10]);
    const [a, s] = q.strata;
    expect([a!.subtask, s!.subtask]).toEqual(["addition", "sign"]);
    // addition: kept 20 × 3/5 = 12 pairs, 2 of 3 accepted; dropped 8 pairs, 1 of 2.
    expect(a!.keep).toMatchObject({ pairs: 12, labelled: 3, accepted: 2 });
    expect(a!.keep.share).toBeCloseTo(2 / 3, 12);
    expect(a!.keep.interval!.low).toBeCloseTo(0.207660, 5);
    expect(a!.keep.interval!.high).toBeCloseTo(0.938508, 5);
    expect(a!.drop).toMatchObject({ pairs: 8, labelled: 2, accepted: 1, share: 0.5 });
    expect(a!.drop.interval!.low).toBeCloseTo(0.094531, 5);
    // sign: kept 10 × 4/5 = 8 pairs, 3 of 4 accepted (the re-caption is not an accept); dropped 2, 0 of 1.
    expect(s!.keep).toMatchObject({ pairs: 8, labelled: 4, accepted: 3, share: 0.75 });
    expect(s!.keep.interval!.low).toBeCloseTo(0.300642, 5);
    expect(s!.drop).toMatchObject({ pairs: 2, labelled: 1, accepted: 0, share: 0 });
    expect(s!.drop.interval!.high).toBeCloseTo(0.793451, 5);
    // Combined kept: 0.6 × 2/3 + 0.4 × 0.75 = 0.7; variance 0.36 × (2/9) / 3 + 0.16 × 0.1875 / 4 = 0.0341667,
    // Kish's n = 0.21 / 0.0341667 = 6.1463, Wilson 0.3287–0.9175.
    expect(q.keep!.share).toBeCloseTo(0.7, 12);
    expect(q.keep!.effectiveLabels).toBeCloseTo(6.146341, 5);
    expect(q.keep!.interval!.low).toBeCloseTo(0.328652, 5);
    expect(q.keep!.interval!.high).toBeCloseTo(0.917502, 5);
    // Combined dropped: 0.8 × 0.5 + 0.2 × 0 = 0.4; variance 0.64 × 0.25 / 2 = 0.08, n = 3, Wilson 0.0848–0.8275.
    expect(q.drop!.share).toBeCloseTo(0.4, 12);
    expect(q.drop!.effectiveLabels).toBeCloseTo(3, 9);
    expect(q.drop!.interval!.low).toBeCloseTo(0.084785, 5);
    expect(q.drop!.interval!.high).toBeCloseTo(0.827515, 5);
    // Width 50 points: addition kept needs 11 labels (8 more → ⌈8 × 5/3⌉ = 14 audit labels), dropped 12
    // (10 more → ⌈10 × 5/2⌉ = 25): 25. sign kept 9 (5 more → ⌈5 × 5/4⌉ = 7), dropped 4 (3 more → 15): 15.
    expect([a!.keep.needed, a!.drop.needed]).toEqual([{ domainLabels: 8, auditLabels: 14 }, { domainLabels: 10, auditLabels: 25 }]);
    expect([a!.moreLabels, s!.moreLabels]).toEqual([25, 15]);

    // The pipeline API answers the same figures, in the shape its OpenAPI schema declares (width in points).
    expect(ZApiDatasetQuality.parse(await getApiDatasetQuality(t, projectId, 50))).toEqual(q);

    // The manifest's estimate for an export of the addition subtask only: that stratum's figures alone.
    const one = (await estimateForStrata(t, projectId, { subtasks: ["addition"] }))!;
    expect(one).toMatchObject({ round: 1, sampleSize: 5, labelled: 5, strata: [{ task: "object", subtask: "addition" }] });
    expect(one.keep.share).toBeCloseTo(2 / 3, 12);
    expect(one.keep.interval!.low).toBeCloseTo(0.207660, 5);
    expect((await estimateForStrata(t, projectId, { subtasks: ["addition", "sign"], tasks: ["text"] }))!.strata).toEqual([{ task: "text", subtask: "sign" }]);
  });
});
