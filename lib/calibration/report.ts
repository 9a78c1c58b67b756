import {
  addVerdicts,
  NO_VERDICTS,
  sweepFromHistogram,
  verdictCell,
  type TScoreBin,
  type TSweepPoint,
  type TVerdicts,
} from "./math";

// The calibration report assembled from the grouped rows queries.ts reads. Pure, so the page's numbers can
// be traced by hand (test/db/calibration.test.ts does).

/** A declared score column's key (the project's verifier_scales, lib/quality/scales.ts). */
export type TScoreKey = string;

export interface TCalibrationFilter {
  task?: string;
  subtask?: string;
  /** Gold pairs carry the expected answer, not a consensus, and are often chosen for being hard. */
  includeGold: boolean;
}

export type TCalibrationScope =
  | { level: "project" }
  | { level: "task"; task: string }
  | { level: "subtask"; task: string; subtask: string };

export interface TScopeRow {
  scope: TCalibrationScope;
  finalPairs: number;
  flag: TVerdicts;
  keep: TVerdicts;
}

export interface TScoreSweep {
  key: TScoreKey;
  label: string;
  short: string;
  /** Final pairs in the selection that have this score, and that do not. */
  scored: number;
  unscored: number;
  points: TSweepPoint[];
  /** Every score seen is a whole number (shown without decimals). */
  integer: boolean;
  /** Lower is better on this column: thresholds keep scores at or below them. */
  lowerIsBetter: boolean;
}

export interface TCalibrationReport {
  filter: TCalibrationFilter;
  /** Tasks of the project's final pairs, and the subtasks of the chosen task (of all tasks without one). */
  options: { tasks: string[]; subtasks: string[] };
  finalPairs: number;
  accepted: number;
  flag: TVerdicts;
  keep: TVerdicts;
  /** The project or the chosen task, then each task followed by its subtasks, within the selection. */
  scopes: TScopeRow[];
  sweeps: TScoreSweep[];
}

/** Final pairs grouped by task, subtask, valid flag, keep-rule verdict and human outcome. */
export interface TScopeGroup {
  task: string | null;
  subtask: string | null;
  valid: boolean | null;
  keep: boolean | null;
  accepted: boolean;
  n: number;
}

/**
 * Selected final pairs in one bin of one declared score column (`bin` identifies it; `min` is its lowest
 * score). Scores are oriented so that higher is better (a lower-is-better column's are negated).
 */
export interface TScoreBinGroup {
  key: string;
  bin: number;
  min: number;
  accepted: boolean;
  n: number;
}

function inFilter(g: { task: string | null; subtask: string | null }, f: TCalibrationFilter): boolean {
  return (f.task === undefined || g.task === f.task) && (f.subtask === undefined || g.subtask === f.subtask);
}

const byName = (a: string, b: string) => a.localeCompare(b);

function scopeKey(s: TCalibrationScope): string {
  if (s.level === "project") return "project";
  if (s.level === "task") return `task\u0000${s.task}`;
  return `subtask\u0000${s.task}\u0000${s.subtask}`;
}

function compareScopes(a: TCalibrationScope, b: TCalibrationScope): number {
  if (a.level === "project" || b.level === "project") return Number(b.level === "project") - Number(a.level === "project");
  const sub = (s: typeof a) => (s.level === "subtask" ? s.subtask : null);
  const [sa, sb] = [sub(a), sub(b)];
  return byName(a.task, b.task) || (sa === null ? (sb === null ? 0 : -1) : sb === null ? 1 : byName(sa, sb));
}

/** The scopes a group counts in: the project, its task, its task + subtask (pairs without one count only higher up). */
function scopesOf(g: TScopeGroup): TCalibrationScope[] {
  const scopes: TCalibrationScope[] = [{ level: "project" }];
  if (g.task !== null) {
    scopes.push({ level: "task", task: g.task });
    if (g.subtask !== null) scopes.push({ level: "subtask", task: g.task, subtask: g.subtask });
  }
  return scopes;
}

