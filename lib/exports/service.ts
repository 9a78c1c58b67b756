import "server-only";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { Db } from "../db/connect";
import { recordAudit } from "../audit/record";
import { can, type TRole } from "../auth/permissions";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "../errors";
import { describeFilters, filterWhere, normalizeFilters, parseExportFilters, type TExportFilters } from "./filters";
import { exportDir } from "./run";
import { KEPT_TALLIES } from "../quality/kept";
import { exportPrefix } from "../storage/keys";
import { readObject } from "../storage/read";
import type { Storage } from "../storage/types";
import {
  ZExportCreate,
  ZExportOptions,
  ZSavedFilterInput,
  type TExportCounts,
  type TExportCreate,
  type TExportStatus,
  type TExportView,
  type TSavedFilter,
  type TSavedFilterInput,
} from "./schemas";
import { tarDirectory, tarObjects } from "./tar";
import type { TExportFormat } from "./types";

// Creating, reading and cancelling exports, saved filters, and the download. The routes and the CLI
// both come through here; the job itself is lib/exports/run.ts.

/** Who asks: a signed-in user (checked against export:project here too), or null for the CLI. */
export type TExportActor = { id: number; role: TRole } | null;

function requireExporter(actor: TExportActor): void {
  // The routes check the permission first; this keeps any other caller (a server action, a script
  // that passes a user) to the same rule.
  if (actor && !can(actor.role, "export:project")) throw new ForbiddenError("Only admins can export.");
}

async function requireProject(db: Db, projectId: number): Promise<{ id: number; name: string }> {
  const p = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true, name: true } });
  if (!p) throw new NotFoundError("Project not found.");
  return p;
}

/** A saved filter's stored fields, overridden by any field given alongside; its id stays as a note of origin. */
export async function resolveFilters(db: Db, projectId: number, raw: unknown): Promise<TExportFilters> {
  const given = parseExportFilters(raw);
  if (given.savedFilterId === undefined) return given;
  const saved = await db.prisma.exportFilter.findFirst({ where: { id: given.savedFilterId, projectId }, select: { filters: true } });
  if (!saved) throw new InvalidError(`Saved filter ${given.savedFilterId} does not exist in this project; choose another or none.`);
  const { savedFilterId, ...overrides } = given;
  const stored = parseExportFilters(saved.filters);
  return normalizeFilters({ ...stored, ...overrides, savedFilterId });
}

export async function createExport(db: Db, actor: TExportActor, projectId: number, input: TExportCreate): Promise<TExportView> {
  requireExporter(actor);
  parseExportFilters(input.filters); // the filters' own sentence first (the CLI shows it as is)
  const parsed = ZExportCreate.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new InvalidError(`${i.path.join(".") || "input"}: ${i.message}`, parsed.error.issues.map((x) => ({ path: x.path.join("."), message: x.message })));
  }
  await requireProject(db, projectId);
  const filters = await resolveFilters(db, projectId, parsed.data.filters);
  const options = parsed.data.options;
  const created = await db.transaction(async (tx) => {
    const [e] = await tx.query<{ id: string }>(
      `INSERT INTO exports (project_id, created_by, format, filters, options) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING id::text AS id`,
      [projectId, actor?.id ?? null, parsed.data.format, JSON.stringify(filters), JSON.stringify(options)],
    );
    await recordAudit(tx, {
      actorId: actor?.id ?? null,
      action: "export.create",
      subjectType: "export",
      subjectId: e!.id,
      data: { projectId, format: parsed.data.format, filters, options },
    });
    return e!;
  });
  const { enqueueExport } = await import("./job");
  await enqueueExport(db, String(created.id));
  return (await getExportView(db, String(created.id)))!;
}

interface ExportViewRow {
  id: string;
  project_id: number;
  format: TExportFormat;
  status: TExportStatus;
  filters: unknown;
  options: unknown;
  creator: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
  total_rows: string | null;
  rows_done: string;
  records: string;
  data_file: string | null;
  files: unknown;
  bytes: string | null;
  sha256: string | null;
  counts: TExportCounts | null;
  message: string | null;
}

const VIEW_SELECT = `
SELECT e.id::text, e.project_id, e.format, e.status::text AS status, e.filters, e.options, u.name AS creator,
       e.created_at, e.started_at, e.finished_at, e.updated_at, e.total_rows::text, e.rows_done::text, e.records::text,
       e.data_file, e.files, e.bytes::text, e.sha256, e.manifest->'counts' AS counts, e.message
  FROM exports e LEFT JOIN users u ON u.id = e.created_by`;

