import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
import { NotFoundError } from "../errors";
import { browseWhere, decodeCursor, encodeCursor, ftsVector, type TBrowseFilters, type TBrowseSort, type TCursor } from "./filters";

// The data browser's list (decision 029). A page walks the index that serves its sort, in order, and
// applies the filters to the rows it meets; it stops when it has a page or when it has looked at
// SCAN_LIMIT rows, whichever comes first. A filter that matches rarely therefore never turns one page
// into a scan of the whole project: the page says how many rows it searched and offers to go on from
// there. Two filters bring their own, smaller set of rows to walk instead: a full-text search whose
// matches fit in SCAN_LIMIT is driven by the full-text index, and the annotator filter by that
// annotator's labels (labels_browse_annotator_idx), in pair order under the id sorts.

export const BROWSE_PAGE_SIZE = 50;
/** Rows one page may look at before it stops and offers to search on. */
export const SCAN_LIMIT = 20_000;
/** The short walk a search tries first: a common word fills its page within it. */
export const SEARCH_PROBE = 2_000;

export interface TBrowseRow {
  id: string;
  externalId: string;
  instruction: string;
  task: string | null;
  subtask: string | null;
  status: string;
  finalDecision: string | null;
  isGold: boolean;
  goldActive: boolean;
  verifierMargin: number | null;
  labelCount: number;
  createdAt: Date;
  finalizedAt: Date | null;
}

export interface TBrowsePage {
  rows: TBrowseRow[];
  /** The next page's cursor, or null at the end. */
  nextCursor: string | null;
  /**
   * Set when the page stopped at SCAN_LIMIT rows before it was full: how many rows it looked at. The
   * next cursor then continues the search from the last row looked at.
   */
  searched: number | null;
  /** Set when the rows searched were the annotator's labelled pairs (the annotator filter under an id sort). */
  searchedLabelled?: true;
}

type Row = {
  id: TInt8;
  external_id: string;
  instruction: string;
  task: string | null;
  subtask: string | null;
  status: string;
  final_decision: string | null;
  is_gold: boolean;
  gold_active: boolean;
  verifier_margin: number | null;
  label_count: number;
  created_at: Date;
  finalized_at: Date | null;
  k: string | null;
  hit: boolean;
  rn: TInt8;
};

const columns = (a: string) => `${a}.id, ${a}.external_id, ${a}.instruction, ${a}.task, ${a}.subtask, ${a}.status::text AS status,
  ${a}.final_decision::text AS final_decision, ${a}.is_gold, ${a}.gold_active, ${a}.verifier_margin, ${a}.label_count::int AS label_count,
  ${a}.created_at, ${a}.finalized_at`;
const COLUMNS = columns("p");

