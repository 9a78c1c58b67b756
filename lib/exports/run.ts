import "server-only";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import packageJson from "../../package.json";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import { imagePath } from "../images/paths";
import { readImageBytes } from "../images/store";
import { imageKey, exportPrefix } from "../storage/keys";
import { readObject } from "../storage/read";
import type { Storage } from "../storage/types";
import { emitEvent } from "../webhooks/emit";
import { estimateForStrata } from "../quality/audit";
import { Pacer, type TPaceOptions } from "./pace";
import { describeFilters, parseExportFilters, type TExportFilters } from "./filters";
import { fromCanonical, openCanonicalTextWriter } from "./formats/canonical";
import type { TCanonicalLine } from "./formats/canonical-schema";
import { openWriter } from "./formats/index";
import { countMatching, maxFinalPairId, readCanonicalPage, type TCanonicalQuery, type TPageRow } from "./reader";
import { ZExportOptions, type TExportCounts, type TExportManifest } from "./schemas";
import type { TExportFormat, TExportOptions, TSplit, TWriterContext, TWriterResult } from "./types";

// The export job: read final pairs in keyset pages (reader.ts), hand each to the format's writer, keep
// progress on the exports row, then put manifest.json beside the data file and mark the export done.
// A run always starts again from the first pair, also after a crash: what a killed process left on disk is
// unknown (a half-written line, a Parquet file without its footer), the running checksum died with it, and
// no format can append to a file it did not close. last_pair_id is for progress, not a resume point.

export interface TExportRunOptions {
  dataDir: string;
  /**
   * The store, when it is a bucket: the export is written in a scratch folder under dataDir, its files are
   * put under exports/<id>/ in the bucket and the folder removed; images are copied bucket-side.
   */
  storage?: Storage;
  pageSize?: number;
  pace?: TPaceOptions;
  /** Called after each page is written and its progress saved; a test throws from it to simulate a crash. */
  afterPage?: (state: { pages: number; rowsDone: number }) => void | Promise<void>;
  /**
   * Checked after each page: true (the process is shutting down) ends the run there, hands the export back
   * as queued and answers "interrupted". No format can append to a file another process left, so the next
   * worker starts it again from the first pair.
   */
  shouldStop?: () => boolean;
}

export type TExportRunResult = "done" | "busy" | "cancelled" | "failed" | "interrupted";

export const DEFAULT_PAGE_SIZE = 2000;

const running = new Set<string>();

export function isExportRunningHere(id: string): boolean {
  return running.has(id);
}

/** The advisory lock key a runner holds while it works an export (lock class 7106; imports use 7105). */
export function exportLockKey(id: string): number {
  return Number(BigInt(id) % 2147483647n);
}

export function exportsRoot(dataDir: string): string {
  return path.join(dataDir, "exports");
}

export function exportDir(dataDir: string, id: string): string {
  if (!/^\d{1,18}$/.test(id)) throw new Error(`Not an export id: ${JSON.stringify(id)}`);
  return path.join(exportsRoot(dataDir), id);
}

export const LOUPE_VERSION: string = packageJson.version;

/** The progress update found the export no longer running (cancelled, or failed by someone else). */
class ExportStopped extends Error {}
/** The process is shutting down: the run ends at the page in hand. */
class ExportInterrupted extends Error {}

interface ExportJobRow {
  id: string;
  project_id: number;
  project_name: string;
  reject_reasons: unknown;
  creator: string | null;
  format: TExportFormat;
  filters: unknown;
  options: unknown;
  status: string;
  created_at: Date;
}

async function loadJob(runner: SqlRunner, id: string): Promise<ExportJobRow | undefined> {
  const [row] = await runner.query<ExportJobRow>(
    `SELECT e.id::text, e.project_id, p.name AS project_name, p.reject_reasons, u.name AS creator, e.format, e.filters,
            e.options, e.status::text AS status, e.created_at
       FROM exports e JOIN projects p ON p.id = e.project_id LEFT JOIN users u ON u.id = e.created_by
      WHERE e.id = $1`,
    [id],
  );
  return row;
}

async function settledStatus(runner: SqlRunner, id: string): Promise<TExportRunResult> {
  const [r] = await runner.query<{ status: string }>("SELECT status::text AS status FROM exports WHERE id = $1", [id]);
  if (r?.status === "done" || r?.status === "cancelled") return r.status;
  return "failed";
}

