import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextPair, releaseExpiredLeases } from "@/lib/queue/claim";
import { skipPair, submitLabel, undoLastLabel } from "@/lib/queue/submit";
import { getProgress, setDailyGoal } from "@/lib/queue/progress";
import { ConflictError } from "@/lib/errors";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

describe.each(engines())("queue on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine, { poolSize: 24 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("16 concurrent claimers on 200 pairs with overlap 2 label every pair exactly twice", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 200, overlap: 2 });
    const users = await makeUsers(db, 16, "conc");
    const errors: unknown[] = [];
    let decisions = 0;
    await Promise.all(
      users.map(async (userId) => {
        for (;;) {
          let pair;
          try {
            pair = await claimNextPair(t, { projectId: project.id, userId });
          } catch (err) {
            errors.push(err);
            return;
          }
          if (!pair) return;
          try {
            await submitLabel(t, userId, {
              pairId: BigInt(pair.id),
              submissionId: randomUUID(),
              decision: "accept",
              reasons: [],
              secondsSpent: 1,
            });
            decisions++;
          } catch (err) {
            errors.push(err);
            return;
          }
        }
      }),
    );
    expect(errors).toEqual([]);
    expect(decisions).toBe(400);
    const perPair = await db.prisma.$queryRaw<{ n: bigint; annotators: bigint }[]>`
      SELECT count(*) AS n, count(DISTINCT annotator_id) AS annotators FROM labels
      WHERE project_id = ${project.id} GROUP BY pair_id`;
    expect(perPair).toHaveLength(200);
    expect(perPair.every((r) => r.n === 2n && r.annotators === 2n)).toBe(true);
    const statuses = await db.prisma.pair.groupBy({ by: ["status"], where: { projectId: project.id }, _count: true });
    // Every pair has its two labels and, all accepted with no verifier signal, settles final at once.
    expect(statuses).toEqual([{ status: "final", _count: 200 }]);
    const taken = await db.prisma.pair.findMany({ where: { projectId: project.id }, select: { taken: true, labelCount: true } });
    expect(taken.every((p) => p.taken === 2 && p.labelCount === 2)).toBe(true);
    const [counts] = await db.prisma.$queryRaw<{ open: number; final: number; labels: number }[]>`
      SELECT sum(open)::int AS open, sum(final)::int AS final, sum(labels)::int AS labels
      FROM project_counts WHERE project_id = ${project.id}`;
    expect(counts).toEqual({ open: 0, final: 200, labels: 400 });
  });

  it("gives a live lease back instead of a new one, and a second annotator never gets it", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 5, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "pair");
    const first = await claimNextPair(t, { projectId: project.id, userId: a! });
    const again = await claimNextPair(t, { projectId: project.id, userId: a! });
    expect(again?.id).toBe(first?.id);
    expect(again?.resumed).toBe(true);
    const prefetched = await claimNextPair(t, { projectId: project.id, userId: a!, exclude: [BigInt(first!.id)] });
    expect(prefetched?.id).not.toBe(first?.id);
    const other = await claimNextPair(t, { projectId: project.id, userId: b! });
    expect([first?.id, prefetched?.id]).not.toContain(other?.id);
  });

  it("returns an abandoned lease to the pool when it expires, and refuses the late submission", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 1, overlap: 1, leaseSeconds: 30 });
    const [a, b] = await makeUsers(db, 2, "exp");
    const leased = await claimNextPair(t, { projectId: project.id, userId: a! });
    expect(leased).not.toBeNull();
    expect(await claimNextPair(t, { projectId: project.id, userId: b! })).toBeNull();
    await db.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE annotator_id = ${a!}`;
    const taken = await claimNextPair(t, { projectId: project.id, userId: b! });
    expect(taken?.id).toBe(leased?.id);
    await expect(
      submitLabel(t, a!, { pairId: BigInt(leased!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 3 }),
    ).rejects.toThrow(/lease on this pair expired/);
    expect(await releaseExpiredLeases(t)).toBe(0);
  });

  it("replaying a submission id answers with the stored label and changes nothing", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 2, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "idem");
    const pair = await claimNextPair(t, { projectId: project.id, userId: a! });
    const input = { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "reject" as const, reasons: ["artifacts"], secondsSpent: 4 };
    const [x, y] = await Promise.all([submitLabel(t, a!, input), submitLabel(t, a!, input)]);
    expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
    expect(x.label.id).toBe(y.label.id);
    const z = await submitLabel(t, a!, input);
    expect(z).toMatchObject({ replayed: true, label: { id: x.label.id, reasons: ["artifacts"] } });
    expect(await db.prisma.label.count({ where: { projectId: project.id } })).toBe(1);
    await expect(submitLabel(t, b!, input)).rejects.toBeInstanceOf(ConflictError);
    await expect(submitLabel(t, a!, { ...input, submissionId: randomUUID() })).rejects.toThrow(/already decided/);
    expect(await db.prisma.label.count({ where: { projectId: project.id } })).toBe(1);
  });

  it("refuses a submission on a pair leased to someone else, and unknown reasons", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 1, overlap: 2 });
    const [a, b] = await makeUsers(db, 2, "own");
    const pair = await claimNextPair(t, { projectId: project.id, userId: a! });
    await expect(
      submitLabel(t, b!, { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      submitLabel(t, a!, { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "reject", reasons: ["made_up"], secondsSpent: 1 }),
    ).rejects.toThrow(/Unknown reject reason/);
    expect(await db.prisma.label.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("undo restores the pair to the annotator; skip hands it on", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 3, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "undo");
    const p1 = await claimNextPair(t, { projectId: project.id, userId: a! });
    await submitLabel(t, a!, { pairId: BigInt(p1!.id), submissionId: randomUUID(), decision: "recaption", recaption: "Make the car blue", reasons: [], secondsSpent: 2 });
    expect(await getProgress(db, a!, project.id)).toEqual({ labelsToday: 1, labelsTotal: 1, pairsLeft: 2, leftForYou: 2, pairsTotal: 3, dailyGoal: null, goldMixed: false });
    // "Today" sums the kept UTC hours after the first whole hour past local midnight, plus the labels of the
    // part hour before it in zones whose midnight falls inside a UTC hour (India, Newfoundland, Chatham).
    for (const tz of ["Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Pacific/Kiritimati", "America/Adak"]) {
      expect((await getProgress(db, a!, project.id, tz)).labelsToday, tz).toBe(1);
    }
    const undone = await undoLastLabel(db, a!, project.id);
    expect(undone.pairId).toBe(p1!.id);
    expect(await db.prisma.label.count({ where: { projectId: project.id } })).toBe(0);
    expect(await getProgress(db, a!, project.id)).toEqual({ labelsToday: 0, labelsTotal: 0, pairsLeft: 3, leftForYou: 3, pairsTotal: 3, dailyGoal: null, goldMixed: false });
    // With gold mixed in, the page is told so (it then refreshes "pairs left" on a timer).
    await db.prisma.project.update({ where: { id: project.id }, data: { goldRate: 0.1 } });
    expect((await getProgress(db, a!, project.id)).goldMixed).toBe(true);
    await db.prisma.project.update({ where: { id: project.id }, data: { goldRate: 0 } });
    const back = await claimNextPair(t, { projectId: project.id, userId: a! });
    expect(back?.id).toBe(p1!.id);
    await skipPair(db, a!, BigInt(p1!.id));
    const next = await claimNextPair(t, { projectId: project.id, userId: a! });
    expect(next?.id).not.toBe(p1!.id);
    const forB = await claimNextPair(t, { projectId: project.id, userId: b! });
    expect(forB?.id).toBe(p1!.id);
    await expect(undoLastLabel(db, b!, project.id)).rejects.toThrow(/no decision to undo/);
  });

  it("'left for you' leaves out the open pairs the annotator labelled or skipped; a daily goal is kept per project", async () => {
    const project = await makeProject(t, { pairs: 3, overlap: 2 });
    const [a, b] = await makeUsers(t, 2, "left");
    const decide = async (userId: number) => {
      const pair = await claimNextPair(t, { projectId: project.id, userId });
      await submitLabel(t, userId, { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 });
      return pair!.id;
    };
    const first = await decide(a!);
    expect(await getProgress(t, a!, project.id)).toMatchObject({ labelsToday: 1, pairsLeft: 3, leftForYou: 2, dailyGoal: null });
    const skipped = await claimNextPair(t, { projectId: project.id, userId: a! });
    await skipPair(t, a!, BigInt(skipped!.id));
    expect(await getProgress(t, a!, project.id)).toMatchObject({ pairsLeft: 3, leftForYou: 1 });
    // b's label makes a's first pair final: it leaves "pairs left", and a's figure stays right.
    expect(await decide(b!)).toBe(first);
    expect(await getProgress(t, a!, project.id)).toMatchObject({ pairsLeft: 2, leftForYou: 1 });
    expect(await getProgress(t, b!, project.id)).toMatchObject({ labelsToday: 1, pairsLeft: 2, leftForYou: 2 });
    await setDailyGoal(t, a!, project.id, 40);
    expect((await getProgress(t, a!, project.id)).dailyGoal).toBe(40);
    expect((await getProgress(t, b!, project.id)).dailyGoal).toBeNull();
    await setDailyGoal(t, a!, project.id, null);
    expect((await getProgress(t, a!, project.id)).dailyGoal).toBeNull();
  });

  it("database constraints forbid over-assignment and double labels whatever the code does", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 1, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "cons");
    const pair = await db.prisma.pair.findFirstOrThrow({ where: { projectId: project.id } });
    await db.prisma.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES (${pair.id}, ${project.id}, ${a!}, now() + interval '1 hour', 1)`;
    await expect(
      db.prisma.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES (${pair.id}, ${project.id}, ${b!}, now() + interval '1 hour', 1)`,
    ).rejects.toThrow(/pairs_taken_check|check constraint/);
    await expect(
      db.prisma.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES (${pair.id}, ${project.id}, ${a!}, now() + interval '1 hour', 2)`,
    ).rejects.toThrow(/unique|leases_pair_id_annotator_id_key/i);
    // an undecided lease must occupy a slot, and one person cannot hold two leases in one slot
    const other = await makeProject(db, { pairs: 3, overlap: 1 });
    const ids = (await db.prisma.pair.findMany({ where: { projectId: other.id }, orderBy: { id: "asc" } })).map((p) => p.id);
    await expect(
      db.prisma.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at) VALUES (${ids[0]!}, ${other.id}, ${a!}, now() + interval '1 hour')`,
    ).rejects.toThrow(/leases_undecided_slot_check|check constraint/);
    await db.prisma.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES (${ids[0]!}, ${other.id}, ${a!}, now() + interval '1 hour', 1)`;
    await expect(
      db.prisma.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES (${ids[1]!}, ${other.id}, ${a!}, now() + interval '1 hour', 1)`,
    ).rejects.toThrow(/unique|leases_undecided_slot_key/i);
  });

  it("one annotator firing 16 claims at once still holds at most two undecided leases", async () => {
    const project = await makeProject(t, { pairs: 50, overlap: 1 });
    const [a] = await makeUsers(t, 1, "hoard");
    const got = await Promise.all(Array.from({ length: 16 }, () => claimNextPair(t, { projectId: project.id, userId: a! })));
    expect(got.every((p) => p !== null)).toBe(true);
    const held = await t.prisma.lease.count({ where: { annotatorId: a!, projectId: project.id, submittedAt: null } });
    expect(held).toBeLessThanOrEqual(2);
    expect(new Set(got.map((p) => p!.id)).size).toBeLessThanOrEqual(2);
  });

  it("keeps every counter exact under a random mix of claims, decisions, undos, skips and expiries", async () => {
    const db = t;
    const project = await makeProject(db, { pairs: 60, overlap: 2, leaseSeconds: 30 });
    const users = await makeUsers(db, 8, "chaos");
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const unexpected: unknown[] = [];
    const expected = /expired|no longer|already decided|not leased|no decision|Decide the pairs/;
    await Promise.all(
      users.map(async (userId) => {
        for (let i = 0; i < 25; i++) {
          try {
            const r = rand();
            if (r < 0.1) {
              await db.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second'
                WHERE id = (SELECT id FROM leases WHERE project_id = ${project.id} ORDER BY random() LIMIT 1)`;
            }
            const pair = await claimNextPair(t, { projectId: project.id, userId });
            if (!pair) break;
            const r2 = rand();
            if (r2 < 0.1) await skipPair(db, userId, BigInt(pair.id));
            else {
              await submitLabel(t, userId, {
                pairId: BigInt(pair.id), submissionId: randomUUID(), decision: r2 < 0.6 ? "accept" : "reject",
                reasons: r2 < 0.6 ? [] : ["artifacts"], secondsSpent: 1,
              });
              if (rand() < 0.2) await undoLastLabel(db, userId, project.id);
            }
          } catch (err) {
            if (!expected.test(String((err as Error).message))) unexpected.push(err);
          }
        }
      }),
    );
    expect(unexpected).toEqual([]);
    const broken = await db.prisma.$queryRaw<unknown[]>`
      WITH holders AS (
        SELECT pair_id, annotator_id FROM leases UNION SELECT pair_id, annotator_id FROM labels
      )
      SELECT p.id, p.taken, p.label_count, p.status,
             (SELECT count(*) FROM holders h WHERE h.pair_id = p.id)::int AS real_taken,
             (SELECT count(*) FROM labels b WHERE b.pair_id = p.id)::int AS real_labels
      FROM pairs p WHERE p.project_id = ${project.id}
        AND (p.taken <> (SELECT count(*) FROM holders h WHERE h.pair_id = p.id)
          OR p.label_count <> (SELECT count(*) FROM labels b WHERE b.pair_id = p.id)
          OR (p.status IN ('final', 'in_review')) <> (p.label_count >= p.wanted)
          OR p.status = 'labelled')`;
    expect(broken).toEqual([]);
    const [counts] = await db.prisma.$queryRaw<{ ok: boolean }[]>`
      SELECT (SELECT sum(open)::int FROM project_counts WHERE project_id = ${project.id})
               = (SELECT count(*)::int FROM pairs WHERE project_id = ${project.id} AND status = 'open')
         AND (SELECT sum(labels)::int FROM project_counts WHERE project_id = ${project.id})
               = (SELECT count(*)::int FROM labels WHERE project_id = ${project.id}) AS ok`;
    expect(counts?.ok).toBe(true);
    const hoards = await db.prisma.$queryRaw<unknown[]>`
      SELECT annotator_id FROM leases WHERE project_id = ${project.id} AND submitted_at IS NULL
      GROUP BY annotator_id HAVING count(*) > 3`;
    expect(hoards).toEqual([]);
  });
});