/** Sort key, ORDER BY and keyset comparison per sort; each ORDER BY is the order of one index (migration 20261206146000). */
const SORTS: Record<TBrowseSort, { key: string; order: string; after: (k: string, id: string) => string; where: string }> = {
  newest: { key: "NULL::text", order: "p.id DESC", after: (_k, id) => `p.id < ${id}::bigint`, where: "" },
  oldest: { key: "NULL::text", order: "p.id ASC", after: (_k, id) => `p.id > ${id}::bigint`, where: "" },
  finalized: {
    // Microseconds in the cursor: the text form loses nothing of the stored millisecond value.
    key: `to_char(p.finalized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    order: "p.finalized_at DESC, p.id DESC",
    after: (k, id) => `(p.finalized_at, p.id) < (${k}::timestamptz, ${id}::bigint)`,
    where: " AND p.finalized_at IS NOT NULL",
  },
};

export interface TBrowseOptions {
  sort?: TBrowseSort;
  cursor?: string;
  pageSize?: number;
  /** For tests: a smaller scan window exercises the stop-and-continue path on little data. */
  scanLimit?: number;
  /** For tests: the search's short first walk (SEARCH_PROBE). */
  searchProbe?: number;
}

/** One page of the project's pairs matching the filters, in the sort's order. */
export async function listPairs(db: Db, projectId: number, filters: TBrowseFilters, opts: TBrowseOptions = {}): Promise<TBrowsePage> {
  const sort = opts.sort ?? "newest";
  const size = opts.pageSize ?? BROWSE_PAGE_SIZE;
  const scan = opts.scanLimit ?? SCAN_LIMIT;
  const cursor = opts.cursor ? decodeCursor(opts.cursor, sort) : null;
  const args = { projectId, filters, sort, size, cursor };
  if (filters.q) {
    // A common word fills the page within a short walk; a rare one is found through the GIN index; a word
    // too common for the index and too rare for the short walk gets the full window.
    const probe = Math.min(scan, opts.searchProbe ?? SEARCH_PROBE);
    const quick = await windowPage(db, args, probe);
    if (quick.searched === null || probe === scan) return quick;
    // Matches in the short walk at a rate that fills a page within the full window: such a word is too
    // common for the GIN step, which would read scan + 1 of its matches only to find that out.
    if (quick.rows.length * scan >= (size + 1) * probe) return windowPage(db, args, scan);
    return (await candidatePage(db, args, scan, "search")) ?? windowPage(db, args, scan);
  }
  // Under the finalised sort the labels are not in page order: the annotator's labels in the project,
  // when they fit in the window, are the whole set to filter and sort; otherwise the window as usual.
  if (filters.annotator !== undefined && sort === "finalized") {
    return (await candidatePage(db, args, scan, "labels")) ?? windowPage(db, args, scan);
  }
  return windowPage(db, args, scan);
}

type TPageArgs = { projectId: number; filters: TBrowseFilters; sort: TBrowseSort; size: number; cursor: TCursor | null };

/** The statement's first values ($1 the project, then the cursor) and its keyset condition. */
function start(a: TPageArgs): { values: unknown[]; bind: (v: unknown) => string; after: string } {
  const values: unknown[] = [a.projectId];
  const bind = (v: unknown) => `$${values.push(v)}`;
  const c = a.cursor;
  const after = c ? ` AND ${SORTS[a.sort].after(c.k === null ? "" : bind(c.k), bind(c.id))}` : "";
  return { values, bind, after };
}

/**
 * The sort's index walked, at most `scan` rows, the filters no index serves judged on each. With an
 * annotator under an id sort, the rows walked are that annotator's labelled pairs, in pair order.
 */
async function windowPage(db: Db, a: TPageArgs, scan: number): Promise<TBrowsePage> {
  if (a.filters.annotator !== undefined && a.sort !== "finalized") return labelsWindowPage(db, a, a.filters.annotator, scan);
  const s = SORTS[a.sort];
  const { values, bind, after } = start(a);
  // A filter the sort's index serves by itself goes into the walk; everything else is judged per row.
  const { served, rest } = splitServed(a.filters, a.sort);
  const servedWhere = browseWhere(served, values);
  const restWhere = browseWhere(rest, values, "w");
  if (restWhere === "") {
    const rows = await db.query<Row>(
      `SELECT ${COLUMNS}, ${s.key} AS k, true AS hit, 0 AS rn FROM pairs p
       WHERE p.project_id = $1${s.where}${servedWhere}${after}
       ORDER BY ${s.order} LIMIT ${bind(a.size + 1)}`,
      values,
    );
    return toPage(rows, a.size, null);
  }
  // The window: the first `scan` rows in index order, numbered; the filters pick from them, and the
  // window's last row always comes through (hit or not) so the page knows where the search stopped.
  // The outer ORDER BY repeats the sort keys, not rn: the planner knows the window's rows come in that
  // order and stops at the LIMIT, where ordering by rn would sort (and so read) the whole window first.
  const scanParam = bind(scan);
  const rows = await db.query<Row>(
    `SELECT ${columns("w")}, w.k, w.rn, (true${restWhere}) AS hit FROM (
       SELECT p.*, ${s.key} AS k, row_number() OVER (ORDER BY ${s.order}) AS rn
       FROM (SELECT p.* FROM pairs p WHERE p.project_id = $1${s.where}${servedWhere}${after} ORDER BY ${s.order} LIMIT ${scanParam}) p
     ) w
     WHERE (true${restWhere}) OR w.rn = ${scanParam}
     ORDER BY ${s.order.replaceAll("p.", "w.")} LIMIT ${bind(a.size + 1)}`,
    values,
  );
  return windowResult(rows, a.size, scan);
}

/**
 * The annotator's labelled pairs in the project, walked in pair order (labels_browse_annotator_idx):
 * for the id sorts the pair id is the sort key, so the labels come in page order and the window is
 * theirs, at most `scan` of them past the cursor, the other filters judged on each. The window's edge
 * (its `scan`-th label) is found first, from the index alone, and bounds the walk; that row always
 * comes through, as windowPage's last row does. The label's project is the pair's; the pair's own is
 * checked as well, as a filter, so the window still counts every label it walked.
 */
async function labelsWindowPage(db: Db, a: TPageArgs, annotator: number, scan: number): Promise<TBrowsePage> {
  const desc = a.sort === "newest";
  const values: unknown[] = [a.projectId];
  const bind = (v: unknown) => `$${values.push(v)}`;
  const mine = `b.annotator_id = ${bind(annotator)} AND b.project_id = $1${a.cursor ? ` AND b.pair_id ${desc ? "<" : ">"} ${bind(a.cursor.id)}::bigint` : ""}`;
  const order = `b.pair_id ${desc ? "DESC" : "ASC"}`;
  const scanParam = bind(scan);
  const hit = `p.project_id = $1${browseWhere({ ...a.filters, annotator: undefined }, values)}`;
  // No row_number() over the walk, as windowPage has: over a join, it let the planner sort all the
  // annotator's labels first. Each pair is fetched by its key in a LATERAL, so the walk drives the join.
  const rows = await db.query<Row>(
    `WITH edge AS (SELECT b.pair_id FROM labels b WHERE ${mine} ORDER BY ${order} OFFSET ${scanParam}::int - 1 LIMIT 1)
     SELECT ${COLUMNS}, NULL::text AS k, (${hit}) AS hit,
            CASE WHEN b.pair_id = (SELECT pair_id FROM edge) THEN ${scanParam}::int ELSE 0 END AS rn
     FROM labels b CROSS JOIN LATERAL (SELECT p.* FROM pairs p WHERE p.id = b.pair_id LIMIT 1) p
     WHERE ${mine} AND b.pair_id ${desc ? ">=" : "<="} coalesce((SELECT pair_id FROM edge), ${desc ? "0" : "9223372036854775807"})
       AND ((${hit}) OR b.pair_id = (SELECT pair_id FROM edge))
     ORDER BY ${order} LIMIT ${bind(a.size + 1)}`,
    values,
  );
  const page = windowResult(rows, a.size, scan);
  return page.searched === null ? page : { ...page, searchedLabelled: true };
}

/**
 * A page picked from a small set of candidates instead of a walk: the search's matches from the GIN
 * index, or the annotator's labelled pairs in the project. At most scan + 1 candidates are read, each
 * judged on the other filters in the same pass; when they fit, the page is sorted from them and is
 * exact. Null when more than `scan` are candidates. Materialized CTEs, so the planner cannot trade the
 * candidates for a walk of the sort index that filters ten million rows.
 */
async function candidatePage(db: Db, a: TPageArgs, scan: number, from: "search" | "labels"): Promise<TBrowsePage | null> {
  const s = SORTS[a.sort];
  const { values, bind, after } = start(a);
  const limitParam = bind(scan + 1);
  let source: string;
  let where: string;
  if (from === "search") {
    source = `pairs p WHERE ${ftsVector("p")} @@ websearch_to_tsquery('simple', ${bind(a.filters.q)}) AND p.project_id = $1`;
    where = browseWhere({ ...a.filters, q: undefined }, values);
  } else {
    source = `(SELECT b.pair_id FROM labels b WHERE b.annotator_id = ${bind(a.filters.annotator)} AND b.project_id = $1 LIMIT ${limitParam}) b
              CROSS JOIN LATERAL (SELECT p.* FROM pairs p WHERE p.id = b.pair_id LIMIT 1) p WHERE p.project_id = $1`;
    where = browseWhere({ ...a.filters, annotator: undefined }, values);
  }
  const order = { newest: "h.id DESC", oldest: "h.id ASC", finalized: "h.fa DESC, h.id DESC" }[a.sort];
  const rows = await db.query<Partial<Row> & { n: number }>(
    `WITH hits AS MATERIALIZED (
       SELECT p.id, ${s.key} AS k, p.finalized_at AS fa, (true${s.where}${where}${after}) AS ok FROM ${source} LIMIT ${limitParam}
     ), page AS MATERIALIZED (
       SELECT h.id, h.k FROM hits h WHERE h.ok ORDER BY ${order} LIMIT ${bind(a.size + 1)}
     )
     SELECT c.n, ${COLUMNS}, m.k, true AS hit, 0 AS rn
     FROM (SELECT count(*)::int AS n FROM hits) c LEFT JOIN (page m JOIN pairs p ON p.id = m.id) ON true
     ORDER BY ${s.order}`,
    values,
  );
  if (Number(rows[0]!.n) > scan) return null;
  return toPage(rows.filter((r): r is Row & { n: number } => r.id !== null), a.size, null);
}

/** A window's rows as a page: when the window ran out before the page filled, continue from its last row. */
function windowResult(rows: Row[], size: number, scan: number): TBrowsePage {
  const last = rows[rows.length - 1];
  if (last && rows.length <= size && Number(last.rn) === scan) {
    const hits = rows.filter((r) => r.hit);
    return { rows: hits.map(toRow), nextCursor: encodeCursor({ k: last.k, id: String(last.id) }), searched: scan };
  }
  return toPage(rows, size, null);
}

function toPage(rows: Row[], size: number, searched: number | null): TBrowsePage {
  const more = rows.length > size;
  const page = more ? rows.slice(0, size) : rows;
  const end = page[page.length - 1];
  return { rows: page.map(toRow), nextCursor: more && end ? encodeCursor({ k: end.k, id: String(end.id) }) : null, searched };
}

function toRow(r: Row): TBrowseRow {
  return {
    id: String(r.id),
    externalId: r.external_id,
    instruction: r.instruction,
    task: r.task,
    subtask: r.subtask,
    status: r.status,
    finalDecision: r.final_decision,
    isGold: r.is_gold,
    goldActive: r.gold_active,
    verifierMargin: r.verifier_margin === null ? null : Number(r.verifier_margin),
    labelCount: Number(r.label_count),
    createdAt: new Date(r.created_at),
    finalizedAt: r.finalized_at ? new Date(r.finalized_at) : null,
  };
}

/** One status (pairs_browse_status_idx) or gold (pairs_is_gold_idx) under an id sort: the index walks them in order. */
function splitServed(f: TBrowseFilters, sort: TBrowseSort): { served: TBrowseFilters; rest: TBrowseFilters } {
  const rest: TBrowseFilters = { ...f };
  const served: TBrowseFilters = {};
  if (sort !== "finalized" && f.status?.length === 1) {
    served.status = f.status;
    delete rest.status;
  } else if (sort !== "finalized" && (f.gold === "only" || f.gold === "active" || f.gold === "retired")) {
    // Gold pairs are few: walk them by pairs_is_gold_idx; active or retired is then judged per gold pair.
    served.gold = "only";
    if (f.gold === "only") delete rest.gold;
  }
  return { served, rest };
}

/** How many pairs match, counted up to `limit` + 1: the bulk actions' confirmation and refusal. */
export async function countMatching(db: Db, projectId: number, filters: TBrowseFilters, limit: number): Promise<number> {
  const values: unknown[] = [projectId];
  const where = browseWhere(filters, values);
  values.push(limit + 1);
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM pairs p WHERE p.project_id = $1${where} LIMIT $${values.length}) x`,
    values,
  );
  return r!.n;
}

