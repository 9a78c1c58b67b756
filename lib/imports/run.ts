import "server-only";
import { parseVerifierScales, type TVerifierScale } from "../quality/scales";
import { createHash } from "node:crypto";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import type { ResolveConfig } from "../images/resolve";
import { ImagePipeline, ImageProblem, type TResolvedImage } from "./image-pipeline";
import { withLocalCopies } from "../storage/local-copy";
import type { Storage } from "../storage/types";
import { archivePath, lookupArchiveMembers, scanArchives, type TArchiveHit } from "./archives";
import { mapRecord, recordIdOf } from "./mapping";
import { importOutcomeMessage } from "./outcome";
import { ImportFileError, readRecords } from "./sources";
import type { TCandidate, TEncoding, TImageRef, TImportFormat, TMapping, TRawRecord, TRecordLocation } from "./types";
import type { TPart } from "./readers/stream";

// The import job: read records from the checkpoint on, map them, resolve their images, and write each
// batch (pairs, invalid-row reports, the advanced checkpoint) in one transaction, so a killed process
// resumes from the last committed checkpoint with nothing inserted twice and nothing skipped.

export interface TStoredRequest {
  mapping: TMapping;
  encoding?: TEncoding;
  delimiter?: string;
  /** Image paths in the rows resolve under this folder (null: path references are refused). */
  imageRoot: string | null;
  /** Archives the rows' image paths point into, read once before the rows (decision 013). */
  archives?: TImportFile[];
}

export interface TImportFile {
  path: string;
  display: string;
  /** Bytes on disk, all parts together. */
  size: number;
  /** Set for a file published in numbered parts (`path` is the first): read as one stream, in this order. */
  parts?: TPart[];
}

export interface TRunOptions {
  dataDir: string;
  /** Where images go; the local store in dataDir when absent. */
  storage?: Storage;
  fetch: Omit<ResolveConfig, "imageRoot">;
  /** Stop at the next batch boundary after this long and answer "paused" (the job re-queues itself). */
  budgetMs?: number;
  /** Checked at the same batch boundaries as the budget: true (the process is shutting down) answers "paused" too. */
  shouldStop?: () => boolean;
  batchSize?: number;
  /** Images resolved at once (fetches and decodes overlap; sharp has its own thread pool). */
  concurrency?: number;
  /** Archive members stored per committed batch of the archive scan (500 by default; tests make it tiny). */
  archiveBatchMembers?: number;
  /** Called after each committed batch (of rows, or of archive members); a test throws from it to simulate a crash. */
  afterBatch?: (state: { batches: number; rowsDone: number; phase: "archives" | "rows" }) => void | Promise<void>;
}

export type TRunResult = "done" | "paused" | "busy" | "cancelled" | "failed";

interface ImportRow {
  id: string;
  project_id: number;
  status: string;
  format: TImportFormat;
  request: TStoredRequest;
  files: TImportFile[];
  file_index: number;
  record_index: string;
  archive_index: number;
  archive_member: string;
  bytes_done: string;
  /** The project's reject reason codes, which gold rows' expected reasons must be among. */
  reason_codes: string[];
  /** The project's declared verifier score columns: a score outside its scale refuses the row. */
  verifier_scales: unknown;
  web_images_in_place: boolean;
}

const running = new Set<string>();

export function isRunningHere(id: string): boolean {
  return running.has(id);
}

/** The advisory lock key a runner holds while it works an import (see runImport). */
export function importLockKey(id: string): number {
  return Number(BigInt(id) % 2147483647n);
}

class CheckpointLost extends Error {}

// A job runs in slices; keeping its image pipeline (and its caches) across slices saves recomputing change maps.
const pipelines = new Map<string, { db: Db; pipeline: ImagePipeline }>();

function pipelineFor(db: Db, id: string, dataDir: Storage | string, cfg: ResolveConfig): ImagePipeline {
  const hit = pipelines.get(id);
  if (hit && hit.db === db) return hit.pipeline;
  const pipeline = new ImagePipeline(db, dataDir, cfg);
  pipelines.set(id, { db, pipeline });
  while (pipelines.size > 4) pipelines.delete(pipelines.keys().next().value as string);
  return pipeline;
}

/** Image bytes held by a raw record (embedded images), to bound a batch by memory as well as rows. */
function embeddedBytes(rec: TRawRecord): number {
  if (!rec.ok) return 0;
  let n = 0;
  for (const v of Object.values(rec.values)) {
    if (v instanceof Uint8Array) n += v.byteLength;
    else if (v && typeof v === "object" && (v as { bytes?: unknown }).bytes instanceof Uint8Array) n += ((v as { bytes: Uint8Array }).bytes).byteLength;
  }
  return n;
}

/** A batch is flushed at this many bytes of embedded images even before it has its rows. */
const BATCH_MAX_IMAGE_BYTES = 32 * 1024 * 1024;

