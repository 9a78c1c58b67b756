import { describe, expect, it } from "vitest";
import {
  cohensKappa,
  cohensKappaFromContingency,
  compositionsOf,
  fleissKappa,
  fleissKappaFromCompositions,
  krippendorffAlpha,
  krippendorffAlphaFromCompositions,
  pairwiseCohen,
  percentAgreement,
  percentAgreementFromCompositions,
  summarize,
  summarizeCompositions,
  toMatrix,
  type TComposition,
  type TContingency,
  type TRatings,
} from "./agreement";
import { mulberry32 } from "@/scripts/demo/scenes";

/** Expands a units × categories count table into a units × raters matrix (raters in any order). */
function fromCounts(counts: number[][], categories: string[]): TRatings {
  return counts.map((row) => row.flatMap((c, j) => Array.from({ length: c }, () => categories[j]!)));
}

/** Two label columns from a 2×2 table: [[yes/yes, yes/no], [no/yes, no/no]] (rater A first). */
function fromTwoByTwo([[yy, yn], [ny, nn]]: [[number, number], [number, number]]) {
  const a: string[] = [];
  const b: string[] = [];
  const push = (count: number, x: string, y: string) => {
    for (let i = 0; i < count; i++) {
      a.push(x);
      b.push(y);
    }
  };
  push(yy, "yes", "yes");
  push(yn, "yes", "no");
  push(ny, "no", "yes");
  push(nn, "no", "no");
  return { a, b };
}

// Brute force, independent of the coincidence-matrix algebra: every ordered pair of pairable values within a
// unit (weight 1/(m_u−1)), and every ordered pair of distinct pairable values pooled over all units.
function bruteForceAlpha(matrix: TRatings): number {
  const units = matrix.map((row) => row.filter((v): v is string => v !== null)).filter((u) => u.length >= 2);
  const pooled = units.flat();
  const n = pooled.length;
  let observed = 0;
  for (const u of units) {
    for (let i = 0; i < u.length; i++) {
      for (let j = 0; j < u.length; j++) if (i !== j && u[i] !== u[j]) observed += 1 / (u.length - 1);
    }
  }
  let expected = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && pooled[i] !== pooled[j]) expected++;
  return 1 - observed / n / (expected / (n * (n - 1)));
}

describe("fleissKappa", () => {
// Fleiss (1971) worked example as tabulated on Wikipedia, "Fleiss' kappa": 10 subjects, 14 raters, 5
// categories. By hand: P̄ = 688/1820 (Σ n_ij(n_ij−1) over 10·14·13); column totals give P̄e = 4170/19600.
  const counts = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];
  const matrix = fromCounts(counts, ["1", "2", "3", "4", "5"]);

  it("reproduces the Wikipedia / Fleiss (1971) worked example", () => {
    const r = fleissKappa(matrix);
    expect(r.units).toBe(10);
    expect(r.observed).toBeCloseTo(0.378, 3);
    expect(r.expected).toBeCloseTo(0.213, 3);
    expect(r.kappa).toBeCloseTo(0.21, 3);
    expect(r.observed).toBeCloseTo(688 / 1820, 12);
    expect(r.expected).toBeCloseTo(4170 / 19600, 12);
    expect(r.proportions.map((p) => Number(p.proportion.toFixed(3)))).toEqual([0.143, 0.2, 0.279, 0.15, 0.229]);
    expect(r.reason).toBeNull();
  });

  it("gives percent agreement equal to P̄ on the same table", () => {
    expect(percentAgreement(matrix)).toBeCloseTo(688 / 1820, 12);
  });

  it("does not depend on which rater column holds which label", () => {
    const shuffled = matrix.map((row) => [...row].reverse());
    expect(fleissKappa(shuffled).kappa).toBeCloseTo(fleissKappa(matrix).kappa!, 12);
  });

  it("allows a varying number of raters per unit", () => {
    // P_1 = 2/6, P_2 = 1 → P̄ = 2/3; p = (a 4/5, b 1/5) → P̄e = 17/25.
    const r = fleissKappa([
      ["a", "a", "b"],
      ["a", null, "a"],
    ]);
    expect(r.observed).toBeCloseTo(2 / 3, 12);
    expect(r.expected).toBeCloseTo(17 / 25, 12);
    expect(r.kappa).toBeCloseTo((2 / 3 - 17 / 25) / (1 - 17 / 25), 12);
  });
});

