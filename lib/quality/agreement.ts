/**
 * Inter-annotator agreement for nominal labels. Pure and dependency-free so it can run in a
 * server action, a worker, a script or the browser alike.
 *
 * Data is a units × raters matrix: one row per unit (item, pair), one column per rater, `null`
 * (or a missing trailing cell) where that rater did not label that unit. Labels are compared as
 * strings, exactly.
 *
 * Conventions for undefined statistics: a chance-corrected coefficient is `null` with a `reason`
 * instead of a number when
 * - `"no-data"`: nothing is pairable (no unit with two labels; for Cohen, no unit both labelled);
 * - `"single-category"`: every pairable label is the same category, so expected agreement is 1
 *   (expected disagreement 0) and the coefficient is 0/0. Observed agreement is still reported
 *   (it is 1), and `percentAgreement` still answers 1: the raters do agree, the data just cannot
 *   tell that apart from chance.
 */

export type TLabel = string;
export type TRatings = (TLabel | null)[][];
export type TRatingRecord = { unit: string; rater: string; value: TLabel };
export type TUndefinedReason = "no-data" | "single-category";

export type TCohenResult = {
  kappa: number | null;
  /** Units labelled by both raters. */
  n: number;
  observed: number | null;
  expected: number | null;
  reason: TUndefinedReason | null;
};

export type TPairwiseCohen = TCohenResult & { raterA: string; raterB: string };

export type TFleissResult = {
  kappa: number | null;
  /** Units with at least two labels, the only ones that count. */
  units: number;
  /** P̄: mean over units of the share of agreeing ordered rater pairs. */
  observed: number | null;
  /** P̄e = Σ p_j². */
  expected: number | null;
  /** p_j per category, sorted by label. */
  proportions: { value: TLabel; proportion: number }[];
  reason: TUndefinedReason | null;
};

export type TAlphaResult = {
  alpha: number | null;
  /** Pairable values: labels in units that have at least two. */
  n: number;
  /** D_o = (1/n) Σ_{c≠k} o_ck, the share of pairable values in disagreement. */
  observedDisagreement: number | null;
  /** D_e = Σ_{c≠k} n_c n_k / (n(n−1)). */
  expectedDisagreement: number | null;
  reason: TUndefinedReason | null;
};

export type TAgreementSummary = {
  percentAgreement: number | null;
  fleiss: TFleissResult;
  alpha: TAlphaResult;
  /** Rows in the matrix. */
  units: number;
  /** Units with at least two labels. */
  pairableUnits: number;
  /** Non-null labels in the matrix. */
  labels: number;
};

function labelsOf(row: readonly (TLabel | null | undefined)[]): TLabel[] {
  return row.filter((v): v is TLabel => typeof v === "string");
}

function countBy(values: readonly TLabel[]): Map<TLabel, number> {
  const counts = new Map<TLabel, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function sumOfSquares(counts: Iterable<number>): number {
  let s = 0;
  for (const c of counts) s += c * c;
  return s;
}

/** Per-unit category counts for the units that have at least two labels. */
function pairableUnits(matrix: TRatings): { size: number; counts: Map<TLabel, number> }[] {
  const units: { size: number; counts: Map<TLabel, number> }[] = [];
  for (const row of matrix) {
    const labels = labelsOf(row);
    if (labels.length >= 2) units.push({ size: labels.length, counts: countBy(labels) });
  }
  return units;
}

/**
 * Builds the matrix from sparse records. Units and raters keep first-seen order. A second record
 * for the same (unit, rater) throws: silently keeping one would hide a double-labelling bug, so
 * the caller decides which label counts (e.g. the latest revision) before calling.
 */
export function toMatrix(records: readonly TRatingRecord[]): {
  units: string[];
  raters: string[];
  matrix: TRatings;
} {
  const unitIndex = new Map<string, number>();
  const raterIndex = new Map<string, number>();
  for (const r of records) {
    if (!unitIndex.has(r.unit)) unitIndex.set(r.unit, unitIndex.size);
    if (!raterIndex.has(r.rater)) raterIndex.set(r.rater, raterIndex.size);
  }
  const matrix: TRatings = Array.from({ length: unitIndex.size }, () =>
    Array.from({ length: raterIndex.size }, () => null),
  );
  for (const r of records) {
    const row = matrix[unitIndex.get(r.unit)!]!;
    const col = raterIndex.get(r.rater)!;
    if (row[col] != null) {
      throw new RangeError(`duplicate rating for unit "${r.unit}" by rater "${r.rater}"`);
    }
    row[col] = r.value;
  }
  return { units: [...unitIndex.keys()], raters: [...raterIndex.keys()], matrix };
}

/**
 * Mean over units with ≥2 labels of agreeing ordered label pairs / all ordered pairs
 * (Σ_j n_ij(n_ij−1) / n_i(n_i−1)); null when no unit has two labels.
 */
export function percentAgreement(matrix: TRatings): number | null {
  const units = pairableUnits(matrix);
  if (units.length === 0) return null;
  let total = 0;
  for (const { size, counts } of units) total += (sumOfSquares(counts.values()) - size) / (size * (size - 1));
  return total / units.length;
}

/** Cohen's κ over the units both raters labelled; `a` and `b` are two columns of one matrix. */
export function cohensKappa(
  a: readonly (TLabel | null)[],
  b: readonly (TLabel | null)[],
): TCohenResult {
  if (a.length !== b.length) {
    throw new RangeError(`rating columns differ in length (${a.length} vs ${b.length})`);
  }
  const countsA = new Map<TLabel, number>();
  const countsB = new Map<TLabel, number>();
  let n = 0;
  let agreements = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x !== "string" || typeof y !== "string") continue;
    n++;
    if (x === y) agreements++;
    countsA.set(x, (countsA.get(x) ?? 0) + 1);
    countsB.set(y, (countsB.get(y) ?? 0) + 1);
  }
  if (n === 0) return { kappa: null, n, observed: null, expected: null, reason: "no-data" };
  // Kept in integers so "expected agreement is exactly 1" is an exact test, not a float compare.
  let chancePairs = 0;
  for (const [label, ca] of countsA) chancePairs += ca * (countsB.get(label) ?? 0);
  const observed = agreements / n;
  const expected = chancePairs / (n * n);
  if (chancePairs === n * n) return { kappa: null, n, observed, expected, reason: "single-category" };
  return { kappa: (observed - expected) / (1 - expected), n, observed, expected, reason: null };
}