// The next batch is prepared while the previous one commits, but two batch transactions never run at once:
// both update the same project_counts rows from their statement triggers, and the later could hold a row
// the earlier needs while waiting (in JS) for it to commit — a deadlock Postgres cannot see.

export async function runImport(db: Db, importId: string | bigint, opts: TRunOptions): Promise<TRunResult> {
  const id = String(importId);
  // Two runs of one import in one process (a retry racing a continuation) would only waste work,
  // the checkpoint guard keeps the data right; across processes a session advisory lock does the same.
  if (running.has(id)) return "busy";
  running.add(id);
  try {
    return await db.ownSession(async (session) => {
      const [lock] = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(7105, $1::int) AS ok", [importLockKey(id)]);
      if (!lock?.ok) return "busy";
      try {
        return await runLocked(db, id, opts);
      } finally {
        await session.query("SELECT pg_advisory_unlock(7105, $1::int)", [importLockKey(id)]).catch(() => {});
      }
    });
  } finally {
    running.delete(id);
  }
}

async function loadImport(runner: SqlRunner, id: string): Promise<ImportRow | undefined> {
  const rows = await runner.query<ImportRow>(
    `SELECT i.id::text, i.project_id, i.status::text, i.format, i.request, i.files, i.file_index, i.record_index::text,
            i.archive_index, i.archive_member::text, i.bytes_done::text,
            ARRAY(SELECT e->>'code' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.reject_reasons) = 'array'
                                                                  THEN p.reject_reasons ELSE '[]' END) e) AS reason_codes,
            p.verifier_scales, p.web_images_in_place
       FROM imports i JOIN projects p ON p.id = i.project_id WHERE i.id = $1`,
    [id],
  );
  return rows[0];
}

