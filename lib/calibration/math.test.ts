import { describe, expect, it } from "vitest";
import {
  addVerdicts,
  f1Interval,
  statsWithIntervals,
  wilsonInterval,
  Z95,
  bestPrecision,
  binaryStats,
  NO_VERDICTS,
  sweepFromHistogram,
  thinPoints,
  thresholdForPrecision,
  verdictCell,
  type TScoreBin,
} from "./math";
import { mulberry32 } from "@/scripts/demo/scenes";

describe("binaryStats", () => {
  it("computes precision, recall, F1 and agreement by hand", () => {
    // 5 kept and accepted, 3 kept and refused, 2 dropped but accepted, 3 dropped and refused.
    const s = binaryStats({ tp: 5, fp: 3, fn: 2, tn: 3 });
    expect(s.n).toBe(13);
    expect(s.precision).toBe(5 / 8);
    expect(s.recall).toBe(5 / 7);
    expect(s.f1).toBeCloseTo(2 / 3, 12); // 2·5 / (2·5 + 3 + 2)
    expect(s.f1).toBeCloseTo((2 * (5 / 8) * (5 / 7)) / (5 / 8 + 5 / 7), 12);
    expect(s.agreement).toBe(8 / 13);
  });
  it("leaves undefined ratios null instead of 0 or NaN", () => {
    expect(binaryStats({ tp: 0, fp: 0, fn: 0, tn: 0 })).toMatchObject({ n: 0, precision: null, recall: null, f1: null, agreement: null });
    // Never valid: precision undefined, recall 0.
    expect(binaryStats({ tp: 0, fp: 0, fn: 4, tn: 1 })).toMatchObject({ precision: null, recall: 0, f1: 0, agreement: 0.2 });
    // People accepted nothing and the verifier agreed: no positives anywhere.
    expect(binaryStats({ tp: 0, fp: 0, fn: 0, tn: 6 })).toMatchObject({ precision: null, recall: null, f1: null, agreement: 1 });
  });
});

describe("verdict cells", () => {
  it("places pairs by verdict and outcome, and sums", () => {
    expect(verdictCell(true, true, 3)).toEqual({ ...NO_VERDICTS, tp: 3 });
    expect(verdictCell(true, false, 2)).toEqual({ ...NO_VERDICTS, fp: 2 });
    expect(verdictCell(false, true, 4)).toEqual({ ...NO_VERDICTS, fn: 4 });
    expect(verdictCell(false, false, 5)).toEqual({ ...NO_VERDICTS, tn: 5 });
    expect(verdictCell(null, true, 6)).toEqual({ ...NO_VERDICTS, noVerdictAccepted: 6 });
    expect(verdictCell(null, false, 7)).toEqual({ ...NO_VERDICTS, noVerdictNotAccepted: 7 });
    const all = [verdictCell(true, true, 3), verdictCell(false, false, 5), verdictCell(null, false, 7), verdictCell(true, true, 1)].reduce(addVerdicts, NO_VERDICTS);
    expect(all).toEqual({ tp: 4, fp: 0, fn: 0, tn: 5, noVerdictAccepted: 0, noVerdictNotAccepted: 7 });
  });
});

// An instruction-following score 1–3 over 14 pairs: 3 → 7 accepted, 3 not; 2 → 1 and 1; 1 → 0 and 2.
const IF_BINS: TScoreBin[] = [
  { threshold: 3, accepted: 7, notAccepted: 0 },
  { threshold: 3, accepted: 0, notAccepted: 3 },
  { threshold: 2, accepted: 1, notAccepted: 1 },
  { threshold: 1, accepted: 0, notAccepted: 2 },
];

