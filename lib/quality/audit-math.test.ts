import { describe, expect, it } from "vitest";
import { allocate, combineStrata, estimateStratum, labelsForWidth, labelsNeeded, wilson, wilsonWidth } from "./audit-math";

// Figures worked out by hand from the formulas in audit-math.ts (z = 1.95996…), to four decimals or better.

describe("Wilson interval", () => {
  it("8 of 10: the textbook 0.4902–0.9433; none and all of a few stay inside 0–1", () => {
    const i = wilson(8, 10)!;
    expect(i.low).toBeCloseTo(0.490162, 5);
    expect(i.high).toBeCloseTo(0.943318, 5);
    // 0 of 10: low 0, high z²/(n + z²) = 3.8415 / 13.8415.
    expect(wilson(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.277533, 5) as unknown as number });
    // 4 of 4: high exactly 1, low n/(n + z²) = 4 / 7.8415.
    const all = wilson(4, 4)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.510109, 5);
    expect(wilson(0, 0)).toBeNull();
  });

  it("labels for a width: 381 at one half for ±5 points (Wald's rule gives 385), 60 at 0.8 for 20 points", () => {
    expect(labelsForWidth(null, 0.1)).toBe(381);
    expect(labelsForWidth(0.5, 0.1)).toBe(381);
    // 59 labels give 0.2012, 60 give 0.1995.
    expect(wilsonWidth(0.8, 59)).toBeGreaterThan(0.2);
    expect(labelsForWidth(0.8, 0.2)).toBe(60);
    expect(labelsForWidth(0.8, 0)).toBeNull();
    expect(labelsForWidth(0.5, 1e-9)).toBeNull();
  });
});

describe("allocation", () => {
  it("proportional by largest remainder, equal capped by the stratum", () => {
    expect(allocate([50, 30, 20], 10, "proportional")).toEqual([5, 3, 2]);
    // 3.5, 2.1, 1.4 → 3, 2, 1 and the one left to the largest remainder (0.5).
    expect(allocate([50, 30, 20], 7, "proportional")).toEqual([4, 2, 1]);
    expect(allocate([50, 30, 20], 500, "proportional")).toEqual([50, 30, 20]);
    expect(allocate([50, 30, 20], 25, "equal")).toEqual([25, 25, 20]);
    expect(allocate([], 5, "proportional")).toEqual([]);
  });
});

describe("stratified estimate", () => {
  // Stratum A: 1,000 pairs, 10 sampled, 6 of them kept → 600 kept pairs; 5 labelled, 4 accepted (0.8).
  // Stratum B: 500 pairs, 10 sampled, 8 kept → 400 kept pairs; 4 labelled, 2 accepted (0.5).
  const a = { stratumSize: 1000, sampled: 10, inDomain: 6, labelled: 5, accepted: 4 };
  const b = { stratumSize: 500, sampled: 10, inDomain: 8, labelled: 4, accepted: 2 };

  it("per stratum: the domain's size from the sample, the share among its labels, Wilson's interval", () => {
    const ea = estimateStratum(a);
    expect(ea.pairs).toBe(600);
    expect(ea.share).toBe(0.8);
    expect(ea.interval!.low).toBeCloseTo(wilson(4, 5)!.low, 12);
    expect(estimateStratum({ ...a, labelled: 0, accepted: 0 })).toMatchObject({ share: null, interval: null });
  });

  it("combined by weight: 0.6 × 0.8 + 0.4 × 0.5 = 0.68, Kish's n = 0.2176 / 0.02152 = 10.1115, Wilson 0.3807–0.8802", () => {
    const c = combineStrata([estimateStratum(a), estimateStratum(b)]);
    expect(c.pairs).toBe(1000);
    expect(c.share).toBeCloseTo(0.68, 12);
    // variance 0.6² × 0.8 × 0.2 / 5 + 0.4² × 0.5 × 0.5 / 4 = 0.01152 + 0.01
    expect(c.effectiveLabels).toBeCloseTo(10.111524, 5);
    expect(c.interval!.low).toBeCloseTo(0.380715, 5);
    expect(c.interval!.high).toBeCloseTo(0.880172, 5);
    expect(c.coverage).toBe(1);
    expect([c.labelled, c.accepted]).toEqual([9, 6]);
  });

  it("a stratum without labels is left out of the share and lowers the coverage; all-accepted falls back to the labels", () => {
    const none = estimateStratum({ stratumSize: 1000, sampled: 10, inDomain: 4, labelled: 0, accepted: 0 });
    const c = combineStrata([estimateStratum(a), none]);
    expect(c.share).toBeCloseTo(0.8, 12);
    expect(c.coverage).toBeCloseTo(600 / 1000, 12);
    const perfect = combineStrata([estimateStratum({ ...a, accepted: 5 }), estimateStratum({ ...b, accepted: 4 })]);
    expect(perfect.share).toBe(1);
    expect(perfect.effectiveLabels).toBe(9);
    expect(perfect.interval!.low).toBeCloseTo(9 / (9 + 1.959963984540054 ** 2), 10);
    expect(combineStrata([])).toMatchObject({ share: null, interval: null, coverage: null });
  });

  it("labels needed: 60 − 5 = 55 more kept labels for 20 points at 0.8, and ⌈55 × 10 / 6⌉ = 92 audit labels", () => {
    expect(labelsNeeded(a, 0.2)).toEqual({ domainLabels: 55, auditLabels: 92 });
    expect(labelsNeeded(a, 0.9)).toEqual({ domainLabels: 0, auditLabels: 0 });
    // No kept pair in the sample: the kept labels are counted, the audit labels it takes are unknown.
    expect(labelsNeeded({ ...a, inDomain: 0, labelled: 0, accepted: 0 }, 0.1)).toEqual({ domainLabels: 381, auditLabels: null });
  });
});
