import "server-only";
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Db } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { recordAudit } from "../audit/record";
import { describeValue, guessMapping, mapRecord, validateMapping } from "./mapping";
import { presetMapping, suggestPreset } from "./presets";
import { countRecords, detectFormat, ImportFileError, readHead } from "./sources";
import { listDataFiles, resolveUnderRoot } from "./files";
import type { TImportFile, TStoredRequest } from "./run";
import type { TImportRequest, TImportStatus, TImportView, TMappingInput, TPreviewResponse, TPreviewRow } from "./schemas";
import type { TImageRef, TImportFormat, TMapping, TPresetName } from "./types";

// Creating, previewing and reading imports, for the routes and the CLI; the job is lib/imports/run.ts.

export interface TResolvedSource {
  files: TImportFile[];
  label: string;
}

export interface TSourceContext {
  /** LOUPE_IMPORT_ROOT, for `source.kind = "path"` from the web UI. */
  importRoot: string | null;
  /** The CLI names any file it can read; the web UI never can. */
  cliPath?: string;
  /** Who asks: an upload can only be imported by the admin who uploaded it. */
  actorId?: number | null;
  /** The project's reject reason codes, so the preview refuses unknown gold reasons as the import will. */
  reasonCodes?: ReadonlySet<string>;
}

export async function resolveSource(db: Db, req: TImportRequest, ctx: TSourceContext): Promise<TResolvedSource> {
  if (ctx.cliPath) {
    const abs = path.resolve(ctx.cliPath);
    const files = await listDataFiles(abs, path.basename(abs)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new NotFoundError(`${ctx.cliPath} does not exist.`);
      throw err;
    });
    return { files, label: abs };
  }
  if (req.source.kind === "upload") {
    const up = await db.prisma.upload.findFirst({
      where: { id: req.source.uploadId, ...(ctx.actorId ? { createdBy: ctx.actorId } : {}) },
    });
    if (!up) throw new NotFoundError("That upload was not found; upload the file again.");
    return { files: [{ path: up.path, display: up.name, size: Number(up.size) }], label: `upload ${up.name}` };
  }
  if (!ctx.importRoot) throw new InvalidError("Importing files from the server needs LOUPE_IMPORT_ROOT to be set.");
  const real = await resolveUnderRoot(ctx.importRoot, req.source.path);
  const rel = path.relative(await realpath(ctx.importRoot), real);
  const files = await listDataFiles(real, rel);
  return { files, label: rel || "." };
}

function mappingFor(req: TImportRequest, columns: string[]): { preset: TPresetName | null; mapping: TMapping } {
  const preset = req.preset ?? null;
  // presetMapping keeps the file's other columns as metadata and drops targets the file lacks.
  if (preset) return { preset, mapping: presetMapping(preset, columns) };
  if (req.mapping) return { preset: null, mapping: req.mapping as TMapping };
  return { preset: null, mapping: guessMapping(columns) as TMapping };
}

async function formatOf(files: TImportFile[], requested: TImportFormat | undefined): Promise<TImportFormat> {
  const first = await detectFormat(files[0]!.path);
  const format = requested ?? first;
  for (const f of files.slice(1)) {
    const other = await detectFormat(f.path);
    if (other !== format) throw new InvalidError(`All files of one import must have one format: ${f.display} is ${other}, not ${format}.`);
  }
  return format;
}

async function countRows(files: TImportFile[], format: TImportFormat): Promise<number | null> {
  if (format !== "parquet") return null;
  let total = 0;
  for (const f of files) total += (await countRecords(f.path, format)) ?? 0;
  return total;
}

function describeRef(ref: TImageRef): string {
  if (ref.kind === "bytes") return `embedded image (${describeValue(ref.bytes)})`;
  return ref.kind === "url" ? ref.url : ref.path;
}