describe("krippendorffAlpha", () => {
  // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", § A: 4 observers × 12 units, values
  // 1–5, null = missing. By hand: unit 12 drops out; n_c = 9 13 10 5 3 (n = 40); units 2, 6 and 8 give 8
  // off-diagonal coincidences; Σ_{c≠k} n_c n_k = 1216, so α = 1 − 39·8/1216, D_o = 8/40, D_e = 1216/1560.
  const _ = null;
  const byObserver: (string | null)[][] = [
    ["1", "2", "3", "3", "2", "1", "4", "1", "2", _, _, _],
    ["1", "2", "3", "3", "2", "2", "4", "1", "2", "5", _, "3"],
    [_, "3", "3", "3", "2", "3", "4", "2", "2", "5", "1", _],
    ["1", "2", "3", "3", "2", "4", "4", "1", "2", "5", "1", _],
  ];
  const matrix: TRatings = byObserver[0]!.map((_v, u) => byObserver.map((row) => row[u]!));

  it("reproduces Krippendorff's (2011) nominal example with missing data", () => {
    const r = krippendorffAlpha(matrix);
    expect(r.n).toBe(40);
    expect(r.alpha).toBeCloseTo(0.743, 3);
    expect(r.alpha).toBeCloseTo(1 - (39 * 8) / 1216, 12);
    expect(r.observedDisagreement).toBeCloseTo(0.2, 12);
    expect(r.expectedDisagreement).toBeCloseTo(1216 / 1560, 12);
    expect(r.reason).toBeNull();
  });

  it("agrees with a brute-force pair enumeration", () => {
    expect(krippendorffAlpha(matrix).alpha).toBeCloseTo(bruteForceAlpha(matrix), 12);
    const fleissMatrix = fromCounts([[3, 1, 0], [0, 2, 2], [1, 1, 1], [4, 0, 0]], ["x", "y", "z"]);
    expect(krippendorffAlpha(fleissMatrix).alpha).toBeCloseTo(bruteForceAlpha(fleissMatrix), 12);
  });

  it("gives percent agreement over the 11 pairable units", () => {
    // Units 2 and 8 agree on 6 of 12 ordered pairs, unit 6 on none, the other 8 fully: 9/11.
    expect(percentAgreement(matrix)).toBeCloseTo(9 / 11, 12);
  });

  it("is 1 for perfect agreement across several categories", () => {
    expect(krippendorffAlpha([["a", "a"], ["b", "b", null]]).alpha).toBe(1);
    expect(fleissKappa([["a", "a"], ["b", "b", null]]).kappa).toBe(1);
  });
});

describe("cohensKappa", () => {
  it("reproduces Wikipedia's 50-item yes/no example (κ = 0.4)", () => {
    // Wikipedia, "Cohen's kappa" § Simple example: A and B both yes 20, A yes B no 5,
    // A no B yes 10, both no 15. p_o = 35/50 = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5.
    const { a, b } = fromTwoByTwo([[20, 5], [10, 15]]);
    const r = cohensKappa(a, b);
    expect(r).toMatchObject({ n: 50, reason: null });
    expect(r.observed).toBeCloseTo(0.7, 12);
    expect(r.expected).toBeCloseTo(0.5, 12);
    expect(r.kappa).toBeCloseTo(0.4, 12);
  });

  it("reproduces Wikipedia's same-agreement, different-kappa examples", () => {
    // Same page, § Same percentages but different numbers: both p_o = 0.6.
    // 45/15/25/15 → p_e = 0.54, κ = 0.1304; 25/35/5/35 → p_e = 0.46, κ = 0.2593.
    const first = fromTwoByTwo([[45, 15], [25, 15]]);
    const second = fromTwoByTwo([[25, 35], [5, 35]]);
    expect(cohensKappa(first.a, first.b).kappa).toBeCloseTo(0.1304, 4);
    expect(cohensKappa(second.a, second.b).kappa).toBeCloseTo(0.2593, 4);
  });

  it("counts only units both raters labelled", () => {
    const { a, b } = fromTwoByTwo([[20, 5], [10, 15]]);
    const r = cohensKappa([...a, "yes", null, null], [...b, null, "no", null]);
    expect(r.n).toBe(50);
    expect(r.kappa).toBeCloseTo(0.4, 12);
  });

  it("rejects columns of different lengths", () => {
    expect(() => cohensKappa(["a"], ["a", "b"])).toThrow(RangeError);
  });
});