async function runLocked(db: Db, id: string, opts: TRunOptions): Promise<TRunResult> {
  const started = Date.now();
  const outOfTime = () => (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) || opts.shouldStop?.() === true;
  const imp = await loadImport(db, id);
  if (!imp) return "failed";
  if (imp.status === "done" || imp.status === "failed" || imp.status === "cancelled") return imp.status as TRunResult;
  await db.query(
    `UPDATE imports SET status = 'running', started_at = COALESCE(started_at, now()), attempts = attempts + 1, updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'running')`,
    [id],
  );
  const pipeline = pipelineFor(db, id, opts.storage ?? opts.dataDir, {
    ...opts.fetch,
    imageRoot: imp.request.imageRoot,
    webInPlace: imp.web_images_in_place,
  });
  const batchSize = opts.batchSize ?? 2000;
  let fileIndex = imp.file_index;
  let recordIndex = Number(imp.record_index);
  let batches = 0;
  let rowsDone = 0;
  // An upload kept in a bucket is read from this host's copy; the import row keeps its s3:// location.
  const archives = await withLocalCopies(imp.request.archives ?? []);
  imp.files = await withLocalCopies(imp.files);
  const archiveBytes = archives.reduce((s, f) => s + f.size, 0);
  const bytesBefore = (i: number) => archiveBytes + imp.files.slice(0, i).reduce((s, f) => s + f.size, 0);
  try {
    if (imp.archive_index < archives.length) {
      const scanned = await scanArchives(db, {
        importId: id,
        archives,
        from: { archive: imp.archive_index, member: Number(imp.archive_member) },
        pipeline,
        maxBytes: opts.fetch.maxBytes,
        concurrency: opts.concurrency ?? 6,
        batchMembers: opts.archiveBatchMembers,
        outOfTime,
        afterBatch: async () => {
          batches++;
          await opts.afterBatch?.({ batches, rowsDone, phase: "archives" });
        },
      });
      if (scanned === "paused") return "paused";
      if (scanned === "lost") return await settledStatus(db, id);
    }
    for (; fileIndex < imp.files.length; fileIndex++) {
      const file = imp.files[fileIndex]!;
      const reader = readRecords(file.path, imp.format, {
        encoding: imp.request.encoding,
        delimiter: imp.request.delimiter,
        skip: recordIndex,
        displayName: file.display,
        parts: file.parts,
      });
      let batch: TRawRecord[] = [];
      let batchBytes = 0;
      // Exactness comes from the checkpoint guard: each transaction moves the checkpoint from where
      // the previous batch left it, and rolls back if that one did not commit.
      let inflight: Promise<void> | null = null;
      const flush = async () => {
        if (batch.length === 0) return;
        const rows = batch;
        batch = [];
        batchBytes = 0;
        const from = { fileIndex, recordIndex };
        const next = rows[rows.length - 1]!.loc.index + 1;
        recordIndex = next;
        const bytes = bytesBefore(fileIndex) + Math.min(file.size, reader.bytesRead?.() ?? 0);
        const prepared = await prepareBatch(db, pipeline, batchTarget(imp), rows, opts.concurrency ?? 6);
        if (inflight) await inflight;
        inflight = commitBatch(db, imp, prepared, { from, to: { fileIndex, recordIndex: next }, bytesDone: bytes }).then(async () => {
          rowsDone += rows.length;
          batches++;
          await opts.afterBatch?.({ batches, rowsDone, phase: "rows" });
        });
        inflight.catch(() => {}); // awaited below; this only keeps a failure from being "unhandled" meanwhile
      };
      const drain = async () => {
        if (inflight) await inflight;
        inflight = null;
      };
      try {
        for await (const rec of reader.records) {
          batch.push(rec);
          batchBytes += embeddedBytes(rec);
          if (batch.length >= batchSize || batchBytes >= BATCH_MAX_IMAGE_BYTES) {
            await flush();
            if (outOfTime()) {
              await drain();
              return "paused";
            }
          }
        }
      } catch (err) {
        // The file breaks off (unclosed quote, corrupt row group): keep the rows read before it.
        if (err instanceof ImportFileError) {
          await flush();
          await drain();
        }
        throw err;
      }
      await flush();
      await drain();
      // Move the checkpoint to the start of the next file (also when this file had no records).
      if (!(await advance(db, id, { fileIndex, recordIndex }, { fileIndex: fileIndex + 1, recordIndex: 0 }, bytesBefore(fileIndex + 1)))) {
        return await settledStatus(db, id);
      }
      recordIndex = 0;
    }
    const done = await db.transaction(async (tx) => {
      const [counts] = await tx.query<{ rows_done: string; inserted: string; duplicates: string; invalid: string }>(
        "SELECT rows_done::text, inserted::text, duplicates::text, invalid::text FROM imports WHERE id = $1 AND status = 'running' FOR UPDATE",
        [id],
      );
      if (!counts) return false;
      // The archive index only served to resolve this import's rows.
      if (archives.length > 0) await tx.query("DELETE FROM import_archive_members WHERE import_id = $1", [id]);
      const message = importOutcomeMessage({
        rowsDone: Number(counts.rows_done),
        inserted: Number(counts.inserted),
        duplicates: Number(counts.duplicates),
        invalid: Number(counts.invalid),
      });
      const rows = await tx.query<{ inserted: string; duplicates: string; invalid: string; created_by: number | null }>(
        `UPDATE imports SET status = 'done', finished_at = now(), updated_at = now(), bytes_done = total_bytes, message = $2
          WHERE id = $1 AND status = 'running'
        RETURNING inserted::text, duplicates::text, invalid::text, created_by`,
        [id, message],
      );
      const r = rows[0];
      if (!r) return false;
      await tx.query(
        `INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data) VALUES ($1, 'import.finished', 'import', $2, $3::jsonb)`,
        [r.created_by, id, JSON.stringify({ projectId: imp.project_id, inserted: Number(r.inserted), duplicates: Number(r.duplicates), invalid: Number(r.invalid) })],
      );
      return true;
    });
    pipelines.delete(id);
    return done ? "done" : await settledStatus(db, id);
  } catch (err) {
    if (err instanceof CheckpointLost) return await settledStatus(db, id);
    if (err instanceof ImportFileError) {
      const [c] = await db.query<{ rows_done: string; inserted: string }>("SELECT rows_done::text, inserted::text FROM imports WHERE id = $1", [id]);
      const kept = c ? ` The ${Number(c.rows_done).toLocaleString("en")} rows before it were processed (${Number(c.inserted).toLocaleString("en")} inserted) and stay.` : "";
      await failImport(db, id, `${err.message}${kept}`);
      return "failed";
    }
    throw err; // unexpected: the job handler (lib/imports/job.ts) retries with back-off from the checkpoint
  }
}

async function settledStatus(runner: SqlRunner, id: string): Promise<TRunResult> {
  const imp = await loadImport(runner, id);
  if (imp?.status === "cancelled") return "cancelled";
  if (imp?.status === "failed") return "failed";
  if (imp?.status === "done") return "done";
  return "busy";
}

export async function failImport(db: Db, id: string, message: string): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.query<{ created_by: number | null; project_id: number }>(
      `UPDATE imports SET status = 'failed', finished_at = now(), updated_at = now(), message = $2
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING created_by, project_id`,
      [id, message],
    );
    const r = rows[0];
    if (r) {
      await tx.query(
        `INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data) VALUES ($1, 'import.failed', 'import', $2, $3::jsonb)`,
        [r.created_by, id, JSON.stringify({ projectId: r.project_id, message })],
      );
    }
  });
}

interface Pos {
  fileIndex: number;
  recordIndex: number;
}

async function advance(runner: SqlRunner, id: string, from: Pos, to: Pos, bytesDone: number): Promise<boolean> {
  const rows = await runner.query(
    `UPDATE imports SET file_index = $4, record_index = $5, bytes_done = $6, updated_at = now()
      WHERE id = $1 AND file_index = $2 AND record_index = $3 AND status = 'running' RETURNING 1`,
    [id, from.fileIndex, from.recordIndex, to.fileIndex, to.recordIndex, bytesDone],
  );
  return rows.length > 0;
}

