/**
 * Inter-annotator agreement for nominal labels; pure, so it runs in a server action, a worker or the
 * browser. Data is a units × raters matrix, `null` (or a missing trailing cell) where a rater did not
 * label a unit; labels compare as strings, exactly.
 *
 * A chance-corrected coefficient is `null` with a `reason` when nothing is pairable (`"no-data"`) or
 * every pairable label is one category (`"single-category"`: expected agreement is 1, so 0/0). Observed
 * and percent agreement still answer 1 then: the raters agree, the data cannot tell it from chance.
 */

export type TLabel = string;
export type TRatings = (TLabel | null)[][];
export type TRatingRecord = { unit: string; rater: string; value: TLabel };
export type TUndefinedReason = "no-data" | "single-category";

/** One unit's category counts, and how many units have exactly those counts. */
export type TComposition = { counts: Record<TLabel, number>; weight: number };

/** Cohen's contingency table: table[a][b] = units rater A put in category a and rater B in b. */
export type TContingency = Record<TLabel, Record<TLabel, number>>;

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
  units: number;
  pairableUnits: number;
  labels: number;
};

function labelsOf(row: readonly (TLabel | null | undefined)[]): TLabel[] {
  return row.filter((v): v is TLabel => typeof v === "string");
}

function countBy(values: readonly TLabel[]): Record<TLabel, number> {
  // Null prototype: a label spelled "__proto__" or "constructor" is just another category.
  const counts: Record<TLabel, number> = Object.create(null) as Record<TLabel, number>;
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

function sumOfSquares(counts: Iterable<number>): number {
  let s = 0;
  for (const c of counts) s += c * c;
  return s;
}

function requireCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a whole number ≥ 0, got ${value}`);
}

/** Each row of the matrix as a composition of weight 1 (rows with fewer than two labels included). */
export function compositionsOf(matrix: TRatings): TComposition[] {
  return matrix.map((row) => ({ counts: countBy(labelsOf(row)), weight: 1 }));
}

/**
 * Everything the unit-level statistics need. Sums stay integers per unit size m and are divided
 * only at the end, in ascending m, so the floats come out the same whatever the order or grouping
 * of the compositions: a histogram from SQL gives exactly the numbers of the matrix it summarises.
 */
interface TReduced {
  /** Σ weight, pairable or not. */
  units: number;
  pairableUnits: number;
  /** Σ weight·m, pairable or not. */
  labels: number;
  /** n: labels in pairable units. */
  pairableLabels: number;
  /** Per size m ≥ 2: [units of that size, Σ (Σ_c n_uc² − m) = their agreeing ordered label pairs]. */
  bySize: Map<number, [units: number, agreeing: number]>;
  /** n_c over pairable units, only categories with n_c > 0. */
  totals: Map<TLabel, number>;
}

function reduce(compositions: readonly TComposition[]): TReduced {
  const r: TReduced = { units: 0, pairableUnits: 0, labels: 0, pairableLabels: 0, bySize: new Map(), totals: new Map() };
  for (const { counts, weight } of compositions) {
    requireCount(weight, "a composition's weight");
    const values = Object.values(counts);
    for (const c of values) requireCount(c, "a category count");
    if (weight === 0) continue;
    const size = values.reduce((a, c) => a + c, 0);
    r.units += weight;
    r.labels += weight * size;
    if (size < 2) continue;
    r.pairableUnits += weight;
    r.pairableLabels += weight * size;
    const [units, agreeing] = r.bySize.get(size) ?? [0, 0];
    r.bySize.set(size, [units + weight, agreeing + weight * (sumOfSquares(values) - size)]);
    // A zero count is no category at all: {chosen: 0, not: 2} is a single-category unit.
    for (const [label, c] of Object.entries(counts)) if (c > 0) r.totals.set(label, (r.totals.get(label) ?? 0) + weight * c);
  }
  return r;
}

/** Σ over pairable units of P_u = Σ_c n_uc(n_uc−1) / m_u(m_u−1). */
function sumOfUnitAgreement(r: TReduced): number {
  let sum = 0;
  for (const m of [...r.bySize.keys()].sort((a, b) => a - b)) sum += r.bySize.get(m)![1] / (m * (m - 1));
  return sum;
}

/** Σ_{c≠k} o_ck of the coincidence matrix: Σ_u (m_u² − Σ_c n_uc²) / (m_u − 1). */
function sumOfDisagreeingCoincidences(r: TReduced): number {
  let sum = 0;
  for (const m of [...r.bySize.keys()].sort((a, b) => a - b)) {
    const [units, agreeing] = r.bySize.get(m)!;
    // m² − Σn² = m(m−1) − (Σn² − m) per unit: all ordered pairs minus the agreeing ones.
    sum += (units * m * (m - 1) - agreeing) / (m - 1);
  }
  return sum;
}

/** Percent agreement from weighted compositions; null when no unit has two labels. */
export function percentAgreementFromCompositions(compositions: readonly TComposition[]): number | null {
  const r = reduce(compositions);
  return r.pairableUnits === 0 ? null : sumOfUnitAgreement(r) / r.pairableUnits;
}

export function fleissKappaFromCompositions(compositions: readonly TComposition[]): TFleissResult {
  return fleissFromReduced(reduce(compositions));
}

function fleissFromReduced(r: TReduced): TFleissResult {
  if (r.pairableUnits === 0) {
    return { kappa: null, units: 0, observed: null, expected: null, proportions: [], reason: "no-data" };
  }
  const n = r.pairableLabels;
  const observed = sumOfUnitAgreement(r) / r.pairableUnits;
  const expected = sumOfSquares(r.totals.values()) / (n * n);
  const proportions = [...r.totals.keys()].sort().map((value) => ({ value, proportion: r.totals.get(value)! / n }));
  const base = { units: r.pairableUnits, observed, expected, proportions };
  if (r.totals.size === 1) return { ...base, kappa: null, reason: "single-category" };
  return { ...base, kappa: (observed - expected) / (1 - expected), reason: null };
}

export function krippendorffAlphaFromCompositions(compositions: readonly TComposition[]): TAlphaResult {
  return alphaFromReduced(reduce(compositions));
}

function alphaFromReduced(r: TReduced): TAlphaResult {
  const n = r.pairableLabels;
  if (n === 0) {
    return { alpha: null, n, observedDisagreement: null, expectedDisagreement: null, reason: "no-data" };
  }
  const observedDisagreement = sumOfDisagreeingCoincidences(r) / n;
  const expectedDisagreement = (n * n - sumOfSquares(r.totals.values())) / (n * (n - 1));
  if (r.totals.size === 1) {
    return { alpha: null, n, observedDisagreement, expectedDisagreement, reason: "single-category" };
  }
  return { alpha: 1 - observedDisagreement / expectedDisagreement, n, observedDisagreement, expectedDisagreement, reason: null };
}

/** All unit-level figures from weighted compositions, reducing them once. */
export function summarizeCompositions(compositions: readonly TComposition[]): TAgreementSummary {
  const r = reduce(compositions);
  return {
    percentAgreement: r.pairableUnits === 0 ? null : sumOfUnitAgreement(r) / r.pairableUnits,
    fleiss: fleissFromReduced(r),
    alpha: alphaFromReduced(r),
    units: r.units,
    pairableUnits: r.pairableUnits,
    labels: r.labels,
  };
}

/** Cohen's κ from a contingency table; a negative or fractional count throws (a bug upstream). */
export function cohensKappaFromContingency(table: TContingency): TCohenResult {
  const countsA = new Map<TLabel, number>();
  const countsB = new Map<TLabel, number>();
  let n = 0;
  let agreements = 0;
  for (const [a, row] of Object.entries(table)) {
    for (const [b, count] of Object.entries(row)) {
      requireCount(count, "a contingency count");
      if (count === 0) continue;
      n += count;
      if (a === b) agreements += count;
      countsA.set(a, (countsA.get(a) ?? 0) + count);
      countsB.set(b, (countsB.get(b) ?? 0) + count);
    }
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

/** Mean over units with ≥2 labels of Σ_j n_ij(n_ij−1) / n_i(n_i−1); null when no unit has two. */
export function percentAgreement(matrix: TRatings): number | null {
  return percentAgreementFromCompositions(compositionsOf(matrix));
}

/** Cohen's κ over the units both raters labelled; `a` and `b` are two columns of one matrix. */
export function cohensKappa(
  a: readonly (TLabel | null)[],
  b: readonly (TLabel | null)[],
): TCohenResult {
  if (a.length !== b.length) {
    throw new RangeError(`rating columns differ in length (${a.length} vs ${b.length})`);
  }
  const table: TContingency = Object.create(null) as TContingency;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x !== "string" || typeof y !== "string") continue;
    const row = (table[x] ??= Object.create(null) as Record<TLabel, number>);
    row[y] = (row[y] ?? 0) + 1;
  }
  return cohensKappaFromContingency(table);
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

/** Fleiss' κ with per-unit rater counts: units weigh the same in P̄, p_j weighs label counts (prefer α if sparse). */
export function fleissKappa(matrix: TRatings): TFleissResult {
  return fleissKappaFromCompositions(compositionsOf(matrix));
}

/**
 * Krippendorff's α for nominal data with missing values, via the coincidence matrix (Krippendorff 2011,
 * "Computing Krippendorff's Alpha-Reliability"); units with fewer than two values drop out. D_o and D_e
 * are normalised as in the paper; with one category D_e = 0 and α is null.
 */
export function krippendorffAlpha(matrix: TRatings): TAlphaResult {
  return krippendorffAlphaFromCompositions(compositionsOf(matrix));
}

export function summarize(matrix: TRatings): TAgreementSummary {
  return summarizeCompositions(compositionsOf(matrix));
}