function iso(d: Date | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

function toView(r: ExportViewRow): TExportView {
  const rowsDone = Number(r.rows_done);
  const totalRows = r.total_rows === null ? null : Number(r.total_rows);
  const done = r.status === "done";
  // Never 100% before the end: pairs finalised meanwhile may make the total a little short.
  const fraction = done ? 1 : totalRows ? Math.min(0.99, rowsDone / totalRows) : 0;
  const end = r.finished_at ?? r.updated_at;
  const seconds = r.started_at ? (new Date(end).getTime() - new Date(r.started_at).getTime()) / 1000 : 0;
  const rowsPerSecond = seconds > 0.2 && rowsDone > 0 ? rowsDone / seconds : null;
  const etaSeconds = r.status === "running" && rowsPerSecond && totalRows ? Math.max(0, (totalRows - rowsDone) / rowsPerSecond) : null;
  let filters: TExportFilters = {};
  try {
    filters = parseExportFilters(r.filters);
  } catch {
    // A stored row from an older filter schema: shown as is rather than breaking the list.
  }
  return {
    id: r.id,
    projectId: r.project_id,
    format: r.format,
    status: r.status,
    filters,
    filtersText: describeFilters(filters),
    options: ZExportOptions.parse(r.options ?? {}),
    createdBy: r.creator,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    totalRows,
    rowsDone,
    records: Number(r.records),
    fraction,
    rowsPerSecond,
    etaSeconds,
    dataFile: r.data_file,
    files: Array.isArray(r.files) ? (r.files as string[]) : [],
    bytes: r.bytes === null ? null : Number(r.bytes),
    sha256: r.sha256,
    counts: r.counts,
    message: r.message,
    downloadUrl: done ? `/api/exports/${r.id}/download` : null,
    manifestUrl: done ? `/api/exports/${r.id}/manifest` : null,
  };
}

export async function getExportView(db: Db, id: string): Promise<TExportView | null> {
  const rows = await db.query<ExportViewRow>(`${VIEW_SELECT} WHERE e.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function requireExportView(db: Db, id: string): Promise<TExportView> {
  const v = await getExportView(db, id);
  if (!v) throw new NotFoundError("Export not found.");
  return v;
}

export async function listExports(db: Db, projectId: number, opts: { before?: string; limit?: number } = {}): Promise<TExportView[]> {
  const rows = await db.query<ExportViewRow>(
    `${VIEW_SELECT} WHERE e.project_id = $1 AND ($2::bigint IS NULL OR e.id < $2::bigint) ORDER BY e.id DESC LIMIT $3`,
    [projectId, opts.before ?? null, opts.limit ?? 50],
  );
  return rows.map(toView);
}

export async function cancelExport(db: Db, actor: TExportActor, id: string): Promise<TExportView> {
  requireExporter(actor);
  await db.transaction(async (tx) => {
    const cancelled = await tx.query(
      `UPDATE exports SET status = 'cancelled', finished_at = now(), updated_at = now(), message = 'Cancelled; nothing was kept.'
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id],
    );
    if (cancelled.length === 0) {
      const [exists] = await tx.query<{ status: string }>(`SELECT status::text AS status FROM exports WHERE id = $1`, [id]);
      if (!exists) throw new NotFoundError("Export not found.");
      throw new ConflictError(`The export has already ${exists.status === "done" ? "finished" : exists.status}.`);
    }
    await recordAudit(tx, { actorId: actor?.id ?? null, action: "export.cancel", subjectType: "export", subjectId: id });
  });
  // The runner sees the status at its next page, stops and removes its folder.
  return requireExportView(db, id);
}

/** The export form's final pair count (project_counts) and the task and subtask names of final pairs (the kept pair_tallies). */
export async function exportFormContext(db: Db, projectId: number): Promise<{ name: string; finalPairs: number; tasks: string[]; subtasks: string[] } | null> {
  const [p] = await db.query<{ name: string; final: string }>(
    "SELECT p.name, (SELECT coalesce(sum(c.final), 0) FROM project_counts c WHERE c.project_id = p.id)::text AS final FROM projects p WHERE p.id = $1",
    [projectId],
  );
  if (!p) return null;
  const names = await db.query<{ task: string | null; subtask: string | null }>(
    `SELECT task, subtask FROM ${KEPT_TALLIES} t WHERE project_id = $1 AND status = 'final'
      GROUP BY task, subtask HAVING sum(pairs) > 0`,
    [projectId],
  );
  const sorted = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();
  return { name: p.name, finalPairs: Number(p.final), tasks: sorted(names.map((n) => n.task)), subtasks: sorted(names.map((n) => n.subtask)) };
}

export type TExportDownload =
  | { kind: "file"; name: string; size: number; stream: () => ReadableStream<Uint8Array> }
  | { kind: "tar"; name: string; stream: () => ReadableStream<Uint8Array> }
  /** The data file, kept in a bucket: the route redirects to it or streams it (lib/storage/serve.ts). */
  | { kind: "object"; name: string; size: number; storage: Storage; key: string; stream: () => ReadableStream<Uint8Array> };