/** Cohen's κ for every pair of raters (columns, named by `raterIds`) that share at least one unit. */
export function pairwiseCohen(matrix: TRatings, raterIds: readonly string[]): TPairwiseCohen[] {
  const widest = matrix.reduce((w, row) => Math.max(w, row.length), 0);
  if (widest > raterIds.length) {
    throw new RangeError(`matrix has ${widest} rater columns but ${raterIds.length} rater ids`);
  }
  const column = (j: number) => matrix.map((row) => row[j] ?? null);
  const columns = raterIds.map((_, j) => column(j));
  const pairs: TPairwiseCohen[] = [];
  for (let i = 0; i < raterIds.length; i++) {
    for (let j = i + 1; j < raterIds.length; j++) {
      const result = cohensKappa(columns[i]!, columns[j]!);
      if (result.n >= 1) pairs.push({ raterA: raterIds[i]!, raterB: raterIds[j]!, ...result });
    }
  }
  return pairs;
}

/**
 * Fleiss' κ (1971), in the general form that lets the number of raters n_i vary per unit:
 * P_i = Σ_j n_ij(n_ij−1) / n_i(n_i−1), P̄ = mean P_i, p_j = Σ_i n_ij / Σ_i n_i, P̄e = Σ_j p_j²,
 * κ = (P̄ − P̄e) / (1 − P̄e), over units with n_i ≥ 2. With a constant n_i this is exactly Fleiss'
 * formula; with varying n_i each unit weighs the same in P̄ while p_j weighs units by their label
 * count — the common extension, but not the only one in the literature (prefer α for sparse data).
 */
export function fleissKappa(matrix: TRatings): TFleissResult {
  const units = pairableUnits(matrix);
  if (units.length === 0) {
    return { kappa: null, units: 0, observed: null, expected: null, proportions: [], reason: "no-data" };
  }
  const totals = new Map<TLabel, number>();
  let labelCount = 0;
  let sumP = 0;
  for (const { size, counts } of units) {
    sumP += (sumOfSquares(counts.values()) - size) / (size * (size - 1));
    labelCount += size;
    for (const [label, c] of counts) totals.set(label, (totals.get(label) ?? 0) + c);
  }
  const observed = sumP / units.length;
  const expected = sumOfSquares(totals.values()) / (labelCount * labelCount);
  const proportions = [...totals.keys()]
    .sort()
    .map((value) => ({ value, proportion: totals.get(value)! / labelCount }));
  const base = { units: units.length, observed, expected, proportions };
  if (totals.size === 1) return { ...base, kappa: null, reason: "single-category" };
  return { ...base, kappa: (observed - expected) / (1 - expected), reason: null };
}

/**
 * Krippendorff's α for nominal data with missing values, via the coincidence matrix
 * (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"). Units with fewer than two
 * values are not pairable and drop out. For unit u with m_u values and n_uc of them in category c,
 * o_ck = Σ_u n_uc·n_uk / (m_u−1) (n_uc(n_uc−1) on the diagonal), n_c = Σ_k o_ck = Σ_u n_uc,
 * n = Σ_c n_c. Disagreements are reported normalised as in the paper:
 * D_o = Σ_{c≠k} o_ck / n and D_e = Σ_{c≠k} n_c·n_k / (n(n−1)), so α = 1 − D_o/D_e
 * = 1 − (n−1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k. With one category only D_e = 0 and α is null.
 */
export function krippendorffAlpha(matrix: TRatings): TAlphaResult {
  const units = pairableUnits(matrix);
  const totals = new Map<TLabel, number>();
  let n = 0;
  let offDiagonal = 0;
  for (const { size, counts } of units) {
    n += size;
    // Ordered pairs of different values within the unit: m_u² − Σ_c n_uc².
    offDiagonal += (size * size - sumOfSquares(counts.values())) / (size - 1);
    for (const [label, c] of counts) totals.set(label, (totals.get(label) ?? 0) + c);
  }
  if (n === 0) {
    return { alpha: null, n, observedDisagreement: null, expectedDisagreement: null, reason: "no-data" };
  }
  const observedDisagreement = offDiagonal / n;
  const expectedDisagreement = (n * n - sumOfSquares(totals.values())) / (n * (n - 1));
  if (totals.size === 1) {
    return { alpha: null, n, observedDisagreement, expectedDisagreement, reason: "single-category" };
  }
  return {
    alpha: 1 - observedDisagreement / expectedDisagreement,
    n,
    observedDisagreement,
    expectedDisagreement,
    reason: null,
  };
}

export function summarize(matrix: TRatings): TAgreementSummary {
  let labels = 0;
  let pairable = 0;
  for (const row of matrix) {
    const count = labelsOf(row).length;
    labels += count;
    if (count >= 2) pairable++;
  }
  return {
    percentAgreement: percentAgreement(matrix),
    fleiss: fleissKappa(matrix),
    alpha: krippendorffAlpha(matrix),
    units: matrix.length,
    pairableUnits: pairable,
    labels,
  };
}