export async function previewImport(db: Db, req: TImportRequest, ctx: TSourceContext): Promise<TPreviewResponse> {
  const { files } = await resolveSource(db, req, ctx);
  try {
    const format = await formatOf(files, req.format);
    const opts = { encoding: req.encoding, delimiter: req.delimiter, displayName: files[0]!.display };
    const head = await readHead(files[0]!.path, format, opts, 20);
    const suggestedPreset = suggestPreset(head.columns);
    const { preset, mapping } = mappingFor({ ...req, preset: req.preset === undefined ? suggestedPreset : req.preset }, head.columns);
    const mappingErrors = validateMapping(mapping, head.columns);
    const rows: TPreviewRow[] = head.records.map((rec) => {
      if (!rec.ok) return { loc: rec.loc, values: {}, ok: false, reason: rec.reason };
      const values = Object.fromEntries(Object.entries(rec.values).map(([k, v]) => [k, describeValue(v)]));
      if (mappingErrors.length > 0) return { loc: rec.loc, values, ok: false, reason: "The mapping is incomplete." };
      const m = mapRecord(rec.values, mapping, { reasonCodes: ctx.reasonCodes });
      if (!m.ok) return { loc: rec.loc, values, ok: false, reason: m.reason };
      const c = m.candidate;
      return {
        loc: rec.loc,
        values,
        ok: true,
        mapped: {
          externalId: c.externalId,
          instruction: c.instruction,
          task: c.task,
          subtask: c.subtask,
          source: describeRef(c.source),
          edited: describeRef(c.edited),
          mask: c.mask ? describeRef(c.mask) : null,
          gold: c.gold?.decision ?? null,
        },
      };
    });
    const totalRows = await countRows(files, format);
    return {
      format,
      files: files.map((f) => ({ path: f.display, size: f.size })),
      columns: head.columns,
      suggestedPreset,
      preset,
      mapping: mapping as TMappingInput,
      mappingErrors,
      rows,
      totalRows,
      totalBytes: files.reduce((s, f) => s + f.size, 0),
    };
  } catch (err) {
    if (err instanceof ImportFileError) throw new InvalidError(err.message);
    throw err;
  }
}

export async function createImport(
  db: Db,
  actorId: number | null,
  projectId: number,
  req: TImportRequest,
  ctx: TSourceContext & { imageRoot: string | null },
): Promise<TImportView> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const { files, label } = await resolveSource(db, req, ctx);
  let format: TImportFormat;
  let totalRows: number | null = null;
  let preset: TPresetName | null;
  let mapping: TMapping;
  try {
    format = await formatOf(files, req.format);
    const head = await readHead(files[0]!.path, format, { encoding: req.encoding, delimiter: req.delimiter, displayName: files[0]!.display }, 20);
    if (!req.preset && !req.mapping) throw new InvalidError("Choose a preset or map the columns before importing.");
    ({ preset, mapping } = mappingFor(req, head.columns));
    const problems = validateMapping(mapping, head.columns);
    if (problems.length > 0) throw new InvalidError(`The mapping does not fit ${files[0]!.display}: ${problems.join(" ")}`);
    totalRows = await countRows(files, format);
  } catch (err) {
    if (err instanceof ImportFileError) throw new InvalidError(err.message);
    throw err;
  }
  const request: TStoredRequest = { mapping, encoding: req.encoding, delimiter: req.delimiter, imageRoot: ctx.imageRoot };
  const created = await db.transaction(async (tx) => {
    const [imp] = await tx.query<{ id: string }>(
      `INSERT INTO imports (project_id, created_by, format, preset, request, source_label, files, total_rows, total_bytes)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::bigint, $9::bigint) RETURNING id::text AS id`,
      [projectId, actorId, format, preset, JSON.stringify(request), label, JSON.stringify(files), totalRows, files.reduce((s, f) => s + f.size, 0)],
    );
    await recordAudit(tx, {
      actorId,
      action: "import.created",
      subjectType: "import",
      subjectId: imp!.id,
      data: { projectId, source: label, format, preset, files: files.length },
    });
    return imp!;
  });
  const { enqueueImport } = await import("./job");
  await enqueueImport(db, String(created.id));
  const view = await getImportView(db, String(created.id));
  return view!;
}

interface ImportViewRow {
  id: string;
  project_id: number;
  status: TImportStatus;
  format: TImportFormat;
  preset: TPresetName | null;
  source_label: string;
  creator: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
  rows_done: string;
  total_rows: string | null;
  bytes_done: string;
  total_bytes: string;
  inserted: string;
  duplicates: string;
  invalid: string;
  message: string | null;
}

const VIEW_SELECT = `
SELECT i.id::text, i.project_id, i.status::text AS status, i.format, i.preset, i.source_label, u.name AS creator,
       i.created_at, i.started_at, i.finished_at, i.updated_at, i.rows_done::text, i.total_rows::text,
       i.bytes_done::text, i.total_bytes::text, i.inserted::text, i.duplicates::text, i.invalid::text, i.message
  FROM imports i LEFT JOIN users u ON u.id = i.created_by`;