const GONE = "This export's files are no longer on the server; run the export again.";

/** The data file of a finished export, or a tar of its folder when the format wrote several files. */
export async function openExportDownload(db: Db, dataDir: string, id: string, storage?: Storage): Promise<TExportDownload> {
  const v = await requireExportView(db, id);
  if (v.status !== "done" || !v.dataFile) throw new ConflictError(`The export is ${v.status}; only a finished export can be downloaded.`);
  if (storage && storage.kind !== "local") {
    const prefix = exportPrefix(id);
    const head = await storage.head(prefix + v.dataFile);
    if (!head) throw new NotFoundError(GONE);
    if (v.files.length <= 1) {
      const key = prefix + v.dataFile;
      async function* bytes(): AsyncGenerator<Uint8Array> {
        const got = await storage!.get(key);
        if (!got) throw new NotFoundError(GONE);
        for await (const chunk of got.body) yield chunk as Buffer;
      }
      const stream = () => Readable.toWeb(Readable.from(bytes())) as ReadableStream<Uint8Array>;
      return { kind: "object", name: v.dataFile, size: head.size, storage, key, stream };
    }
    const name = `export-${id}-${v.format}`;
    return { kind: "tar", name: `${name}.tar`, stream: () => tarObjects(storage, prefix, name) };
  }
  const dir = exportDir(dataDir, id);
  const dataPath = path.join(dir, v.dataFile);
  const st = await stat(dataPath).catch(() => null);
  if (!st) throw new NotFoundError("This export's files are no longer on the server; run the export again.");
  if (v.files.length <= 1) {
    return {
      kind: "file",
      name: v.dataFile,
      size: st.size,
      stream: () => Readable.toWeb(createReadStream(dataPath)) as ReadableStream<Uint8Array>,
    };
  }
  const name = `export-${id}-${v.format}`;
  return { kind: "tar", name: `${name}.tar`, stream: () => tarDirectory(dir, name) };
}

export async function readExportManifest(db: Db, dataDir: string, id: string, storage?: Storage): Promise<string> {
  const v = await requireExportView(db, id);
  if (v.status !== "done") throw new ConflictError(`The export is ${v.status}; the manifest is written when it finishes.`);
  if (storage && storage.kind !== "local") {
    const bytes = await readObject(storage, `${exportPrefix(id)}manifest.json`);
    if (!bytes) throw new NotFoundError(GONE);
    return bytes.toString("utf8");
  }
  return readFile(path.join(exportDir(dataDir, id), "manifest.json"), "utf8").catch(() => {
    throw new NotFoundError("This export's files are no longer on the server; run the export again.");
  });
}

interface SavedFilterRow {
  id: number;
  project_id: number;
  name: string;
  filters: unknown;
  creator: string | null;
  updated_at: Date;
}

function toSaved(r: SavedFilterRow): TSavedFilter {
  let filters: TExportFilters = {};
  try {
    filters = parseExportFilters(r.filters);
  } catch {
    // see toView
  }
  return { id: r.id, projectId: r.project_id, name: r.name, filters, description: describeFilters(filters), createdBy: r.creator, updatedAt: iso(r.updated_at)! };
}

export async function listSavedFilters(db: Db, projectId: number): Promise<TSavedFilter[]> {
  const rows = await db.query<SavedFilterRow>(
    `SELECT f.id, f.project_id, f.name, f.filters, u.name AS creator, f.updated_at
       FROM export_filters f LEFT JOIN users u ON u.id = f.created_by WHERE f.project_id = $1 ORDER BY lower(f.name), f.id`,
    [projectId],
  );
  return rows.map(toSaved);
}

/** A saved filter in the project, by id or by name (the CLI's --saved). */
export async function findSavedFilter(db: Db, projectId: number, ref: string): Promise<TSavedFilter | null> {
  const rows = await db.query<SavedFilterRow>(
    `SELECT f.id, f.project_id, f.name, f.filters, u.name AS creator, f.updated_at
       FROM export_filters f LEFT JOIN users u ON u.id = f.created_by
      WHERE f.project_id = $1 AND (f.name = $2 OR ($2 ~ '^[0-9]{1,9}$' AND f.id = $2::int))
      ORDER BY (f.name = $2) DESC LIMIT 1`,
    [projectId, ref],
  );
  return rows[0] ? toSaved(rows[0]) : null;
}

