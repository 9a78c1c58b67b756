import { z } from "zod";
import { InvalidError } from "../errors";

// Which final pairs an export takes. Pure: the API, the CLI, saved filters and the job all parse with
// ZExportFilters; filterWhere() makes a parameterized WHERE over `pairs`. An absent field is no constraint.

export const EXPORT_DECISIONS = ["accept", "reject", "recaption"] as const;
export const GOLD_CHOICES = ["include", "exclude", "only"] as const;
export type TGoldChoice = (typeof GOLD_CHOICES)[number];
/** The keep rule on the active verifier version's scores: kept, dropped, or no verdict from the scores. */
export const VERIFIER_CHOICES = ["keeps", "drops", "none"] as const;

// Messages read after the field's name: "Minimum agreement must be a number between 0 and 1."
const ZName = z.string({ error: "must be a list of names" }).trim().min(1, "cannot hold an empty name").max(200, "names are at most 200 characters");
const ZNames = z.array(ZName, { error: "must be a list of names" })
  .min(1, "must name at least one, or be left out")
  .max(200, "can name at most 200");

/** A calendar day (taken as UTC midnight) or an ISO timestamp with its offset. */
const ZInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: "must be a date (YYYY-MM-DD) or an ISO timestamp such as 2026-01-31T18:00:00Z",
});

export const ZExportFilters = z
  .strictObject({
    decisions: z.array(z.enum(EXPORT_DECISIONS, { error: "must each be accept, reject or recaption" }), { error: "must be a list" })
      .min(1, "must name at least one, or be left out").max(3, "can name at most 3").optional(),
    /** Only pairs a reviewer settled (final_source = 'review'). */
    adjudicatedOnly: z.boolean({ error: "must be true or false" }).optional(),
    /** Share of the pair's labels agreeing with its majority, at least this (pairs without a figure, e.g. gold, drop out). */
    minAgreement: z.number({ error: "must be a number between 0 and 1" }).min(0, "must be a number between 0 and 1").max(1, "must be a number between 0 and 1").optional(),
    tasks: ZNames.optional(),
    subtasks: ZNames.optional(),
    finalizedFrom: ZInstant.optional(),
    /** Finalised strictly before this instant (a day: before its start). */
    finalizedBefore: ZInstant.optional(),
    /** Gold pairs: in (default), out, or nothing else. */
    gold: z.enum(GOLD_CHOICES, { error: "must be include, exclude or only" }).optional(),
    /** The keep rule on the active verifier version's scores (the pair's stored margin). */
    verifier: z.array(z.enum(VERIFIER_CHOICES, { error: "must each be keeps, drops or none" }), { error: "must be a list" })
      .min(1, "must name at least one, or be left out").max(3, "can name at most 3").optional(),
    /** A saved filter of the project; resolved server-side into the fields above (lib/exports/service.ts). */
    savedFilterId: z.number({ error: "must be the id of a saved filter" }).int("must be the id of a saved filter").positive("must be the id of a saved filter").optional(),
  })
  .superRefine((f, ctx) => {
    if (f.finalizedFrom && f.finalizedBefore && instantOf(f.finalizedFrom) >= instantOf(f.finalizedBefore)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `the date range is empty: no pair can be finalised from ${f.finalizedFrom} and before ${f.finalizedBefore}`,
      });
    }
  });

export type TExportFilters = z.infer<typeof ZExportFilters>;

/** A day means its UTC midnight; never the session's time zone. */
export function instantOf(v: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : new Date(v).toISOString();
}

const FIELD_WORDS: Record<string, string> = {
  decisions: "Final decisions",
  adjudicatedOnly: "Adjudicated only",
  minAgreement: "Minimum agreement",
  tasks: "Tasks",
  subtasks: "Subtasks",
  finalizedFrom: "Finalised from",
  finalizedBefore: "Finalised before",
  gold: "Gold",
  verifier: "Verifier",
  savedFilterId: "Saved filter",
};