export interface ReadyRow {
  loc: TRecordLocation;
  c: TCandidate;
  externalId: string;
  src: TResolvedImage;
  edit: TResolvedImage;
  mask: TResolvedImage | null;
  reference: TResolvedImage | null;
}

export interface BadRow {
  loc: TRecordLocation;
  reason: string;
  /** The row's own id when it could be read (a WebDataset sample's key otherwise). */
  externalId?: string | null;
}

/** A row whose id the project already has: its position, its id, and the pair it matched (null until known). */
export interface PresentRow {
  loc: TRecordLocation;
  externalId: string;
  pairId: string | null;
  /** The row's verifier output, recorded on the pair it matched as its version's (a second verifier version). */
  output?: TVerifierOutput;
}

/** One verifier version's output on a pair (pair_verifier_outputs). */
export interface TVerifierOutput {
  version: string;
  scores: Record<string, number> | null;
  valid: boolean | null;
  failureClass: string | null;
  recaption: string | null;
}

/** The candidate's verifier output, when it carries one. */
export function outputOf(c: TCandidate): TVerifierOutput | undefined {
  if (c.scores === null && c.verifierValid === null && c.verifierFailureClass === null && c.verifierRecaption === null) return undefined;
  return { version: c.modelVersion ?? "", scores: c.scores, valid: c.verifierValid, failureClass: c.verifierFailureClass, recaption: c.verifierRecaption };
}

// A version's output for pairs the project already has: a new version is added, a version already there
// is replaced (a re-run of that verifier). lib/quality/sql/verifier.sql copies the active one onto the pair.
const UPSERT_OUTPUTS_SQL = `
INSERT INTO pair_verifier_outputs AS o (pair_id, version, scores, valid, failure_class, recaption)
SELECT t.pair_id, t.version, coalesce(t.scores, '{}'), t.valid, t.failure_class, t.recaption
FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::boolean[], $5::text[], $6::text[])
     AS t(pair_id, version, scores, valid, failure_class, recaption)
ON CONFLICT (pair_id, version) DO UPDATE
SET scores = EXCLUDED.scores, valid = EXCLUDED.valid, failure_class = EXCLUDED.failure_class, recaption = EXCLUDED.recaption
WHERE (o.scores, o.valid, o.failure_class, o.recaption) IS DISTINCT FROM (EXCLUDED.scores, EXCLUDED.valid, EXCLUDED.failure_class, EXCLUDED.recaption)`;

/** Records the verifier outputs rows already present carried (ordered by pair so two imports lock alike); answers how many. */
export async function recordPresentOutputs(tx: SqlRunner, present: readonly PresentRow[]): Promise<number> {
  // One row per pair and version (the last one given wins): an upsert may not touch a row twice.
  const last = new Map<string, PresentRow & { pairId: string; output: TVerifierOutput }>();
  for (const d of present) if (d.pairId !== null && d.output !== undefined) last.set(`${d.pairId}\u0000${d.output.version}`, d as PresentRow & { pairId: string; output: TVerifierOutput });
  const rows = [...last.values()]
    .sort((a, b) => (BigInt(a.pairId) < BigInt(b.pairId) ? -1 : 1));
  if (rows.length === 0) return 0;
  await tx.query(UPSERT_OUTPUTS_SQL, [
    rows.map((r) => r.pairId),
    rows.map((r) => r.output.version),
    rows.map((r) => (r.output.scores === null ? null : JSON.stringify(r.output.scores))),
    rows.map((r) => r.output.valid),
    rows.map((r) => r.output.failureClass),
    rows.map((r) => r.output.recaption),
  ]);
  return rows.length;
}

/** Runs fn over items with at most `limit` in flight, keeping results in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

/** The reversed pair a row also gives (HQ-Edit's inverse_edit): edited → source, told apart from the row's own pair. */
function inversePair(c: TCandidate): TCandidate {
  return {
    ...c,
    externalId: c.externalId === null ? null : `${c.externalId}:inverse`,
    instruction: c.inverseInstruction!,
    instructionCn: null,
    source: c.edited,
    edited: c.source,
    mask: null,
    inverseInstruction: null,
    // The reversed pair is no turn of the row's session.
    sessionId: null,
    turn: null,
    metadata: { ...c.metadata, inverse_of: c.instruction },
    gold: null,
  };
}

/** The archive members a batch's image paths name (one lookup per batch). */
async function archiveMembers(db: Db, importId: string, rows: { c: TCandidate }[]): Promise<Map<string, TArchiveHit>> {
  const paths: string[] = [];
  for (const { c } of rows) for (const ref of [c.source, c.edited, c.mask, c.reference]) if (ref?.kind === "path") paths.push(ref.path);
  return lookupArchiveMembers(db, importId, paths);
}

