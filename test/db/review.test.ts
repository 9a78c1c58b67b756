import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel, undoLastLabel } from "@/lib/queue/submit";
import { adjudicatePair, claimReviewPair, releaseReviewClaim, renewReviewClaim, undoAdjudication } from "@/lib/review/service";
import { getReviewCounts, getReviewFilterValues, listReviewProjects, loadReviewPair } from "@/lib/review/queries";
import { ConflictError, ForbiddenError, InvalidError } from "@/lib/errors";
import type { TAdjudication } from "@/lib/review/schemas";
import type { Db } from "@/lib/db/connect";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";
import { describeProjectTeams } from "../support/project-teams";

type TLabelInput = { decision: "accept" } | { decision: "reject"; reasons: string[] } | { decision: "recaption"; recaption: string };

async function makeReviewers(db: Db, n: number, prefix: string): Promise<number[]> {
  const ids = await makeUsers(db, n, prefix);
  await db.prisma.user.updateMany({ where: { id: { in: ids } }, data: { role: "reviewer" } });
  return ids;
}

describe.each(engines())("review queue on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine, { poolSize: 24 });
  });
  afterAll(async () => {
    await t?.close();
  });

  // Issue 16 point 4 (test/support/project-teams.ts), on this file's database.
  describeProjectTeams(() => t);

  async function label(userId: number, projectId: number, input: TLabelInput): Promise<string> {
    const pair = await claimNextPair(t, { projectId, userId });
    expect(pair).not.toBeNull();
    await submitLabel(t, userId, {
      pairId: BigInt(pair!.id),
      submissionId: randomUUID(),
      reasons: [],
      secondsSpent: 3,
      ...input,
    });
    return pair!.id;
  }

  /** A one-pair overlap-2 project whose two labels disagree on the decision: the pair is in review. */
  async function disagreement(prefix: string) {
    const project = await makeProject(t, { pairs: 1, overlap: 2 });
    const [a, b] = await makeUsers(t, 2, prefix);
    const pairId = await label(a!, project.id, { decision: "accept" });
    await label(b!, project.id, { decision: "recaption", recaption: "Add a small blue vase on the table" });
    return { project, pairId, annotators: [a!, b!] };
  }

  async function inReview(projectId: number, specs: { reasons: string[]; task?: string; subtask?: string }[]): Promise<string[]> {
    const ids = (await t.prisma.pair.findMany({ where: { projectId }, orderBy: { id: "asc" }, select: { id: true } })).map((p) => p.id);
    for (const [i, s] of specs.entries()) {
      await t.prisma.$executeRaw`
        UPDATE pairs SET status = 'in_review', review_reasons = ${s.reasons}::text[], routed_at = now(),
          task = ${s.task ?? "object"}, subtask = ${s.subtask ?? "addition"}
        WHERE id = ${ids[i]!}`;
    }
    return ids.slice(0, specs.length).map(String);
  }

  const adjudication = (over: Partial<TAdjudication> = {}): TAdjudication => ({
    submissionId: randomUUID(),
    decision: "recaption",
    instruction: "Add a small blue vase on the wooden table",
    reasons: [],
    promoteToGold: false,
    ...over,
  });

  it("routes a pair whose labels disagree to review, with each reason in words", async () => {
    const { project, pairId } = await disagreement("route");
    const pair = await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } });
    expect(pair.status).toBe("in_review");
    expect(pair.reviewReasons).toEqual(["decision"]);
    expect(pair.finalDecision).toBeNull();
    const view = await loadReviewPair(t, pairId);
    expect(view?.routing).toEqual([{ reason: "decision", text: "Annotators disagree on the decision (1 accept, 1 re-caption)" }]);
    expect(view?.labels.map((l) => [l.decision, l.recaption])).toEqual([
      ["accept", null],
      ["recaption", "Add a small blue vase on the table"],
    ]);
    expect((await listReviewProjects(t)).find((p) => p.id === project.id)).toMatchObject({
      inReview: 1,
      byReason: { decision: 1, recaption: 0, verifier: 0 },
    });

    // Re-captions far apart: the distance and the project's threshold, computed by the same SQL.
    const far = await makeProject(t, { pairs: 1, overlap: 2 });
    const [c, d] = await makeUsers(t, 2, "far");
    const farId = await label(c!, far.id, { decision: "recaption", recaption: "Turn the sky purple" });
    await label(d!, far.id, { decision: "recaption", recaption: "Remove the dog from the sofa" });
    const farView = await loadReviewPair(t, farId);
    expect(farView?.reviewReasons).toEqual(["recaption"]);
    const distanceRows = await t.prisma.$queryRaw<{ distance: number }[]>`
      SELECT loupe_text_distance('Turn the sky purple', 'Remove the dog from the sofa') AS distance`;
    const distance = distanceRows[0]!.distance;
    expect(farView?.recaptionSpread).toBeCloseTo(distance, 5);
    expect(farView?.routing[0]?.text).toBe(`Re-captions differ: distance ${distance.toFixed(2)} over the project's 0.35`);

    // The people accept what the verifier's scores reject under the keep rule.
    const scored = await makeProject(t, { pairs: 1, overlap: 2 });
    await t.prisma.pair.updateMany({
      where: { projectId: scored.id },
      data: { verifierScores: { instruction_following: 3, editing_consistency: 2, generation_quality: 1 } },
    });
    const [e, f] = await makeUsers(t, 2, "ver");
    const scoredId = await label(e!, scored.id, { decision: "accept" });
    await label(f!, scored.id, { decision: "accept" });
    const scoredView = await loadReviewPair(t, scoredId);
    expect(scoredView?.reviewReasons).toEqual(["verifier"]);
    expect(scoredView?.verdict).toMatchObject({ valid: false, basis: "scores" });
    expect(scoredView?.routing[0]?.text).toBe(
      "People contradict the verifier: verifier says not valid (IF 3, EC 2, GQ 1, rule IF≥3 ∧ EC≥2 ∧ GQ≥2); the majority accepted",
    );
  });

  it("never gives two reviewers the same pair, and gives a reviewer their own live claim back first", async () => {
    const project = await makeProject(t, { pairs: 6 });
    const ids = await inReview(project.id, Array.from({ length: 6 }, () => ({ reasons: ["decision"] })));
    const reviewers = await makeReviewers(t, 8, "rev");
    const got = await Promise.all(reviewers.map((reviewerId) => claimReviewPair(t, { projectId: project.id, reviewerId })));
    const claimed = got.filter((p) => p !== null).map((p) => p!.id);
    expect(claimed).toHaveLength(6);
    expect(new Set(claimed).size).toBe(6);
    expect(got.filter((p) => p === null)).toHaveLength(2);
    const holders = await t.prisma.pair.findMany({ where: { projectId: project.id }, select: { id: true, reviewClaimedBy: true } });
    for (const [i, p] of got.entries()) {
      if (p) expect(holders.find((h) => String(h.id) === p.id)?.reviewClaimedBy).toBe(reviewers[i]);
    }

    // Own claim first (a reload), renewed; with it excluded (it is on screen) the reviewer is told nothing is left.
    const [a, b] = await makeReviewers(t, 2, "own");
    const other = await makeProject(t, { pairs: 3 });
    const otherIds = await inReview(other.id, [{ reasons: ["decision"] }, { reasons: ["verifier"] }, { reasons: ["recaption"] }]);
    const first = await claimReviewPair(t, { projectId: other.id, reviewerId: a! });
    expect(first).toMatchObject({ id: otherIds[0], resumed: false });
    const again = await claimReviewPair(t, { projectId: other.id, reviewerId: a! });
    expect(again).toMatchObject({ id: otherIds[0], resumed: true });
    const prefetched = await claimReviewPair(t, { projectId: other.id, reviewerId: a!, exclude: [BigInt(first!.id)] });
    expect(prefetched).toMatchObject({ id: otherIds[1], resumed: false });
    const forB = await claimReviewPair(t, { projectId: other.id, reviewerId: b! });
    expect(forB?.id).toBe(otherIds[2]);
    expect(await claimReviewPair(t, { projectId: other.id, reviewerId: b!, exclude: [BigInt(forB!.id)] })).toBeNull();

    // Skip hands the pair back: another reviewer gets it, the skipper (who excludes it) does not.
    expect(await releaseReviewClaim(t, a!, BigInt(first!.id))).toEqual({ released: true });
    expect(await releaseReviewClaim(t, a!, BigInt(first!.id))).toEqual({ released: false });
    const taken = await claimReviewPair(t, { projectId: other.id, reviewerId: b!, exclude: [BigInt(forB!.id)] });
    expect(taken?.id).toBe(first!.id);
    await expect(renewReviewClaim(t, a!, BigInt(first!.id))).rejects.toBeInstanceOf(ConflictError);

    // A lapsed claim is free again.
    await t.prisma.$executeRaw`UPDATE pairs SET review_claimed_until = now() - interval '1 second' WHERE id = ${BigInt(otherIds[1]!)}`;
    const lapsed = await claimReviewPair(t, { projectId: other.id, reviewerId: b!, exclude: [BigInt(forB!.id), BigInt(taken!.id)] });
    expect(lapsed?.id).toBe(otherIds[1]);
    expect(ids).toHaveLength(6);
  });

  it("8 reviewers working one queue of 40 pairs concurrently settle each pair exactly once, without a conflict", async () => {
    const project = await makeProject(t, { pairs: 40 });
    await inReview(project.id, Array.from({ length: 40 }, () => ({ reasons: ["decision"] })));
    const reviewers = await makeReviewers(t, 8, "crowd");
    const errors: unknown[] = [];
    const settled: string[] = [];
    await Promise.all(
      reviewers.map(async (reviewerId) => {
        for (;;) {
          try {
            const pair = await claimReviewPair(t, { projectId: project.id, reviewerId });
            if (!pair) return;
            await adjudicatePair(t, { id: reviewerId, role: "reviewer" }, BigInt(pair.id),
              adjudication({ decision: "accept", instruction: undefined }));
            settled.push(pair.id);
          } catch (err) {
            errors.push(err);
            return;
          }
        }
      }),
    );
    expect(errors).toEqual([]);
    expect(settled).toHaveLength(40);
    expect(new Set(settled).size).toBe(40);
    expect(await t.prisma.pair.count({ where: { projectId: project.id, status: "final", finalSource: "review" } })).toBe(40);
    expect(await t.prisma.auditEvent.count({ where: { action: "review.adjudicate", subjectId: { in: settled } } })).toBe(40);
  });

  it("filters the queue by routing reason, task and subtask, and hands back claims the new filters leave out", async () => {
    const project = await makeProject(t, { pairs: 5 });
    const ids = await inReview(project.id, [
      { reasons: ["decision"], task: "object", subtask: "addition" },
      { reasons: ["decision", "verifier"], task: "object", subtask: "removal" },
      { reasons: ["recaption"], task: "global", subtask: "style_transfer" },
      { reasons: ["verifier"], task: "global", subtask: "tone_adjustment" },
    ]);
    const [r] = await makeReviewers(t, 1, "filt");
    const claim = (filters: { reason?: "decision" | "recaption" | "verifier"; task?: string; subtask?: string }, exclude: string[] = []) =>
      claimReviewPair(t, { projectId: project.id, reviewerId: r!, exclude: exclude.map(BigInt), ...filters });

    expect(await getReviewFilterValues(t, project.id)).toEqual({
      tasks: ["global", "object"],
      subtasks: ["addition", "removal", "style_transfer", "tone_adjustment"],
    });
    expect(await getReviewCounts(t, project.id, r!, { reason: "verifier" })).toEqual({
      inReview: 4,
      matching: 2,
      byReason: { decision: 2, recaption: 1, verifier: 2 },
      claimedByOthers: 0,
    });
    expect(await getReviewCounts(t, project.id, r!, { task: "global", subtask: "style_transfer" })).toMatchObject({ matching: 1 });

    const v1 = await claim({ reason: "verifier" });
    expect(v1?.id).toBe(ids[1]);
    const v2 = await claim({ reason: "verifier" }, [v1!.id]);
    expect(v2?.id).toBe(ids[3]);
    expect(await claim({ reason: "verifier" }, [v1!.id, v2!.id])).toBeNull();

    const g = await claim({ task: "global", subtask: "style_transfer" });
    expect(g?.id).toBe(ids[2]);
    const held = await t.prisma.pair.findMany({ where: { projectId: project.id, reviewClaimedBy: r! }, select: { id: true } });
    expect(held.map((p) => String(p.id))).toEqual([ids[2]]);
    expect((await claim({ task: "object" }, [g!.id]))?.id).toBe(ids[0]);
    expect(await claim({ reason: "recaption", task: "object" })).toBeNull();
  });

  it("adjudication makes the pair final with the reviewer's instruction, writes the audit row, and a doubled submission replays", async () => {
    const { pairId } = await disagreement("adj");
    const [r] = await makeReviewers(t, 1, "adjr");
    const reviewer = await t.prisma.user.findUniqueOrThrow({ where: { id: r! } });
    const claimed = await claimReviewPair(t, { projectId: (await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).projectId, reviewerId: r! });
    expect(claimed?.id).toBe(pairId);

    const input = adjudication({ note: "  The vase is on the table, not the shelf.  " });
    const [x, y] = await Promise.all([
      adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), input),
      adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), input),
    ]);
    expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
    expect(x.pair).toEqual(y.pair);
    expect(x.pair).toMatchObject({
      status: "final",
      finalDecision: "recaption",
      finalInstruction: "Add a small blue vase on the wooden table",
      finalReasons: [],
      reviewedBy: { id: r!, name: reviewer.name },
      note: "The vase is on the table, not the shelf.",
      isGold: false,
    });
    const z = await adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), input);
    expect(z.replayed).toBe(true);

    const pair = await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } });
    expect(pair).toMatchObject({
      status: "final",
      finalDecision: "recaption",
      finalInstruction: "Add a small blue vase on the wooden table",
      finalSource: "review",
      reviewedBy: r!,
      reviewNote: "The vase is on the table, not the shelf.",
      reviewSubmissionId: input.submissionId,
      reviewClaimedBy: null,
      reviewClaimedUntil: null,
      reviewReasons: ["decision"],
    });
    expect(pair.finalizedAt).not.toBeNull();
    expect(pair.reviewedAt).not.toBeNull();
    const audit = await t.prisma.auditEvent.findMany({ where: { action: "review.adjudicate", subjectId: pairId } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorId: r!,
      subjectType: "pair",
      data: {
        projectId: pair.projectId,
        decision: "recaption",
        instruction: "Add a small blue vase on the wooden table",
        reasons: [],
        routingReasons: ["decision"],
        note: "The vase is on the table, not the shelf.",
      },
    });
    expect(await claimReviewPair(t, { projectId: pair.projectId, reviewerId: r! })).toBeNull();
    const [counts] = await t.prisma.$queryRaw<{ in_review: number; final: number }[]>`
      SELECT sum(in_review)::int AS in_review, sum(final)::int AS final FROM project_counts WHERE project_id = ${pair.projectId}`;
    expect(counts).toEqual({ in_review: 0, final: 1 });
  });

  it("refuses a decision made on labels that changed since the reviewer opened the pair, and a reviewer's own pair", async () => {
    const { project, pairId, annotators } = await disagreement("chg");
    const [r] = await makeReviewers(t, 1, "chgr");
    const seen = await loadReviewPair(t, pairId);
    expect(seen?.routedAt).not.toBeNull();
    // The second annotator takes their label back and labels again: the pair is routed afresh.
    await undoLastLabel(t, annotators[1]!, project.id);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).status).toBe("open");
    const again = await claimNextPair(t, { projectId: project.id, userId: annotators[1]! });
    await submitLabel(t, annotators[1]!, { pairId: BigInt(again!.id), submissionId: randomUUID(), decision: "reject", reasons: ["artifacts"], secondsSpent: 2 });
    const now = await loadReviewPair(t, pairId);
    expect(now?.routedAt).not.toBe(seen?.routedAt);
    const stale = adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), adjudication({ routedAt: seen!.routedAt! }));
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toThrow(/changed since you opened it/);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).status).toBe("in_review");
    const fresh = await adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), adjudication({ routedAt: now!.routedAt! }));
    expect(fresh.pair.status).toBe("final");

    // A reviewer who labelled a pair neither gets it from the queue nor may settle it.
    const own = await makeProject(t, { pairs: 1, overlap: 2 });
    const [x] = await makeUsers(t, 1, "ownx");
    const ownPair = await label(x!, own.id, { decision: "accept" });
    await label(r!, own.id, { decision: "reject", reasons: ["artifacts"] });
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(ownPair) } })).status).toBe("in_review");
    expect(await claimReviewPair(t, { projectId: own.id, reviewerId: r! })).toBeNull();
    await expect(adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(ownPair), adjudication())).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a stale adjudication (another reviewer settled first) gets 409 with their name and changes nothing", async () => {
    const { pairId } = await disagreement("stale");
    const [first, second] = await makeReviewers(t, 2, "stl");
    const firstUser = await t.prisma.user.findUniqueOrThrow({ where: { id: first! } });
    await adjudicatePair(t, { id: first!, role: "reviewer" }, BigInt(pairId), adjudication({ decision: "accept", instruction: undefined }));
    const before = await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } });
    const late = adjudicatePair(t, { id: second!, role: "admin" }, BigInt(pairId), adjudication());
    await expect(late).rejects.toBeInstanceOf(ConflictError);
    await expect(adjudicatePair(t, { id: second!, role: "admin" }, BigInt(pairId), adjudication())).rejects.toThrow(
      `This pair was already settled by ${firstUser.name}.`,
    );
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).toEqual(before);
    expect(before).toMatchObject({ finalDecision: "accept", finalInstruction: "instruction 0", finalSource: "review" });
    expect(await t.prisma.auditEvent.count({ where: { action: "review.adjudicate", subjectId: pairId } })).toBe(1);
  });

  it("refuses unknown reasons, an accept with another instruction, a no-op re-caption and a pair another reviewer holds", async () => {
    const { pairId, project, annotators } = await disagreement("bad");
    const [r, other] = await makeReviewers(t, 2, "badr");
    const actor = { id: r!, role: "reviewer" as const };
    await expect(
      adjudicatePair(t, actor, BigInt(pairId), adjudication({ decision: "reject", instruction: undefined, reasons: ["made_up", "artifacts"] })),
    ).rejects.toThrow(new InvalidError("Unknown reject reason(s) for this project: made_up"));
    await expect(
      adjudicatePair(t, actor, BigInt(pairId), adjudication({ decision: "accept", instruction: "Something else entirely" })),
    ).rejects.toBeInstanceOf(InvalidError);
    await expect(
      adjudicatePair(t, actor, BigInt(pairId), adjudication({ decision: "recaption", instruction: " instruction 0 " })),
    ).rejects.toThrow(/must change the instruction/);

    const held = await claimReviewPair(t, { projectId: project.id, reviewerId: other! });
    expect(held?.id).toBe(pairId);
    const otherUser = await t.prisma.user.findUniqueOrThrow({ where: { id: other! } });
    await expect(adjudicatePair(t, actor, BigInt(pairId), adjudication())).rejects.toThrow(
      `${otherUser.name} is reviewing this pair right now.`,
    );
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).toMatchObject({ status: "in_review", finalDecision: null });
    expect(await t.prisma.auditEvent.count({ where: { action: "review.adjudicate", subjectId: pairId } })).toBe(0);

    // An annotator taking their label back re-opens the pair: the reviewer is told so.
    await releaseReviewClaim(t, other!, BigInt(pairId));
    await undoLastLabel(t, annotators[1]!, project.id);
    await expect(adjudicatePair(t, actor, BigInt(pairId), adjudication())).rejects.toThrow(/no longer in review/);
    // An accept that sends the original instruction back (trimmed) is fine, and so is a reject with known reasons.
    const next = await disagreement("ok");
    const ok = await adjudicatePair(t, actor, BigInt(next.pairId), adjudication({ decision: "accept", instruction: "instruction 0 " }));
    expect(ok.pair).toMatchObject({ finalDecision: "accept", finalInstruction: "instruction 0" });
    const rej = await disagreement("rej");
    const r2 = await adjudicatePair(t, actor, BigInt(rej.pairId),
      adjudication({ decision: "reject", instruction: undefined, reasons: ["artifacts", "wrong_object", "artifacts"] }));
    expect(r2.pair).toMatchObject({ finalDecision: "reject", finalReasons: ["artifacts", "wrong_object"], finalInstruction: "instruction 0" });
  });

  it("promotes the adjudicated pair to gold in the same transaction", async () => {
    const { pairId } = await disagreement("prom");
    const [r] = await makeReviewers(t, 1, "promr");
    const res = await adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), adjudication({ promoteToGold: true }));
    expect(res.pair.isGold).toBe(true);
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).toMatchObject({
      isGold: true,
      goldActive: true,
      goldDecision: "recaption",
      goldReasons: [],
      goldInstruction: "Add a small blue vase on the wooden table",
      finalSource: "review",
    });
    const actions = await t.prisma.auditEvent.findMany({ where: { subjectId: pairId, action: { in: ["review.adjudicate", "gold.promote"] } }, orderBy: { id: "asc" } });
    expect(actions.map((a) => a.action)).toEqual(["review.adjudicate", "gold.promote"]);
    // An annotator role cannot promote (the permission is checked before anything is written).
    const again = await disagreement("prom2");
    await expect(
      adjudicatePair(t, { id: r!, role: "annotator" }, BigInt(again.pairId), adjudication({ promoteToGold: true })),
    ).rejects.toThrow(/cannot promote/);
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(again.pairId) } })).toMatchObject({ status: "in_review", isGold: false });
  });

  it("takes back a reviewer's adjudication within the window, audited and announced, and refuses it after the window or a change", async () => {
    const { project, pairId } = await disagreement("rundo");
    await t.query(`INSERT INTO webhook_endpoints (project_id, url, events, secret) VALUES ($1, 'https://hooks.example.com/r', ARRAY['pair.reopened'], 's')`,
      [project.id]);
    const [r, other] = await makeReviewers(t, 2, "rundo-rev");
    const first = adjudication({ decision: "accept", instruction: undefined, note: "looks right" });
    await adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), first);

    // Only the reviewer who decided, naming that decision, may take it back.
    await expect(undoAdjudication(t, other!, BigInt(pairId), first.submissionId)).rejects.toThrow(ConflictError);
    await expect(undoAdjudication(t, r!, BigInt(pairId), randomUUID())).rejects.toThrow(/changed since you decided/);

    const back = await undoAdjudication(t, r!, BigInt(pairId), first.submissionId);
    expect(back.id).toBe(pairId);
    expect(back.labels).toHaveLength(2);
    const row = await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } });
    expect(row).toMatchObject({ status: "in_review", finalDecision: null, finalSource: null, reviewedBy: null, reviewNote: null,
      reviewClaimedBy: r!, reviewReasons: ["decision"] });
    const audit = await t.query<{ action: string; data: { previous: { decision: string; note: string } } }>(
      `SELECT action, data FROM audit_events WHERE subject_type = 'pair' AND subject_id = $1 AND action = 'review.undo'`, [pairId]);
    expect(audit.map((a) => [a.action, a.data.previous.decision, a.data.previous.note])).toEqual([["review.undo", "accept", "looks right"]]);
    const reopened = await t.query<{ payload: { data: { pairId: string; reason: string; status: string; previousOutcome: { finalDecision: string } } } }>(
      `SELECT payload FROM webhook_deliveries WHERE event = 'pair.reopened'`);
    expect(reopened.map((d) => [d.payload.data.pairId, d.payload.data.reason, d.payload.data.status, d.payload.data.previousOutcome.finalDecision]))
      .toEqual([[pairId, "review", "in_review", "accept"]]);
    // Undone once: the same decision cannot be taken back twice.
    await expect(undoAdjudication(t, r!, BigInt(pairId), first.submissionId)).rejects.toThrow(/changed since you decided/);

    // Decided again; once the window has passed the server refuses, and the pair stays final.
    const second = adjudication({ decision: "reject", reasons: ["artifacts"], instruction: undefined });
    await adjudicatePair(t, { id: r!, role: "reviewer" }, BigInt(pairId), second);
    await t.query(`UPDATE pairs SET reviewed_at = now() - interval '6 minutes' WHERE id = $1`, [pairId]);
    await expect(undoAdjudication(t, r!, BigInt(pairId), second.submissionId)).rejects.toThrow(/for 5 minutes after deciding/);
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pairId) } })).toMatchObject({ status: "final", finalDecision: "reject" });
  });

  it("undoes exactly the annotator's decision the page names, not their latest one", async () => {
    const project = await makeProject(t, { pairs: 3, overlap: 1 });
    const [a] = await makeUsers(t, 1, "named-undo");
    const firstPair = await label(a!, project.id, { decision: "accept" });
    const secondPair = await label(a!, project.id, { decision: "accept" });
    expect(await undoLastLabel(t, a!, project.id, BigInt(firstPair))).toEqual({ pairId: firstPair });
    const labels = await t.query<{ pair_id: string }>(`SELECT pair_id::text FROM labels WHERE annotator_id = $1`, [a!]);
    expect(labels.map((l) => l.pair_id)).toEqual([secondPair]);
    await expect(undoLastLabel(t, a!, project.id, BigInt(firstPair))).rejects.toThrow(/already undone/);
  });
});
