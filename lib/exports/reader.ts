import "server-only";
import { createHash } from "node:crypto";
import type { SqlRunner } from "../db/sql";
import { filterWhere, hasConstraints, type TExportFilters } from "./filters";
import type { TSplit } from "./types";

// Reading final pairs for an export. Keyset pages (id > last ORDER BY id LIMIT n), each its own short
// autocommit statement: one long snapshot cuts concurrent claim throughput badly, and larger pages were no
// faster and cost memory (decision 009). The canonical line is built in SQL (LINE below): for canonical,
// Node only streams text; the other formats parse the same line (formats/canonical.ts fromCanonical).
// Scripts load this module with tsx --conditions=react-server, where `server-only` is empty.

export interface TCanonicalQuery {
  projectId: number;
  filters: TExportFilters;
  /** Share of pairs in the validation split: loupe_split_hash(external_id) < fraction. */
  validationFraction: number;
  /** Highest pair id read (the newest final pair when the export started), so an export has an end. */
  maxPairId?: string | null;
}

export interface TPageRow {
  id: string;
  decision: "accept" | "reject" | "recaption";
  subtask: string | null;
  split: TSplit;
  line: string;
}

// The line is assembled from JSON text pieces joined with || in a balanced tree: compact JSON with keys in
// a fixed order, cheaper than concat() or row_to_json, which resolve each argument's output function per
// call. Every piece is text and never NULL (one NULL blanks the line), so nullable values go through
// coalesce(…, 'null'); strings go through to_json(), which escapes them.

type TPart = { lit: string } | { sql: string };
/** A JSON value as text pieces: literals and SQL expressions of type text. */
type TJson = TPart[];

const x = (sql: string): TJson => [{ sql }];
/** A nullable value as JSON via to_json (strings, reals). */
const j = (e: string): TJson => x(`coalesce(to_json(${e})::text, 'null')`);
/** A non-null value as JSON via to_json. */
const jn = (e: string): TJson => x(`to_json(${e})::text`);
/** A nullable integer or boolean, whose text form is already JSON. */
const lit = (e: string): TJson => x(`coalesce((${e})::text, 'null')`);
/** A value known to need no escaping (hex digits, enum labels, digits), quoted; never NULL. */
const quoted = (e: string): TJson => [{ lit: '"' }, { sql: `(${e})::text` }, { lit: '"' }];
/** A timestamp as JSON.stringify(new Date()) writes it, UTC with milliseconds, whatever the server's time zone. */
const ts = (e: string): TJson => x(`coalesce('"'::text || to_char(${e} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'::text, 'null')`);

function obj(fields: [string, TJson][]): TJson {
  const out: TJson = [];
  fields.forEach(([k, v], i) => out.push({ lit: `${i === 0 ? "{" : ","}"${k}":` }, ...v));
  out.push({ lit: "}" });
  return out;
}

/** The SQL text expression of a JSON value: adjacent literals merged, then a balanced || tree. */
function sql(json: TJson): string {
  const pieces: string[] = [];
  let pending: string | null = null;
  for (const p of json) {
    if ("lit" in p) pending = (pending ?? "") + p.lit;
    else {
      if (pending !== null) pieces.push(`'${pending.replace(/'/g, "''")}'::text`);
      pending = null;
      pieces.push(p.sql);
    }
  }
  if (pending !== null) pieces.push(`'${pending.replace(/'/g, "''")}'::text`);
  const tree = (a: string[]): string => (a.length === 1 ? a[0]! : `(${tree(a.slice(0, a.length >> 1))} || ${tree(a.slice(a.length >> 1))})`);
  return tree(pieces);
}

/** Codes → [{code, label, dimension}] via rr.m (unknown: code as label); string_agg keeps unnest's array order. */
const reasons = (col: string): TJson => x(`CASE WHEN cardinality(${col}) = 0 THEN '[]'::text ELSE (
      SELECT '['::text || string_agg(coalesce(rr.m ->> u.c, ${sql(obj([["code", jn("u.c")], ["label", jn("u.c")], ["dimension", x("'null'::text")]]))}), ',') || ']'::text
        FROM unnest(${col}) u(c)) END`);

/** An image object; the mime goes unescaped since lib/images/store.ts only stores its fixed list. */
const image = (sha: string, alias: string): TJson =>
  obj([["sha256", quoted(sha)], ["mime", quoted(`coalesce(${alias}.mime, 'application/octet-stream')`)],
    ["width", x(`coalesce(${alias}.width, 0)::text`)], ["height", x(`coalesce(${alias}.height, 0)::text`)]]);

const nullOr = (cond: string, json: TJson): TJson => x(`CASE WHEN ${cond} THEN 'null'::text ELSE ${sql(json)} END`);