describe("pairwiseCohen", () => {
  it("lists every pair of raters that share a unit, skipping the ones that do not", () => {
    const { a, b } = fromTwoByTwo([[20, 5], [10, 15]]);
    // Rater "c" labels only units the others did not, so neither pair with "c" is reported.
    const matrix: TRatings = [
      ...a.map((x, i) => [x, b[i]!, null]),
      [null, null, "yes"],
      [null, null, "no"],
    ];
    const pairs = pairwiseCohen(matrix, ["a", "b", "c"]);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ raterA: "a", raterB: "b", n: 50 });
    expect(pairs[0]!.kappa).toBeCloseTo(0.4, 12);
  });

  it("handles ragged rows and rejects more columns than rater ids", () => {
    expect(pairwiseCohen([["a", "a"], ["b"]], ["r1", "r2"])).toMatchObject([{ n: 1, kappa: null }]);
    expect(() => pairwiseCohen([["a", "b", "c"]], ["r1", "r2"])).toThrow(RangeError);
  });
});

describe("edge cases", () => {
  it("answers null with a reason when every label is the same category", () => {
    const matrix: TRatings = [
      ["a", "a", null],
      ["a", "a", "a"],
      [null, "a", "a"],
    ];
    expect(percentAgreement(matrix)).toBe(1);
    expect(fleissKappa(matrix)).toMatchObject({ kappa: null, reason: "single-category", observed: 1, expected: 1 });
    expect(krippendorffAlpha(matrix)).toMatchObject({
      alpha: null,
      reason: "single-category",
      n: 7,
      observedDisagreement: 0,
      expectedDisagreement: 0,
    });
    expect(cohensKappa(["a", "a"], ["a", "a"])).toEqual({
      kappa: null,
      n: 2,
      observed: 1,
      expected: 1,
      reason: "single-category",
    });
  });

  it("answers null with no-data when everything is missing", () => {
    const matrix: TRatings = [
      [null, null],
      [null, null],
    ];
    expect(percentAgreement(matrix)).toBeNull();
    expect(fleissKappa(matrix)).toMatchObject({ kappa: null, units: 0, reason: "no-data" });
    expect(krippendorffAlpha(matrix)).toMatchObject({ alpha: null, n: 0, reason: "no-data" });
    expect(cohensKappa([null, null], [null, null])).toMatchObject({ kappa: null, n: 0, reason: "no-data" });
    expect(pairwiseCohen(matrix, ["r1", "r2"])).toEqual([]);
    expect(percentAgreement([])).toBeNull();
    expect(summarize([])).toMatchObject({ percentAgreement: null, units: 0, pairableUnits: 0, labels: 0 });
  });

  it("computes a single disagreeing unit", () => {
    const matrix: TRatings = [["a", "b"]];
    expect(percentAgreement(matrix)).toBe(0);
    // P̄ = 0, P̄e = 1/2 → κ = −1; o_ab = o_ba = 1, n = 2 → D_o = D_e = 1 → α = 0.
    expect(fleissKappa(matrix).kappa).toBeCloseTo(-1, 12);
    expect(krippendorffAlpha(matrix).alpha).toBeCloseTo(0, 12);
    expect(cohensKappa(["a"], ["b"])).toMatchObject({ n: 1, observed: 0, expected: 0, kappa: 0 });
  });

  it("reports no-data for two raters without shared units", () => {
    expect(cohensKappa(["a", null, "b"], [null, "a", null])).toMatchObject({ kappa: null, n: 0, reason: "no-data" });
  });

  it("ignores units with a single label", () => {
    const base: TRatings = [
      ["a", "b", "a"],
      ["b", "b", null],
      ["a", "a", "c"],
    ];
    const padded: TRatings = [...base, ["c", null, null], [null, null, "a"], [null, null, null]];
    expect(percentAgreement(padded)).toBe(percentAgreement(base));
    expect(fleissKappa(padded)).toEqual(fleissKappa(base));
    expect(krippendorffAlpha(padded)).toEqual(krippendorffAlpha(base));
    expect(summarize(padded)).toMatchObject({ units: 6, pairableUnits: 3, labels: 10 });
  });
});

