import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextPair, releaseExpiredLeases } from "@/lib/queue/claim";
import { skipPair, submitLabel, undoLastLabel } from "@/lib/queue/submit";
import { getProgress } from "@/lib/queue/progress";
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
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 200, overlap: 2 });
    const users = await makeUsers(db, 16, "conc");
    const errors: unknown[] = [];
    let decisions = 0;
    await Promise.all(
      users.map(async (userId) => {
        for (;;) {
          let pair;
          try {
            pair = await claimNextPair(t.runner, { projectId: project.id, userId });
          } catch (err) {
            errors.push(err);
            return;
          }
          if (!pair) return;
          try {
            await submitLabel(t.runner, userId, {
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
    const perPair = await db.$queryRaw<{ n: bigint; annotators: bigint }[]>`
      SELECT count(*) AS n, count(DISTINCT annotator_id) AS annotators FROM labels
      WHERE project_id = ${project.id} GROUP BY pair_id`;
    expect(perPair).toHaveLength(200);
    expect(perPair.every((r) => r.n === 2n && r.annotators === 2n)).toBe(true);
    const statuses = await db.pair.groupBy({ by: ["status"], where: { projectId: project.id }, _count: true });
    expect(statuses).toEqual([{ status: "labelled", _count: 200 }]);
    const taken = await db.pair.findMany({ where: { projectId: project.id }, select: { taken: true, labelCount: true } });
    expect(taken.every((p) => p.taken === 2 && p.labelCount === 2)).toBe(true);
    // the trigger-kept counters agree with a real count
    const [counts] = await db.$queryRaw<{ open: number; labelled: number; labels: number }[]>`
      SELECT sum(open)::int AS open, sum(labelled)::int AS labelled, sum(labels)::int AS labels
      FROM project_counts WHERE project_id = ${project.id}`;
    expect(counts).toEqual({ open: 0, labelled: 200, labels: 400 });
  });

  it("gives a live lease back instead of a new one, and a second annotator never gets it", async () => {
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 5, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "pair");
    const first = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    const again = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    expect(again?.id).toBe(first?.id);
    expect(again?.resumed).toBe(true);
    const prefetched = await claimNextPair(t.runner, { projectId: project.id, userId: a!, exclude: [BigInt(first!.id)] });
    expect(prefetched?.id).not.toBe(first?.id);
    const other = await claimNextPair(t.runner, { projectId: project.id, userId: b! });
    expect([first?.id, prefetched?.id]).not.toContain(other?.id);
  });

  it("returns an abandoned lease to the pool when it expires, and refuses the late submission", async () => {
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 1, overlap: 1, leaseSeconds: 30 });
    const [a, b] = await makeUsers(db, 2, "exp");
    const leased = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    expect(leased).not.toBeNull();
    expect(await claimNextPair(t.runner, { projectId: project.id, userId: b! })).toBeNull();
    await db.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE annotator_id = ${a!}`;
    const taken = await claimNextPair(t.runner, { projectId: project.id, userId: b! });
    expect(taken?.id).toBe(leased?.id);
    await expect(
      submitLabel(t.runner, a!, { pairId: BigInt(leased!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 3 }),
    ).rejects.toThrow(/lease on this pair expired/);
    expect(await releaseExpiredLeases(t.runner)).toBe(0);
  });

  it("replaying a submission id answers with the stored label and changes nothing", async () => {
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 2, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "idem");
    const pair = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    const input = { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "reject" as const, reasons: ["artifacts"], secondsSpent: 4 };
    const [x, y] = await Promise.all([submitLabel(t.runner, a!, input), submitLabel(t.runner, a!, input)]);
    expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
    expect(x.label.id).toBe(y.label.id);
    const z = await submitLabel(t.runner, a!, input);
    expect(z).toMatchObject({ replayed: true, label: { id: x.label.id, reasons: ["artifacts"] } });
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(1);
    // someone else replaying that id is refused
    await expect(submitLabel(t.runner, b!, input)).rejects.toBeInstanceOf(ConflictError);
    // a fresh submission on an already-decided pair is refused, not duplicated
    await expect(submitLabel(t.runner, a!, { ...input, submissionId: randomUUID() })).rejects.toThrow(/already decided/);
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(1);
  });

  it("refuses a submission on a pair leased to someone else, and unknown reasons", async () => {
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 1, overlap: 2 });
    const [a, b] = await makeUsers(db, 2, "own");
    const pair = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    await expect(
      submitLabel(t.runner, b!, { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      submitLabel(t.runner, a!, { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision: "reject", reasons: ["made_up"], secondsSpent: 1 }),
    ).rejects.toThrow(/Unknown reject reason/);
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("undo restores the pair to the annotator; skip hands it on", async () => {
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 3, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "undo");
    const p1 = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    await submitLabel(t.runner, a!, { pairId: BigInt(p1!.id), submissionId: randomUUID(), decision: "recaption", recaption: "Make the car blue", reasons: [], secondsSpent: 2 });
    expect(await getProgress(db, a!, project.id)).toEqual({ labelsToday: 1, labelsTotal: 1, pairsLeft: 2, pairsTotal: 3 });
    const undone = await undoLastLabel(db, a!, project.id);
    expect(undone.pairId).toBe(p1!.id);
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(0);
    expect(await getProgress(db, a!, project.id)).toEqual({ labelsToday: 0, labelsTotal: 0, pairsLeft: 3, pairsTotal: 3 });
    const back = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    expect(back?.id).toBe(p1!.id);
    await skipPair(db, a!, BigInt(p1!.id));
    const next = await claimNextPair(t.runner, { projectId: project.id, userId: a! });
    expect(next?.id).not.toBe(p1!.id);
    const forB = await claimNextPair(t.runner, { projectId: project.id, userId: b! });
    expect(forB?.id).toBe(p1!.id);
    await expect(undoLastLabel(db, b!, project.id)).rejects.toThrow(/no decision to undo/);
  });

  it("database constraints forbid over-assignment and double labels whatever the code does", async () => {
    const db = t.prisma;
    const project = await makeProject(db, { pairs: 1, overlap: 1 });
    const [a, b] = await makeUsers(db, 2, "cons");
    const pair = await db.pair.findFirstOrThrow({ where: { projectId: project.id } });
    await db.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at) VALUES (${pair.id}, ${project.id}, ${a!}, now() + interval '1 hour')`;
    await expect(
      db.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at) VALUES (${pair.id}, ${project.id}, ${b!}, now() + interval '1 hour')`,
    ).rejects.toThrow(/pairs_taken_check|check constraint/);
    await expect(
      db.$executeRaw`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at) VALUES (${pair.id}, ${project.id}, ${a!}, now() + interval '1 hour')`,
    ).rejects.toThrow(/unique|leases_pair_id_annotator_id_key/i);
  });
});
