// The verifier against people, as arithmetic on counts (no database here, so it is unit-tested and
// the client charts may import its types). "Positive" is a pair people accepted as instructed; the
// verifier predicts positive with its valid flag, with the keep rule, or with a score ≥ a threshold.

/** A 2×2 confusion matrix over the pairs where the verifier gave a verdict. */
export interface TConfusion {
  /** Verifier valid, people accepted. */
  tp: number;
  /** Verifier valid, people rejected or re-captioned. */
  fp: number;
  /** Verifier not valid, people accepted. */
  fn: number;
  /** Verifier not valid, people rejected or re-captioned. */
  tn: number;
}

export interface TVerdicts extends TConfusion {
  noVerdictAccepted: number;
  noVerdictNotAccepted: number;
}

export interface TBinaryStats extends TConfusion {
  n: number;
  /** tp / (tp + fp); null when the verifier never said valid. */
  precision: number | null;
  /** tp / (tp + fn); null when people accepted none of the pairs. */
  recall: number | null;
  /** 2tp / (2tp + fp + fn), the harmonic mean of the two; null when there is no positive on either side. */
  f1: number | null;
  /** (tp + tn) / n: how often verifier and people agree; null without verdicts. */
  agreement: number | null;
}

export const NO_VERDICTS: TVerdicts = Object.freeze({ tp: 0, fp: 0, fn: 0, tn: 0, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function binaryStats(c: TConfusion): TBinaryStats {
  const n = c.tp + c.fp + c.fn + c.tn;
  return {
    tp: c.tp,
    fp: c.fp,
    fn: c.fn,
    tn: c.tn,
    n,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    agreement: ratio(c.tp + c.tn, n),
  };
}

export function addVerdicts(a: TVerdicts, b: TVerdicts): TVerdicts {
  return {
    tp: a.tp + b.tp,
    fp: a.fp + b.fp,
    fn: a.fn + b.fn,
    tn: a.tn + b.tn,
    noVerdictAccepted: a.noVerdictAccepted + b.noVerdictAccepted,
    noVerdictNotAccepted: a.noVerdictNotAccepted + b.noVerdictNotAccepted,
  };
}

/** `n` pairs with one verifier verdict (true, false or null) and one human outcome, as verdict counts. */
export function verdictCell(verdict: boolean | null, accepted: boolean, n: number): TVerdicts {
  const cell = { ...NO_VERDICTS };
  if (verdict === null) cell[accepted ? "noVerdictAccepted" : "noVerdictNotAccepted"] = n;
  else if (verdict) cell[accepted ? "tp" : "fp"] = n;
  else cell[accepted ? "fn" : "tn"] = n;
  return cell;
}

/** Pairs whose score falls in one histogram bin; `threshold` is the lowest score in the bin. */
export interface TScoreBin {
  threshold: number;
  accepted: number;
  notAccepted: number;
}

/** "Valid when score ≥ threshold", over the pairs that have the score. */
export interface TSweepPoint {
  threshold: number;
  kept: number;
  tp: number;
  fp: number;
  precision: number;
  recall: number | null;
  f1: number | null;
}

/**
 * The precision–recall sweep of a score from its histogram, one point per bin by ascending threshold, from
 * cumulative sums down from the top bin. Exact while every score in a lower bin is below the bin's
 * threshold, which bins of rounded scores guarantee (lib/calibration/queries.ts).
 */
export function sweepFromHistogram(bins: readonly TScoreBin[]): TSweepPoint[] {
  // Bins with the same threshold (e.g. one per human outcome) are one bin.
  const merged = new Map<number, { accepted: number; notAccepted: number }>();
  for (const b of bins) {
    if (!Number.isFinite(b.threshold) || b.accepted + b.notAccepted <= 0) continue;
    const m = merged.get(b.threshold) ?? { accepted: 0, notAccepted: 0 };
    m.accepted += b.accepted;
    m.notAccepted += b.notAccepted;
    merged.set(b.threshold, m);
  }
  const descending = [...merged.entries()].sort((a, b) => b[0] - a[0]);
  const positives = descending.reduce((s, [, m]) => s + m.accepted, 0);
  const points: TSweepPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (const [threshold, m] of descending) {
    tp += m.accepted;
    fp += m.notAccepted;
    points.push({
      threshold,
      kept: tp + fp,
      tp,
      fp,
      precision: tp / (tp + fp),
      recall: ratio(tp, positives),
      f1: ratio(2 * tp, tp + fp + positives),
    });
  }
  return points.reverse();
}

// Precision is a ratio of counts; a target typed as a percentage (70) meets tp / kept = 7/10 exactly,
// and this slack keeps floating point from deciding otherwise.
const EPSILON = 1e-9;

/** Lowest threshold reaching `target` precision (most recall); precision is not monotone, so all points are checked. */
export function thresholdForPrecision(points: readonly TSweepPoint[], target: number): TSweepPoint | null {
  let best: TSweepPoint | null = null;
  for (const p of points) {
    if (p.precision + EPSILON >= target && (best === null || p.threshold < best.threshold)) best = p;
  }
  return best;
}

/** The most precise point (the highest threshold among equals), to say how close a target came. */
export function bestPrecision(points: readonly TSweepPoint[]): TSweepPoint | null {
  let best: TSweepPoint | null = null;
  for (const p of points) {
    if (best === null || p.precision > best.precision + EPSILON || (Math.abs(p.precision - best.precision) <= EPSILON && p.threshold > best.threshold)) best = p;
  }
  return best;
}

/** At most `max` evenly spaced points, always with the ends and `keep`: the table a screen reader reads under the curve. */
export function thinPoints(points: readonly TSweepPoint[], max: number, keep: readonly (TSweepPoint | null)[] = []): TSweepPoint[] {
  if (points.length <= max) return [...points];
  const chosen = new Set<number>();
  const slots = Math.max(2, max - keep.length);
  for (let i = 0; i < slots; i++) chosen.add(Math.round((i * (points.length - 1)) / (slots - 1)));
  for (const k of keep) {
    const i = k ? points.indexOf(k) : -1;
    if (i >= 0) chosen.add(i);
  }
  return [...chosen].sort((a, b) => a - b).map((i) => points[i]!);
}

/** The normal quantile of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface TInterval {
  low: number;
  high: number;
}

/**
 * Wilson's score interval for a proportion of `successes` in `n` trials; null without trials. `n` may be
 * fractional (an effective sample size, see f1Interval).
 */
export function wilsonInterval(successes: number, n: number, z = Z95): TInterval | null {
  if (!(n > 0)) return null;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * A 95% interval for F1 = 2tp / (2tp + fp + fn). The delta method on the multinomial counts gives
 * Var(F1) = 4·tp·(fp + fn)·(tp + fp + fn) / (2tp + fp + fn)⁴ (F1 does not change when every count is
 * scaled, so the covariance terms cancel). A Wald interval F1 ± z·√Var collapses to a point at F1 = 0
 * or 1 and leaves [0, 1] near them; instead this is Wilson's interval at F1 with the effective sample
 * size whose binomial variance F1(1 − F1)/n equals that delta-method variance,
 * n = (2tp + fp + fn)² / (2(tp + fp + fn)): the same width for large counts, and sensible at the ends.
 * Null when F1 is undefined (no positive on either side).
 */
export function f1Interval(c: Pick<TConfusion, "tp" | "fp" | "fn">, z = Z95): TInterval | null {
  const d = 2 * c.tp + c.fp + c.fn;
  if (d <= 0) return null;
  const nEff = (d * d) / (2 * (c.tp + c.fp + c.fn));
  return wilsonInterval((2 * c.tp * nEff) / d, nEff, z);
}

export interface TIntervalStats extends TBinaryStats {
  precisionCi: TInterval | null;
  recallCi: TInterval | null;
  f1Ci: TInterval | null;
}

/** Precision, recall and F1 with their 95% intervals (Wilson for precision and recall; f1Interval for F1). */
export function statsWithIntervals(c: TConfusion): TIntervalStats {
  return {
    ...binaryStats(c),
    precisionCi: wilsonInterval(c.tp, c.tp + c.fp),
    recallCi: wilsonInterval(c.tp, c.tp + c.fn),
    f1Ci: f1Interval(c),
  };
}
