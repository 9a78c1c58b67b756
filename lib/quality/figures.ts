import "server-only";
import type { Db } from "../db/connect";
import { DIMENSIONS, parseReasons } from "../projects/reasons";
import { KEPT_CELLS, KEPT_SHAPES } from "./kept";
import { cohensKappaFromContingency, summarizeCompositions, type TComposition, type TContingency } from "./agreement";
import {
  DIMENSION_LABELS,
  scopeKey,
  type TAgreementFigures,
  type TAgreementRow,
  type TAgreementScope,
  type TAgreementVariable,
  type TAnnotatorKappa,
  type TAnnotatorRef,
} from "./figures-types";

// Agreement figures for the admin. The statistics depend only on how many pairs have each composition of
// labels, so SQL returns that histogram and the arithmetic runs in one place (agreement.ts). Units are the
// project's pairs; gold labels count too, being independent judgements of the same kind.

const DECISION: TAgreementVariable = { kind: "decision", key: "decision", label: "Decision" };
const CHOSEN = "chosen";
const NOT_CHOSEN = "not chosen";

type THistogramRow = {
  level: number;
  task: string | null;
  subtask: string | null;
  kind: "decision" | "reason" | "dimension";
  key: string;
  /** Decision: accept / reject / recaption counts. Binary: chosen, not chosen, 0. */
  x: number;
  y: number;
  z: number;
  units: number;
};

/**
 * From the kept compositions (agreement_shapes: how many pairs of each task + subtask have each shape,
 * the decision counts and the sorted multiset of reason sets; lib/quality/sql/aggregates.sql), never the
 * labels: the shapes are few whatever the project's size. A
 * binary variable (a reason, or a dimension: any of its reasons) counts a label once. GROUPING(task,
 * subtask) tells the levels apart (3 project, 1 task, 0 subtask) even where a pair's task is NULL. Codes
 * are lower_snake_case, so the unit separator chr(31) cannot occur in them.
 */
async function loadHistogram(db: Db, projectId: number, codes: string[], dimensions: string[]): Promise<THistogramRow[]> {
  return db.query<THistogramRow>(`
    WITH variables AS (
      SELECT 'reason' AS kind, code AS key, ARRAY[code] AS codes FROM unnest($1::text[]) AS t(code)
      UNION ALL
      SELECT 'dimension', dimension, array_agg(code)
      FROM unnest($1::text[], $2::text[]) AS t(code, dimension) GROUP BY dimension
    ), shapes AS (
      SELECT task, subtask, x, y, z, sets, sum(units)::int AS units
      FROM ${KEPT_SHAPES} k WHERE project_id = $3
      GROUP BY task, subtask, x, y, z, sets HAVING sum(units) <> 0
    ), compositions AS (
      SELECT 'decision' AS kind, 'decision' AS key, task, subtask, x, y, z, units FROM shapes
      UNION ALL
      SELECT v.kind, v.key, s.task, s.subtask, k.k, s.x + s.y + s.z - k.k, 0, s.units
      FROM shapes s CROSS JOIN variables v
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS k FROM unnest(s.sets) AS l(set) WHERE string_to_array(l.set, chr(31)) && v.codes
      ) k
    )
    SELECT GROUPING(task, subtask)::int AS level, task, subtask, kind, key, x, y, z, sum(units)::int AS units
    FROM compositions
    GROUP BY GROUPING SETS ((kind, key, x, y, z), (task, kind, key, x, y, z), (task, subtask, kind, key, x, y, z))`, [codes, dimensions, projectId]);
}

type TScopeData = {
  scope: TAgreementScope;
  /** "kind:key" → that variable's compositions in the scope. */
  compositions: Map<string, TComposition[]>;
};

function scopeOf(row: THistogramRow): TAgreementScope | null {
  if (row.level === 3) return { level: "project" };
  // Pairs without a task (or subtask) still count in the project; they have no scope of their own.
  if (row.level === 1) return row.task === null ? null : { level: "task", task: row.task };
  return row.task === null || row.subtask === null ? null : { level: "subtask", task: row.task, subtask: row.subtask };
}

/** Project first, then each task followed by its subtasks, by name. */
function compareScopes(a: TAgreementScope, b: TAgreementScope): number {
  if (a.level === "project" || b.level === "project") return Number(b.level === "project") - Number(a.level === "project");
  const sub = (s: typeof a) => (s.level === "subtask" ? s.subtask : null);
  const [sa, sb] = [sub(a), sub(b)];
  return a.task.localeCompare(b.task) || (sa === null ? (sb === null ? 0 : -1) : sb === null ? 1 : sa.localeCompare(sb));
}