function toView(r: ImportViewRow): TImportView {
  const rowsDone = Number(r.rows_done);
  const totalRows = r.total_rows === null ? null : Number(r.total_rows);
  const bytesDone = Number(r.bytes_done);
  const totalBytes = Number(r.total_bytes);
  const finished = r.status === "done";
  const fraction = finished ? 1 : totalRows ? Math.min(1, rowsDone / totalRows) : totalBytes > 0 ? Math.min(1, bytesDone / totalBytes) : 0;
  const end = r.finished_at ?? r.updated_at;
  const seconds = r.started_at ? (new Date(end).getTime() - new Date(r.started_at).getTime()) / 1000 : 0;
  const rowsPerSecond = seconds > 0.5 && rowsDone > 0 ? rowsDone / seconds : null;
  let etaSeconds: number | null = null;
  if (r.status === "running" && rowsPerSecond && fraction > 0 && fraction < 1) {
    etaSeconds = totalRows ? (totalRows - rowsDone) / rowsPerSecond : (seconds * (1 - fraction)) / fraction;
  }
  return {
    id: r.id,
    projectId: r.project_id,
    status: r.status,
    format: r.format,
    preset: r.preset,
    sourceLabel: r.source_label,
    createdBy: r.creator,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: r.started_at ? new Date(r.started_at).toISOString() : null,
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    rowsDone,
    totalRows,
    bytesDone,
    totalBytes,
    fraction,
    rowsPerSecond,
    etaSeconds,
    inserted: Number(r.inserted),
    duplicates: Number(r.duplicates),
    invalid: Number(r.invalid),
    message: r.message,
    reportUrl: `/api/imports/${r.id}/report`,
  };
}

export async function getImportView(db: Db, id: string): Promise<TImportView | null> {
  const rows = await db.query<ImportViewRow>(`${VIEW_SELECT} WHERE i.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function requireImportView(db: Db, id: string): Promise<TImportView> {
  const v = await getImportView(db, id);
  if (!v) throw new NotFoundError("Import not found.");
  return v;
}

export async function listImports(db: Db, projectId: number, opts: { before?: string; limit?: number } = {}): Promise<TImportView[]> {
  const rows = await db.query<ImportViewRow>(
    `${VIEW_SELECT} WHERE i.project_id = $1 AND ($2::bigint IS NULL OR i.id < $2::bigint) ORDER BY i.id DESC LIMIT $3`,
    [projectId, opts.before ?? null, opts.limit ?? 50],
  );
  return rows.map(toView);
}

export async function cancelImport(db: Db, actorId: number | null, id: string): Promise<TImportView> {
  await db.transaction(async (tx) => {
    const cancelled = await tx.query(
      `UPDATE imports SET status = 'cancelled', finished_at = now(), updated_at = now(),
         message = 'Cancelled. Rows imported so far stay; importing the file again adds the rest.'
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id],
    );
    if (cancelled.length === 0) {
      const [exists] = await tx.query<{ status: string }>(`SELECT status::text AS status FROM imports WHERE id = $1`, [id]);
      if (!exists) throw new NotFoundError("Import not found.");
      throw new ConflictError(`The import has already ${exists.status === "done" ? "finished" : exists.status}.`);
    }
    await recordAudit(tx, { actorId, action: "import.cancelled", subjectType: "import", subjectId: id });
  });
  return requireImportView(db, id);
}

export async function resumeImport(db: Db, actorId: number | null, id: string): Promise<TImportView> {
  await db.transaction(async (tx) => {
    const resumed = await tx.query(
      `UPDATE imports SET status = 'queued', finished_at = NULL, message = NULL, failures = 0, updated_at = now()
       WHERE id = $1 AND status IN ('failed', 'cancelled') RETURNING id`,
      [id],
    );
    if (resumed.length === 0) {
      const [exists] = await tx.query<{ status: string }>(`SELECT status::text AS status FROM imports WHERE id = $1`, [id]);
      if (!exists) throw new NotFoundError("Import not found.");
      throw new ConflictError(`Only a failed or cancelled import can be resumed; this one is ${exists.status}.`);
    }
    await recordAudit(tx, { actorId, action: "import.resumed", subjectType: "import", subjectId: id });
  });
  const { enqueueImport } = await import("./job");
  await enqueueImport(db, id);
  return requireImportView(db, id);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  // A report opened in a spreadsheet must not run a formula from a manifest cell.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The invalid rows as CSV, streamed in keyset pages so a report of millions of rows never sits in memory. */
export function streamImportReport(db: Db, id: string): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: { f: number; r: string } | null = null;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(enc.encode("file,line,row_group,row,reason\n"));
      }
      const rows: { file_index: number; record_index: string; file: string; line: string | null; row_group: number | null; row_in_group: number | null; reason: string }[] =
        await db.query(
          `SELECT file_index, record_index::text, file, line::text, row_group, row_in_group, reason FROM import_errors
            WHERE import_id = $1 AND ($2::int IS NULL OR (file_index, record_index) > ($2::int, $3::bigint))
            ORDER BY file_index, record_index LIMIT 5000`,
          [id, cursor?.f ?? null, cursor?.r ?? null],
        );
      if (rows.length === 0) {
        controller.close();
        return;
      }
      const last = rows[rows.length - 1]!;
      cursor = { f: last.file_index, r: last.record_index };
      controller.enqueue(
        enc.encode(rows.map((r) => [r.file, r.line, r.row_group, r.row_in_group, r.reason].map(csvCell).join(",")).join("\n") + "\n"),
      );
    },
  });
}