function parseSavedInput(input: TSavedFilterInput): { name: string; filters: TExportFilters } {
  const r = ZSavedFilterInput.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidError(`${i.path.join(".") || "input"}: ${i.message}`);
  }
  const filters = parseExportFilters(r.data.filters);
  // A saved filter holds fields only; pointing at another saved filter would make a chain.
  if (filters.savedFilterId !== undefined) throw new InvalidError("A saved filter cannot refer to another saved filter.");
  return { name: r.data.name, filters };
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === "23505" || /unique/i.test((err as Error)?.message ?? "");
}

export async function createSavedFilter(db: Db, actor: TExportActor, projectId: number, input: TSavedFilterInput): Promise<TSavedFilter> {
  requireExporter(actor);
  const { name, filters } = parseSavedInput(input);
  await requireProject(db, projectId);
  const id = await db.transaction(async (tx) => {
    const [f] = await tx.query<{ id: number }>(
      `INSERT INTO export_filters (project_id, name, filters, created_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING id`,
      [projectId, name, JSON.stringify(filters), actor?.id ?? null],
    );
    await recordAudit(tx, { actorId: actor?.id ?? null, action: "export.filter.save", subjectType: "export_filter", subjectId: String(f!.id), data: { projectId, name, filters } });
    return f!.id;
  }).catch((err: unknown) => {
    if (isUniqueViolation(err)) throw new ConflictError(`A saved filter named "${name}" already exists in this project.`);
    throw err;
  });
  return (await listSavedFilters(db, projectId)).find((f) => f.id === id)!;
}

export async function updateSavedFilter(db: Db, actor: TExportActor, projectId: number, filterId: number, input: TSavedFilterInput): Promise<TSavedFilter> {
  requireExporter(actor);
  const { name, filters } = parseSavedInput(input);
  await db.transaction(async (tx) => {
    const updated = await tx.query(
      `UPDATE export_filters SET name = $3, filters = $4::jsonb, updated_at = now() WHERE id = $1 AND project_id = $2 RETURNING id`,
      [filterId, projectId, name, JSON.stringify(filters)],
    );
    if (updated.length === 0) throw new NotFoundError("Saved filter not found.");
    await recordAudit(tx, { actorId: actor?.id ?? null, action: "export.filter.save", subjectType: "export_filter", subjectId: String(filterId), data: { projectId, name, filters } });
  }).catch((err: unknown) => {
    if (isUniqueViolation(err)) throw new ConflictError(`A saved filter named "${name}" already exists in this project.`);
    throw err;
  });
  return (await listSavedFilters(db, projectId)).find((f) => f.id === filterId)!;
}

export async function deleteSavedFilter(db: Db, actor: TExportActor, projectId: number, filterId: number): Promise<void> {
  requireExporter(actor);
  await db.transaction(async (tx) => {
    const deleted = await tx.query(`DELETE FROM export_filters WHERE id = $1 AND project_id = $2 RETURNING id`, [filterId, projectId]);
    if (deleted.length === 0) throw new NotFoundError("Saved filter not found.");
    await recordAudit(tx, { actorId: actor?.id ?? null, action: "export.filter.delete", subjectType: "export_filter", subjectId: String(filterId), data: { projectId } });
  });
}

export interface TExportCount {
  pairs: number;
  /** true: exactly the pairs the export would take; false: an upper bound (the filters the kept figures cannot split). */
  exact: boolean;
}

/**
 * How many final pairs the filters match, before starting an export. From the kept pair_tallies (no scan)
 * when the filters constrain only decisions, tasks, subtasks and gold, otherwise an upper bound from the same
 * figures; `exact` asks for a count over the pairs themselves, which the form sends only on request.
 */
export async function countExportPairs(db: Db, projectId: number, raw: unknown, exact = false): Promise<TExportCount> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const f = await resolveFilters(db, projectId, raw);
  const kept = { decisions: f.decisions, tasks: f.tasks, subtasks: f.subtasks, gold: f.gold };
  const keptOnly = f.adjudicatedOnly === undefined && f.minAgreement === undefined && f.finalizedFrom === undefined &&
    f.finalizedBefore === undefined && f.verifier === undefined;
  if (exact && !keptOnly) {
    const values: unknown[] = [projectId];
    const [r] = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pairs p WHERE p.project_id = $1 AND p.final_decision IS NOT NULL${filterWhere(f, values)}`,
      values,
    );
    return { pairs: Number(r?.n ?? 0), exact: true };
  }
  const values: unknown[] = [projectId];
  const [r] = await db.query<{ n: string }>(
    `SELECT coalesce(sum(p.pairs), 0)::text AS n FROM ${KEPT_TALLIES} p WHERE p.project_id = $1 AND p.status = 'final'${filterWhere(kept, values)}`,
    values,
  );
  return { pairs: Number(r?.n ?? 0), exact: keptOnly };
}