/** The dedupe key when rows have no id, or an id that is not unique (UnicEdit's `key`). */
function derivedExternalId(base: string | null, src: string, edit: string): string {
  const h = createHash("sha256").update(`${src}:${edit}`).digest("hex").slice(0, 24);
  return base === null ? `sha:${h}` : `${base}#${h}`;
}

/** One batch validated and with its images resolved: rows ready to insert, rows refused, rows already present. */
export interface PreparedBatch {
  rows: number;
  ready: ReadyRow[];
  bad: BadRow[];
  /** Rows whose id the project already has, found before any image work, with the pair each matched. */
  duplicates: PresentRow[];
}

/** Where a batch goes and how its records read: the import's stored request, or the pipeline API's fixed mapping. */
export interface TBatchTarget {
  projectId: number;
  mapping: TMapping;
  /** The project's reject reason codes, which gold rows' expected reasons must be among. */
  reasonCodes: readonly string[];
  /** The project's declared score columns (scores outside their scale refuse the row); absent: not checked. */
  scales?: readonly TVerifierScale[];
  /** Image paths are first looked up among these archive members; `imageRoot`: a miss may still be a file under the root. */
  archives?: { importId: string; imageRoot: boolean };
}

function batchTarget(imp: ImportRow): TBatchTarget {
  const target: TBatchTarget = {
    projectId: imp.project_id,
    mapping: imp.request.mapping,
    reasonCodes: imp.reason_codes,
    scales: parseVerifierScales(imp.verifier_scales),
  };
  if (imp.request.archives?.length) target.archives = { importId: imp.id, imageRoot: imp.request.imageRoot !== null };
  return target;
}

/** Validates, dedupes and resolves images for a batch, writing no pairs (insertPrepared does); shared with the API. */
export async function prepareBatch(
  db: Db,
  pipeline: ImagePipeline,
  target: TBatchTarget,
  batch: TRawRecord[],
  concurrency: number,
): Promise<PreparedBatch> {
  const bad: BadRow[] = [];
  const mapped: { loc: TRecordLocation; c: TCandidate }[] = [];
  const ctx = { reasonCodes: new Set(target.reasonCodes), scales: target.scales };
  for (const rec of batch) {
    if (!rec.ok) {
      bad.push({ loc: rec.loc, reason: rec.reason, externalId: rec.loc.key ?? null });
      continue;
    }
    const m = mapRecord(rec.values, target.mapping, ctx);
    if (!m.ok) {
      bad.push({ loc: rec.loc, reason: m.reason, externalId: recordIdOf(rec.values, target.mapping) ?? rec.loc.key ?? null });
      continue;
    }
    mapped.push({ loc: rec.loc, c: m.candidate });
    if (m.candidate.inverseInstruction) mapped.push({ loc: rec.loc, c: inversePair(m.candidate) });
  }

  // Ids already in the project are duplicates before any image work: a re-import costs index probes, not image reads.
  const byImages = target.mapping.dedupe === "externalIdAndImages";
  const duplicates: PresentRow[] = [];
  let todo = mapped;
  const ids = mapped.filter((r) => r.c.externalId !== null && !byImages).map((r) => r.c.externalId!);
  if (ids.length > 0) {
    const existing = await db.query<{ id: string; external_id: string }>(
      "SELECT id::text, external_id FROM pairs WHERE project_id = $1 AND external_id = ANY($2::text[])",
      [target.projectId, ids],
      "loupe_import_existing_ids",
    );
    if (existing.length > 0) {
      const seen = new Map(existing.map((r) => [r.external_id, r.id]));
      todo = [];
      for (const r of mapped) {
        const pairId = byImages || r.c.externalId === null ? undefined : seen.get(r.c.externalId);
        if (pairId === undefined) todo.push(r);
        else duplicates.push({ loc: r.loc, externalId: r.c.externalId!, pairId, output: outputOf(r.c) });
      }
    }
  }

  const members = target.archives ? await archiveMembers(db, target.archives.importId, todo) : null;
  const resolveRef = (ref: TImageRef, what: string): Promise<TResolvedImage> => {
    if (members && ref.kind === "path") {
      const hit = members.get(archivePath(ref.path));
      if (hit?.kind === "member") return pipeline.resolveStored(hit.sha256, what);
      if (hit?.kind === "problem") return Promise.reject(new ImageProblem(`${what}: ${hit.message}`));
      const missing = `${what}: "${ref.path}" is in none of the import's archives`;
      if (!target.archives!.imageRoot) return Promise.reject(new ImageProblem(missing));
      return pipeline.resolve(ref, what).catch((err: unknown) => {
        throw err instanceof ImageProblem ? new ImageProblem(`${missing}, nor under the image root (${err.message.slice(what.length + 2)})`) : err;
      });
    }
    return pipeline.resolve(ref, what);
  };

  const resolved = await mapLimit(todo, concurrency, async ({ loc, c }): Promise<ReadyRow | BadRow> => {
    try {
      const [src, edit, mask, reference] = await Promise.all([
        resolveRef(c.source, "source image"),
        resolveRef(c.edited, "edited image"),
        c.mask ? resolveRef(c.mask, "mask image").then((m) => pipeline.editArea(m, "mask image")) : Promise.resolve(null),
        c.reference ? resolveRef(c.reference, "reference image") : Promise.resolve(null),
      ]);
      const externalId = byImages || c.externalId === null ? derivedExternalId(c.externalId, src.sha256, edit.sha256) : c.externalId;
      return { loc, c, externalId, src, edit, mask, reference };
    } catch (err) {
      if (err instanceof ImageProblem) return { loc, reason: err.message, externalId: c.externalId ?? loc.key ?? null };
      throw err;
    }
  });
  const ready: ReadyRow[] = [];
  for (const r of resolved) {
    if ("reason" in r) bad.push(r);
    else ready.push(r);
  }

  return { rows: batch.length, ready, bad, duplicates };
}