export async function runExport(db: Db, exportId: string | bigint, opts: TExportRunOptions): Promise<TExportRunResult> {
  const id = String(exportId);
  // One run per export: in this process by the set (PGlite's single session would re-enter its own
  // advisory lock), across processes by a session advisory lock that dies with its process.
  if (running.has(id)) return "busy";
  running.add(id);
  try {
    return await db.ownSession(async (session) => {
      const [lock] = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(7106, $1::int) AS ok", [exportLockKey(id)]);
      if (!lock?.ok) return "busy";
      try {
        return await runLocked(db, id, opts);
      } finally {
        await session.query("SELECT pg_advisory_unlock(7106, $1::int)", [exportLockKey(id)]).catch(() => {});
      }
    });
  } finally {
    running.delete(id);
  }
}

/** What the loop hands pages to: canonical takes the SQL's text as is; other formats get parsed rows. */
interface Sink {
  write(rows: TPageRow[], splits: Record<TSplit, number>): Promise<void>;
  finish(): Promise<TWriterResult & { sha256?: string; bytes?: number }>;
  abort(): Promise<void>;
}

async function openSink(format: TExportFormat, ctx: TWriterContext): Promise<Sink> {
  if (format === "canonical") {
    const w = await openCanonicalTextWriter(ctx);
    return {
      async write(rows, splits) {
        let text = "";
        for (const r of rows) text += r.line + "\n";
        await w.writeText(text, rows.length, splits);
      },
      finish: () => w.finish(),
      abort: () => w.abort(),
    };
  }
  const w = await openWriter(format, ctx);
  return {
    write: (rows) => w.write(rows.map((r) => fromCanonical(JSON.parse(r.line) as TCanonicalLine))),
    finish: () => w.finish(),
    abort: () => w.abort(),
  };
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Other sessions running a statement now, the pacer's sign that people are working; 0 on PGlite. */
async function othersBusy(runner: SqlRunner): Promise<number> {
  try {
    const [r] = await runner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'`,
    );
    return r?.n ?? 0;
  } catch {
    return 0;
  }
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

async function runLocked(db: Db, id: string, opts: TExportRunOptions): Promise<TExportRunResult> {
  const runner = db;
  const job = await loadJob(runner, id);
  if (!job) return "failed";
  if (job.status !== "queued" && job.status !== "running") return job.status === "done" || job.status === "cancelled" ? job.status : "failed";
  let filters: TExportFilters;
  let options: TExportOptions;
  try {
    filters = parseExportFilters(job.filters);
    options = ZExportOptions.parse(job.options);
  } catch (err) {
    // Stored filters that no longer parse will not parse on a retry either.
    await failExport(db, id, (err as Error).message, opts.dataDir, opts.storage);
    return "failed";
  }
  const started = await runner.query(
    `UPDATE exports SET status = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1, updated_at = now(),
            rows_done = 0, records = 0, last_pair_id = 0, total_rows = NULL, message = NULL
      WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [id],
  );
  if (started.length === 0) return settledStatus(runner, id);

  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const remote = opts.storage && opts.storage.kind !== "local" ? opts.storage : null;
  const dir = remote ? path.join(opts.dataDir, "exports-work", id) : exportDir(opts.dataDir, id);
  if (remote) await remote.deletePrefix(exportPrefix(id));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const maxPairId = await maxFinalPairId(runner, job.project_id);
  const q: TCanonicalQuery = { projectId: job.project_id, filters, validationFraction: options.validationFraction, maxPairId };
  const total = maxPairId === null ? 0 : await countMatching(runner, q);
  await runner.query("UPDATE exports SET total_rows = $2, updated_at = now() WHERE id = $1", [id, total]);

  const ctx: TWriterContext = {
    dir,
    baseName: `export-${id}-${job.format}`,
    options,
    imagePath: (sha) => imagePath(opts.dataDir, sha),
    // For the dataset cards formats write beside their data (gold-parquet, verifier-trainers).
    about: {
      exportId: id,
      projectId: job.project_id,
      projectName: job.project_name,
      createdBy: job.creator,
      createdAt: new Date(job.created_at).toISOString(),
      loupeVersion: LOUPE_VERSION,
      filtersText: describeFilters(filters),
      filters,
    },
    ...(await imageAccess(runner, remote, dir, id)),
  };
  let sink: Sink | null = null;
  const counts: TExportCounts = { decision: {}, subtask: {}, split: { train: 0, validation: 0 } };
  let rowsDone = 0;
  try {
    sink = await openSink(job.format, ctx);
    // Page n+1 is read while page n is written. Each read is timed for the pacer (pace.ts).
    const pacer = new Pacer(opts.pace);
    const read = (after: string): Promise<{ rows: TPageRow[]; ms: number }> => {
      const t0 = performance.now();
      return readCanonicalPage(runner, q, after, pageSize).then((rows) => ({ rows, ms: performance.now() - t0 }));
    };
    const none = Promise.resolve({ rows: [] as TPageRow[], ms: 0 });
    let next = maxPairId === null ? none : read("0");
    let pages = 0;
    try {
      for (;;) {
        const { rows, ms } = await next;
        if (rows.length === 0) break;
        const last = rows[rows.length - 1]!.id;
        const wait = pacer.afterPage(ms, await othersBusy(runner));
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next = rows.length < pageSize ? none : read(last);
        next.catch(() => {}); // awaited on the next turn; this only keeps an early failure from being "unhandled"
        const splits: Record<TSplit, number> = { train: 0, validation: 0 };
        for (const r of rows) {
          bump(counts.decision, r.decision);
          bump(counts.subtask, r.subtask ?? "");
          splits[r.split]++;
        }
        counts.split.train += splits.train;
        counts.split.validation += splits.validation;
        await sink.write(rows, splits);
        rowsDone += rows.length;
        pages++;
        // The progress update is also the cancel check: a cancelled export is no longer 'running'.
        const alive = await runner.query(
          "UPDATE exports SET rows_done = $2, last_pair_id = $3, updated_at = now() WHERE id = $1 AND status = 'running' RETURNING id",
          [id, rowsDone, last],
        );
        if (alive.length === 0) throw new ExportStopped();
        await opts.afterPage?.({ pages, rowsDone });
        if (opts.shouldStop?.()) throw new ExportInterrupted();
      }
    } finally {
      await next.catch(() => {});
    }

    const result = await sink.finish();
    sink = null;
    const dataPath = path.join(dir, result.dataFile);
    const sha256 = result.sha256 ?? (await sha256File(dataPath));
    const bytes = result.bytes ?? (await stat(dataPath)).size;
    // The audit estimate for the strata the export covers: those of its subtasks (and tasks, when filtered).
    const audit = await estimateForStrata(runner, job.project_id, { subtasks: Object.keys(counts.subtask), tasks: filters.tasks });
    const finishedAt = new Date();
    const manifest: TExportManifest = {
      loupe: { version: LOUPE_VERSION },
      export: { id, format: job.format, createdAt: new Date(job.created_at).toISOString(), finishedAt: finishedAt.toISOString(), createdBy: job.creator },
      project: { id: job.project_id, name: job.project_name },
      filters,
      filtersText: describeFilters(filters),
      options,
      split: {
        method: "validation when sha256('loupe-split' + NUL + external_id), first 52 bits / 2^52, is under the validation fraction (lib/exports/split.ts)",
        validationFraction: options.validationFraction,
      },
      pairs: rowsDone,
      counts,
      records: result.records,
      recordsPerSplit: result.splits,
      dataFile: result.dataFile,
      bytes,
      sha256,
      files: result.files,
      rejectReasons: job.reject_reasons,
      audit,
    };
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    if (remote) await uploadFolder(remote, dir, exportPrefix(id));
    const message = `Exported ${rowsDone.toLocaleString("en")} pairs as ${result.records.toLocaleString("en")} records.`;
    // Done and the export.finished webhook in one transaction: a committed "done" always has its
    // deliveries queued (lib/webhooks/emit.ts), and a lost race with Cancel sends nothing.
    const marked = await db.transaction(async (tx) => {
      const done = await tx.query<{ project_id: number }>(
        `UPDATE exports SET status = 'done', finished_at = $2, updated_at = now(), rows_done = $3, records = $4, data_file = $5,
                files = $6::jsonb, bytes = $7, sha256 = $8, manifest = $9::jsonb, message = $10
          WHERE id = $1 AND status = 'running' RETURNING project_id`,
        [id, finishedAt, rowsDone, result.records, result.dataFile, JSON.stringify(result.files), bytes, sha256, JSON.stringify(manifest), message],
      );
      if (done.length === 0) return false;
      await emitEvent(tx, {
        projectId: job.project_id,
        event: "export.finished",
        data: {
          exportId: id,
          format: job.format,
          pairs: rowsDone,
          records: result.records,
          recordsPerSplit: result.splits,
          counts,
          dataFile: result.dataFile,
          bytes,
          sha256,
          finishedAt: finishedAt.toISOString(),
          downloadPath: `/api/exports/${id}/download`,
          manifestPath: `/api/exports/${id}/manifest`,
        },
      });
      return true;
    });
    if (!marked) throw new ExportStopped();
    return "done";
  } catch (err) {
    await sink?.abort().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    if (remote) await remote.deletePrefix(exportPrefix(id)).catch(() => {});
    if (err instanceof ExportStopped) return settledStatus(runner, id);
    if (err instanceof ExportInterrupted) {
      // Not an attempt that failed: the count that limits retries stays where it was.
      const back = await runner.query(
        `UPDATE exports SET status = 'queued', attempts = greatest(attempts - 1, 0), rows_done = 0, last_pair_id = 0, updated_at = now(),
                message = 'Interrupted by a shutdown; starts again on the next worker.'
          WHERE id = $1 AND status = 'running' RETURNING id`,
        [id],
      );
      return back.length > 0 ? "interrupted" : settledStatus(runner, id);
    }
    throw err; // the job handler (lib/exports/job.ts) retries or fails the export with the message
  }
}

/**
 * How the writers reach images that are not files under LOUPE_DATA_DIR/images: a bucket store (copied
 * bucket-side), and originals referenced in place (read from their own bucket). Nothing when neither.
 */
async function imageAccess(runner: SqlRunner, remote: Storage | null, dir: string, id: string): Promise<Pick<TWriterContext, "copyImage" | "readImage">> {
  // One look whether any image is kept in place, so exports without them run no lookup per image.
  const [any] = await runner.query<{ yes: boolean }>("SELECT EXISTS (SELECT 1 FROM images WHERE location IS NOT NULL) AS yes");
  if (!remote && !any?.yes) return {};
  const locationOf = async (sha: string): Promise<string | null> => {
    if (!any?.yes) return null;
    const [row] = await runner.query<{ location: string | null }>("SELECT location FROM images WHERE sha256 = $1", [sha], "loupe_export_image_location");
    return row?.location ?? null;
  };
  // An original kept in place (a bucket object or a web address) is read from there, checked by its hash.
  const inPlaceBytes = async (sha: string, location: string): Promise<Buffer> => {
    const bytes = await readImageBytes(dir, sha, location);
    if (!bytes) throw new Error(`${location} no longer holds the image imported from it`);
    return bytes;
  };
  return {
    async copyImage(sha, rel) {
      const location = await locationOf(sha);
      if (location) {
        const bytes = await inPlaceBytes(sha, location);
        if (remote) await remote.put(exportPrefix(id) + rel, bytes);
        else {
          await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
          await writeFile(path.join(dir, rel), bytes, { flag: "wx" }).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== "EEXIST") throw err;
          });
        }
        return true;
      }
      if (!remote) return false;
      await remote.copy(imageKey(sha), exportPrefix(id) + rel);
      return true;
    },
    async readImage(sha) {
      const location = await locationOf(sha);
      if (location) return inPlaceBytes(sha, location);
      if (!remote) return null;
      const bytes = await readObject(remote, imageKey(sha));
      if (!bytes) throw new Error(`image ${sha} is missing from ${remote.location}`);
      return bytes;
    },
  };
}

/** Puts every file under `dir` at `prefix` + its relative path, then removes the folder. */
async function uploadFolder(storage: Storage, dir: string, prefix: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    await storage.put(prefix + rel, createReadStream(path.join(dir, rel)));
  }
  await rm(dir, { recursive: true, force: true });
}

export async function failExport(db: Db, id: string, message: string, dataDir: string, storage?: Storage): Promise<void> {
  const rows = await db.query(
    `UPDATE exports SET status = 'failed', finished_at = now(), updated_at = now(), message = $2
      WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [id, message],
  );
  if (rows.length === 0) return;
  await rm(exportDir(dataDir, id), { recursive: true, force: true }).catch(() => {});
  if (storage && storage.kind !== "local") {
    await rm(path.join(dataDir, "exports-work", id), { recursive: true, force: true }).catch(() => {});
    await storage.deletePrefix(exportPrefix(id)).catch(() => {});
  }
}