describe("toMatrix and summarize", () => {
  it("pivots sparse records, keeping first-seen order and marking gaps null", () => {
    const { units, raters, matrix } = toMatrix([
      { unit: "p1", rater: "ann", value: "left" },
      { unit: "p1", rater: "bo", value: "right" },
      { unit: "p2", rater: "bo", value: "left" },
      { unit: "p3", rater: "cy", value: "tie" },
    ]);
    expect(units).toEqual(["p1", "p2", "p3"]);
    expect(raters).toEqual(["ann", "bo", "cy"]);
    expect(matrix).toEqual([
      ["left", "right", null],
      [null, "left", null],
      [null, null, "tie"],
    ]);
  });

  it("rejects two ratings of one unit by the same rater", () => {
    expect(() =>
      toMatrix([
        { unit: "p1", rater: "ann", value: "left" },
        { unit: "p1", rater: "ann", value: "left" },
      ]),
    ).toThrow(/duplicate rating/);
  });

  it("summarizes the Wikipedia Cohen example built from records", () => {
    const { a, b } = fromTwoByTwo([[20, 5], [10, 15]]);
    const records = a.flatMap((x, i) => [
      { unit: `u${i}`, rater: "a", value: x },
      { unit: `u${i}`, rater: "b", value: b[i]! },
    ]);
    const { matrix, raters } = toMatrix(records);
    const s = summarize(matrix);
    expect(s).toMatchObject({ units: 50, pairableUnits: 50, labels: 100 });
    expect(s.percentAgreement).toBeCloseTo(0.7, 12);
    // Two raters, no missing data: Fleiss' κ is Scott's π and α = 1 − (2N−1)/(2N)·(1 − π).
    // Pooled p(yes) = 55/100 → P̄e = 0.505, π = (0.7 − 0.505)/0.495.
    const pi = (0.7 - 0.505) / 0.495;
    expect(s.fleiss.kappa).toBeCloseTo(pi, 12);
    expect(s.alpha.alpha).toBeCloseTo(1 - (99 / 100) * (1 - pi), 12);
    expect(pairwiseCohen(matrix, raters)[0]!.kappa).toBeCloseTo(0.4, 12);
  });
});

const seeded = mulberry32; // seeded, so a failing random case can be replayed

function randomMatrix(random: () => number, units: number, raters: number, categories: string[], missing: number): TRatings {
  return Array.from({ length: units }, () =>
    Array.from({ length: raters }, () => (random() < missing ? null : categories[Math.floor(random() * categories.length)]!)),
  );
}

