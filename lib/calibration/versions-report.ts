import { NO_VERDICTS, addVerdicts, bestPrecision, statsWithIntervals, thresholdForPrecision, sweepFromHistogram, verdictCell, type TIntervalStats, type TScoreBin, type TSweepPoint, type TVerdicts } from "./math";
import { type TCalibrationScope } from "./report";
import type { TVerifierRule } from "../quality/settings-schema";

// Verifier versions side by side, assembled from the summary's grouped rows (lib/calibration/versions.ts).
// Pure, so the figures can be traced by hand (test/db/calibration-versions.test.ts does).

export interface TVersionFilter {
  task?: string;
  subtask?: string;
  includeGold: boolean;
  /** The versions compared; none: every version in the summary. */
  versions?: string[];
}

export interface TVersionSummary {
  /** When the summary's run started (what it counts is as of then); null: never computed. */
  computedAt: string | null;
  /** Seconds since then, by the database's clock. */
  ageSeconds: number | null;
  /** Final pairs with at least one verifier output it counted. */
  pairs: number;
  /** The verifier rule or the declared scales changed since it was computed. */
  ruleChanged: boolean;
  /** A run under way. */
  running: { startedAt: string; progress: number } | null;
}

/** A row of the summary's grouped read: key "" is the version's verdict, else one score column's bin. */
export interface TVersionCountRow {
  version: string;
  task: string | null;
  subtask: string | null;
  accepted: boolean;
  verdict: boolean | null;
  key: string;
  bin: number;
  min: number | null;
  n: number;
}

export interface TVersionScopeRow {
  scope: TCalibrationScope;
  /** Compared pairs in the scope (each has an output from every compared version). */
  pairs: number;
  byVersion: { version: string; verdicts: TVerdicts; stats: TIntervalStats }[];
}

export interface TVersionCurve {
  version: string;
  scored: number;
  points: TSweepPoint[];
}

export interface TVersionSweep {
  key: string;
  label: string;
  short: string;
  lowerIsBetter: boolean;
  integer: boolean;
  curves: TVersionCurve[];
}

export interface TVersionComparisonReport {
  filter: TVersionFilter & { versions: string[] };
  summary: TVersionSummary;
  /** Every version in the summary, and the compared ones (filter.versions). */
  versions: string[];
  options: { tasks: string[]; subtasks: string[] };
  /** Compared pairs in the selection, and those people accepted. */
  pairs: number;
  accepted: number;
  /** The selection (the project, or the chosen task / subtask) first, then each task and its subtasks. */
  scopes: TVersionScopeRow[];
  sweeps: TVersionSweep[];
}

export type TVersionComparison = TVersionComparisonReport & {
  project: { id: number; name: string; verifierRule: TVerifierRule; activeVersion: string | null };
};

/** "" is the name of outputs imported without a version. */
export function versionLabel(v: string): string {
  return v === "" ? "(unnamed)" : v;
}

const byName = (a: string, b: string) => a.localeCompare(b);

function scopesOf(r: { task: string | null; subtask: string | null }): { key: string; scope: TCalibrationScope }[] {
  const out: { key: string; scope: TCalibrationScope }[] = [{ key: "project", scope: { level: "project" } }];
  if (r.task !== null) {
    out.push({ key: `t\u0000${r.task}`, scope: { level: "task", task: r.task } });
    if (r.subtask !== null) out.push({ key: `s\u0000${r.task}\u0000${r.subtask}`, scope: { level: "subtask", task: r.task, subtask: r.subtask } });
  }
  return out;
}

function inFilter(r: { task: string | null; subtask: string | null }, f: TVersionFilter): boolean {
  return (f.task === undefined || r.task === f.task) && (f.subtask === undefined || r.subtask === f.subtask);
}

function shown(s: TCalibrationScope, f: TVersionFilter): boolean {
  if (f.task === undefined && f.subtask === undefined) return true;
  if (s.level === "project") return false;
  if (f.task !== undefined && s.task !== f.task) return false;
  if (f.subtask !== undefined) return s.level === "subtask" && s.subtask === f.subtask;
  return true;
}

function order(a: TCalibrationScope, b: TCalibrationScope): number {
  if (a.level === "project" || b.level === "project") return Number(b.level === "project") - Number(a.level === "project");
  const sub = (s: TCalibrationScope) => (s.level === "subtask" ? s.subtask : null);
  const [sa, sb] = [sub(a), sub(b)];
  return byName(a.task, b.task) || (sa === null ? (sb === null ? 0 : -1) : sb === null ? 1 : byName(sa, sb));
}

