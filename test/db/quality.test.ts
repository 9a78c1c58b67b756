import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "@/lib/db/generated/client";
import { claimNextPair, type TClaimedPair } from "@/lib/queue/claim";
import { submitLabel, undoLastLabel } from "@/lib/queue/submit";
import { ConflictError, PausedError } from "@/lib/errors";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeUsers } from "../support/fixtures";

// The quality rules in the database: consensus and routing on a pair's last label, gold scoring, pausing,
// gold in the claim, and undo. Gold scoring inserts labels directly: the trigger judges whatever inserted them.

type Decision = "accept" | "reject" | "recaption";
interface Answer {
  decision: Decision;
  reasons?: string[];
  recaption?: string;
}
interface GoldSpec {
  decision: Decision;
  reasons?: string[];
  instruction?: string;
  active?: boolean;
}

const HASH = "0".repeat(64);

describe.each(engines())("quality rules on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine, { poolSize: 8 });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newProject(opts: {
    overlap?: number;
    pairs?: number;
    gold?: GoldSpec[];
    settings?: Partial<Prisma.ProjectCreateInput>;
    pair?: Partial<Prisma.PairCreateManyInput>;
  }) {
    const overlap = opts.overlap ?? 2;
    const project = await t.prisma.project.create({
      data: { name: `q-${randomUUID()}`, overlap, rejectReasons: DEFAULT_REJECT_REASONS, ...opts.settings },
    });
    const base = (i: number, prefix: string) => ({
      projectId: project.id,
      externalId: `${prefix}-${i}`,
      sourceImage: HASH,
      editedImage: HASH,
      instruction: `Make the car blue (${prefix} ${i})`,
      wanted: overlap,
    });
    await t.prisma.pair.createMany({
      data: Array.from({ length: opts.pairs ?? 1 }, (_, i) => ({ ...base(i, "r"), ...opts.pair })),
    });
    await t.prisma.pair.createMany({
      data: (opts.gold ?? []).map((g, i) => ({
        ...base(i, "g"),
        isGold: true,
        goldActive: g.active ?? true,
        goldDecision: g.decision,
        goldReasons: g.reasons ?? [],
        goldInstruction: g.instruction ?? null,
        status: "final" as const,
        finalDecision: g.decision,
        finalReasons: g.reasons ?? [],
        finalInstruction: g.instruction ?? `Make the car blue (g ${i})`,
        finalSource: "gold",
        finalizedAt: new Date(),
      })),
    });
    const all = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
    return { id: project.id, regular: all.filter((p) => !p.isGold).map((p) => p.id), gold: all.filter((p) => p.isGold).map((p) => p.id) };
  }

  async function labelNext(userId: number, projectId: number, answer: Answer) {
    const pair = await claimNextPair(t, { projectId, userId });
    expect(pair, "a pair to label").not.toBeNull();
    await submitLabel(t, userId, {
      pairId: BigInt(pair!.id),
      submissionId: randomUUID(),
      decision: answer.decision,
      reasons: answer.reasons ?? [],
      recaption: answer.recaption,
      secondsSpent: 2,
    });
    return pair!;
  }

  async function settle(answers: Answer[], opts: Parameters<typeof newProject>[0] = {}) {
    const project = await newProject({ overlap: answers.length, ...opts });
    const users = await makeUsers(t, answers.length, "c");
    for (const [i, a] of answers.entries()) await labelNext(users[i]!, project.id, a);
    await expectCountsExact(project.id);
    return t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } });
  }

  /** A label inserted straight into the table: the gold trigger scores it whatever path inserted it. */
  async function insertLabel(pairId: bigint, userId: number, answer: Answer): Promise<boolean | null> {
    const rows = await t.prisma.$queryRaw<{ gold_correct: boolean | null }[]>`
      INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
      SELECT id, project_id, ${userId}, ${answer.decision}::"Decision", ${answer.reasons ?? []}::text[], ${answer.recaption ?? null}::text,
             3, ${randomUUID()}::uuid
      FROM pairs WHERE id = ${pairId}
      RETURNING gold_correct`;
    return rows[0]!.gold_correct;
  }

  async function expectCountsExact(projectId: number) {
    const [kept] = await t.prisma.$queryRaw<{ open: number; labelled: number; in_review: number; final: number; labels: number }[]>`
      SELECT sum(open)::int AS open, sum(labelled)::int AS labelled, sum(in_review)::int AS in_review, sum(final)::int AS final,
             sum(labels)::int AS labels
      FROM project_counts WHERE project_id = ${projectId}`;
    const [real] = await t.prisma.$queryRaw<{ open: number; labelled: number; in_review: number; final: number; labels: number }[]>`
      SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'labelled')::int AS labelled,
             count(*) FILTER (WHERE status = 'in_review')::int AS in_review, count(*) FILTER (WHERE status = 'final')::int AS final,
             (SELECT count(*) FROM labels WHERE project_id = ${projectId})::int AS labels
      FROM pairs WHERE project_id = ${projectId}`;
    expect(kept).toEqual(real);
  }

  describe("consensus", () => {
    it("two accepts make the pair final at once, from consensus, with full agreement", async () => {
      const project = await newProject({ overlap: 2 });
      const [a, b] = await makeUsers(t, 2, "acc");
      await labelNext(a!, project.id, { decision: "accept" });
      const half = await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } });
      expect(half).toMatchObject({ status: "open", labelCount: 1, finalDecision: null });
      await labelNext(b!, project.id, { decision: "accept" });
      const pair = await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } });
      expect(pair).toMatchObject({
        status: "final",
        finalDecision: "accept",
        finalSource: "consensus",
        finalInstruction: pair.instruction,
        finalReasons: [],
        agreement: 1,
        reviewReasons: [],
      });
      expect(pair.finalizedAt).not.toBeNull();
      await expectCountsExact(project.id);
    });

    it("two rejects are final with the reasons at least half of the annotators gave", async () => {
      const two = await settle([
        { decision: "reject", reasons: ["text_wrong", "artifacts"] },
        { decision: "reject", reasons: ["artifacts", "wrong_object"] },
      ]);
      expect(two).toMatchObject({ status: "final", finalDecision: "reject", finalSource: "consensus", agreement: 1 });
      // With two annotators one of them is half.
      expect(two.finalReasons).toEqual(["artifacts", "text_wrong", "wrong_object"]);
      const three = await settle([
        { decision: "reject", reasons: ["artifacts", "text_wrong"] },
        { decision: "reject", reasons: ["artifacts"] },
        { decision: "reject", reasons: ["wrong_object", "artifacts"] },
      ]);
      expect(three).toMatchObject({ status: "final", finalDecision: "reject", finalReasons: ["artifacts"] });
    });

    it("two close re-captions are final with one of them", async () => {
      const pair = await settle([
        { decision: "recaption", recaption: "Make the house red" },
        { decision: "recaption", recaption: "Make the house red." },
      ]);
      expect(pair).toMatchObject({ status: "final", finalDecision: "recaption", finalSource: "consensus", agreement: 1 });
      expect(["Make the house red", "Make the house red."]).toContain(pair.finalInstruction);
      const near = await settle([
        { decision: "recaption", recaption: "Paint the front door green" },
        { decision: "recaption", recaption: "Paint the front door light green" },
      ]);
      expect(near).toMatchObject({ status: "final", finalDecision: "recaption" });
      expect(["Paint the front door green", "Paint the front door light green"]).toContain(near.finalInstruction);
    });
  });

  describe("routing to review", () => {
    it("accept against reject goes to review for the decision", async () => {
      const pair = await settle([{ decision: "accept" }, { decision: "reject", reasons: ["artifacts"] }]);
      expect(pair).toMatchObject({ status: "in_review", reviewReasons: ["decision"], agreement: 0.5, finalDecision: null });
      expect(pair.routedAt).not.toBeNull();
    });

    it("two re-captions farther apart than the project's threshold go to review for the re-caption", async () => {
      const pair = await settle([
        { decision: "recaption", recaption: "Make the house red" },
        { decision: "recaption", recaption: "Remove the dog from the bench" },
      ]);
      expect(pair).toMatchObject({ status: "in_review", reviewReasons: ["recaption"], agreement: 1 });
      // Two re-captions 2/18 apart are final under the default 0.35 and routed under a stricter 0.1.
      const near: Answer[] = [
        { decision: "recaption", recaption: "Make the house red" },
        { decision: "recaption", recaption: "Make the horse rod" },
      ];
      expect(await settle(near)).toMatchObject({ status: "final", finalDecision: "recaption" });
      expect(await settle(near, { settings: { recaptionDisagreementThreshold: 0.1 } })).toMatchObject({
        status: "in_review",
        reviewReasons: ["recaption"],
      });
    });

    it("a consensus that contradicts the verifier's valid flag goes to review for the verifier", async () => {
      const pair = await settle([{ decision: "accept" }, { decision: "accept" }], { pair: { verifierValid: false } });
      expect(pair).toMatchObject({ status: "in_review", reviewReasons: ["verifier"], agreement: 1 });
      const rejected = await settle(
        [{ decision: "reject", reasons: ["artifacts"] }, { decision: "reject", reasons: ["artifacts"] }],
        { pair: { verifierValid: true } },
      );
      expect(rejected).toMatchObject({ status: "in_review", reviewReasons: ["verifier"] });
      const agreed = await settle([{ decision: "accept" }, { decision: "accept" }], { pair: { verifierValid: true } });
      expect(agreed).toMatchObject({ status: "final", finalSource: "consensus" });
    });

    it("without a valid flag, scores under the default keep rule (IF 2 < 3) contradict an accept", async () => {
      const scaleEdit = (i: number, e: number, g: number) => ({ instruction_following: i, editing_consistency: e, generation_quality: g });
      const scores = { verifierValid: null, verifierScores: scaleEdit(2, 3, 3) };
      const pair = await settle([{ decision: "accept" }, { decision: "accept" }], { pair: scores });
      expect(pair).toMatchObject({ status: "in_review", reviewReasons: ["verifier"] });
      const kept = await settle([{ decision: "accept" }, { decision: "accept" }], { pair: { ...scores, verifierScores: scaleEdit(3, 3, 3) } });
      expect(kept).toMatchObject({ status: "final", finalDecision: "accept" });
    });

    it("with the verifier rule off the verifier never routes", async () => {
      const pair = await settle([{ decision: "accept" }, { decision: "accept" }], {
        settings: { verifierRule: "off" },
        pair: { verifierValid: false, verifierScores: { instruction_following: 1, editing_consistency: 1, generation_quality: 1 } },
      });
      expect(pair).toMatchObject({ status: "final", finalSource: "consensus", finalDecision: "accept" });
    });

    it("with overlap 1 a single label that contradicts the verifier still goes to review", async () => {
      const pair = await settle([{ decision: "accept" }], { pair: { verifierValid: false } });
      expect(pair).toMatchObject({ status: "in_review", reviewReasons: ["verifier"], agreement: 1 });
      const fine = await settle([{ decision: "accept" }], { pair: { verifierValid: true } });
      expect(fine).toMatchObject({ status: "final", finalSource: "consensus" });
    });

    it("keeps project_counts exact over a mix of finals and routed pairs", async () => {
      const project = await newProject({ overlap: 2, pairs: 6, pair: { verifierValid: true } });
      const [a, b] = await makeUsers(t, 2, "mix");
      const answers: [Answer, Answer][] = [
        [{ decision: "accept" }, { decision: "accept" }],
        [{ decision: "accept" }, { decision: "reject", reasons: ["artifacts"] }],
        [{ decision: "reject", reasons: ["artifacts"] }, { decision: "reject", reasons: ["artifacts"] }],
        [{ decision: "recaption", recaption: "Make it red" }, { decision: "recaption", recaption: "Make it red" }],
        [{ decision: "accept" }, { decision: "accept" }],
      ];
      for (const [x, y] of answers) {
        await labelNext(a!, project.id, x);
        await labelNext(b!, project.id, y);
      }
      await labelNext(a!, project.id, { decision: "accept" }); // the sixth pair has one label of two
      await expectCountsExact(project.id);
      const byStatus = await t.prisma.pair.groupBy({ by: ["status"], where: { projectId: project.id }, _count: true, orderBy: { status: "asc" } });
      expect(byStatus).toEqual([
        { status: "open", _count: 1 },
        { status: "in_review", _count: 3 },
        { status: "final", _count: 2 },
      ]);
    });
  });

  describe("gold scoring", () => {
    it("scores a decision against the expected one, a reject by any one expected reason, a re-caption by its distance to the reference", async () => {
      const project = await newProject({
        pairs: 1,
        gold: [
          { decision: "accept" },
          { decision: "reject", reasons: ["wrong_object", "extra_change"] },
          { decision: "reject" },
          { decision: "recaption", instruction: "Make the house red" },
          { decision: "recaption" },
        ],
      });
      const [accept, reject, rejectAny, recaption, recaptionAny] = project.gold;
      const users = await makeUsers(t, 4, "g");
      const score = async (pair: bigint, answers: Answer[]) => {
        const out: (boolean | null)[] = [];
        for (const [i, a] of answers.entries()) out.push(await insertLabel(pair, users[i]!, a));
        return out;
      };
      expect(await score(accept!, [{ decision: "accept" }, { decision: "reject", reasons: ["artifacts"] }, { decision: "recaption", recaption: "x" }]))
        .toEqual([true, false, false]);
      expect(await score(reject!, [
        { decision: "reject", reasons: ["wrong_object"] },
        { decision: "reject", reasons: ["artifacts", "extra_change"] },
        { decision: "reject", reasons: ["artifacts"] },
        { decision: "accept" },
      ])).toEqual([true, true, false, false]);
      expect(await score(rejectAny!, [{ decision: "reject", reasons: ["reasoning_wrong"] }, { decision: "accept" }])).toEqual([true, false]);
      // Default gold_recaption_threshold 0.25: "Make the house rad" is 1/18 away, the others much farther.
      expect(await score(recaption!, [
        { decision: "recaption", recaption: "make the house red." },
        { decision: "recaption", recaption: "Make the house rad" },
        { decision: "recaption", recaption: "Paint the barn blue" },
        { decision: "accept" },
      ])).toEqual([true, true, false, false]);
      expect(await score(recaptionAny!, [{ decision: "recaption", recaption: "Anything at all" }])).toEqual([true]);

      // A label on a regular pair is no gold check. Gold pairs stay final with their answer however many label them.
      expect(await insertLabel(project.regular[0]!, users[0]!, { decision: "accept" })).toBeNull();
      const goldPair = await t.prisma.pair.findUniqueOrThrow({ where: { id: reject! } });
      expect(goldPair).toMatchObject({ status: "final", finalDecision: "reject", finalSource: "gold", taken: 4, labelCount: 4 });
      await expectCountsExact(project.id);
    });

    it("a re-caption within the project's gold threshold of the reference passes, one beyond it fails", async () => {
      const project = await newProject({
        pairs: 1,
        gold: [{ decision: "recaption", instruction: "Replace the text on the sign with PARK" }],
        settings: { goldRecaptionThreshold: 0.1 },
      });
      const [u1, u2] = await makeUsers(t, 2, "gt");
      const [near] = await t.prisma.$queryRaw<{ d: number }[]>`
        SELECT loupe_text_distance('Replace the text on the sign with PRAK', 'Replace the text on the sign with PARK') AS d`;
      const [far] = await t.prisma.$queryRaw<{ d: number }[]>`
        SELECT loupe_text_distance('Write PARK on the sign', 'Replace the text on the sign with PARK') AS d`;
      expect(near!.d).toBeLessThan(0.1);
      expect(far!.d).toBeGreaterThan(0.1);
      expect(await insertLabel(project.gold[0]!, u1!, { decision: "recaption", recaption: "Replace the text on the sign with PRAK" })).toBe(true);
      expect(await insertLabel(project.gold[0]!, u2!, { decision: "recaption", recaption: "Write PARK on the sign" })).toBe(false);
    });

    it("does not score retired gold, nor count it towards a pause", async () => {
      const project = await newProject({
        pairs: 1,
        gold: [1, 2, 3].map(() => ({ decision: "accept" as const, active: false })),
        settings: { goldMinCount: 1, goldAccuracyThreshold: 0.9 },
      });
      const [u] = await makeUsers(t, 1, "ret");
      for (const g of project.gold) expect(await insertLabel(g, u!, { decision: "reject", reasons: ["artifacts"] })).toBeNull();
      const [acc] = await t.prisma.$queryRaw<{ checks: number; correct: number }[]>`
        SELECT checks, correct FROM loupe_gold_accuracy(${project.id}, ${u!})`;
      expect(acc).toEqual({ checks: 0, correct: 0 });
      expect(await t.prisma.projectAnnotator.count({ where: { projectId: project.id } })).toBe(0);
    });

    it("a gold check scored while active stops counting once the pair is retired", async () => {
      const project = await newProject({ pairs: 1, gold: [{ decision: "accept" }, { decision: "accept" }] });
      const [u] = await makeUsers(t, 1, "ret2");
      await insertLabel(project.gold[0]!, u!, { decision: "accept" });
      await insertLabel(project.gold[1]!, u!, { decision: "reject", reasons: ["artifacts"] });
      const accuracy = async () =>
        (await t.prisma.$queryRaw<{ checks: number; correct: number }[]>`SELECT checks, correct FROM loupe_gold_accuracy(${project.id}, ${u!})`)[0];
      expect(await accuracy()).toEqual({ checks: 2, correct: 1 });
      await t.prisma.pair.update({ where: { id: project.gold[1]! }, data: { goldActive: false } });
      expect(await accuracy()).toEqual({ checks: 1, correct: 1 });
    });
  });

  describe("pausing", () => {
    const rule = { goldMinCount: 3, goldAccuracyThreshold: 0.7 };

    it("pauses under the threshold once the minimum is reached, with the audit row in the same transaction", async () => {
      const project = await newProject({ pairs: 4, gold: [1, 2, 3, 4].map(() => ({ decision: "accept" as const })), settings: rule });
      const [u] = await makeUsers(t, 1, "pause");
      // Right, right, then wrong: 2 of 3 (67%) is under 70%, but only counts from the third check.
      expect(await insertLabel(project.gold[0]!, u!, { decision: "accept" })).toBe(true);
      expect(await insertLabel(project.gold[1]!, u!, { decision: "reject", reasons: ["artifacts"] })).toBe(false);
      expect(await t.prisma.projectAnnotator.count({ where: { projectId: project.id } })).toBe(0);

      // The pause and its audit row commit or roll back with the label that caused them.
      await expect(
        t.prisma.$transaction(async (tx) => {
          await tx.$executeRaw`
            INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, seconds_spent, submission_id)
            VALUES (${project.gold[2]!}, ${project.id}, ${u!}, 'reject', ARRAY['artifacts'], 2, ${randomUUID()}::uuid)`;
          expect(await tx.projectAnnotator.count({ where: { projectId: project.id, pausedAt: { not: null } } })).toBe(1);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await t.prisma.projectAnnotator.count({ where: { projectId: project.id } })).toBe(0);
      expect(await t.prisma.auditEvent.count({ where: { action: "annotator.paused", subjectId: String(u!) } })).toBe(0);

      expect(await insertLabel(project.gold[2]!, u!, { decision: "reject", reasons: ["artifacts"] })).toBe(false);
      const standing = await t.prisma.projectAnnotator.findUniqueOrThrow({ where: { projectId_userId: { projectId: project.id, userId: u! } } });
      expect(standing.pausedAt).not.toBeNull();
      expect(standing.pauseReason).toBe("Your answers on quality-check pairs were right 1 of 3 times (33%), under this project's 70% minimum.");
      const audit = await t.prisma.auditEvent.findMany({ where: { action: "annotator.paused", subjectId: String(u!) } });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actorId: null, subjectType: "user", data: { projectId: project.id, checks: 3, correct: 1 } });
    });

    it("does not pause before the minimum count, nor at or above the threshold", async () => {
      const project = await newProject({ pairs: 1, gold: [1, 2, 3, 4].map(() => ({ decision: "accept" as const })), settings: rule });
      const [early, fine] = await makeUsers(t, 2, "nopause");
      await insertLabel(project.gold[0]!, early!, { decision: "reject", reasons: ["artifacts"] });
      await insertLabel(project.gold[1]!, early!, { decision: "reject", reasons: ["artifacts"] });
      // Three right then one wrong: 75% is above 70%.
      for (const g of project.gold.slice(0, 3)) await insertLabel(g, fine!, { decision: "accept" });
      await insertLabel(project.gold[3]!, fine!, { decision: "reject", reasons: ["artifacts"] });
      expect(await t.prisma.projectAnnotator.count({ where: { projectId: project.id } })).toBe(0);
    });

    it("a paused annotator's claim and submit are refused with the reason; lifting the pause gives a fresh window", async () => {
      const project = await newProject({ pairs: 5, gold: [1, 2, 3, 4, 5, 6].map(() => ({ decision: "accept" as const })), settings: rule });
      const [u] = await makeUsers(t, 1, "paused");
      const held = await claimNextPair(t, { projectId: project.id, userId: u! });
      expect(held).not.toBeNull();
      for (const g of project.gold.slice(0, 3)) await insertLabel(g, u!, { decision: "reject", reasons: ["artifacts"] });

      const claim = claimNextPair(t, { projectId: project.id, userId: u! });
      await expect(claim).rejects.toBeInstanceOf(PausedError);
      await expect(claimNextPair(t, { projectId: project.id, userId: u! })).rejects.toThrow(
        "You are paused from this project. Your answers on quality-check pairs were right 0 of 3 times (0%), under this project's 70% minimum. An admin can lift the pause.",
      );
      const submit = submitLabel(t, u!, {
        pairId: BigInt(held!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2,
      });
      await expect(submit).rejects.toBeInstanceOf(PausedError);
      expect(await t.prisma.label.count({ where: { pairId: BigInt(held!.id) } })).toBe(0);

      // An admin lifts it: the earlier checks no longer count, so one more miss does not pause again.
      await t.prisma.$executeRaw`
        UPDATE project_annotators SET paused_at = NULL, lifted_at = now() WHERE project_id = ${project.id} AND user_id = ${u!}`;
      const [fresh] = await t.prisma.$queryRaw<{ checks: number }[]>`SELECT checks FROM loupe_gold_accuracy(${project.id}, ${u!})`;
      expect(fresh!.checks).toBe(0);
      const after = await claimNextPair(t, { projectId: project.id, userId: u! });
      expect(after).not.toBeNull();
      await submitLabel(t, u!, { pairId: BigInt(after!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });
      await insertLabel(project.gold[3]!, u!, { decision: "reject", reasons: ["artifacts"] });
      expect(await claimNextPair(t, { projectId: project.id, userId: u! })).not.toBeNull();
      await insertLabel(project.gold[4]!, u!, { decision: "accept" });
      await insertLabel(project.gold[5]!, u!, { decision: "reject", reasons: ["artifacts"] });
      await expect(claimNextPair(t, { projectId: project.id, userId: u! })).rejects.toThrow(/right 1 of 3 times/);
      expect(await t.prisma.auditEvent.count({ where: { action: "annotator.paused", subjectId: String(u!) } })).toBe(2);
    });
  });

  describe("pausing: skips, leases, undo", () => {
    const rule = { goldMinCount: 3, goldAccuracyThreshold: 0.7 };

    it("a skipped gold pair counts as a miss, so skipping the checks pauses too", async () => {
      const project = await newProject({ pairs: 3, gold: [1, 2, 3].map(() => ({ decision: "accept" as const })), settings: rule });
      const [u] = await makeUsers(t, 1, "skipper");
      await insertLabel(project.gold[0]!, u!, { decision: "accept" });
      await t.prisma.$executeRaw`INSERT INTO skips (pair_id, annotator_id) VALUES (${project.regular[0]!}, ${u!})`;
      let [acc] = await t.prisma.$queryRaw<{ checks: number; correct: number }[]>`SELECT * FROM loupe_gold_accuracy(${project.id}, ${u!})`;
      expect(acc).toEqual({ checks: 1, correct: 1 });
      await t.prisma.$executeRaw`INSERT INTO skips (pair_id, annotator_id) VALUES (${project.gold[1]!}, ${u!})`;
      await t.prisma.$executeRaw`INSERT INTO skips (pair_id, annotator_id) VALUES (${project.gold[2]!}, ${u!})`;
      [acc] = await t.prisma.$queryRaw<{ checks: number; correct: number }[]>`SELECT * FROM loupe_gold_accuracy(${project.id}, ${u!})`;
      expect(acc).toEqual({ checks: 3, correct: 1 });
      await expect(claimNextPair(t, { projectId: project.id, userId: u! })).rejects.toThrow(/right 1 of 3 times \(33%\)/);
      const audit = await t.prisma.auditEvent.findMany({ where: { action: "annotator.paused", subjectId: String(u!) } });
      expect(audit).toHaveLength(1);
      expect(audit[0]!.data).toMatchObject({ projectId: project.id, skippedPairId: String(project.gold[2]!) });
    });

    it("a pause ends the annotator's undecided leases at once and refuses their undo", async () => {
      const project = await newProject({ pairs: 4, gold: [1, 2, 3].map(() => ({ decision: "accept" as const })), settings: rule });
      const [u, other] = await makeUsers(t, 2, "ends");
      const first = await claimNextPair(t, { projectId: project.id, userId: u! });
      await submitLabel(t, u!, { pairId: BigInt(first!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });
      const held = await claimNextPair(t, { projectId: project.id, userId: u! });
      expect(held).not.toBeNull();
      for (const g of project.gold) await insertLabel(g, u!, { decision: "reject", reasons: ["artifacts"] });
      const [lease] = await t.prisma.$queryRaw<{ live: boolean }[]>`
        SELECT expires_at > now() AS live FROM leases WHERE pair_id = ${BigInt(held!.id)} AND annotator_id = ${u!}`;
      expect(lease?.live).toBe(false);
      // The next claim by anyone sweeps it, and the pair is someone else's to take.
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await claimNextPair(t, { projectId: project.id, userId: other! });
        if (!c) break;
        seen.push(c.id);
        await submitLabel(t, other!, { pairId: BigInt(c.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 2 });
      }
      expect(seen).toContain(held!.id);
      await expect(undoLastLabel(t, u!, project.id)).rejects.toBeInstanceOf(PausedError);
      expect(await t.prisma.label.count({ where: { annotatorId: u!, projectId: project.id } })).toBe(4);
    });
  });

  describe("gold in the claim", () => {
    /** Claims and accepts until nothing is left (or `max` claims); returns the pair ids served, in order. */
    async function work(userId: number, projectId: number, max = 1000): Promise<bigint[]> {
      const served: bigint[] = [];
      for (let i = 0; i < max; i++) {
        const pair = await claimNextPair(t, { projectId, userId });
        if (!pair) break;
        served.push(BigInt(pair.id));
        await submitLabel(t, userId, { pairId: BigInt(pair.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 });
      }
      return served;
    }

    it("never serves gold at gold rate 0", async () => {
      const project = await newProject({ overlap: 1, pairs: 20, gold: [1, 2, 3, 4, 5].map(() => ({ decision: "accept" as const })) });
      const [u] = await makeUsers(t, 1, "g0");
      const served = await work(u!, project.id);
      expect(served).toEqual(project.regular);
    });

    it("serves gold at about the project's rate, never the same gold pair twice to one annotator", async () => {
      const project = await newProject({
        overlap: 1,
        pairs: 300,
        gold: Array.from({ length: 12 }, () => ({ decision: "accept" as const })),
        settings: { goldRate: 0.5 },
      });
      const users = await makeUsers(t, 20, "g50");
      const gold = new Set(project.gold);
      let goldServed = 0;
      let total = 0;
      for (const u of users) {
        const served = await work(u, project.id, 10);
        const mine = served.filter((id) => gold.has(id));
        expect(new Set(mine).size).toBe(mine.length);
        goldServed += mine.length;
        total += served.length;
      }
      expect(total).toBe(200);
      expect(goldServed / total).toBeGreaterThan(0.25);
      expect(goldServed / total).toBeLessThan(0.75);
      // Gold is labelled by many; regular pairs still by one each (overlap 1).
      const regularLabels = await t.prisma.label.groupBy({ by: ["pairId"], where: { projectId: project.id, pair: { isGold: false } }, _count: true });
      expect(regularLabels.every((r) => r._count === 1)).toBe(true);
      await expectCountsExact(project.id);
    });

    it("stops serving gold when no regular work is left for the annotator", async () => {
      const project = await newProject({
        overlap: 1,
        pairs: 3,
        gold: Array.from({ length: 30 }, () => ({ decision: "accept" as const })),
        settings: { goldRate: 0.5 },
      });
      const [u] = await makeUsers(t, 1, "gend");
      const served = await work(u!, project.id);
      const regular = served.filter((id) => project.regular.includes(id));
      expect(regular.sort()).toEqual([...project.regular].sort());
      // Every gold pair served came while regular work remained: the last pair served is regular.
      expect(project.regular).toContain(served.at(-1));
      expect(served.length).toBeLessThan(3 + 30);
      expect(await claimNextPair(t, { projectId: project.id, userId: u! })).toBeNull();
    });

    it("answers a gold claim with the same fields as a regular one", async () => {
      const project = await newProject({ overlap: 1, pairs: 40, gold: [{ decision: "accept" }], settings: { goldRate: 0.5 } });
      const [u] = await makeUsers(t, 1, "gshape");
      let goldPair: TClaimedPair | null = null;
      let regularPair: TClaimedPair | null = null;
      for (let i = 0; i < 40 && !(goldPair && regularPair); i++) {
        const pair = (await claimNextPair(t, { projectId: project.id, userId: u! }))!;
        if (BigInt(pair.id) === project.gold[0]) goldPair = pair;
        else regularPair = pair;
        await submitLabel(t, u!, { pairId: BigInt(pair.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 });
      }
      expect(goldPair).not.toBeNull();
      expect(regularPair).not.toBeNull();
      expect(Object.keys(goldPair!).sort()).toEqual(Object.keys(regularPair!).sort());
      for (const key of Object.keys(regularPair!) as (keyof TClaimedPair)[]) {
        expect(typeof goldPair![key], key).toBe(typeof regularPair![key]);
      }
      expect(goldPair!.id).toMatch(/^\d+$/);
    });
  });

  describe("undo", () => {
    it("undoing a label of a consensus-final pair re-opens it", async () => {
      const project = await newProject({ overlap: 2 });
      const [a, b] = await makeUsers(t, 2, "undo");
      await labelNext(a!, project.id, { decision: "accept" });
      await labelNext(b!, project.id, { decision: "accept" });
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } })).toMatchObject({ status: "final" });
      await undoLastLabel(t, b!, project.id);
      const pair = await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } });
      expect(pair).toMatchObject({
        status: "open", finalDecision: null, finalInstruction: null, finalReasons: [], finalSource: null, finalizedAt: null,
        agreement: null, reviewReasons: [], labelCount: 1, taken: 2,
      });
      await expectCountsExact(project.id);
      const again = await claimNextPair(t, { projectId: project.id, userId: b! });
      expect(again?.id).toBe(String(project.regular[0]));
      await submitLabel(t, b!, { pairId: project.regular[0]!, submissionId: randomUUID(), decision: "reject", reasons: ["artifacts"], secondsSpent: 1 });
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } })).toMatchObject({ status: "in_review", reviewReasons: ["decision"] });
      await expectCountsExact(project.id);
    });

    it("undoing a label of a routed pair takes it out of review, with any reviewer's claim on it", async () => {
      const project = await newProject({ overlap: 2 });
      const [a, b, reviewer] = await makeUsers(t, 3, "undor");
      await labelNext(a!, project.id, { decision: "accept" });
      await labelNext(b!, project.id, { decision: "reject", reasons: ["artifacts"] });
      // A reviewer has opened it in the review queue when the annotator takes their label back.
      await t.prisma.$executeRaw`
        UPDATE pairs SET review_claimed_by = ${reviewer!}, review_claimed_until = now() + interval '10 minutes' WHERE id = ${project.regular[0]!}`;
      await undoLastLabel(t, b!, project.id);
      // Expected: the claim goes with the review. Were it kept, the pair would come back from its next
      // routing already claimed by that reviewer, hidden from the others until the claim ran out.
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } })).toMatchObject({
        status: "open", reviewReasons: [], routedAt: null, agreement: null, reviewClaimedBy: null, reviewClaimedUntil: null,
      });
      await expectCountsExact(project.id);
    });

    it("refuses to undo a label on a pair a reviewer has settled", async () => {
      const project = await newProject({ overlap: 2 });
      const [a, b, reviewer] = await makeUsers(t, 3, "undorev");
      await labelNext(a!, project.id, { decision: "accept" });
      await labelNext(b!, project.id, { decision: "reject", reasons: ["artifacts"] });
      await t.prisma.pair.update({
        where: { id: project.regular[0]! },
        data: { status: "final", finalDecision: "accept", finalInstruction: "Make the car blue", finalSource: "review", finalizedAt: new Date(), reviewedAt: new Date(), reviewedBy: reviewer! },
      });
      const undo = undoLastLabel(t, b!, project.id);
      await expect(undo).rejects.toBeInstanceOf(ConflictError);
      await expect(undoLastLabel(t, b!, project.id)).rejects.toThrow("Your last decision can no longer be undone: a reviewer has settled that pair.");
      expect(await t.prisma.label.count({ where: { pairId: project.regular[0]! } })).toBe(2);
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: project.regular[0]! } })).toMatchObject({ status: "final", finalSource: "review" });
    });

    it("undoing a gold check leaves the gold pair final with its answer", async () => {
      const project = await newProject({ overlap: 1, pairs: 30, gold: [{ decision: "reject", reasons: ["artifacts"] }], settings: { goldRate: 0.5 } });
      const [u] = await makeUsers(t, 1, "undog");
      let served = false;
      for (let i = 0; i < 30 && !served; i++) {
        const pair = (await claimNextPair(t, { projectId: project.id, userId: u! }))!;
        served = BigInt(pair.id) === project.gold[0];
        await submitLabel(t, u!, { pairId: BigInt(pair.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 });
      }
      expect(served).toBe(true);
      await undoLastLabel(t, u!, project.id);
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: project.gold[0]! } })).toMatchObject({
        status: "final", finalSource: "gold", finalDecision: "reject", finalReasons: ["artifacts"], labelCount: 0,
      });
      await expectCountsExact(project.id);
    });
  });
});