function scopeShown(s: TCalibrationScope, f: TCalibrationFilter): boolean {
  if (f.task === undefined && f.subtask === undefined) return true;
  if (s.level === "project") return false;
  if (f.task !== undefined && s.task !== f.task) return false;
  if (f.subtask !== undefined) return s.level === "subtask" && s.subtask === f.subtask;
  return true;
}

function columnSweep(groups: readonly TScoreBinGroup[]): TScoreBin[] {
  // Each bin comes as two rows (accepted or not), each with its own lowest score: the bin's
  // threshold is the lower of the two, so that every pair in the bin is kept at it.
  const bins = new Map<number, TScoreBin>();
  for (const g of groups) {
    const b = bins.get(g.bin) ?? { threshold: g.min, accepted: 0, notAccepted: 0 };
    b.threshold = Math.min(b.threshold, g.min);
    if (g.accepted) b.accepted += g.n;
    else b.notAccepted += g.n;
    bins.set(g.bin, b);
  }
  return [...bins.values()];
}

export function buildCalibrationReport(input: {
  filter: TCalibrationFilter;
  scopes: readonly TScopeGroup[];
  /** The declared columns, in order. */
  columns: readonly { key: string; label: string; short: string; higherIsBetter: boolean }[];
  bins: readonly TScoreBinGroup[];
}): TCalibrationReport {
  const { filter } = input;
  const rows = new Map<string, TScopeRow>();
  const tasks = new Set<string>();
  const subtasks = new Set<string>();
  let flag = NO_VERDICTS;
  let keep = NO_VERDICTS;
  let finalPairs = 0;
  let accepted = 0;
  for (const g of input.scopes) {
    if (g.task !== null) tasks.add(g.task);
    if (g.subtask !== null && (filter.task === undefined || g.task === filter.task)) subtasks.add(g.subtask);
    const f = verdictCell(g.valid, g.accepted, g.n);
    const k = verdictCell(g.keep, g.accepted, g.n);
    if (inFilter(g, filter)) {
      flag = addVerdicts(flag, f);
      keep = addVerdicts(keep, k);
      finalPairs += g.n;
      if (g.accepted) accepted += g.n;
    }
    for (const scope of scopesOf(g)) {
      if (!scopeShown(scope, filter)) continue;
      const key = scopeKey(scope);
      const row = rows.get(key) ?? { scope, finalPairs: 0, flag: NO_VERDICTS, keep: NO_VERDICTS };
      rows.set(key, { scope, finalPairs: row.finalPairs + g.n, flag: addVerdicts(row.flag, f), keep: addVerdicts(row.keep, k) });
    }
  }
  const sweeps = input.columns.map(({ key, label, short, higherIsBetter }): TScoreSweep => {
    const bins = columnSweep(input.bins.filter((g) => g.key === key));
    const scored = bins.reduce((sum, b) => sum + b.accepted + b.notAccepted, 0);
    // Swept on the oriented score; a lower-is-better column's thresholds are turned back into its own values.
    const points = sweepFromHistogram(bins).map((p) => (higherIsBetter ? p : { ...p, threshold: -p.threshold }));
    return {
      key, label, short, scored, unscored: Math.max(finalPairs - scored, 0), points,
      integer: bins.every((b) => Number.isInteger(b.threshold)), lowerIsBetter: !higherIsBetter,
    };
  });
  return {
    filter,
    options: { tasks: [...tasks].sort(byName), subtasks: [...subtasks].sort(byName) },
    finalPairs,
    accepted,
    flag,
    keep,
    scopes: [...rows.values()].sort((a, b) => compareScopes(a.scope, b.scope)),
    sweeps,
  };
}

export function hasVerifierSignals(r: TCalibrationReport): boolean {
  const verdicts = (v: TVerdicts) => v.tp + v.fp + v.fn + v.tn;
  return verdicts(r.flag) > 0 || verdicts(r.keep) > 0 || r.sweeps.some((s) => s.points.length > 0);
}

export function scopeLabel(s: TCalibrationScope): string {
  if (s.level === "project") return "Whole project";
  if (s.level === "task") return s.task;
  return `${s.task} / ${s.subtask}`;
}
