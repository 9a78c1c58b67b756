import { z } from "zod";
import { instantOf, parseExportFilters, type TExportFilters } from "../exports/filters";
import { InvalidError } from "../errors";

// The data browser's filters, sorts and cursors (decision 029). Pure: the pages parse the URL with
// ZBrowseQuery, lib/browse/queries.ts turns it into SQL with browseWhere(), and the e2e and db tests
// share it. Every field is optional; an absent field is no constraint.

export const PAIR_STATUSES = ["open", "labelled", "in_review", "final"] as const;
export const BROWSE_DECISIONS = ["accept", "reject", "recaption"] as const;
export const BROWSE_GOLD = ["only", "exclude", "active", "retired"] as const;
export const BROWSE_VERIFIER = ["keeps", "drops", "none"] as const;
export const BROWSE_SORTS = ["newest", "oldest", "finalized"] as const;
export type TBrowseSort = (typeof BROWSE_SORTS)[number];

export const SORT_WORDS: Record<TBrowseSort, string> = {
  newest: "Newest first",
  oldest: "Oldest first",
  finalized: "Recently finalised (final pairs only)",
};

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
/** A list from a repeated URL parameter or one comma-separated value. */
const list = (v: unknown) => {
  const raw = blank(v);
  if (raw === undefined) return undefined;
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => String(s).split(",")).map((s) => s.trim()).filter(Boolean);
  return parts.length ? [...new Set(parts)] : undefined;
};
const ZDay = z.iso.date({ error: "Dates are written YYYY-MM-DD." });
const ZName = z.string().trim().min(1).max(200, "Names are at most 200 characters.");
const ZScore = z.coerce.number({ error: "Scores are numbers." }).refine(Number.isFinite, "Scores are numbers.");

export const ZBrowseFilters = z
  .object({
    status: z.preprocess(list, z.array(z.enum(PAIR_STATUSES, { error: "Status is open, labelled, in_review or final." })).optional()),
    decision: z.preprocess(list, z.array(z.enum(BROWSE_DECISIONS, { error: "Decision is accept, reject or recaption." })).optional()),
    task: z.preprocess(blank, ZName.optional()),
    subtask: z.preprocess(blank, ZName.optional()),
    verifier: z.preprocess(list, z.array(z.enum(BROWSE_VERIFIER, { error: "Verifier is keeps, drops or none." })).optional()),
    /** Pairs holding an output of this verifier version (pair_verifier_outputs); "" is an unnamed version. */
    version: z.preprocess(blank, z.string().trim().max(200, "Version names are at most 200 characters.").optional()),
    /** A score column, compared on `version`'s output when given, else on the active copy (pairs.verifier_scores). */
    scoreKey: z.preprocess(blank, z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, "Score names are letters, digits, _ . and -.").optional()),
    scoreMin: z.preprocess(blank, ZScore.optional()),
    scoreMax: z.preprocess(blank, ZScore.optional()),
    gold: z.preprocess(blank, z.enum(BROWSE_GOLD, { error: "Gold is only, exclude, active or retired." }).optional()),
    /** Pairs this user labelled. */
    annotator: z.preprocess(blank, z.coerce.number().int().positive("Pick an annotator from the list.").optional()),
    createdFrom: z.preprocess(blank, ZDay.optional()),
    createdBefore: z.preprocess(blank, ZDay.optional()),
    finalizedFrom: z.preprocess(blank, ZDay.optional()),
    finalizedBefore: z.preprocess(blank, ZDay.optional()),
    /** Words to find in the instruction (PostgreSQL full-text search, websearch syntax: "quoted phrase", -not, or). */
    q: z.preprocess(blank, z.string().trim().max(200, "Search for at most 200 characters.").optional()),
  })
  .superRefine((f, ctx) => {
    if ((f.scoreMin !== undefined || f.scoreMax !== undefined) && !f.scoreKey) {
      ctx.addIssue({ code: "custom", path: ["scoreKey"], message: "Choose which score the range applies to." });
    }
    if (f.scoreMin !== undefined && f.scoreMax !== undefined && f.scoreMin > f.scoreMax) {
      ctx.addIssue({ code: "custom", path: ["scoreMin"], message: "The lowest score is above the highest." });
    }
  });
export type TBrowseFilters = z.infer<typeof ZBrowseFilters>;

const ZCursor = z.string().max(100).regex(/^[A-Za-z0-9_-]+$/, "This page link is damaged: start from the first page.");

export const ZBrowseQuery = z.object({
  sort: z.preprocess(blank, z.enum(BROWSE_SORTS, { error: "Unknown sort." }).default("newest")),
  cursor: z.preprocess(blank, ZCursor.optional()),
});

