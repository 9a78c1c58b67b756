import type { TAgreementSummary, TCohenResult, TUndefinedReason } from "./agreement";
import type { TDimension } from "../projects/reasons";

// Shapes of the agreement figures, shared by the server module that computes them and the client
// components that draw them (types only: nothing here reaches the database).

export type TAgreementScope =
  | { level: "project" }
  | { level: "task"; task: string }
  | { level: "subtask"; task: string; subtask: string };

export type TAgreementVariable =
  | { kind: "decision"; key: "decision"; label: string }
  | { kind: "dimension"; key: TDimension; label: string }
  | { kind: "reason"; key: string; label: string; dimension: TDimension };

/** One variable in one scope. `units` counts pairs with at least one label in the scope. */
export type TAgreementRow = TAgreementSummary & { variable: TAgreementVariable; scope: TAgreementScope };

export type TAnnotatorRef = { id: number; name: string };

/** Cohen's κ on the decision for two annotators over the pairs both labelled (`n`). */
export type TAnnotatorKappa = TCohenResult & { a: TAnnotatorRef; b: TAnnotatorRef };

export type TAgreementFigures = {
  project: { id: number; name: string };
  /** Every variable × scope: decision, then dimensions, then reasons; each project, tasks, subtasks. */
  rows: TAgreementRow[];
  /** Annotators who share at least one pair with another, by name. */
  annotators: TAnnotatorRef[];
  /** One entry per pair of annotators with shared pairs (a.id < b.id). */
  cohen: TAnnotatorKappa[];
};

export const DIMENSION_LABELS: Record<TDimension, string> = {
  IF: "Instruction following",
  NC: "Non-edit consistency",
  VQ: "Visual quality",
  RA: "Reasoning accuracy",
};

export const UNDEFINED_REASON_TEXT: Record<TUndefinedReason, string> = {
  "no-data": "no data",
  "single-category": "single category",
};

export function scopeKey(scope: TAgreementScope): string {
  if (scope.level === "project") return "project";
  if (scope.level === "task") return `task:${scope.task}`;
  return `subtask:${scope.task}\u0000${scope.subtask}`;
}

export function scopeLabel(scope: TAgreementScope): string {
  if (scope.level === "project") return "Whole project";
  if (scope.level === "task") return scope.task;
  return `${scope.task} / ${scope.subtask}`;
}

/** A row as the client components need it: flat and small, since every scope × variable is sent. */
export type TAgreementCell = {
  id: string;
  kind: TAgreementVariable["kind"];
  variable: string;
  variableKey: string;
  level: TAgreementScope["level"];
  scope: string;
  units: number;
  pairableUnits: number;
  labels: number;
  percentAgreement: number | null;
  kappa: number | null;
  kappaReason: TUndefinedReason | null;
  alpha: number | null;
  alphaReason: TUndefinedReason | null;
};

export function toCell(row: TAgreementRow): TAgreementCell {
  return {
    id: `${row.variable.kind}:${row.variable.key}@${scopeKey(row.scope)}`,
    kind: row.variable.kind,
    variable: row.variable.label,
    variableKey: row.variable.key,
    level: row.scope.level,
    scope: scopeLabel(row.scope),
    units: row.units,
    pairableUnits: row.pairableUnits,
    labels: row.labels,
    percentAgreement: row.percentAgreement,
    kappa: row.fleiss.kappa,
    kappaReason: row.fleiss.reason,
    alpha: row.alpha.alpha,
    alphaReason: row.alpha.reason,
  };
}
