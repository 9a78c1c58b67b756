import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InvalidError, NotFoundError, PausedError } from "@/lib/errors";
import { claimNextPair } from "@/lib/queue/claim";
import { getPausedStandings, getStandings } from "@/lib/quality/standings";
import type { TStanding } from "@/lib/quality/standings-types";
import { liftPause, pauseAnnotator } from "@/lib/quality/pauses";
import { getPairCounts, getProjectQualityCounts, getReviewReasonCounts, getThroughput, THROUGHPUT_DAYS } from "@/lib/quality/overview";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe.each(engines())("annotator standings and pauses on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function pairIds(projectId: number): Promise<bigint[]> {
    const rows = await t.prisma.pair.findMany({ where: { projectId }, select: { id: true }, orderBy: { id: "asc" } });
    return rows.map((r) => r.id);
  }

  /** Gold with an expected accept: final from the start, as the gold tools leave it. */
  async function makeGold(ids: bigint[]) {
    await t.prisma.$executeRaw`
      UPDATE pairs SET is_gold = true, gold_active = true, gold_decision = 'accept', status = 'final',
        final_decision = 'accept', final_source = 'gold', finalized_at = now()
      WHERE id = ANY(${ids}::bigint[])`;
  }

  /** A label written straight into the table (the triggers run as for a submit), at a chosen time. */
  async function label(pairId: bigint, userId: number, decision: "accept" | "reject", seconds: number, at?: Date) {
    const reasons = decision === "reject" ? ["artifacts"] : [];
    await t.prisma.$executeRaw`
      INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, seconds_spent, submission_id, created_at)
      SELECT id, project_id, ${userId}, ${decision}::"Decision", ${reasons}::text[], ${seconds}, gen_random_uuid(), coalesce(${at ?? null}::timestamptz, now())
      FROM pairs WHERE id = ${pairId}`;
  }

  const standingOf = (list: TStanding[], userId: number) => {
    const s = list.find((x) => x.userId === userId);
    if (!s) throw new Error(`no standing for user ${userId}`);
    return s;
  };

  it("computes each figure as worked out by hand", async () => {
    const project = await makeProject(t, { pairs: 1511, overlap: 2 });
    await t.prisma.project.update({ where: { id: project.id }, data: { goldMinCount: 3, goldAccuracyThreshold: 0.7 } });
    const [a, b, c, d, nobody, admin] = await makeUsers(t, 6, "standing");
    const ids = await pairIds(project.id);
    const [p1, p2, p3, p4] = ids as [bigint, bigint, bigint, bigint];
    const cPairs = ids.slice(4, 1504);
    const gold = ids.slice(1504, 1510) as [bigint, bigint, bigint, ...bigint[]];
    const p5 = ids[1510]!;
    await makeGold(gold);
    // Two days ago, on the hour, so every label below falls in a known clock hour.
    const base = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * DAY);
    const at = (ms: number) => new Date(base.getTime() + ms);

    // A: one label 40 days ago (outside the rate window), four in hour H, three gold checks in H+1.
    await label(p5, a!, "accept", 50, new Date(Date.now() - 40 * DAY));
    await label(p1, a!, "accept", 10, at(1 * MINUTE));
    await label(p2, a!, "accept", 20, at(2 * MINUTE));
    await label(p3, a!, "reject", 30, at(3 * MINUTE));
    await label(p4, a!, "accept", 40, at(4 * MINUTE));
    await label(gold[0], a!, "accept", 5, at(HOUR + 1 * MINUTE)); // right
    await label(gold[1], a!, "accept", 15, at(HOUR + 2 * MINUTE)); // right
    await label(gold[2], a!, "reject", 25, at(HOUR + 3 * MINUTE)); // wrong: 2 of 3 < 70% → paused by the rule
    // B: completes P1 (agree: final accept), P2 (disagree: review), P3 (agree: final reject); one gold check, right.
    await label(p1, b!, "accept", 8, at(5 * MINUTE));
    await label(p2, b!, "reject", 12, at(6 * MINUTE));
    await label(p3, b!, "reject", 4, at(7 * MINUTE));
    await label(gold[0], b!, "accept", 6, at(8 * MINUTE));
    // A reviewer settles P2 as reject: B agrees with the final decision, A does not.
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: p2 }, select: { status: true, reviewReasons: true } })).toEqual({
      status: "in_review",
      reviewReasons: ["decision"],
    });
    await t.prisma.$executeRaw`
      UPDATE pairs SET status = 'final', final_decision = 'reject', final_reasons = ARRAY['artifacts'], final_source = 'review',
        finalized_at = now(), reviewed_at = now(), review_reasons = ARRAY[]::text[]
      WHERE id = ${p2}`;
    // C: 1,500 labels; the oldest 500 took 1,000 s each, the newest 1,000 took 1, 2, …, 1,000 s.
    await t.prisma.$executeRaw`
      INSERT INTO labels (pair_id, project_id, annotator_id, decision, seconds_spent, submission_id, created_at)
      SELECT x.id, x.project_id, ${c!}, 'accept', CASE WHEN x.rn <= 500 THEN 1000 ELSE x.rn - 500 END, gen_random_uuid(),
             CASE WHEN x.rn <= 500 THEN ${at(-10 * DAY)}::timestamptz + x.rn * interval '1 second'
                  ELSE ${at(2 * HOUR)}::timestamptz + x.rn * interval '1 second' END
      FROM (SELECT id, project_id, row_number() OVER (ORDER BY id) AS rn FROM pairs WHERE id = ANY(${cPairs}::bigint[])) x`;
    // D: paused by hand before labelling anything.
    await pauseAnnotator(t, project.id, d!, admin!, "Paused while we check your last batch.");

    const standings = await getStandings(t, project.id);
    expect(standings.goldMinCount).toBe(3);
    expect(standings.goldAccuracyThreshold).toBe(0.7);
    expect(standings.annotators.map((s) => s.userId).sort()).toEqual([a, b, c, d].sort());
    expect(standings.annotators.some((s) => s.userId === nobody)).toBe(false);
    // Most labels first (a page of them; the paused are also listed apart, getPausedStandings).
    expect(standings.annotators.map((s) => s.userId)).toEqual([c, a, b, d]);
    expect(standings.next).toBeNull();
    // Keyset pages: two and two, the same order, nothing repeated or lost.
    const first = await getStandings(t, project.id, { limit: 2 });
    const second = await getStandings(t, project.id, { limit: 2, after: first.next });
    expect(first.annotators.map((s) => s.userId)).toEqual([c, a]);
    expect(second.annotators.map((s) => s.userId)).toEqual([b, d]);
    expect(second.next).toBeNull();
    expect((await getPausedStandings(t, project.id)).map((s) => s.userId).sort()).toEqual([a, d].sort());

    const sa = standingOf(standings.annotators, a!);
    expect(sa).toMatchObject({
      labels: 8,
      goldChecks: 3,
      goldCorrect: 2,
      lifetimeGoldChecks: 3,
      lifetimeGoldCorrect: 2,
      finalLabels: 3,
      agreeing: 2,
      checksToGo: 0,
      ruleApplies: true,
      lastLift: null,
    });
    expect(sa.goldAccuracy).toBeCloseTo(2 / 3, 10);
    expect(sa.agreement).toBeCloseTo(2 / 3, 10);
    // Seconds 5, 10, 15, 20, 25, 30, 40, 50 → (20 + 25) / 2.
    expect(sa.medianSeconds).toBe(22.5);
    // 7 labels in the last 30 days over 2 clock hours.
    expect(sa.labelsPerHour).toBe(3.5);
    expect(sa.pause).toMatchObject({ byRule: true });
    expect(sa.pause?.reason).toMatch(/right 2 of 3 times \(67%\), under this project's 70% minimum/);

    const sb = standingOf(standings.annotators, b!);
    expect(sb).toMatchObject({
      labels: 4,
      goldChecks: 1,
      goldCorrect: 1,
      goldAccuracy: 1,
      finalLabels: 3,
      agreeing: 3,
      agreement: 1,
      medianSeconds: 7, // 4, 6, 8, 12
      labelsPerHour: 4,
      checksToGo: 2,
      ruleApplies: false,
      pause: null,
    });

    const sc = standingOf(standings.annotators, c!);
    expect(sc).toMatchObject({
      labels: 1500,
      goldChecks: 0,
      goldAccuracy: null,
      finalLabels: 0,
      agreement: null,
      // The 1,000 most recent only: 1 … 1,000 s, not the 1,000 s labels before them.
      medianSeconds: 500.5,
      labelsPerHour: 750, // 1,500 labels over 2 clock hours
      checksToGo: 3,
      ruleApplies: false,
      pause: null,
    });

    const sd = standingOf(standings.annotators, d!);
    expect(sd).toMatchObject({ labels: 0, goldChecks: 0, medianSeconds: null, labelsPerHour: null, agreement: null });
    expect(sd.pause).toMatchObject({ byRule: false, reason: "Paused while we check your last batch." });
  });

  it("lifting restarts the gold window: a fresh minimum of checks before the rule pauses again; both audited", async () => {
    const project = await makeProject(t, { pairs: 10, overlap: 1 });
    await t.prisma.project.update({ where: { id: project.id }, data: { goldMinCount: 3, goldAccuracyThreshold: 0.7 } });
    const [x, admin, never] = await makeUsers(t, 3, "lift");
    const ids = await pairIds(project.id);
    const gold = ids.slice(4, 10);
    await makeGold(gold);
    const pausedAudit = () =>
      t.prisma.auditEvent.findMany({ where: { action: "annotator.paused", subjectId: String(x) }, orderBy: { id: "asc" } });

    for (const g of gold.slice(0, 3)) await label(g, x!, "reject", 3);
    let s = standingOf((await getStandings(t, project.id)).annotators, x!);
    expect(s).toMatchObject({ goldChecks: 3, goldCorrect: 0, ruleApplies: true, pause: { byRule: true } });
    expect(await pausedAudit()).toHaveLength(1);
    await expect(claimNextPair(t, { projectId: project.id, userId: x! })).rejects.toBeInstanceOf(PausedError);

    await expect(liftPause(t, project.id, never!, admin!)).rejects.toBeInstanceOf(NotFoundError);
    const lifted = await liftPause(t, project.id, x!, admin!);
    expect(lifted.pausedAt).toBeNull();
    expect(lifted.liftedAt).toBeInstanceOf(Date);
    await expect(liftPause(t, project.id, x!, admin!)).rejects.toBeInstanceOf(ConflictError);
    const unpaused = await t.prisma.auditEvent.findMany({ where: { action: "annotator.unpaused", subjectId: String(x) } });
    expect(unpaused).toHaveLength(1);
    expect(unpaused[0]).toMatchObject({ actorId: admin, subjectType: "user", data: { projectId: project.id } });
    const row = await t.prisma.projectAnnotator.findUniqueOrThrow({ where: { projectId_userId: { projectId: project.id, userId: x! } } });
    expect(row).toMatchObject({ pausedAt: null, liftedBy: admin });
    s = standingOf((await getStandings(t, project.id)).annotators, x!);
    expect(s).toMatchObject({ goldChecks: 0, goldCorrect: 0, lifetimeGoldChecks: 3, checksToGo: 3, ruleApplies: false, pause: null });
    expect(s.lastLift?.liftedBy).toMatch(/^lift /);
    expect(await claimNextPair(t, { projectId: project.id, userId: x! })).not.toBeNull();

    // `created_at > lifted_at` at millisecond precision: let the clock move past the lift.
    await new Promise((r) => setTimeout(r, 20));
    await label(gold[3]!, x!, "reject", 3);
    await label(gold[4]!, x!, "reject", 3);
    s = standingOf((await getStandings(t, project.id)).annotators, x!);
    expect(s).toMatchObject({ goldChecks: 2, checksToGo: 1, ruleApplies: false, pause: null });
    expect(await pausedAudit()).toHaveLength(1);
    await label(gold[5]!, x!, "reject", 3);
    s = standingOf((await getStandings(t, project.id)).annotators, x!);
    expect(s).toMatchObject({ goldChecks: 3, lifetimeGoldChecks: 6, ruleApplies: true, pause: { byRule: true } });
    expect(await pausedAudit()).toHaveLength(2);
  });

  it("an admin pauses by hand with a reason: leases go back, claims are refused with it, the pause is audited", async () => {
    const project = await makeProject(t, { pairs: 3, overlap: 1 });
    const [x, admin] = await makeUsers(t, 2, "hand");
    const leased = await claimNextPair(t, { projectId: project.id, userId: x! });
    expect(leased).not.toBeNull();
    await expect(pauseAnnotator(t, project.id, x!, admin!, " ")).rejects.toBeInstanceOf(InvalidError);
    await expect(pauseAnnotator(t, 999_999, x!, admin!, "Reason given.")).rejects.toBeInstanceOf(NotFoundError);
    await expect(pauseAnnotator(t, project.id, 999_999, admin!, "Reason given.")).rejects.toBeInstanceOf(NotFoundError);
    await pauseAnnotator(t, project.id, x!, admin!, "Too many skipped pairs today.");
    expect(await t.prisma.lease.count({ where: { annotatorId: x!, submittedAt: null } })).toBe(0);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(leased!.id) } })).taken).toBe(0);
    await expect(pauseAnnotator(t, project.id, x!, admin!, "Again.")).rejects.toBeInstanceOf(ConflictError);
    const err = await claimNextPair(t, { projectId: project.id, userId: x! }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PausedError);
    expect((err as Error).message).toContain("Too many skipped pairs today.");
    const audit = await t.prisma.auditEvent.findMany({ where: { action: "annotator.paused", subjectId: String(x) } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: admin, data: { projectId: project.id, reason: "Too many skipped pairs today.", leasesReleased: 1 } });
    await liftPause(t, project.id, x!, admin!);
    expect(await claimNextPair(t, { projectId: project.id, userId: x! })).not.toBeNull();
  });
  it("the overview counts pairs, labels and adjudications per UTC day, and in-review pairs per reason", async () => {
    const project = await makeProject(t, { pairs: 8, overlap: 2 });
    const other = await makeProject(t, { pairs: 2, overlap: 1 });
    const [a, b, reviewer] = await makeUsers(t, 3, "overview");
    const ids = await pairIds(project.id);
    await makeGold([ids[7]!]);
    const today = new Date(Math.floor(Date.now() / DAY) * DAY + 60_000); // 00:01 UTC today
    const daysAgo = (n: number) => new Date(today.getTime() - n * DAY);
    // Pair 0: both accept → final. Pair 1: accept vs reject → review ("decision"). Pair 2: one label → open.
    await label(ids[0]!, a!, "accept", 3, daysAgo(0));
    await label(ids[0]!, b!, "accept", 3, daysAgo(0));
    await label(ids[1]!, a!, "accept", 3, daysAgo(2));
    await label(ids[1]!, b!, "reject", 3, daysAgo(2));
    await label(ids[2]!, a!, "accept", 3, daysAgo(THROUGHPUT_DAYS - 1));
    await label(ids[3]!, a!, "accept", 3, daysAgo(THROUGHPUT_DAYS)); // one day too old for the chart
    await label(ids[7]!, b!, "accept", 3, daysAgo(0)); // a gold check counts as a label too
    // Pair 4 routed for two reasons (as the trigger can leave it); the other project's labels stay out.
    await t.prisma.$executeRaw`UPDATE pairs SET status = 'in_review', review_reasons = ARRAY['decision', 'verifier'], routed_at = now() WHERE id = ${ids[4]!}`;
    const otherIds = await pairIds(other.id);
    await label(otherIds[0]!, a!, "accept", 3, daysAgo(0));
    // Adjudications are read from their audit rows: two today in this project, one in the other.
    for (const [pair, at] of [[ids[1]!, daysAgo(0)], [ids[5]!, daysAgo(0)], [otherIds[1]!, daysAgo(0)], [ids[6]!, daysAgo(1)]] as const) {
      await t.prisma.auditEvent.create({ data: { actorId: reviewer!, action: "review.adjudicate", subjectType: "pair", subjectId: String(pair), createdAt: at } });
    }

    expect(await getPairCounts(t, project.id)).toEqual({ open: 4, labelled: 0, inReview: 2, final: 2, gold: 1, labels: 7 });
    const days = await getThroughput(t, project.id);
    expect(days).toHaveLength(THROUGHPUT_DAYS);
    const iso = (d: Date) => d.toISOString().slice(0, 10);
    expect(days[days.length - 1]).toEqual({ day: iso(daysAgo(0)), labels: 3, adjudications: 2 });
    expect(days[days.length - 2]).toEqual({ day: iso(daysAgo(1)), labels: 0, adjudications: 1 });
    expect(days[days.length - 3]).toEqual({ day: iso(daysAgo(2)), labels: 2, adjudications: 0 });
    expect(days[0]).toEqual({ day: iso(daysAgo(THROUGHPUT_DAYS - 1)), labels: 1, adjudications: 0 });
    expect(days.reduce((n, d) => n + d.labels, 0)).toBe(6);
    expect(await getReviewReasonCounts(t, project.id)).toEqual([
      { reason: "decision", pairs: 2 },
      { reason: "recaption", pairs: 0 },
      { reason: "verifier", pairs: 1 },
    ]);
    expect((await getProjectQualityCounts(t)).get(project.id)).toEqual({ inReview: 2, final: 2 });
  });
});