/** The URL parameters the filters and the sort are read from, in the order the form shows them. */
export const FILTER_KEYS = [
  "q", "status", "decision", "task", "subtask", "gold", "verifier", "version", "scoreKey", "scoreMin", "scoreMax", "annotator",
  "createdFrom", "createdBefore", "finalizedFrom", "finalizedBefore",
] as const satisfies readonly (keyof TBrowseFilters)[];

type TSearch = Record<string, string | string[] | undefined>;

/** The filters and sort of a page's search parameters; a bad one is an InvalidError with people's words. */
export function parseBrowseSearch(search: TSearch): { filters: TBrowseFilters; sort: TBrowseSort; cursor?: string } {
  const f = ZBrowseFilters.safeParse(Object.fromEntries(FILTER_KEYS.map((k) => [k, search[k]])));
  if (!f.success) throw new InvalidError(f.error.issues.map((i) => i.message).join(" "));
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const q = ZBrowseQuery.safeParse({ sort: first(search.sort), cursor: first(search.cursor) });
  if (!q.success) throw new InvalidError(q.error.issues.map((i) => i.message).join(" "));
  return { filters: f.data, sort: q.data.sort, cursor: q.data.cursor };
}

/** The filters as URL parameters (lists comma-joined), for links that keep them. */
export function filtersToSearch(f: TBrowseFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

export function hasFilters(f: TBrowseFilters): boolean {
  return FILTER_KEYS.some((k) => f[k] !== undefined);
}

/** Where a page starts: after the row with this sort key (text) and id; `k` is null for the id sorts. */
export interface TCursor {
  k: string | null;
  id: string;
}

export function encodeCursor(c: TCursor): string {
  return Buffer.from(JSON.stringify([c.k, c.id])).toString("base64url");
}

export function decodeCursor(s: string, sort: TBrowseSort): TCursor {
  const bad = new InvalidError("This page link is damaged: start from the first page.");
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  } catch {
    throw bad;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[1] !== "string" || !/^\d{1,19}$/.test(v[1])) throw bad;
  const k = v[0];
  if (sort === "finalized") {
    if (typeof k !== "string" || Number.isNaN(Date.parse(k))) throw bad;
    return { k, id: v[1] };
  }
  return { k: null, id: v[1] };
}

/**
 * The filters as " AND …" conditions on `alias`, values appended to `values`. Each is fixed SQL text
 * with `$n` placeholders, never a value pasted in.
 */
export function browseWhere(f: TBrowseFilters, values: unknown[], alias = "p"): string {
  const bind = (v: unknown) => `$${values.push(v)}`;
  const a = alias;
  const parts: string[] = [];
  if (f.status) parts.push(`${a}.status = ANY(${bind(f.status)}::text[]::"PairStatus"[])`);
  if (f.decision) parts.push(`${a}.final_decision = ANY(${bind(f.decision)}::text[]::"Decision"[])`);
  if (f.task) parts.push(`${a}.task = ${bind(f.task)}`);
  if (f.subtask) parts.push(`${a}.subtask = ${bind(f.subtask)}`);
  if (f.gold === "only") parts.push(`${a}.is_gold`);
  if (f.gold === "exclude") parts.push(`NOT ${a}.is_gold`);
  if (f.gold === "active") parts.push(`${a}.is_gold AND ${a}.gold_active`);
  if (f.gold === "retired") parts.push(`${a}.is_gold AND NOT ${a}.gold_active`);
  if (f.verifier) {
    const any = f.verifier.map((v) =>
      v === "keeps" ? `${a}.verifier_margin >= 0` : v === "drops" ? `${a}.verifier_margin < 0` : `${a}.verifier_margin IS NULL`);
    parts.push(`(${any.join(" OR ")})`);
  }
  // A score that is not a number (or absent) never matches a range.
  const score = (scores: string) => {
    const key = bind(f.scoreKey);
    const num = `(CASE WHEN jsonb_typeof(${scores} -> ${key}::text) = 'number' THEN (${scores} ->> ${key}::text)::float8 END)`;
    const c: string[] = [];
    if (f.scoreMin !== undefined) c.push(`${num} >= ${bind(f.scoreMin)}::float8`);
    if (f.scoreMax !== undefined) c.push(`${num} <= ${bind(f.scoreMax)}::float8`);
    if (c.length === 0) c.push(`${num} IS NOT NULL`);
    return c.join(" AND ");
  };
  if (f.version !== undefined) {
    const range = f.scoreKey ? ` AND ${score("o.scores")}` : "";
    parts.push(`EXISTS (SELECT 1 FROM pair_verifier_outputs o WHERE o.pair_id = ${a}.id AND o.version = ${bind(f.version)}${range})`);
  } else if (f.scoreKey) {
    parts.push(score(`${a}.verifier_scores`));
  }
  if (f.annotator !== undefined) {
    parts.push(`EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = ${a}.id AND b.annotator_id = ${bind(f.annotator)})`);
  }
  if (f.createdFrom) parts.push(`${a}.created_at >= ${bind(instantOf(f.createdFrom))}::timestamptz`);
  if (f.createdBefore) parts.push(`${a}.created_at < ${bind(instantOf(f.createdBefore))}::timestamptz`);
  if (f.finalizedFrom) parts.push(`${a}.finalized_at >= ${bind(instantOf(f.finalizedFrom))}::timestamptz`);
  if (f.finalizedBefore) parts.push(`${a}.finalized_at < ${bind(instantOf(f.finalizedBefore))}::timestamptz`);
  if (f.q) parts.push(`${ftsVector(a)} @@ websearch_to_tsquery('simple', ${bind(f.q)})`);
  return parts.map((s) => ` AND ${s}`).join("");
}