/** The image itself is its own preview: stored as NULL, which keeps 64 bytes per image off each row. Unknown yet: NULL too. */
function previewColumn(img: TResolvedImage): string | null {
  return img.preview === img.sha256 ? null : img.preview;
}

// The change map (heatmap, fractions, SSIM) is made after the insert by the derivative workers (decision 015).
const noChange = (ready: ReadyRow[]) => ready.map(() => null);

async function commitBatch(
  db: Db,
  imp: ImportRow,
  b: PreparedBatch,
  pos: { from: Pos; to: Pos; bytesDone: number },
): Promise<void> {
  const { bad } = b;
  await db.transaction(async (tx) => {
    // The checkpoint commits with the rows, so a commit lost to a database crash is simply redone
    // on resume: waiting for the WAL flush of every batch buys nothing here.
    await tx.query("SET LOCAL synchronous_commit = off");
    // A safety net: a wait on another import's rows that never ends errors out and is retried.
    await tx.query("SET LOCAL lock_timeout = '60s'");
    const fileIndex = pos.from.fileIndex;
    const { inserted } = await insertPrepared(tx, imp.project_id, b, { origin: { importId: imp.id, fileIndex } });
    // A row for a pair already there may bring another verifier version's output: kept with the pair.
    await recordPresentOutputs(tx, b.duplicates);
    if (bad.length > 0) {
      await tx.query(INSERT_ERRORS_SQL, [
        imp.id,
        fileIndex,
        bad.map((b) => b.loc.index),
        bad.map((b) => b.loc.file),
        bad.map((b) => b.loc.line ?? null),
        bad.map((b) => b.loc.rowGroup ?? null),
        bad.map((b) => b.loc.row ?? null),
        bad.map((b) => b.reason.slice(0, 2000)),
        bad.map((b) => b.externalId?.slice(0, 512) ?? null),
      ]);
    }
    const afterInsert = inserted < b.ready.length ? await presentAfterInsert(tx, imp, fileIndex, b.ready) : [];
    // A row repeating an id of this batch (the long layout: one row per pair and verifier version) brings its version's output.
    await recordPresentOutputs(tx, afterInsert);
    const present = [...b.duplicates, ...afterInsert];
    if (present.length > 0) {
      await tx.query(INSERT_DUPLICATES_SQL, [
        imp.id,
        fileIndex,
        present.map((d) => d.loc.index),
        present.map((d) => d.loc.file),
        present.map((d) => d.loc.line ?? null),
        present.map((d) => d.loc.rowGroup ?? null),
        present.map((d) => d.loc.row ?? null),
        present.map((d) => d.externalId),
        present.map((d) => d.pairId),
      ]);
    }
    const duplicates = b.duplicates.length + (b.ready.length - inserted);
    const ok = await tx.query(
      `UPDATE imports SET file_index = $4, record_index = $5, rows_done = rows_done + $6, bytes_done = $7,
              inserted = inserted + $8, duplicates = duplicates + $9, invalid = invalid + $10, updated_at = now(),
              failures = 0, message = NULL
        WHERE id = $1 AND file_index = $2 AND record_index = $3 AND status = 'running' RETURNING 1`,
      [imp.id, pos.from.fileIndex, pos.from.recordIndex, pos.to.fileIndex, pos.to.recordIndex, b.rows, pos.bytesDone, inserted, duplicates, bad.length],
    );
    // Someone else moved the checkpoint (a second runner) or the import was cancelled: roll back.
    if (ok.length === 0) throw new CheckpointLost();
  });
}

/**
 * The ready rows the insert skipped (ON CONFLICT: an id repeated within the batch, or committed by an
 * earlier batch after the early probe ran), each with the pair it matched. A pair whose recorded origin is
 * the row itself was inserted by it.
 */