const LABEL = sql(obj([
  ["annotator_id", x("l.annotator_id::text")],
  ["decision", quoted("l.decision")],
  ["reasons", reasons("l.reasons")],
  ["recaption", j("l.recaption")],
  ["seconds", jn("l.seconds_spent")],
  ["created_at", ts("l.created_at")],
]));

const LINE = sql(obj([
  ["pair_id", quoted("q.id")],
  ["external_id", jn("q.external_id")],
  ["project", x("rr.project")],
  ["task", j("q.task")],
  ["subtask", j("q.subtask")],
  ["instruction", jn("q.instruction")],
  ["instruction_cn", j("q.instruction_cn")],
  ["session_id", j("q.session_id")],
  ["turn", lit("q.turn")],
  ["images", obj([["source", image("q.source_image", "si")], ["edited", image("q.edited_image", "ei")],
    ["mask", nullOr("q.mask_image IS NULL", image("q.mask_image", "mi"))],
    ["reference", nullOr("q.reference_image IS NULL", image("q.reference_image", "ri"))]])],
  ["final", obj([
    ["decision", quoted("q.final_decision")],
    ["instruction", jn("coalesce(q.final_instruction, q.instruction)")],
    ["reasons", reasons("q.final_reasons")],
    ["source", x(`coalesce('"' || q.final_source || '"', 'null')`)], // one of three words (pairs_final_check)
    ["finalized_at", ts("q.finalized_at")],
  ])],
  ["agreement", j("q.agreement")],
  ["review", nullOr("q.reviewed_at IS NULL", obj([
    ["reasons", x("array_to_json(q.review_reasons)::text")],
    ["reviewer_id", lit("q.reviewed_by")],
    ["reviewed_at", ts("q.reviewed_at")],
    ["note", j("q.review_note")],
  ]))],
  ["labels", x("coalesce(lb.labels, '[]'::text)")],
  ["verifier", obj([
    ["valid", lit("q.verifier_valid")],
    ["failure_class", j("q.verifier_failure_class")],
    ["recaption", j("q.verifier_recaption")],
    ["scores", x("coalesce(q.verifier_scores, '{}'::jsonb)::text")],
    ["keep", lit("q.verifier_margin >= 0")],
    ["model_version", j("q.model_version")],
  ])],
  ["is_gold", x("q.is_gold::text")],
  ["metadata", x("q.metadata::text")],
  ["split", quoted("s.split")],
]));

/** Only the columns the line uses: pages of whole pair rows passed work_mem and spilled to disk. */
const PAGE_COLUMNS = ["id", "external_id", "task", "subtask", "instruction", "instruction_cn", "source_image", "edited_image", "mask_image",
  "reference_image", "final_decision", "final_instruction", "final_reasons", "final_source", "finalized_at", "agreement", "review_reasons", "reviewed_by",
  "reviewed_at", "review_note", "verifier_valid", "verifier_failure_class", "verifier_recaption", "verifier_scores",
  "verifier_margin", "model_version", "is_gold", "metadata", "session_id", "turn"].map((c) => `p.${c}`).join(", ");

const REASON_OBJECT = sql(obj([["code", jn("e->>'code'")], ["label", jn("coalesce(e->>'label', e->>'code')")], ["dimension", j("e->>'dimension'")]]));
const PROJECT_OBJECT = sql(obj([["id", x("pr.id::text")], ["name", jn("pr.name")]]));

/**
 * The SELECT behind every export: one row per matching final pair, `line` the canonical JSON text. `page`
 * makes it one keyset page (two more parameters: after-id, limit); otherwise it is the form COPY takes.
 * Parameters: $1 project, $2 validation fraction, $3 max pair id (null: none), then the filters'. No
 * ORDER BY: sorting the rows in work_mem spilled, while readCanonicalPage() sorts a page's ids in Node.
 */
