import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel } from "@/lib/queue/submit";
import { getGoldSummary, listGold, promotePair, setGoldActive, updateGold } from "@/lib/quality/gold";
import { ConflictError, InvalidError, NotFoundError } from "@/lib/errors";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

type TLabelInput = { decision: "accept" } | { decision: "reject"; reasons: string[] } | { decision: "recaption"; recaption: string };

describe.each(engines())("gold on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function settle(pairId: bigint, decision: "accept" | "reject" | "recaption", instruction: string, reasons: string[] = []) {
    await t.prisma.$executeRaw`
      UPDATE pairs SET status = 'final', final_decision = ${decision}::"Decision", final_instruction = ${instruction},
        final_reasons = ${reasons}::text[], final_source = 'review', finalized_at = now(), reviewed_at = now()
      WHERE id = ${pairId}`;
  }

  /** `regular` pairs plus one final pair promoted to gold, served at rate 0.5; overlap 3, so gold mixes into regular work. */
  async function goldProject(answer: { decision: "accept" | "reject" | "recaption"; instruction: string; reasons?: string[] }, regular = 24) {
    const project = await makeProject(t, { pairs: regular + 1, overlap: 3 });
    await t.prisma.project.update({ where: { id: project.id }, data: { goldRate: 0.5 } });
    const gold = await t.prisma.pair.findFirstOrThrow({ where: { projectId: project.id }, orderBy: { id: "desc" } });
    await settle(gold.id, answer.decision, answer.instruction, answer.reasons);
    const [admin] = await makeUsers(t, 1, "gadmin");
    await promotePair(t, admin!, project.id, gold.id);
    return { project, goldId: gold.id, admin: admin! };
  }

  /** Works the project until gold is served, labels it with `onGold` and returns its gold_correct (null if never). */
  async function labelUntilGold(projectId: number, userId: number, goldId: bigint, onGold: TLabelInput): Promise<boolean | null> {
    for (let i = 0; i < 40; i++) {
      const pair = await claimNextPair(t, { projectId, userId });
      if (!pair) return null;
      const isGold = pair.id === String(goldId);
      await submitLabel(t, userId, {
        pairId: BigInt(pair.id), submissionId: randomUUID(), reasons: [], secondsSpent: 2, ...(isGold ? onGold : { decision: "accept" }),
      });
      if (isGold) {
        const label = await t.prisma.label.findFirstOrThrow({ where: { pairId: goldId, annotatorId: userId } });
        return label.goldCorrect;
      }
    }
    return null;
  }

  it("promotes only a final, non-gold pair, with its final label as the expected answer", async () => {
    const project = await makeProject(t, { pairs: 3 });
    const [admin] = await makeUsers(t, 1, "prom");
    const [p1, p2, p3] = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
    await expect(promotePair(t, admin!, project.id, p1!.id)).rejects.toThrow(new ConflictError("Only a final pair can become gold: settle it first."));
    await settle(p1!.id, "recaption", "Paint the front door bright red");
    await settle(p2!.id, "reject", "instruction 1", ["artifacts", "wrong_object"]);
    await settle(p3!.id, "accept", "instruction 2");
    expect(await promotePair(t, admin!, project.id, p1!.id)).toEqual({ decision: "recaption", reasons: [], instruction: "Paint the front door bright red" });
    expect(await promotePair(t, admin!, project.id, p2!.id)).toEqual({ decision: "reject", reasons: ["artifacts", "wrong_object"], instruction: null });
    expect(await promotePair(t, admin!, project.id, p3!.id)).toEqual({ decision: "accept", reasons: [], instruction: null });
    await expect(promotePair(t, admin!, project.id, p1!.id)).rejects.toThrow("This pair is already gold.");
    await expect(promotePair(t, admin!, project.id, 999_999_999n)).rejects.toBeInstanceOf(NotFoundError);
    // A final pair of another project is not found from this one, and stays as it was.
    const other = await makeProject(t, { pairs: 1 });
    const [o] = await t.prisma.pair.findMany({ where: { projectId: other.id } });
    await t.prisma.pair.update({ where: { id: o!.id }, data: { status: "final", finalDecision: "accept", finalInstruction: o!.instruction, finalSource: "consensus" } });
    await expect(promotePair(t, admin!, project.id, o!.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: o!.id } })).isGold).toBe(false);
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: p1!.id } })).toMatchObject({
      isGold: true, goldActive: true, goldDecision: "recaption", goldInstruction: "Paint the front door bright red", status: "final",
    });
    const audit = await t.prisma.auditEvent.findMany({ where: { action: "gold.promote", subjectId: String(p2!.id) } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: admin!, data: { projectId: project.id, decision: "reject", reasons: ["artifacts", "wrong_object"], finalSource: "review" } });
  });

  it("a promoted pair is served to a new annotator and their label is scored; a wrong answer is scored wrong", async () => {
    const { project, goldId } = await goldProject({ decision: "recaption", instruction: "Paint the front door bright red" });
    const [right, wrong] = await makeUsers(t, 2, "served");
    // Case, spacing and a final full stop do not count against a re-caption (loupe_normalize_text).
    expect(await labelUntilGold(project.id, right!, goldId, { decision: "recaption", recaption: "paint the front door  bright red." })).toBe(true);
    expect(await labelUntilGold(project.id, wrong!, goldId, { decision: "accept" })).toBe(false);
    const gold = await t.prisma.pair.findUniqueOrThrow({ where: { id: goldId } });
    // Gold stays final and out of regular work, labelled by as many people as it is served to.
    expect(gold).toMatchObject({ status: "final", isGold: true, finalSource: "review" });
    expect(gold.labelCount).toBe(2);
    expect(await getGoldSummary(t, project.id)).toEqual({ total: 1, active: 1, retired: 0, checks: 2, correct: 1, suspect: 0 });
  });

  it("updateGold re-scores the labels already checked against the pair and writes before/after to the audit log", async () => {
    const { project, goldId, admin } = await goldProject({ decision: "reject", instruction: "instruction 24", reasons: ["artifacts"] });
    const annotators = await makeUsers(t, 3, "upd");
    // Everyone answers "accept": all wrong against the expected reject, so the item looks suspect.
    for (const a of annotators) expect(await labelUntilGold(project.id, a, goldId, { decision: "accept" })).toBe(false);
    const [page] = [await listGold(t, project.id)];
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: String(goldId), decision: "reject", reasons: ["artifacts"], checks: 3, correct: 0, suspect: true, active: true });
    expect((await listGold(t, project.id, { suspectOnly: true })).items.map((i) => i.id)).toEqual([String(goldId)]);

    await expect(updateGold(t, admin, goldId, { decision: "reject", reasons: ["nope"], instruction: null })).rejects.toBeInstanceOf(InvalidError);
    const result = await updateGold(t, admin, goldId, { decision: "accept", reasons: [], instruction: null });
    expect(result).toEqual({ decision: "accept", reasons: [], instruction: null, checks: 3, correctBefore: 0, correctAfter: 3 });
    const labels = await t.prisma.label.findMany({ where: { pairId: goldId } });
    expect(labels.map((l) => l.goldCorrect)).toEqual([true, true, true]);
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: goldId } })).toMatchObject({
      goldDecision: "accept", goldReasons: [],
      // A promoted pair keeps its reviewed final label; only imported gold (final_source 'gold') follows the answer.
      finalDecision: "reject", finalReasons: ["artifacts"], finalSource: "review",
    });
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "gold.update", subjectId: String(goldId) } });
    expect(audit).toMatchObject({
      actorId: admin,
      data: {
        projectId: project.id,
        before: { decision: "reject", reasons: ["artifacts"], instruction: null },
        after: { decision: "accept", reasons: [], instruction: null },
        checks: 3, correctBefore: 0, correctAfter: 3,
      },
    });
    expect((await listGold(t, project.id, { suspectOnly: true })).items).toEqual([]);

    // A reference re-caption: labels are re-scored on distance under the project's threshold.
    await updateGold(t, admin, goldId, { decision: "recaption", reasons: [], instruction: "Add a red door" });
    expect((await t.prisma.label.findMany({ where: { pairId: goldId } })).every((l) => l.goldCorrect === false)).toBe(true);
  });

  it("keeps the final label in step for imported gold, and refuses pairs that are not gold", async () => {
    const project = await makeProject(t, { pairs: 2 });
    const [admin] = await makeUsers(t, 1, "imp");
    const [imported, plain] = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
    await t.prisma.$executeRaw`
      UPDATE pairs SET status = 'final', final_decision = 'accept', final_instruction = instruction, final_source = 'gold',
        finalized_at = now(), is_gold = true, gold_active = true, gold_decision = 'accept'
      WHERE id = ${imported!.id}`;
    await updateGold(t, admin!, imported!.id, { decision: "recaption", reasons: [], instruction: "Make the kite yellow" });
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: imported!.id } })).toMatchObject({
      goldDecision: "recaption", goldInstruction: "Make the kite yellow",
      finalDecision: "recaption", finalInstruction: "Make the kite yellow", finalReasons: [],
    });
    await updateGold(t, admin!, imported!.id, { decision: "reject", reasons: ["text_wrong"], instruction: null });
    expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: imported!.id } })).toMatchObject({
      finalDecision: "reject", finalInstruction: "instruction 0", finalReasons: ["text_wrong"], goldInstruction: null,
    });
    await expect(updateGold(t, admin!, plain!.id, { decision: "accept", reasons: [], instruction: null })).rejects.toBeInstanceOf(NotFoundError);
    await expect(setGoldActive(t, admin!, plain!.id, false)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("a retired gold pair is no longer served; reactivated, it is served again", async () => {
    const { project, goldId, admin } = await goldProject({ decision: "accept", instruction: "instruction 12" }, 12);
    expect(await setGoldActive(t, admin, goldId, false)).toEqual({ active: false, changed: true });
    expect(await setGoldActive(t, admin, goldId, false)).toEqual({ active: false, changed: false });
    const [a, b] = await makeUsers(t, 2, "ret");
    // With gold at rate 0.5, 12 claims would meet an active gold pair all but 1 time in 4,096.
    expect(await labelUntilGold(project.id, a!, goldId, { decision: "accept" })).toBeNull();
    expect(await t.prisma.label.count({ where: { annotatorId: a!, projectId: project.id } })).toBe(12);
    expect(await getGoldSummary(t, project.id)).toMatchObject({ total: 1, active: 0, retired: 1 });

    expect(await setGoldActive(t, admin, goldId, true)).toEqual({ active: true, changed: true });
    expect(await labelUntilGold(project.id, b!, goldId, { decision: "accept" })).toBe(true);
    const actions = await t.prisma.auditEvent.findMany({ where: { subjectId: String(goldId), action: { startsWith: "gold." } }, orderBy: { id: "asc" } });
    expect(actions.map((x) => x.action)).toEqual(["gold.promote", "gold.retire", "gold.activate"]);
  });

  it("lists gold by id in keyset pages", async () => {
    const project = await makeProject(t, { pairs: 5 });
    const [admin] = await makeUsers(t, 1, "page");
    const pairs = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
    for (const p of pairs) {
      await settle(p.id, "accept", p.instruction);
      await promotePair(t, admin!, project.id, p.id);
    }
    const first = await listGold(t, project.id, { limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual(pairs.slice(0, 2).map((p) => String(p.id)));
    expect(first.nextCursor).toBe(String(pairs[1]!.id));
    const second = await listGold(t, project.id, { limit: 2, after: BigInt(first.nextCursor!) });
    expect(second.items.map((i) => i.id)).toEqual(pairs.slice(2, 4).map((p) => String(p.id)));
    const last = await listGold(t, project.id, { limit: 2, after: BigInt(second.nextCursor!) });
    expect(last.items.map((i) => i.id)).toEqual([String(pairs[4]!.id)]);
    expect(last.nextCursor).toBeNull();
  });
});