/** The ids of the matching pairs, at most `limit`, oldest first. */
export async function matchingIds(db: Db, projectId: number, filters: TBrowseFilters, limit: number): Promise<string[]> {
  const values: unknown[] = [projectId];
  const where = browseWhere(filters, values);
  values.push(limit);
  const rows = await db.query<{ id: string }>(
    `SELECT p.id::text AS id FROM pairs p WHERE p.project_id = $1${where} ORDER BY p.id LIMIT $${values.length}`,
    values,
  );
  return rows.map((r) => r.id);
}

/** The browser's choices: tasks, subtasks, verifier versions and the people who labelled in the project. */
export async function browseChoices(db: Db, projectId: number): Promise<{
  tasks: string[];
  subtasks: string[];
  versions: string[];
  annotators: { id: number; name: string }[];
  scoreKeys: string[];
}> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { verifierScales: true } });
  if (!project) throw new NotFoundError("Project not found.");
  // Tasks and subtasks from the queue's strata (one row per task + subtask seen), not a scan of the pairs.
  const [strata, versions, annotators] = await Promise.all([
    db.query<{ stratum: string }>(`SELECT stratum FROM queue_strata WHERE project_id = $1 ORDER BY stratum LIMIT 500`, [projectId]),
    db.query<{ version: string }>(
      // The ids first, then their outputs by key: written as "pair_id = ANY (…) OR pair_id = ANY (…)" the
      // planner scanned every output of the database.
      `SELECT DISTINCT o.version FROM (
         (SELECT id FROM pairs WHERE project_id = $1 ORDER BY id LIMIT 1000)
         UNION ALL
         (SELECT id FROM pairs WHERE project_id = $1 ORDER BY id DESC LIMIT 1000)) p
       JOIN pair_verifier_outputs o ON o.pair_id = p.id
       ORDER BY o.version LIMIT 50`,
      [projectId],
    ),
    db.query<{ id: number; name: string }>(
      `SELECT u.id, u.name FROM users u WHERE EXISTS (SELECT 1 FROM labels b WHERE b.annotator_id = u.id AND b.project_id = $1)
       ORDER BY u.name, u.id LIMIT 500`,
      [projectId],
    ),
  ]);
  const tasks = new Set<string>();
  const subtasks = new Set<string>();
  for (const { stratum } of strata) {
    const [task, subtask] = splitStratum(stratum);
    if (task) tasks.add(task);
    if (subtask) subtasks.add(subtask);
  }
  const scales = Array.isArray(project.verifierScales) ? (project.verifierScales as { key?: unknown }[]) : [];
  return {
    tasks: [...tasks].sort(),
    subtasks: [...subtasks].sort(),
    versions: versions.map((v) => v.version),
    annotators,
    scoreKeys: scales.map((s) => s.key).filter((k): k is string => typeof k === "string"),
  };
}

/** loupe_queue_stratum's separator between task and subtask (chr(31), lib/queue/sql/queue-keys.sql). */
const STRATUM_SEPARATOR = "\u001f";

function splitStratum(stratum: string): [string | null, string | null] {
  const i = stratum.indexOf(STRATUM_SEPARATOR);
  if (i < 0) return [stratum || null, null];
  return [stratum.slice(0, i) || null, stratum.slice(i + 1) || null];
}