async function presentAfterInsert(tx: SqlRunner, imp: ImportRow, fileIndex: number, ready: ReadyRow[]): Promise<PresentRow[]> {
  const rows = await tx.query<{ id: string; external_id: string; import_id: string | null; import_file: number | null; import_record: string | null }>(
    `SELECT id::text, external_id, import_id::text, import_file, import_record::text
       FROM pairs WHERE project_id = $1 AND external_id = ANY($2::text[])`,
    [imp.project_id, [...new Set(ready.map((r) => r.externalId))]],
  );
  const byId = new Map(rows.map((r) => [r.external_id, r]));
  const present: PresentRow[] = [];
  for (const r of ready) {
    const p = byId.get(r.externalId);
    const own = p && p.import_id === imp.id && p.import_file === fileIndex && Number(p.import_record) === r.loc.index;
    if (!own) present.push({ loc: r.loc, externalId: r.externalId, pairId: p?.id ?? null, output: outputOf(r.c) });
  }
  return present;
}

/** SQLSTATE class 22 (data exception) or 23 (integrity violation): the rows, not the database, are at fault. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/** Inserts a prepared batch in the caller's transaction; present rows skip, refused rows go to `bad`; `ids`: by external id. */
export async function insertPrepared(
  tx: SqlRunner,
  projectId: number,
  b: PreparedBatch,
  opts: { ids?: boolean; origin?: TPairOrigin } = {},
): Promise<{ inserted: number; ids: Map<string, string> }> {
  const ids = new Map<string, string>();
  const insert = async (rows: ReadyRow[]): Promise<number> => {
    if (!opts.ids) return insertPairs(tx, projectId, rows, opts.origin);
    const created = await tx.query<{ id: string; external_id: string }>(INSERT_PAIRS_RETURNING_SQL, insertPairsValues(projectId, rows, opts.origin));
    for (const r of created) ids.set(r.external_id, r.id);
    return created.length;
  };
  let inserted = 0;
  if (b.ready.length === 0) return { inserted, ids };
  await tx.query("SAVEPOINT batch");
  try {
    inserted = await insert(b.ready);
    await tx.query("RELEASE SAVEPOINT batch");
  } catch (err) {
    if (!isDataError(err)) throw err;
    // One row the database refuses (a value out of range, text it cannot store) must not sink
    // the batch, nor loop the job forever: insert row by row and report the refused ones.
    await tx.query("ROLLBACK TO SAVEPOINT batch");
    ids.clear();
    inserted = 0;
    for (const row of b.ready) {
      await tx.query("SAVEPOINT one");
      try {
        inserted += await insert([row]);
        await tx.query("RELEASE SAVEPOINT one");
      } catch (e) {
        if (!isDataError(e)) throw e;
        await tx.query("ROLLBACK TO SAVEPOINT one");
        b.bad.push({ loc: row.loc, reason: `the database refused the row: ${(e as Error).message}`, externalId: row.c.externalId ?? row.loc.key ?? null });
      }
    }
    const refused = new Set(b.bad.map((x) => x.loc));
    b.ready = b.ready.filter((r) => !refused.has(r.loc));
  }
  return { inserted, ids };
}

/** The import and file a batch's rows come from, recorded on each pair it inserts. */
export interface TPairOrigin {
  importId: string;
  fileIndex: number;
}

async function insertPairs(tx: SqlRunner, projectId: number, ready: ReadyRow[], origin: TPairOrigin | undefined): Promise<number> {
  const rows = await tx.query<{ n: string }>(INSERT_PAIRS_SQL, insertPairsValues(projectId, ready, origin));
  return Number(rows[0]?.n ?? 0);
}

function insertPairsValues(projectId: number, ready: ReadyRow[], origin: TPairOrigin | undefined): unknown[] {
  return [
    projectId,
    ready.map((r) => r.externalId),
    ready.map((r) => r.src.sha256),
    ready.map((r) => r.edit.sha256),
    ready.map((r) => r.mask?.sha256 ?? null),
    ready.map((r) => r.c.instruction),
    ready.map((r) => r.c.instructionCn),
    ready.map((r) => r.c.task),
    ready.map((r) => r.c.subtask),
    ready.map((r) => (r.c.scores === null ? null : JSON.stringify(r.c.scores))),
    ready.map((r) => r.c.verifierValid),
    ready.map((r) => r.c.verifierFailureClass),
    ready.map((r) => r.c.verifierRecaption),
    ready.map((r) => r.c.modelVersion),
    ready.map((r) => JSON.stringify(r.c.metadata)),
    ready.map((r) => previewColumn(r.src)),
    ready.map((r) => previewColumn(r.edit)),
    noChange(ready),
    noChange(ready),
    noChange(ready),
    noChange(ready),
    ready.map((r) => r.c.gold !== null),
    ready.map((r) => r.c.gold?.decision ?? null),
    ready.map((r) => JSON.stringify(r.c.gold?.reasons ?? [])),
    ready.map((r) => r.c.gold?.instruction ?? null),
    origin?.importId ?? null,
    origin?.fileIndex ?? null,
    ready.map((r) => (origin ? r.loc.index : null)),
    ready.map((r) => (origin ? (r.loc.line ?? null) : null)),
    ready.map((r) => r.reference?.sha256 ?? null),
    ready.map((r) => r.c.sessionId),
    ready.map((r) => r.c.turn),
  ];
}

