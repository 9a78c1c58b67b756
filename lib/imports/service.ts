import "server-only";
import { requireProjectWritable } from "../auth/project-access";
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Db } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { recordAudit } from "../audit/record";
import { describeValue, guessMapping, mapRecord, validateMapping } from "./mapping";
import { PRESETS, presetMapping, suggestPreset } from "./presets";
import { countRecords, detectFormat, ImportFileError, isArchiveName, readHead } from "./sources";
import { listDataFiles, resolveUnderRoot } from "./files";
import { checkSampleImages, spreadSample } from "./preview-check";
import { shortSha, type ResolveConfig } from "../images/resolve";
import type { TImportFile, TStoredRequest } from "./run";
import { importOutcome } from "./outcome";
import { withLocalCopies } from "../storage/local-copy";
import type { TImageCheck, TImportOptions, TImportRequest, TImportStatus, TImportView, TMappingInput, TPreviewProblem, TPreviewResponse, TPreviewRow } from "./schemas";
import type { TImageRef, TImportFormat, TMapping, TPresetName, TRawRecord, TRecordLocation } from "./types";
import type { TVerifierScale } from "../quality/scales";

// Creating, previewing and reading imports, for the routes and the CLI; the job is lib/imports/run.ts.

export interface TResolvedSource {
  files: TImportFile[];
  /** Archives the rows' image paths point into (decision 013). */
  archives: TImportFile[];
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
  /** The project's declared score columns, so the preview refuses scores the import will refuse. */
  scales?: readonly TVerifierScale[];
  /** The image root and fetch policy the import will use: the preview resolves a sample of images with them. */
  imageCheck?: ResolveConfig | null;
}

async function listSource(db: Db, source: TImportRequest["source"], ctx: TSourceContext, cli: boolean): Promise<{ files: TImportFile[]; label: string }> {
  if (cli && source.kind === "path") {
    const abs = path.resolve(source.path);
    const files = await listDataFiles(abs, path.basename(abs)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new NotFoundError(`${source.path} does not exist.`);
      throw err;
    });
    return { files, label: abs };
  }
  if (source.kind === "upload") {
    const up = await db.prisma.upload.findFirst({
      where: { id: source.uploadId, ...(ctx.actorId ? { createdBy: ctx.actorId } : {}) },
    });
    if (!up) throw new NotFoundError("That upload was not found; upload the file again.");
    return { files: [{ path: up.path, display: up.name, size: Number(up.size) }], label: `upload ${up.name}` };
  }
  if (!ctx.importRoot) throw new InvalidError("Importing files from the server needs LOUPE_IMPORT_ROOT to be set.");
  const real = await resolveUnderRoot(ctx.importRoot, source.path);
  const rel = path.relative(await realpath(ctx.importRoot), real);
  const files = await listDataFiles(real, rel);
  return { files, label: rel || "." };
}

const isArchive = (f: TImportFile) => isArchiveName(f.display);

/**
 * The files whose rows are imported, and the archives their image paths point into: a folder's own
 * archives when it also holds annotation files, and the request's `archives`. A folder of archives
 * alone is a set of WebDataset shards.
 */
export async function resolveSource(db: Db, req: TImportRequest, ctx: TSourceContext): Promise<TResolvedSource> {
  const main = ctx.cliPath ? await listSource(db, { kind: "path", path: ctx.cliPath }, ctx, true) : await listSource(db, req.source, ctx, false);
  let files = main.files;
  let archives: TImportFile[] = [];
  if (files.some(isArchive) && files.some((f) => !isArchive(f))) {
    archives = files.filter(isArchive);
    files = files.filter((f) => !isArchive(f));
  }
  for (const a of req.archives ?? []) {
    const listed = await listSource(db, a, ctx, !!ctx.cliPath);
    const other = listed.files.find((f) => !isArchive(f));
    if (other && listed.files.length === 1) throw new InvalidError(`${other.display} is not a tar or tar.gz archive.`);
    archives.push(...listed.files.filter(isArchive));
  }
  return { files, archives, label: main.label };
}

function mappingFor(req: TImportRequest, columns: string[]): { preset: TPresetName | null; mapping: TMapping } {
  const preset = req.preset ?? null;
  // presetMapping keeps the file's other columns as metadata and drops targets the file lacks.
  const mapping = preset ? presetMapping(preset, columns) : req.mapping ? (req.mapping as TMapping) : guessMapping(columns);
  return { preset, mapping: withOptions(mapping, preset, req.options) };
}