function groupByScope(rows: THistogramRow[]): TScopeData[] {
  // The project scope always exists, so a project without labels still answers "no data".
  const scopes = new Map<string, TScopeData>([["project", { scope: { level: "project" }, compositions: new Map() }]]);
  for (const row of rows) {
    const scope = scopeOf(row);
    if (!scope) continue;
    const key = scopeKey(scope);
    let data = scopes.get(key);
    if (!data) {
      data = { scope, compositions: new Map() };
      scopes.set(key, data);
    }
    const counts: Record<string, number> = row.kind === "decision" ? { accept: row.x, reject: row.y, recaption: row.z } : { [CHOSEN]: row.x, [NOT_CHOSEN]: row.y };
    const variable = `${row.kind}:${row.key}`;
    const list = data.compositions.get(variable) ?? [];
    list.push({ counts, weight: row.units });
    data.compositions.set(variable, list);
  }
  return [...scopes.values()].sort((a, b) => compareScopes(a.scope, b.scope));
}

function variablesOf(rejectReasons: unknown): TAgreementVariable[] {
  const reasons = parseReasons(rejectReasons);
  // A dimension no reason maps to cannot be chosen at all; a row for it would only say "single category".
  const dimensions = DIMENSIONS.filter((d) => reasons.some((r) => r.dimension === d));
  return [
    DECISION,
    ...dimensions.map((d): TAgreementVariable => ({ kind: "dimension", key: d, label: `${d} · ${DIMENSION_LABELS[d]}` })),
    ...reasons.map((r): TAgreementVariable => ({ kind: "reason", key: r.code, label: r.label, dimension: r.dimension })),
  ];
}

function rowsOf(scopes: TScopeData[], variables: TAgreementVariable[]): TAgreementRow[] {
  const rows: TAgreementRow[] = [];
  for (const variable of variables) {
    for (const data of scopes) {
      const compositions = data.compositions.get(`${variable.kind}:${variable.key}`) ?? [];
      rows.push({ variable, scope: data.scope, ...summarizeCompositions(compositions) });
    }
  }
  return rows;
}

type TContingencyRow = { a_id: number; a_name: string; b_id: number; b_name: string; da: string; db: string; n: number };

/** Cohen's κ per annotator pair from the kept contingency cells (agreement_cells). */
async function loadCohen(db: Db, projectId: number): Promise<{ annotators: TAnnotatorRef[]; cohen: TAnnotatorKappa[] }> {
  const cells = await db.query<TContingencyRow>(`
    WITH cells AS (
      SELECT a_id, b_id, da::text AS da, db::text AS db, sum(n)::int AS n
      FROM ${KEPT_CELLS} k WHERE project_id = $1
      GROUP BY a_id, b_id, da, db HAVING sum(n) <> 0
    )
    SELECT c.a_id, ua.name AS a_name, c.b_id, ub.name AS b_name, c.da, c.db, c.n
    FROM cells c JOIN users ua ON ua.id = c.a_id JOIN users ub ON ub.id = c.b_id`, [projectId]);
  const tables = new Map<string, { a: TAnnotatorRef; b: TAnnotatorRef; table: TContingency }>();
  const annotators = new Map<number, TAnnotatorRef>();
  for (const cell of cells) {
    const a = { id: cell.a_id, name: cell.a_name };
    const b = { id: cell.b_id, name: cell.b_name };
    annotators.set(a.id, a).set(b.id, b);
    const key = `${a.id}:${b.id}`;
    const entry = tables.get(key) ?? { a, b, table: {} };
    (entry.table[cell.da] ??= {})[cell.db] = cell.n;
    tables.set(key, entry);
  }
  const byName = (x: TAnnotatorRef, y: TAnnotatorRef) => x.name.localeCompare(y.name) || x.id - y.id;
  const cohen = [...tables.values()]
    .map(({ a, b, table }): TAnnotatorKappa => ({ a, b, ...cohensKappaFromContingency(table) }))
    .sort((x, y) => byName(x.a, y.a) || byName(x.b, y.b));
  return { annotators: [...annotators.values()].sort(byName), cohen };
}

export async function getAgreementFigures(db: Db, projectId: number): Promise<TAgreementFigures | null> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true, name: true, rejectReasons: true } });
  if (!project) return null;
  const variables = variablesOf(project.rejectReasons);
  const reasons = variables.filter((v) => v.kind === "reason");
  // On a server the two statements run on two pooled connections at once; PGlite queues them.
  const [histogram, pairwise] = await Promise.all([
    loadHistogram(db, projectId, reasons.map((r) => r.key), reasons.map((r) => r.dimension)),
    loadCohen(db, projectId),
  ]);
  return { project: { id: project.id, name: project.name }, rows: rowsOf(groupByScope(histogram), variables), ...pairwise };
}

/** The decision's figures for the whole project, from the kept compositions, for the quality overview. */
export async function getAgreementSummary(db: Db, projectId: number): Promise<TAgreementRow> {
  const rows = await db.query<{ x: number; y: number; z: number; units: number }>(`
    SELECT x, y, z, sum(units)::int AS units FROM ${KEPT_SHAPES} k
    WHERE project_id = $1 GROUP BY x, y, z HAVING sum(units) <> 0`, [projectId]);
  const compositions = rows.map((r) => ({ counts: { accept: r.x, reject: r.y, recaption: r.z }, weight: r.units }));
  return {
    variable: DECISION,
    scope: { level: "project" },
    ...summarizeCompositions(compositions),
  };
}