export function canonicalSelect(q: TCanonicalQuery, page: boolean): { text: string; values: unknown[] } {
  const values: unknown[] = [q.projectId, q.validationFraction, q.maxPairId ?? null];
  const where = filterWhere(q.filters, values, "p");
  const keyset = page ? ` AND p.id > $${values.length + 1}::bigint ORDER BY p.id LIMIT $${values.length + 2}` : "";
  // A page reads its labels by pair id range: one index range scan over labels (pair_id, …), already in
  // (pair, annotator) order, and successive pages read disjoint ranges, so each label is read at most once.
  // The one-statement form (COPY) looks labels up per pair instead of materializing the set.
  const labels = page
    ? `LEFT JOIN (
    SELECT l.pair_id, '['::text || string_agg(${LABEL}, ',') || ']'::text AS labels
      FROM (SELECT * FROM labels WHERE pair_id >= (SELECT min(id) FROM page) AND pair_id <= (SELECT max(id) FROM page)
             ORDER BY pair_id, annotator_id) l CROSS JOIN rr
     GROUP BY l.pair_id) lb ON lb.pair_id = q.id`
    : `LEFT JOIN LATERAL (
    SELECT '['::text || string_agg(${LABEL}, ',') || ']'::text AS labels
      FROM (SELECT * FROM labels WHERE pair_id = q.id ORDER BY annotator_id) l) lb ON true`;
  const text = `
WITH rr AS MATERIALIZED (
  SELECT coalesce((SELECT jsonb_object_agg(e->>'code', ${REASON_OBJECT})
                     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(pr.reject_reasons) = 'array' THEN pr.reject_reasons ELSE '[]'::jsonb END) e),
                  '{}'::jsonb) AS m,
         ${PROJECT_OBJECT} AS project
    FROM projects pr WHERE pr.id = $1
), page AS ${page ? "MATERIALIZED" : "NOT MATERIALIZED"} (
  SELECT ${PAGE_COLUMNS} FROM pairs p
   WHERE p.project_id = $1 AND p.final_decision IS NOT NULL AND ($3::bigint IS NULL OR p.id <= $3::bigint)${where}${keyset}
)
SELECT q.id::text AS id, q.final_decision::text AS decision, q.subtask, s.split, ${LINE} AS line
  FROM page q
  CROSS JOIN rr
  CROSS JOIN LATERAL (SELECT CASE WHEN loupe_split_hash(q.external_id) < $2::float8 THEN 'validation' ELSE 'train' END AS split) s
  ${labels}
  LEFT JOIN images si ON si.sha256 = q.source_image
  LEFT JOIN images ei ON ei.sha256 = q.edited_image
  LEFT JOIN images mi ON mi.sha256 = q.mask_image
  LEFT JOIN images ri ON ri.sha256 = q.reference_image`;
  return { text, values };
}

export async function readCanonicalPage(tx: SqlRunner, q: TCanonicalQuery, afterId: string, limit: number): Promise<TPageRow[]> {
  const { text, values } = canonicalSelect(q, true);
  // A named (prepared) statement on a server connection: planning this long query per page is costly. The
  // name follows the text, which differs only by which filters are set.
  const name = `loupe_export_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
  const rows = await tx.query<TPageRow>(text, [...values, afterId, limit], name);
  return rows.sort((a, b) => compareIds(a.id, b.id));
}

/** Orders decimal id strings numerically (bigint ids, no leading zeros). */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(", ")}]::text[]`;
  const s = String(v);
  if (s.includes("\0")) throw new Error("text with a NUL character cannot be a literal");
  // standard_conforming_strings is on (the default since PostgreSQL 9.1): only quotes need doubling.
  return `'${s.replace(/'/g, "''")}'`;
}

/** The same SELECT with literals for values and only the line, for `COPY (…) TO STDOUT` (no parameters). */
export function canonicalCopySql(q: TCanonicalQuery): string {
  const { text, values } = canonicalSelect(q, false);
  const inlined = text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
  return `SELECT line FROM (${inlined}) t`;
}

/** The newest final pair of the project now: an export reads up to it and stops. */
export async function maxFinalPairId(tx: SqlRunner, projectId: number): Promise<string | null> {
  const [r] = await tx.query<{ id: string | null }>(
    "SELECT max(id)::text AS id FROM pairs WHERE project_id = $1 AND final_decision IS NOT NULL",
    [projectId],
  );
  return r?.id ?? null;
}

/** Pairs the export will read, for progress: project_counts without filters, else counted in short keyset chunks. */
export async function countMatching(tx: SqlRunner, q: TCanonicalQuery): Promise<number> {
  if (!hasConstraints(q.filters)) {
    const [r] = await tx.query<{ n: string }>("SELECT coalesce(sum(final), 0)::text AS n FROM project_counts WHERE project_id = $1", [q.projectId]);
    return Number(r?.n ?? 0);
  }
  const values: unknown[] = [q.projectId, q.maxPairId ?? null];
  const where = filterWhere(q.filters, values, "p");
  const text = `SELECT count(*)::int AS n, max(id)::text AS last FROM (
    SELECT p.id FROM pairs p WHERE p.project_id = $1 AND p.final_decision IS NOT NULL AND ($2::bigint IS NULL OR p.id <= $2::bigint)
       AND p.id > $${values.length + 1}::bigint${where} ORDER BY p.id LIMIT 200000) x`;
  let total = 0;
  let after = "0";
  for (;;) {
    const [r] = await tx.query<{ n: number; last: string | null }>(text, [...values, after]);
    total += r?.n ?? 0;
    if (!r?.last || r.n < 200000) return total;
    after = r.last;
  }
}