/** The request's options laid over the mapping: they win over what a preset says. */
function withOptions(mapping: TMapping, preset: TPresetName | null, options: TImportOptions | undefined): TMapping {
  if (!options) return mapping;
  const out: TMapping = { ...mapping };
  if (options.imagePathPrefix !== undefined) out.imagePathPrefix = options.imagePathPrefix.trim() || null;
  if (options.imageBaseUrl !== undefined) out.imageBaseUrl = options.imageBaseUrl.trim() || null;
  if (options.inverse) {
    const column = preset ? PRESETS[preset].inverseColumn : undefined;
    if (column) out.inverseInstruction = column;
    else if (!out.inverseInstruction) throw new InvalidError("The inverse option needs a preset with an inverse instruction (HQ-Edit) or a mapped inverse instruction column.");
  } else if (options.inverse === false) {
    out.inverseInstruction = null;
  }
  return out;
}

async function formatOf(files: TImportFile[], requested: TImportFormat | undefined): Promise<TImportFormat> {
  const first = await detectFormat(files[0]!.path, path.basename(files[0]!.display));
  const format = requested ?? first;
  for (const f of files.slice(1)) {
    const other = await detectFormat(f.path, path.basename(f.display));
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
  if (ref.kind === "path") return ref.path;
  if (ref.kind === "object") return ref.url;
  return ref.sha256 ? `${ref.url} (sha256 ${shortSha(ref.sha256)})` : ref.url;
}

export async function previewImport(db: Db, req: TImportRequest, ctx: TSourceContext): Promise<TPreviewResponse> {
  const resolved = await resolveSource(db, req, ctx);
  const files = await withLocalCopies(resolved.files);
  const archives = await withLocalCopies(resolved.archives);
  try {
    const format = await formatOf(files, req.format);
    const opts = { encoding: req.encoding, delimiter: req.delimiter, displayName: files[0]!.display, parts: files[0]!.parts };
    const head = await readHead(files[0]!.path, format, opts, 20);
    const suggestedPreset = suggestPreset(head.columns);
    const { preset, mapping } = mappingFor({ ...req, preset: req.preset === undefined ? suggestedPreset : req.preset }, head.columns);
    const mappingErrors = validateMapping(mapping, head.columns);
    let imageCheck: TImageCheck | null = null;
    let imageProblems = new Map<TRawRecord, string>();
    if (ctx.imageCheck && mappingErrors.length === 0) {
      const spread = await spreadSample(files, format, { encoding: req.encoding, delimiter: req.delimiter }, head.records.length);
      const checked = await checkSampleImages(head.records, spread, mapping, ctx.imageCheck, { reasonCodes: ctx.reasonCodes, scales: ctx.scales }, { archives: archives.length > 0 });
      imageCheck = checked.check;
      imageProblems = checked.byRecord;
    }
    const rows: TPreviewRow[] = head.records.map((rec) => {
      if (!rec.ok) return { loc: rec.loc, values: {}, ok: false, reason: rec.reason };
      const values = Object.fromEntries(Object.entries(rec.values).map(([k, v]) => [k, describeValue(v)]));
      if (mappingErrors.length > 0) return { loc: rec.loc, values, ok: false, reason: "The mapping is incomplete." };
      const m = mapRecord(rec.values, mapping, { reasonCodes: ctx.reasonCodes, scales: ctx.scales });
      if (!m.ok) return { loc: rec.loc, values, ok: false, reason: m.reason };
      const c = m.candidate;
      const problem = imageProblems.get(rec);
      return {
        loc: rec.loc,
        values,
        ok: problem === undefined,
        ...(problem === undefined ? {} : { reason: problem }),
        mapped: {
          externalId: c.externalId,
          instruction: c.instruction,
          task: c.task,
          subtask: c.subtask,
          source: describeRef(c.source),
          edited: describeRef(c.edited),
          mask: c.mask ? describeRef(c.mask) : null,
          reference: c.reference ? describeRef(c.reference) : null,
          gold: c.gold?.decision ?? null,
          ...(mapping.sessionId ? { sessionId: c.sessionId, turn: c.turn } : {}),
        },
      };
    });
    const totalRows = await countRows(files, format);
    return {
      format,
      files: files.map((f) => ({ path: f.display, size: f.size })),
      archives: archives.map((f) => ({ path: f.display, size: f.size })),
      columns: head.columns,
      suggestedPreset,
      preset,
      mapping: mapping as TMappingInput,
      mappingErrors,
      rows,
      totalRows,
      totalBytes: files.reduce((s, f) => s + f.size, 0),
      imageCheck,
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
  await requireProjectWritable(db, projectId);
  const { files, archives, label } = await resolveSource(db, req, ctx);
  const readable = await withLocalCopies(files);
  let format: TImportFormat;
  let totalRows: number | null = null;
  let preset: TPresetName | null;
  let mapping: TMapping;
  try {
    format = await formatOf(readable, req.format);
    const head = await readHead(readable[0]!.path, format, { encoding: req.encoding, delimiter: req.delimiter, displayName: files[0]!.display, parts: files[0]!.parts }, 20);
    if (!req.preset && !req.mapping) throw new InvalidError("Choose a preset or map the columns before importing.");
    ({ preset, mapping } = mappingFor(req, head.columns));
    const problems = validateMapping(mapping, head.columns);
    if (problems.length > 0) throw new InvalidError(`The mapping does not fit ${files[0]!.display}: ${problems.join(" ")}`);
    totalRows = await countRows(readable, format);
  } catch (err) {
    if (err instanceof ImportFileError) throw new InvalidError(err.message);
    throw err;
  }
  const request: TStoredRequest = { mapping, encoding: req.encoding, delimiter: req.delimiter, imageRoot: ctx.imageRoot };
  if (archives.length > 0) request.archives = archives;
  const created = await db.transaction(async (tx) => {
    const [imp] = await tx.query<{ id: string }>(
      `INSERT INTO imports (project_id, created_by, format, preset, request, source_label, files, total_rows, total_bytes)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::bigint, $9::bigint) RETURNING id::text AS id`,
      [projectId, actorId, format, preset, JSON.stringify(request), label, JSON.stringify(files), totalRows,
        [...files, ...archives].reduce((s, f) => s + f.size, 0)],
    );
    await recordAudit(tx, {
      actorId,
      action: "import.created",
      subjectType: "import",
      subjectId: imp!.id,
      data: { projectId, source: label, format, preset, files: files.length, ...(archives.length > 0 ? { archives: archives.length } : {}) },
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
  first_invalid: TStoredProblem[] | null;
}

/** An import_errors row as the view's lateral read hands it back (jsonb). */
interface TStoredProblem {
  file: string;
  index: number;
  line: number | null;
  rowGroup: number | null;
  row: number | null;
  externalId: string | null;
  reason: string;
}

// The first invalid rows ride along once an import has stopped, read by the error table's primary key.
const VIEW_SELECT = `
SELECT i.id::text, i.project_id, i.status::text AS status, i.format, i.preset, i.source_label, u.name AS creator,
       i.created_at, i.started_at, i.finished_at, i.updated_at, i.rows_done::text, i.total_rows::text,
       i.bytes_done::text, i.total_bytes::text, i.inserted::text, i.duplicates::text, i.invalid::text, i.message,
       fi.rows AS first_invalid
  FROM imports i LEFT JOIN users u ON u.id = i.created_by
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('file', e.file, 'index', e.record_index, 'line', e.line, 'rowGroup', e.row_group,
                                        'row', e.row_in_group, 'externalId', e.external_id, 'reason', e.reason)
                     ORDER BY e.file_index, e.record_index) AS rows
      FROM (SELECT * FROM import_errors e
             WHERE e.import_id = i.id AND i.invalid > 0 AND i.status NOT IN ('queued', 'running')
             ORDER BY e.file_index, e.record_index LIMIT 3) e
  ) fi ON true`;

function storedProblem(p: TStoredProblem): TPreviewProblem {
  const loc: TRecordLocation = { file: p.file, index: Number(p.index) };
  if (p.line !== null) loc.line = Number(p.line);
  if (p.rowGroup !== null) loc.rowGroup = p.rowGroup;
  if (p.row !== null) loc.row = p.row;
  return { loc, externalId: p.externalId, reason: p.reason };
}

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
    outcome: finished
      ? importOutcome({ rowsDone, inserted: Number(r.inserted), duplicates: Number(r.duplicates), invalid: Number(r.invalid) })
      : null,
    firstInvalid: (r.first_invalid ?? []).map(storedProblem),
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

// record: the 0-based position in its file (a JSON array's element, a WebDataset sample); id: the row's own id.
export const REPORT_HEADER = "kind,file,line,row_group,row,record,id,reason,matched_pair,matched_import,matched_file,matched_line,matched_record";

interface ReportRow {
  kind: "invalid" | "present";
  file_index: number;
  record_index: string;
  file: string;
  line: string | null;
  row_group: number | null;
  row_in_group: number | null;
  external_id: string | null;
  reason: string | null;
  pair_id: string | null;
  pair_found: boolean;
  m_import: string | null;
  m_file: number | null;
  m_line: string | null;
  m_record: string | null;
}

// Both tables are keyed by position, so one keyset walks them together; each side is cut by its own
// primary key before the merge. The matched pair's origin is read by its id.
const REPORT_PAGE_SQL = `
SELECT * FROM (
  (SELECT 'invalid' AS kind, e.file_index, e.record_index, e.file, e.line::text, e.row_group, e.row_in_group, e.external_id,
          e.reason, NULL::text AS pair_id, false AS pair_found, NULL::text AS m_import, NULL::int AS m_file,
          NULL::text AS m_line, NULL::text AS m_record
     FROM import_errors e
    WHERE e.import_id = $1 AND ($2::int IS NULL OR (e.file_index, e.record_index) > ($2::int, $3::bigint))
    ORDER BY e.file_index, e.record_index LIMIT $4)
  UNION ALL
  (SELECT 'present', d.file_index, d.record_index, d.file, d.line::text, d.row_group, d.row_in_group, d.external_id,
          NULL, d.pair_id::text, p.id IS NOT NULL, p.import_id::text, p.import_file, p.import_line::text, p.import_record::text
     FROM import_duplicates d LEFT JOIN pairs p ON p.id = d.pair_id
    WHERE d.import_id = $1 AND ($2::int IS NULL OR (d.file_index, d.record_index) > ($2::int, $3::bigint))
    ORDER BY d.file_index, d.record_index LIMIT $4)
) r ORDER BY file_index, record_index LIMIT $4`;

function presentReason(importId: string, r: ReportRow): string {
  if (!r.pair_found) return "already present: the project had a pair with this id (since deleted)";
  if (r.m_import === importId) return "already present: the same id as an earlier row of this import";
  if (r.m_import === null) return "already present: the project has a pair with this id (from the API or an import before origins were kept)";
  return `already present: the project has a pair with this id from import ${r.m_import}`;
}

/** Reads one page of the report rows after `cursor` (file index, record index), in file order. */
async function reportPage(db: Db, id: string, cursor: { f: number; r: string } | null, limit: number): Promise<ReportRow[]> {
  return db.query<ReportRow>(REPORT_PAGE_SQL, [id, cursor?.f ?? null, cursor?.r ?? null, limit]);
}

/**
 * The report as CSV: every invalid and every already-present row in file order, with its kind, position,
 * own id and reason, and for an already-present row the pair it matched and where that pair came from.
 * Streamed in keyset pages so a report of millions of rows never sits in memory.
 */
export function streamImportReport(db: Db, id: string): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: { f: number; r: string } | null = null;
  let headerSent = false;
  // Display names of the files of the imports matched pairs came from, read once per import.
  const filesOf = new Map<string, string[]>();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(enc.encode(`${REPORT_HEADER}\n`));
      }
      const rows = await reportPage(db, id, cursor, 5000);
      if (rows.length === 0) {
        controller.close();
        return;
      }
      const last = rows[rows.length - 1]!;
      cursor = { f: last.file_index, r: String(last.record_index) };
      const unknown = [...new Set(rows.map((r) => r.m_import).filter((x): x is string => x !== null && !filesOf.has(x)))];
      if (unknown.length > 0) {
        const imports = await db.query<{ id: string; files: { display: string }[] }>("SELECT id::text, files FROM imports WHERE id = ANY($1::bigint[])", [unknown]);
        for (const i of imports) filesOf.set(i.id, i.files.map((f) => f.display));
      }
      const lines = rows.map((r) => {
        const present = r.kind === "present";
        const matchedFile = r.m_import !== null && r.m_file !== null ? (filesOf.get(r.m_import)?.[r.m_file] ?? null) : null;
        return [
          present ? "already present" : "invalid",
          r.file,
          r.line,
          r.row_group,
          r.row_in_group,
          r.record_index,
          r.external_id,
          present ? presentReason(id, r) : r.reason,
          r.pair_id,
          r.m_import,
          matchedFile,
          r.m_line,
          r.m_record,
        ]
          .map(csvCell)
          .join(",");
      });
      controller.enqueue(enc.encode(lines.join("\n") + "\n"));
    },
  });
}

/** The first invalid rows of an import, in file order (the CLI prints them). */
export async function firstInvalidRows(db: Db, id: string, limit: number): Promise<TPreviewProblem[]> {
  const rows = await db.query<TStoredProblem>(
    `SELECT file, record_index::text AS index, line::text AS line, row_group AS "rowGroup", row_in_group AS row,
            external_id AS "externalId", reason
       FROM import_errors WHERE import_id = $1 ORDER BY file_index, record_index LIMIT $2`,
    [id, limit],
  );
  return rows.map(storedProblem);
}
