// The audit sample's arithmetic: allocation of a sample over strata, Wilson intervals, the stratified
// estimate of the share people accept in a domain (the pairs the verifier keeps, or drops), and the
// labels a stratum needs for an interval under a width. Pure (no database), so it is unit-tested by hand
// and the page's client parts may import its types. docs/decisions/025-audit-sample.md has the reasoning.

/** 95% two-sided normal quantile. */
export const Z95 = 1.959963984540054;

export interface TInterval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` out of `n`; null without observations. */
export function wilson(successes: number, n: number, z = Z95): TInterval | null {
  if (!(n > 0)) return null;
  return wilsonAt(successes / n, n, z);
}

/** Wilson's interval for an observed share `p` over an (effective, possibly fractional) sample size `n`. */
export function wilsonAt(p: number, n: number, z = Z95): TInterval {
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The full width of Wilson's interval at share `p` and `n` observations. */
export function wilsonWidth(p: number, n: number, z = Z95): number {
  const z2 = z * z;
  return ((2 * z) / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
}

/** Labels needed in all, at most this many, for the planning answer (beyond it: "more than"). */
export const MAX_LABELS_PLANNED = 10_000_000;

/**
 * The fewest observations whose Wilson interval at share `p` is at most `width` wide. With no share yet
 * (`p` null) it plans for 0.5, the widest case. The width shrinks as n grows for every p, so a binary
 * search finds it; null when even MAX_LABELS_PLANNED is not enough (a width of almost nothing).
 */
export function labelsForWidth(p: number | null, width: number, z = Z95): number | null {
  if (!(width > 0)) return null;
  const share = p ?? 0.5;
  if (wilsonWidth(share, MAX_LABELS_PLANNED, z) > width) return null;
  let lo = 1;
  let hi = MAX_LABELS_PLANNED;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (wilsonWidth(share, mid, z) <= width) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export type TAllocation = "proportional" | "equal";

/**
 * Sample sizes per stratum. 'equal': `size` from each stratum (all of a smaller one). 'proportional':
 * `size` in all, split by stratum size with the largest-remainder rule (ties to the earlier stratum), at
 * most the whole pool.
 */
export function allocate(sizes: readonly number[], size: number, allocation: TAllocation): number[] {
  if (allocation === "equal") return sizes.map((n) => Math.min(n, size));
  const total = sizes.reduce((s, n) => s + n, 0);
  if (total === 0) return sizes.map(() => 0);
  const want = Math.min(size, total);
  const exact = sizes.map((n) => (want * n) / total);
  const out = exact.map(Math.floor);
  let left = want - out.reduce((s, n) => s + n, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    out[i]! += 1;
    left -= 1;
  }
  return out;
}

/** One stratum's audit sample as the estimate reads it, for one domain (kept or dropped). */
export interface TStratumDomain {
  /** Regular pairs in the stratum when the round was drawn (N_h). */
  stratumSize: number;
  /** Sampled pairs of the stratum still present (n_h). */
  sampled: number;
  /** Sampled pairs in the domain, labelled or not. */
  inDomain: number;
  /** Sampled pairs in the domain with a final human decision (m). */
  labelled: number;
  /** Of those, accepted (a). */
  accepted: number;
}

export interface TDomainEstimate {
  /** Pairs in the domain in the stratum (or strata), estimated: N_h × inDomain / sampled. */
  pairs: number;
  labelled: number;
  accepted: number;
  /** Estimated share people accept; null without labels. */
  share: number | null;
  interval: TInterval | null;
}

/** The estimate in one stratum: the labelled sampled pairs of the domain are a simple random sample of it. */
export function estimateStratum(s: TStratumDomain): TDomainEstimate {
  const pairs = s.sampled > 0 ? (s.stratumSize * s.inDomain) / s.sampled : 0;
  return {
    pairs,
    labelled: s.labelled,
    accepted: s.accepted,
    share: s.labelled > 0 ? s.accepted / s.labelled : null,
    interval: wilson(s.accepted, s.labelled),
  };
}

export interface TCombinedEstimate extends TDomainEstimate {
  /** Kish's effective sample size the combined interval uses. */
  effectiveLabels: number | null;
  /** Share of the domain's estimated pairs in strata with at least one label: the part the estimate speaks for. */
  coverage: number | null;
}

/**
 * Strata combined by their weight in the domain: share = Σ W_h p_h with W_h = pairs_h / Σ pairs (over the
 * strata with labels), variance Σ W_h² p_h(1 − p_h) / m_h, and Wilson's interval at the share with Kish's
 * effective sample size p(1 − p) / variance. When every stratum's share is 0 or 1 the variance is 0 and
 * the effective size falls back to the labels themselves.
 */
export function combineStrata(strata: readonly TDomainEstimate[], z = Z95): TCombinedEstimate {
  const all = strata.reduce((s, x) => s + x.pairs, 0);
  const used = strata.filter((x) => x.labelled > 0 && x.share !== null && x.pairs > 0);
  const weight = used.reduce((s, x) => s + x.pairs, 0);
  const labelled = strata.reduce((s, x) => s + x.labelled, 0);
  const accepted = strata.reduce((s, x) => s + x.accepted, 0);
  if (weight === 0) {
    return { pairs: all, labelled, accepted, share: null, interval: null, effectiveLabels: null, coverage: all > 0 ? 0 : null };
  }
  let share = 0;
  let variance = 0;
  let usedLabels = 0;
  for (const x of used) {
    const w = x.pairs / weight;
    const p = x.share!;
    share += w * p;
    variance += (w * w * p * (1 - p)) / x.labelled;
    usedLabels += x.labelled;
  }
  const effective = variance > 0 ? (share * (1 - share)) / variance : usedLabels;
  return {
    pairs: all,
    labelled,
    accepted,
    share,
    interval: wilsonAt(share, effective, z),
    effectiveLabels: effective,
    coverage: weight / all,
  };
}

export interface TLabelsNeeded {
  /** More labels in this domain for its interval to be at most the width (0: already there). */
  domainLabels: number | null;
  /** More audit labels in the stratum to expect that many in the domain (its share of the sample); null when unknown. */
  auditLabels: number | null;
}

/**
 * How many more labels a stratum's domain needs for its Wilson interval to be at most `width` wide, at the
 * share seen so far (0.5 without labels), and how many audit labels in the stratum that takes: each audit
 * label falls in the domain with the domain's share of the stratum's sample. Unknown (null) when the
 * sample holds no pair of the domain or the width cannot be reached.
 */
export function labelsNeeded(s: TStratumDomain, width: number, z = Z95): TLabelsNeeded {
  const total = labelsForWidth(s.labelled > 0 ? s.accepted / s.labelled : null, width, z);
  if (total === null) return { domainLabels: null, auditLabels: null };
  const more = Math.max(0, total - s.labelled);
  if (more === 0) return { domainLabels: 0, auditLabels: 0 };
  if (s.inDomain === 0 || s.sampled === 0) return { domainLabels: more, auditLabels: null };
  return { domainLabels: more, auditLabels: Math.ceil((more * s.sampled) / s.inDomain) };
}