/** The histogram a database would return: identical compositions merged, in a shuffled order. */
function histogram(matrix: TRatings, random: () => number): TComposition[] {
  const byKey = new Map<string, TComposition>();
  for (const { counts } of compositionsOf(matrix)) {
    const key = JSON.stringify(Object.entries(counts).sort());
    const seen = byKey.get(key);
    if (seen) seen.weight++;
    else byKey.set(key, { counts: { ...counts }, weight: 1 });
  }
  const list = [...byKey.values()];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

describe("statistics from weighted compositions", () => {
  it("reproduce the Fleiss (1971) and Krippendorff (2011) examples from their count tables", () => {
    const fleissCounts = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    const fleiss = fleissKappaFromCompositions(
      fleissCounts.map((row) => ({ counts: Object.fromEntries(row.map((c, j) => [String(j + 1), c])), weight: 1 })),
    );
    expect(fleiss.kappa).toBeCloseTo(0.21, 3);
    expect(fleiss.observed).toBeCloseTo(0.378, 3);
    expect(fleiss.expected).toBeCloseTo(0.213, 3);
    // Krippendorff's 11 pairable units as compositions (unit 12, a single value, adds nothing).
    const alpha = krippendorffAlphaFromCompositions([
      { counts: { "1": 3 }, weight: 1 },
      { counts: { "2": 3, "3": 1 }, weight: 1 },
      { counts: { "3": 4 }, weight: 2 },
      { counts: { "2": 4 }, weight: 2 },
      { counts: { "1": 1, "2": 1, "3": 1, "4": 1 }, weight: 1 },
      { counts: { "4": 4 }, weight: 1 },
      { counts: { "1": 3, "2": 1 }, weight: 1 },
      { counts: { "5": 3 }, weight: 1 },
      { counts: { "1": 2 }, weight: 1 },
      { counts: { "3": 1 }, weight: 1 },
    ]);
    expect(alpha.n).toBe(40);
    expect(alpha.alpha).toBeCloseTo(0.743, 3);
  });

  it("give exactly the matrix results on seeded random matrices, whatever the grouping and order", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seeded(seed);
      const categories = ["accept", "reject", "recaption", "x", "y"].slice(0, 1 + Math.floor(random() * 4));
      const matrix = randomMatrix(random, 1 + Math.floor(random() * 60), 2 + Math.floor(random() * 6), categories, random() * 0.6);
      const grouped = histogram(matrix, random);
      expect(percentAgreementFromCompositions(grouped), `seed ${seed}`).toBe(percentAgreement(matrix));
      expect(fleissKappaFromCompositions(grouped), `seed ${seed}`).toEqual(fleissKappa(matrix));
      expect(krippendorffAlphaFromCompositions(grouped), `seed ${seed}`).toEqual(krippendorffAlpha(matrix));
      expect(summarizeCompositions(grouped), `seed ${seed}`).toEqual(summarize(matrix));
      const alpha = krippendorffAlphaFromCompositions(grouped).alpha;
      if (alpha !== null) expect(alpha, `seed ${seed}`).toBeCloseTo(bruteForceAlpha(matrix), 10);
    }
  });

  it("ignore compositions of weight 0, even of a category no other unit has", () => {
    const base: TComposition[] = [
      { counts: { a: 2 }, weight: 3 },
      { counts: { a: 1, b: 1 }, weight: 1 },
    ];
    const padded = [...base, { counts: { c: 2 }, weight: 0 }, { counts: { a: 1, c: 1 }, weight: 0 }];
    expect(summarizeCompositions(padded)).toEqual(summarizeCompositions(base));
    expect(fleissKappaFromCompositions([{ counts: { a: 2 }, weight: 4 }, { counts: { b: 2 }, weight: 0 }])).toMatchObject({
      kappa: null,
      reason: "single-category",
    });
    expect(summarizeCompositions([{ counts: { a: 1, b: 1 }, weight: 0 }])).toMatchObject({
      percentAgreement: null,
      units: 0,
      fleiss: { reason: "no-data" },
      alpha: { reason: "no-data" },
    });
  });

  it("treat a zero count as no label, so a never-chosen option is one category only", () => {
    // A binary variable nobody chose: every unit is {chosen: 0, not: m}.
    const r = summarizeCompositions([
      { counts: { chosen: 0, not: 2 }, weight: 5 },
      { counts: { chosen: 0, not: 3 }, weight: 2 },
    ]);
    expect(r).toMatchObject({ percentAgreement: 1, units: 7, pairableUnits: 7, labels: 16 });
    expect(r.fleiss).toMatchObject({ kappa: null, reason: "single-category", proportions: [{ value: "not", proportion: 1 }] });
    expect(r.alpha).toMatchObject({ alpha: null, reason: "single-category", n: 16 });
  });

  it("answer no-data when every unit is missing or has a single label", () => {
    const r = summarizeCompositions([
      { counts: {}, weight: 4 },
      { counts: { a: 1 }, weight: 3 },
      { counts: { a: 0, b: 1 }, weight: 2 },
    ]);
    expect(r).toMatchObject({ percentAgreement: null, units: 9, pairableUnits: 0, labels: 5 });
    expect(r.fleiss).toMatchObject({ kappa: null, units: 0, reason: "no-data" });
    expect(r.alpha).toMatchObject({ alpha: null, n: 0, reason: "no-data" });
    expect(percentAgreementFromCompositions([])).toBeNull();
  });

  it("refuse negative or fractional weights and counts", () => {
    expect(() => summarizeCompositions([{ counts: { a: 2 }, weight: -1 }])).toThrow(RangeError);
    expect(() => summarizeCompositions([{ counts: { a: 2 }, weight: 1.5 }])).toThrow(RangeError);
    expect(() => summarizeCompositions([{ counts: { a: -1, b: 3 }, weight: 1 }])).toThrow(RangeError);
    expect(() => summarizeCompositions([{ counts: { a: Number.NaN }, weight: 1 }])).toThrow(RangeError);
  });

  it("count a category named like an Object property as a category", () => {
    const matrix: TRatings = [["__proto__", "constructor"], ["__proto__", "__proto__"]];
    expect(krippendorffAlpha(matrix).alpha).toBeCloseTo(bruteForceAlpha(matrix), 12);
    expect(fleissKappa(matrix).proportions.map((p) => p.value)).toEqual(["__proto__", "constructor"]);
  });
});