describe("sweepFromHistogram", () => {
  it("accumulates from the top score down, by hand", () => {
    const points = sweepFromHistogram(IF_BINS);
    expect(points.map((p) => p.threshold)).toEqual([1, 2, 3]);
    expect(points.map(({ kept, tp, fp }) => ({ kept, tp, fp }))).toEqual([
      { kept: 14, tp: 8, fp: 6 },
      { kept: 12, tp: 8, fp: 4 },
      { kept: 10, tp: 7, fp: 3 },
    ]);
    expect(points.map((p) => p.precision)).toEqual([8 / 14, 8 / 12, 7 / 10]);
    expect(points.map((p) => p.recall)).toEqual([1, 1, 7 / 8]);
    // F1 = 2tp / (kept + all accepted): 16/22, 16/20, 14/18.
    expect(points.map((p) => p.f1)).toEqual([16 / 22, 16 / 20, 14 / 18]);
  });
  it("ignores empty bins and bins without a finite threshold, and is empty without bins", () => {
    expect(sweepFromHistogram([])).toEqual([]);
    const points = sweepFromHistogram([...IF_BINS, { threshold: 0, accepted: 0, notAccepted: 0 }, { threshold: Number.NaN, accepted: 3, notAccepted: 0 }]);
    expect(points.map((p) => p.threshold)).toEqual([1, 2, 3]);
  });
  it("gives null recall when people accepted nothing", () => {
    const [p] = sweepFromHistogram([{ threshold: 2.5, accepted: 0, notAccepted: 4 }]);
    expect(p).toMatchObject({ threshold: 2.5, kept: 4, precision: 0, recall: null, f1: 0 });
  });
  it("matches counting pair by pair at every threshold (random real-valued scores)", () => {
    const random = mulberry32(7);
    for (let run = 0; run < 20; run++) {
      const pairs = Array.from({ length: 200 }, () => {
        const score = Math.round(random() * 40) / 4; // repeated values on purpose
        return { score, accepted: random() < 0.3 + score / 20 };
      });
      const bins = pairs.map((p) => ({ threshold: p.score, accepted: Number(p.accepted), notAccepted: Number(!p.accepted) }));
      const positives = pairs.filter((p) => p.accepted).length;
      for (const point of sweepFromHistogram(bins)) {
        const kept = pairs.filter((p) => p.score >= point.threshold);
        const tp = kept.filter((p) => p.accepted).length;
        expect(point.kept).toBe(kept.length);
        expect(point.tp).toBe(tp);
        expect(point.precision).toBeCloseTo(tp / kept.length, 12);
        expect(point.recall).toBeCloseTo(tp / positives, 12);
        const p = tp / kept.length;
        const r = tp / positives;
        expect(point.f1).toBeCloseTo(p + r === 0 ? 0 : (2 * p * r) / (p + r), 12);
      }
    }
  });
});

describe("thresholdForPrecision", () => {
  const points = sweepFromHistogram(IF_BINS); // precision 0.571 at ≥1, 0.667 at ≥2, 0.7 at ≥3
  it("takes the lowest threshold that reaches the target, counting a target met exactly", () => {
    expect(thresholdForPrecision(points, 0.7)?.threshold).toBe(3);
    expect(thresholdForPrecision(points, 0.6)?.threshold).toBe(2);
    expect(thresholdForPrecision(points, 0.5)?.threshold).toBe(1);
    expect(thresholdForPrecision(points, 0)?.threshold).toBe(1);
  });
  it("answers null when no threshold is precise enough, and bestPrecision says how close it came", () => {
    expect(thresholdForPrecision(points, 0.75)).toBeNull();
    expect(thresholdForPrecision([], 0.5)).toBeNull();
    expect(bestPrecision(points)?.threshold).toBe(3);
    expect(bestPrecision([])).toBeNull();
  });
  it("looks past a dip: precision need not fall steadily as the threshold drops", () => {
    // ≥3: 4 of 7 (0.571); ≥2: 7 of 12 (0.583); ≥1: 8 of 15 (0.533).
    const gq = sweepFromHistogram([
      { threshold: 3, accepted: 4, notAccepted: 3 },
      { threshold: 2, accepted: 3, notAccepted: 2 },
      { threshold: 1, accepted: 1, notAccepted: 2 },
    ]);
    expect(thresholdForPrecision(gq, 0.58)?.threshold).toBe(2);
    expect(thresholdForPrecision(gq, 0.57)?.threshold).toBe(2);
    expect(thresholdForPrecision(gq, 0.59)).toBeNull();
    expect(bestPrecision(gq)?.threshold).toBe(2);
  });
  it("prefers the higher threshold among equally precise points for the best precision", () => {
    const flat = sweepFromHistogram([
      { threshold: 9, accepted: 1, notAccepted: 0 },
      { threshold: 8, accepted: 1, notAccepted: 0 },
    ]);
    expect(bestPrecision(flat)?.threshold).toBe(9);
    expect(thresholdForPrecision(flat, 1)?.threshold).toBe(8);
  });
});