// Bulk insert as one statement over parallel arrays. ON CONFLICT on (project_id, external_id) makes a
// re-imported or resumed row a no-op. A gold row arrives final with its answer (the CHECKs require both);
// its reasons travel as JSON because unnest would flatten a text[][].
const INSERT_PAIRS_CTE = `
WITH ins AS (
  INSERT INTO pairs (project_id, external_id, source_image, edited_image, mask_image, instruction, instruction_cn,
                     task, subtask, verifier_scores,
                     verifier_valid, verifier_failure_class, verifier_recaption, model_version, metadata,
                     source_preview, edited_preview, heatmap_image, change_fraction, ssim, change_outside_mask, wanted,
                     is_gold, gold_active, gold_decision, gold_reasons, gold_instruction,
                     status, final_decision, final_reasons, final_instruction, final_source, finalized_at,
                     import_id, import_file, import_record, import_line, reference_image, session_id, turn)
  SELECT $1, t.external_id, t.source_image, t.edited_image, t.mask_image, t.instruction, t.instruction_cn,
         t.task, t.subtask, t.verifier_scores,
         t.verifier_valid, t.verifier_failure_class, t.verifier_recaption, t.model_version, t.metadata,
         t.source_preview, t.edited_preview, t.heatmap_image, t.change_fraction, t.ssim, t.change_outside_mask,
         (SELECT overlap FROM projects WHERE id = $1),
         g.is_gold, g.is_gold, g.decision, g.reasons, g.reference,
         CASE WHEN g.is_gold THEN 'final' ELSE 'open' END::"PairStatus", g.decision,
         CASE WHEN g.decision = 'reject' THEN g.reasons ELSE ARRAY[]::text[] END,
         CASE WHEN g.decision = 'recaption' THEN g.reference WHEN g.is_gold THEN t.instruction END,
         CASE WHEN g.is_gold THEN 'gold' END,
         CASE WHEN g.is_gold THEN now() END,
         $26::bigint, $27::int, t.import_record, t.import_line, t.reference_image, t.session_id, t.turn
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                $10::jsonb[], $11::boolean[], $12::text[], $13::text[],
                $14::text[], $15::jsonb[], $16::text[], $17::text[], $18::text[], $19::real[], $20::real[], $21::real[],
                $22::boolean[], $23::text[], $24::jsonb[], $25::text[], $28::bigint[], $29::bigint[], $30::text[],
                $31::text[], $32::int[])
           AS t(external_id, source_image, edited_image, mask_image, instruction, instruction_cn, task, subtask,
                verifier_scores, verifier_valid, verifier_failure_class, verifier_recaption,
                model_version, metadata, source_preview, edited_preview, heatmap_image, change_fraction, ssim,
                change_outside_mask, is_gold, gold_decision, gold_reasons, gold_instruction, import_record, import_line, reference_image,
                session_id, turn),
         LATERAL (SELECT t.is_gold, t.gold_decision::"Decision" AS decision,
                         ARRAY(SELECT jsonb_array_elements_text(t.gold_reasons)) AS reasons,
                         t.gold_instruction AS reference) g
  ON CONFLICT (project_id, external_id) DO NOTHING
  RETURNING id, external_id
),
-- Every inserted pair waits for its previews and change map (lib/imports/derivatives.ts, decision 015).
derivatives AS (INSERT INTO pair_derivatives (pair_id) SELECT id FROM ins)`;
const INSERT_PAIRS_SQL = `${INSERT_PAIRS_CTE} SELECT count(*)::text AS n FROM ins`;
const INSERT_PAIRS_RETURNING_SQL = `${INSERT_PAIRS_CTE} SELECT id::text, external_id FROM ins`;

const INSERT_ERRORS_SQL = `
INSERT INTO import_errors (import_id, file_index, record_index, file, line, row_group, row_in_group, reason, external_id)
SELECT $1, $2, t.*
  FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[], $9::text[]) AS t
ON CONFLICT DO NOTHING`;

const INSERT_DUPLICATES_SQL = `
INSERT INTO import_duplicates (import_id, file_index, record_index, file, line, row_group, row_in_group, external_id, pair_id)
SELECT $1, $2, t.*
  FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[], $9::bigint[]) AS t
ON CONFLICT DO NOTHING`;