/** Parses filters from anywhere (API body, CLI flags, a stored row); a bad one is an InvalidError with one clear sentence. */
export function parseExportFilters(raw: unknown): TExportFilters {
  const r = ZExportFilters.safeParse(raw ?? {});
  if (r.success) return normalizeFilters(r.data);
  const issue = r.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const message = issue.code === "unrecognized_keys"
    ? `unknown filter ${issue.keys.map((k) => `"${k}"`).join(", ")}; known filters are ${Object.keys(FIELD_WORDS).join(", ")}`
    : issue.message;
  const sentence = FIELD_WORDS[key] ? `${FIELD_WORDS[key]} ${message}` : `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
  throw new InvalidError(`Export filters are not valid. ${sentence}.`, r.error.issues.map((i) => ({ path: ["filters", ...i.path].join("."), message: i.message })));
}

/** One spelling per meaning: lists deduplicated and sorted, defaults dropped, so equal filters compare equal. */
export function normalizeFilters(f: TExportFilters): TExportFilters {
  const out: TExportFilters = {};
  const decisions = f.decisions ? EXPORT_DECISIONS.filter((d) => f.decisions!.includes(d)) : [];
  if (decisions.length > 0 && decisions.length < EXPORT_DECISIONS.length) out.decisions = decisions;
  if (f.adjudicatedOnly) out.adjudicatedOnly = true;
  if (f.minAgreement !== undefined && f.minAgreement > 0) out.minAgreement = f.minAgreement;
  if (f.tasks) out.tasks = [...new Set(f.tasks)].sort();
  if (f.subtasks) out.subtasks = [...new Set(f.subtasks)].sort();
  if (f.finalizedFrom) out.finalizedFrom = f.finalizedFrom;
  if (f.finalizedBefore) out.finalizedBefore = f.finalizedBefore;
  if (f.gold && f.gold !== "include") out.gold = f.gold;
  const verifier = f.verifier ? VERIFIER_CHOICES.filter((v) => f.verifier!.includes(v)) : [];
  if (verifier.length > 0 && verifier.length < VERIFIER_CHOICES.length) out.verifier = verifier;
  if (f.savedFilterId !== undefined) out.savedFilterId = f.savedFilterId;
  return out;
}

/** The filters as " AND …" conditions on alias `p`, their values appended to `values` (placeholders number on). */
export function filterWhere(f: TExportFilters, values: unknown[], alias = "p"): string {
  const bind = (v: unknown) => `$${values.push(v)}`;
  const parts: string[] = [];
  // Bound as text[] and cast: PGlite cannot serialize a JS array for an enum array parameter.
  if (f.decisions) parts.push(`${alias}.final_decision = ANY(${bind(f.decisions)}::text[]::"Decision"[])`);
  if (f.adjudicatedOnly) parts.push(`${alias}.final_source = 'review'`);
  // Compared as real, the column's own type, so a threshold typed as 0.6666667 matches 2/3 stored.
  if (f.minAgreement !== undefined) parts.push(`${alias}.agreement >= ${bind(f.minAgreement)}::real`);
  if (f.tasks) parts.push(`${alias}.task = ANY(${bind(f.tasks)}::text[])`);
  if (f.subtasks) parts.push(`${alias}.subtask = ANY(${bind(f.subtasks)}::text[])`);
  if (f.finalizedFrom) parts.push(`${alias}.finalized_at >= ${bind(instantOf(f.finalizedFrom))}::timestamptz`);
  if (f.finalizedBefore) parts.push(`${alias}.finalized_at < ${bind(instantOf(f.finalizedBefore))}::timestamptz`);
  if (f.gold === "exclude") parts.push(`NOT ${alias}.is_gold`);
  if (f.gold === "only") parts.push(`${alias}.is_gold`);
  if (f.verifier) {
    const any = f.verifier.map((v) =>
      v === "keeps" ? `${alias}.verifier_margin >= 0` : v === "drops" ? `${alias}.verifier_margin < 0` : `${alias}.verifier_margin IS NULL`);
    parts.push(`(${any.join(" OR ")})`);
  }
  return parts.map((s) => ` AND ${s}`).join("");
}

/** Whether the filters narrow anything (an export of everything can take its total from project_counts). */
export function hasConstraints(f: TExportFilters): boolean {
  const { savedFilterId: _saved, ...rest } = normalizeFilters(f);
  return Object.keys(rest).length > 0;
}

const DECISION_WORDS = { accept: "accept", reject: "reject", recaption: "re-caption" } as const;

export function describeFilters(f: TExportFilters): string {
  const n = normalizeFilters(f);
  const parts: string[] = [];
  if (n.decisions) parts.push(n.decisions.map((d) => DECISION_WORDS[d]).join(" or "));
  if (n.adjudicatedOnly) parts.push("adjudicated only");
  if (n.minAgreement !== undefined) parts.push(`agreement ≥ ${n.minAgreement}`);
  if (n.tasks) parts.push(`task ${n.tasks.join(", ")}`);
  if (n.subtasks) parts.push(`subtask ${n.subtasks.join(", ")}`);
  if (n.finalizedFrom && n.finalizedBefore) parts.push(`finalised ${n.finalizedFrom} to before ${n.finalizedBefore}`);
  else if (n.finalizedFrom) parts.push(`finalised from ${n.finalizedFrom}`);
  else if (n.finalizedBefore) parts.push(`finalised before ${n.finalizedBefore}`);
  if (n.gold === "exclude") parts.push("no gold");
  if (n.gold === "only") parts.push("gold only");
  if (n.verifier) parts.push(`verifier ${n.verifier.map((v) => (v === "none" ? "no verdict" : v)).join(" or ")}`);
  return parts.length ? parts.join(" · ") : "all final pairs";
}