describe("thinPoints", () => {
  const many = sweepFromHistogram(Array.from({ length: 500 }, (_, i) => ({ threshold: i / 10, accepted: i % 3 === 0 ? 1 : 0, notAccepted: i % 3 === 0 ? 0 : 1 })));
  it("keeps short sweeps whole", () => {
    const short = sweepFromHistogram(IF_BINS);
    expect(thinPoints(short, 50)).toEqual(short);
  });
  it("keeps at most max points, the ends and the ones asked for, in order", () => {
    const wanted = many[123]!;
    const thin = thinPoints(many, 40, [wanted, null]);
    expect(thin.length).toBeLessThanOrEqual(40);
    expect(thin[0]).toBe(many[0]);
    expect(thin.at(-1)).toBe(many.at(-1));
    expect(thin).toContain(wanted);
    expect(thin.map((p) => p.threshold)).toEqual([...thin.map((p) => p.threshold)].sort((a, b) => a - b));
  });
});

describe("95% intervals", () => {
  const r4 = (i: { low: number; high: number } | null) => (i ? [Math.round(i.low * 1e4) / 1e4, Math.round(i.high * 1e4) / 1e4] : null);

  it("gives Wilson's score interval for a proportion, inside [0, 1] at the ends", () => {
    // 3 of 5: p = 0.6, z²/n = 0.76829, centre 0.98415 / 1.76829 = 0.55655, half 1.10839 · √0.086415 = 0.32583.
    expect(r4(wilsonInterval(3, 5))).toEqual([0.2307, 0.8824]);
    // 0 of 10: centre = half = 0.19208 / 1.38415 = 0.13877 → [0, 0.2775]; 10 of 10 mirrors it.
    expect(r4(wilsonInterval(0, 10))).toEqual([0, 0.2775]);
    expect(r4(wilsonInterval(10, 10))).toEqual([0.7225, 1]);
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it("gives F1 Wilson's interval at the delta method's effective sample size", () => {
    // tp 5, fp 1, fn 0: F1 = 10/11, n = 11² / (2 · 6) = 10.0833; Wilson at p = 10/11 with that n.
    expect(r4(f1Interval({ tp: 5, fp: 1, fn: 0 }))).toEqual([0.6077, 0.9847]);
    // tp 3, fp 2, fn 2: F1 = 0.6, n = 10² / 14 = 7.1429.
    expect(r4(f1Interval({ tp: 3, fp: 2, fn: 2 }))).toEqual([0.2732, 0.8568]);
    // Perfect: F1 = 1 keeps a width (a Wald interval would be the point 1).
    const perfect = f1Interval({ tp: 4, fp: 0, fn: 0 })!;
    expect(perfect.high).toBe(1);
    expect(perfect.low).toBeLessThan(0.75);
    expect(f1Interval({ tp: 0, fp: 0, fn: 0 })).toBeNull();
  });

  it("matches the delta method's half-width for large counts", () => {
    // tp 500, fp 100, fn 100: Var = 4 · 500 · 200 · 700 / 1200⁴, z · √Var = 0.022775.
    const i = f1Interval({ tp: 500, fp: 100, fn: 100 })!;
    expect((i.high - i.low) / 2).toBeCloseTo(Z95 * Math.sqrt((4 * 500 * 200 * 700) / 1200 ** 4), 4);
  });

  it("puts precision, recall and F1 with their intervals together", () => {
    const s = statsWithIntervals({ tp: 3, fp: 2, fn: 2, tn: 1 });
    expect([s.precision, s.recall, s.f1]).toEqual([0.6, 0.6, 0.6]);
    expect(r4(s.precisionCi)).toEqual([0.2307, 0.8824]);
    expect(r4(s.recallCi)).toEqual([0.2307, 0.8824]);
    expect(r4(s.f1Ci)).toEqual([0.2732, 0.8568]);
    expect(statsWithIntervals({ tp: 0, fp: 0, fn: 3, tn: 1 }).precisionCi).toBeNull();
  });
});