/** The expression of the full-text index pairs_instruction_fts_idx: spelled exactly so the planner can use it. */
export function ftsVector(alias: string): string {
  return `to_tsvector('simple'::regconfig, ${alias}.instruction)`;
}

/**
 * The browser's filters as export filters, when an export can take them: exports read final pairs only,
 * so a status other than final, and filters exports do not know, are refused with the list of them.
 */
export function toExportFilters(f: TBrowseFilters): TExportFilters {
  const refused: string[] = [];
  if (f.status && !(f.status.length === 1 && f.status[0] === "final")) refused.push("a status other than final");
  if (f.q) refused.push("the instruction search");
  if (f.annotator !== undefined) refused.push("the annotator");
  if (f.version !== undefined || f.scoreKey) refused.push("verifier versions and score ranges");
  if (f.createdFrom || f.createdBefore) refused.push("the import dates");
  if (f.gold === "active" || f.gold === "retired") refused.push("active or retired gold");
  if (refused.length) {
    throw new InvalidError(`An export cannot filter on ${refused.join(", ")}. Remove ${refused.length > 1 ? "them" : "it"} and try again.`);
  }
  return parseExportFilters({
    ...(f.decision ? { decisions: f.decision } : {}),
    ...(f.task ? { tasks: [f.task] } : {}),
    ...(f.subtask ? { subtasks: [f.subtask] } : {}),
    ...(f.finalizedFrom ? { finalizedFrom: f.finalizedFrom } : {}),
    ...(f.finalizedBefore ? { finalizedBefore: f.finalizedBefore } : {}),
    ...(f.gold === "only" || f.gold === "exclude" ? { gold: f.gold } : {}),
    ...(f.verifier ? { verifier: f.verifier } : {}),
  });
}

const STATUS_WORDS: Record<(typeof PAIR_STATUSES)[number], string> = { open: "open", labelled: "labelled", in_review: "in review", final: "final" };
const GOLD_WORDS: Record<(typeof BROWSE_GOLD)[number], string> = { only: "gold only", exclude: "no gold", active: "active gold", retired: "retired gold" };

/** The filters in words, for the bulk confirmation: "final · task inpaint · “purple”". */
export function describeBrowseFilters(f: TBrowseFilters, annotatorName?: string): string {
  const parts: string[] = [];
  if (f.q) parts.push(`instruction matches “${f.q}”`);
  if (f.status) parts.push(f.status.map((s) => STATUS_WORDS[s]).join(" or "));
  if (f.decision) parts.push(`final ${f.decision.join(" or ")}`);
  if (f.task) parts.push(`task ${f.task}`);
  if (f.subtask) parts.push(`subtask ${f.subtask}`);
  if (f.gold) parts.push(GOLD_WORDS[f.gold]);
  if (f.verifier) parts.push(`verifier ${f.verifier.map((v) => (v === "none" ? "no verdict" : v)).join(" or ")}`);
  if (f.version !== undefined) parts.push(`has verifier version ${f.version || "(unnamed)"}`);
  if (f.scoreKey) parts.push(`${f.scoreKey} ${f.scoreMin ?? "…"} to ${f.scoreMax ?? "…"}`);
  if (f.annotator !== undefined) parts.push(`labelled by ${annotatorName ?? `user #${f.annotator}`}`);
  if (f.createdFrom) parts.push(`added from ${f.createdFrom}`);
  if (f.createdBefore) parts.push(`added before ${f.createdBefore}`);
  if (f.finalizedFrom) parts.push(`finalised from ${f.finalizedFrom}`);
  if (f.finalizedBefore) parts.push(`finalised before ${f.finalizedBefore}`);
  return parts.length ? parts.join(" · ") : "all pairs of the project";
}
