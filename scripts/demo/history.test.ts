import { describe, expect, it } from "vitest";
import { FLAW_REASONS, generateDemoPairs } from "./generate";
import { DEMO_SIMULATED_ANNOTATORS, demoGoldAnswer, pickDemoGold, planDemoHistory, textDistance } from "./history";

const specs = generateDemoPairs(240, 1);
const gold = pickDemoGold(specs);
const now = new Date("2026-11-30T12:00:00Z");
const plan = planDemoHistory(specs, gold, now);
const byId = new Map(specs.map((s) => [s.externalId, s]));

/** Whether a label is what the truth calls right (a flawed edit may be rejected for its flaw or re-captioned). */
function isRight(e: (typeof plan.events)[number]): boolean {
  const t = byId.get(e.externalId)!.truth;
  if (t.valid) return e.decision === "accept";
  if (e.decision === "reject") return e.reasons.some((r) => t.expectedReasons.includes(r));
  return e.decision === "recaption" && t.flaw !== "no_edit";
}

describe("pickDemoGold", () => {
  it("picks a tenth of the pairs, half valid and half flawed across every flaw, the same every time", () => {
    expect(gold.size).toBe(24);
    expect(pickDemoGold(generateDemoPairs(240, 1))).toEqual(gold);
    const chosen = specs.filter((s) => gold.has(s.externalId));
    expect(chosen.filter((s) => s.truth.valid)).toHaveLength(12);
    expect(new Set(chosen.map((s) => s.truth.flaw).filter(Boolean)).size).toBe(4);
    expect(pickDemoGold(generateDemoPairs(40, 1)).size).toBe(4);
  });

  it("expects accept on a valid pair and the flaw's reasons on a flawed one", () => {
    for (const s of specs.filter((x) => gold.has(x.externalId))) {
      expect(demoGoldAnswer(s)).toEqual(s.truth.flaw ? { decision: "reject", reasons: FLAW_REASONS[s.truth.flaw] } : { decision: "accept", reasons: [] });
    }
  });
});

describe("textDistance", () => {
  it("is the normalized Levenshtein distance the database computes", () => {
    expect(textDistance("Make the car red.", "make the  car red")).toBe(0);
    expect(textDistance("kitten", "sitting")).toBeCloseTo(3 / 7, 6);
    expect(textDistance("", "abc")).toBe(1);
  });
});

describe("planDemoHistory", () => {
  it("is deterministic, oldest first, within the week before now, 3 to 25 seconds a pair", () => {
    expect(JSON.stringify(planDemoHistory(specs, gold, now))).toBe(JSON.stringify(plan));
    const times = plan.events.map((e) => e.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThan(now.getTime() - 7 * 24 * 3600 * 1000);
    expect(Math.max(...times)).toBeLessThan(now.getTime() - 12 * 3600 * 1000);
    expect(plan.events.every((e) => e.seconds >= 3 && e.seconds <= 25)).toBe(true);
  });

  it("labels the first 80 regular pairs twice each, by two different annotators, and never a gold pair as regular work", () => {
    const regular = plan.events.filter((e) => !e.gold);
    const perPair = new Map<string, Set<number>>();
    for (const e of regular) perPair.set(e.externalId, (perPair.get(e.externalId) ?? new Set()).add(e.sim));
    expect(perPair.size).toBe(80);
    expect([...perPair.values()].every((who) => who.size === 2)).toBe(true);
    expect([...perPair.keys()].some((id) => gold.has(id))).toBe(false);
    expect(plan.events.filter((e) => e.gold).every((e) => gold.has(e.externalId))).toBe(true);
  });

  it("gives each simulated annotator the reliability they are named for", () => {
    const share = DEMO_SIMULATED_ANNOTATORS.map((_a, sim) => {
      const mine = plan.events.filter((e) => e.sim === sim && !e.gold);
      return mine.filter(isRight).length / mine.length;
    });
    expect(share[0]).toBeGreaterThan(0.88);
    expect(share[1]).toBeGreaterThan(0.75);
    expect(share[1]).toBeLessThan(0.95);
    expect(share[2]).toBeGreaterThan(0.35);
    expect(share[2]).toBeLessThan(0.75);
    // Re-captions use the truth's wording (or another correct one) and happen now and then.
    const recaptions = plan.events.filter((e) => e.decision === "recaption");
    expect(recaptions.length).toBeGreaterThan(3);
    expect(recaptions.filter((e) => e.recaption === byId.get(e.externalId)!.truth.correctInstruction).length).toBeGreaterThan(recaptions.length / 2);
  });

  it("makes the careless annotator fail at least two of their first five gold checks, the others at most one in all", () => {
    for (const [sim] of DEMO_SIMULATED_ANNOTATORS.entries()) {
      const checks = plan.events.filter((e) => e.sim === sim && e.gold);
      expect(checks.length).toBeGreaterThanOrEqual(5);
      const right = checks.map((e) => {
        const g = demoGoldAnswer(byId.get(e.externalId)!);
        return e.decision === g.decision && (g.reasons.length === 0 || e.reasons.some((r) => g.reasons.includes(r)));
      });
      if (sim === 2) expect(right.slice(0, 5).filter((r) => !r).length).toBeGreaterThanOrEqual(2);
      else expect(right.filter((r) => !r).length).toBeLessThanOrEqual(1);
    }
  });

  it("scripts one pair per routing reason, labelled by the two reliable annotators", () => {
    const { decision, recaption, verifier } = plan.scenarios;
    const labelsOf = (id: string | null) => plan.events.filter((e) => e.externalId === id);
    const d = labelsOf(decision);
    expect(d.map((e) => e.sim).sort()).toEqual([0, 1]);
    expect(new Set(d.map((e) => e.decision)).size).toBe(2);
    const r = labelsOf(recaption);
    expect(r.every((e) => e.decision === "recaption")).toBe(true);
    expect(textDistance(r[0]!.recaption!, r[1]!.recaption!)).toBeGreaterThan(0.35);
    expect(byId.get(recaption!)!.verifier.valid).toBe(false);
    const v = labelsOf(verifier);
    const spec = byId.get(verifier!)!;
    expect(v.every((e) => e.decision === (spec.truth.valid ? "accept" : "reject"))).toBe(true);
    expect(spec.verifier.valid).toBe(!spec.truth.valid);
  });
});