export function buildVersionComparison(input: {
  filter: TVersionFilter & { versions: string[] };
  summary: TVersionSummary;
  versions: string[];
  columns: readonly { key: string; label: string; short: string; higherIsBetter: boolean }[];
  rows: readonly TVersionCountRow[];
}): TVersionComparisonReport {
  const { filter } = input;
  const compared = filter.versions;
  const first = compared[0];
  const tasks = new Set<string>();
  const subtasks = new Set<string>();
  // scope key → version → verdicts
  const scopes = new Map<string, { scope: TCalibrationScope; verdicts: Map<string, TVerdicts> }>();
  let pairs = 0;
  let accepted = 0;
  for (const r of input.rows) {
    if (r.key !== "") continue;
    if (r.task !== null) tasks.add(r.task);
    if (r.subtask !== null && (filter.task === undefined || r.task === filter.task)) subtasks.add(r.subtask);
    // Each compared pair has one verdict row per version: counted once, on the first version's.
    if (r.version === first && inFilter(r, filter)) {
      pairs += r.n;
      if (r.accepted) accepted += r.n;
    }
    for (const { key, scope } of scopesOf(r)) {
      if (!shown(scope, filter)) continue;
      const s = scopes.get(key) ?? { scope, verdicts: new Map<string, TVerdicts>() };
      s.verdicts.set(r.version, addVerdicts(s.verdicts.get(r.version) ?? NO_VERDICTS, verdictCell(r.verdict, r.accepted, r.n)));
      scopes.set(key, s);
    }
  }
  const count = (v: TVerdicts) => v.tp + v.fp + v.fn + v.tn + v.noVerdictAccepted + v.noVerdictNotAccepted;
  const scopeRows: TVersionScopeRow[] = [...scopes.values()]
    .sort((a, b) => order(a.scope, b.scope))
    .map(({ scope, verdicts }) => ({
      scope,
      pairs: count(verdicts.get(first ?? "") ?? NO_VERDICTS),
      byVersion: compared.map((version) => {
        const v = verdicts.get(version) ?? NO_VERDICTS;
        return { version, verdicts: v, stats: statsWithIntervals(v) };
      }),
    }));

  const sweeps = input.columns.map(({ key, label, short, higherIsBetter }): TVersionSweep => {
    const curves = compared.map((version): TVersionCurve => {
      // Each bin comes as one row per outcome (and task): its threshold is the lowest score among them.
      const bins = new Map<number, TScoreBin>();
      for (const r of input.rows) {
        if (r.key !== key || r.version !== version || r.min === null || !inFilter(r, filter)) continue;
        const b = bins.get(r.bin) ?? { threshold: r.min, accepted: 0, notAccepted: 0 };
        b.threshold = Math.min(b.threshold, r.min);
        if (r.accepted) b.accepted += r.n;
        else b.notAccepted += r.n;
        bins.set(r.bin, b);
      }
      const list = [...bins.values()];
      const points = sweepFromHistogram(list).map((p) => (higherIsBetter ? p : { ...p, threshold: -p.threshold }));
      return { version, scored: list.reduce((s, b) => s + b.accepted + b.notAccepted, 0), points };
    });
    const integer = curves.every((c) => c.points.every((p) => Number.isInteger(p.threshold)));
    return { key, label, short, lowerIsBetter: !higherIsBetter, integer, curves };
  });

  return {
    filter,
    summary: input.summary,
    versions: input.versions,
    options: { tasks: [...tasks].sort(byName), subtasks: [...subtasks].sort(byName) },
    pairs,
    accepted,
    scopes: scopeRows,
    sweeps,
  };
}

/** The comparison as JSON (the admin and pipeline APIs): each curve with the threshold reaching `target` precision. */
export function versionComparisonJson(c: TVersionComparison, target: number) {
  return {
    ...c,
    targetPrecision: target,
    sweeps: c.sweeps.map((s) => ({
      ...s,
      curves: s.curves.map((curve) => ({ ...curve, atTarget: thresholdForPrecision(curve.points, target), mostPrecise: bestPrecision(curve.points) })),
    })),
  };
}