describe("cohensKappaFromContingency", () => {
  it("reproduces Wikipedia's 50-item yes/no example from its table", () => {
    const r = cohensKappaFromContingency({ yes: { yes: 20, no: 5 }, no: { yes: 10, no: 15 } });
    expect(r).toMatchObject({ n: 50, reason: null });
    expect(r.kappa).toBeCloseTo(0.4, 3);
  });

  it("equals cohensKappa on the columns for seeded random pairs of raters", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seeded(1000 + seed);
      const categories = ["accept", "reject", "recaption"].slice(0, 1 + Math.floor(random() * 3));
      const [a, b] = [0, 1].map(() =>
        Array.from({ length: Math.floor(random() * 40) }, () => (random() < 0.3 ? null : categories[Math.floor(random() * categories.length)]!)),
      );
      const length = Math.min(a!.length, b!.length);
      const colA = a!.slice(0, length);
      const colB = b!.slice(0, length);
      // Tabulated the way SQL would: only cells with both labels, in an arbitrary order.
      const cells = colA.flatMap((x, i) => (x !== null && colB[i] !== null ? [[x, colB[i]!] as const] : [])).reverse();
      const table: TContingency = {};
      for (const [x, y] of cells) {
        const row = (table[x] ??= {});
        row[y] = (row[y] ?? 0) + 1;
      }
      expect(cohensKappaFromContingency(table), `seed ${seed}`).toEqual(cohensKappa(colA, colB));
    }
  });

  it("handles one category only, an empty table and zero cells", () => {
    expect(cohensKappaFromContingency({ a: { a: 7 } })).toEqual({ kappa: null, n: 7, observed: 1, expected: 1, reason: "single-category" });
    expect(cohensKappaFromContingency({})).toEqual({ kappa: null, n: 0, observed: null, expected: null, reason: "no-data" });
    expect(cohensKappaFromContingency({ a: { a: 0, b: 0 }, b: {} })).toMatchObject({ kappa: null, n: 0, reason: "no-data" });
    // Zero cells of a second category do not make it a category in play.
    expect(cohensKappaFromContingency({ a: { a: 3, b: 0 }, b: { a: 0 } })).toMatchObject({ kappa: null, reason: "single-category" });
    expect(() => cohensKappaFromContingency({ a: { a: -2 } })).toThrow(RangeError);
  });

  it("is −1 for two raters who always disagree on two balanced categories", () => {
    expect(cohensKappaFromContingency({ a: { b: 5 }, b: { a: 5 } }).kappa).toBeCloseTo(-1, 12);
  });
});
