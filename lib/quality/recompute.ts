import "server-only";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import { getQueue, type TJobContext, type TJobHandler } from "../db/boss";
import { recordAudit } from "../audit/record";
import { applyQueueKeysBatch, MARGINS_BATCH, QUEUE_KEYS_BATCH } from "../queue/order-keys";
import type { TRecomputeStatus } from "./settings-schema";

// The pairs' side of a settings change, in the background (docs/decisions/027): the save records the work
// in settings_recomputes in its own transaction and answers; a pg-boss job then walks the pairs in short
// batches, each moving the row's checkpoint in its own transaction, so a crash or a restart resumes where
// the last batch ended and a batch run twice changes nothing. Meanwhile the database rules read the
// settings themselves where a pair's copy may be stale: the first lease of a pair nobody started gives it
// the project's overlap (lib/queue/sql/taken.sql), and settling computes the verdict from the current keep
// rule and active version (lib/quality/sql/consensus.sql). What waits for the run is the claim order
// (queue keys) and the kept margins that calibration, filters and exports read.
//
// Phases, each over only the pairs it needs: the overlap over the open work; the open pairs' queue keys
// (the claim order annotators feel); every pair's margin, only when the margin's inputs changed (the keep
// rule or the active version: the verifier rule feeds the disagreement key alone). The outputs are re-copied
// onto the pairs only when the active version changed.

export const QUEUE_SETTINGS_RECOMPUTE = "loupe-settings-recompute";
/** Pairs whose `wanted` one overlap batch looks at. */
export const OVERLAP_BATCH = 5_000;
/** A run no batch has moved for this long has lost its job; the sweeper queues it again. */
const STALLED_SECONDS = 60;

export interface TRecomputeWork {
  /** Open pairs nobody started take the project's overlap. */
  overlap: boolean;
  /** Open pairs' margins and queue keys (keep rule, verifier rule, active version). */
  keys: boolean;
  /** Every pair's margin (keep rule, active version). */
  margins: boolean;
  /** The active version's output re-copied onto every pair first (active version). */
  copy: boolean;
}

/** Records, in the save's transaction, the work a change leaves for the pairs; a phase already running starts over. */
export async function queueSettingsRecompute(tx: SqlRunner, projectId: number, actorId: number | null, work: TRecomputeWork): Promise<void> {
  // The progress total is what the pending phases will scan: the open pairs for the overlap and for the keys,
  // every pair for the margins. A phase the save does not name and that was still running continues from its
  // checkpoint (its work does not depend on what changed now); one it names starts over.
  await tx.query(
    `WITH c AS (
       SELECT coalesce(sum(open), 0) AS open, coalesce(sum(open + labelled + in_review + final), 0) AS pairs
       FROM project_counts WHERE project_id = $1
     )
     INSERT INTO settings_recomputes AS r (project_id, actor_id, overlap_pending, keys_pending, margins_pending, copy_outputs, pairs_total)
     SELECT $1, $2, $3, $4, $5, $6,
            CASE WHEN $3 THEN c.open ELSE 0 END + CASE WHEN $4 THEN c.open ELSE 0 END + CASE WHEN $5 THEN c.pairs ELSE 0 END FROM c
     ON CONFLICT (project_id) DO UPDATE SET
       generation = r.generation + 1,
       actor_id = EXCLUDED.actor_id,
       overlap_pending = (r.overlap_pending AND r.finished_at IS NULL) OR EXCLUDED.overlap_pending,
       overlap_after = CASE WHEN EXCLUDED.overlap_pending THEN 0 ELSE r.overlap_after END,
       overlap_changed = CASE WHEN EXCLUDED.overlap_pending OR r.finished_at IS NOT NULL THEN 0 ELSE r.overlap_changed END,
       keys_pending = (r.keys_pending AND r.finished_at IS NULL) OR EXCLUDED.keys_pending,
       keys_after = CASE WHEN EXCLUDED.keys_pending THEN 0 ELSE r.keys_after END,
       keys_changed = CASE WHEN EXCLUDED.keys_pending OR r.finished_at IS NOT NULL THEN 0 ELSE r.keys_changed END,
       margins_pending = (r.margins_pending AND r.finished_at IS NULL) OR EXCLUDED.margins_pending,
       margins_after = CASE WHEN EXCLUDED.margins_pending THEN 0 ELSE r.margins_after END,
       copy_outputs = (r.copy_outputs AND r.finished_at IS NULL) OR EXCLUDED.copy_outputs,
       pairs_done = 0,
       pairs_total = (SELECT CASE WHEN (r.overlap_pending AND r.finished_at IS NULL) OR $3 THEN c.open ELSE 0 END
                           + CASE WHEN (r.keys_pending AND r.finished_at IS NULL) OR $4 THEN c.open ELSE 0 END
                           + CASE WHEN (r.margins_pending AND r.finished_at IS NULL) OR $5 THEN c.pairs ELSE 0 END FROM c),
       started_at = now(),
       finished_at = NULL,
       updated_at = now()`,
    [projectId, actorId, work.overlap, work.keys, work.margins, work.copy],
  );
}

// `project_id` as a range and ordered first so that only pairs_open_work_idx (project_id, id) WHERE taken <
// wanted AND NOT is_gold can serve it, as in the claim (lib/queue/sql.ts). The update re-checks that nobody
// started the pair (a claim may have leased it since), so a started pair keeps its overlap.
const OVERLAP_BATCH_SQL = `
WITH batch AS (
  SELECT id FROM pairs
  WHERE project_id >= $1 AND project_id <= $1 AND taken < wanted AND NOT is_gold AND id > $2
  ORDER BY project_id, id LIMIT $3
), upd AS (
  UPDATE pairs p SET wanted = pr.overlap
  FROM batch b, projects pr
  WHERE p.id = b.id AND pr.id = $1
    AND p.taken = 0 AND p.label_count = 0 AND p.status = 'open' AND NOT p.is_gold AND p.wanted <> pr.overlap
  RETURNING 1
)
SELECT (SELECT max(id) FROM batch)::text AS last, (SELECT count(*) FROM batch)::int AS scanned,
       (SELECT count(*) FROM upd)::int AS changed, (SELECT overlap FROM projects WHERE id = $1)::int AS overlap`;

interface TRow {
  overlap_pending: boolean;
  overlap_after: string;
  overlap_changed: string | number;
  keys_pending: boolean;
  keys_after: string;
  keys_changed: string | number;
  margins_pending: boolean;
  margins_after: string;
  copy_outputs: boolean;
  actor_id: number | null;
  finished_at: Date | null;
}

type TStep = "more" | "finished" | "idle";

/** One batch: the overlap first, then the open pairs' keys, then every pair's margin, then the run is marked finished. Under the row's lock. */
async function step(tx: SqlRunner, projectId: number): Promise<TStep> {
  // A batch need not wait for its commit to reach the disk: after a crash the batches lost with the last
  // moments of the log are lost with their checkpoint, and the run does them again.
  await tx.query(`SET LOCAL synchronous_commit = off`);
  const [r] = await tx.query<TRow>(
    `SELECT overlap_pending, overlap_after::text AS overlap_after, overlap_changed, keys_pending, keys_after::text AS keys_after, keys_changed,
            margins_pending, margins_after::text AS margins_after, copy_outputs, actor_id, finished_at
     FROM settings_recomputes WHERE project_id = $1 FOR UPDATE`,
    [projectId],
  );
  if (!r || r.finished_at !== null) return "idle";
  if (r.overlap_pending) {
    const [b] = await tx.query<{ last: string | null; scanned: number; changed: number; overlap: number }>(OVERLAP_BATCH_SQL, [projectId, r.overlap_after, OVERLAP_BATCH]);
    const scanned = Number(b?.scanned ?? 0);
    const changed = Number(r.overlap_changed) + Number(b?.changed ?? 0);
    const last = scanned < OVERLAP_BATCH || !b?.last;
    if (last) {
      await recordAudit(tx, {
        actorId: r.actor_id,
        action: "project.overlap_applied",
        subjectType: "project",
        subjectId: String(projectId),
        data: { overlap: Number(b?.overlap), pairs: changed },
      });
    }
    await tx.query(
      `UPDATE settings_recomputes SET overlap_pending = $2, overlap_after = coalesce($3::bigint, overlap_after), overlap_changed = $4,
              pairs_done = pairs_done + $5, updated_at = now() WHERE project_id = $1`,
      [projectId, !last, b?.last ?? null, changed, scanned],
    );
    return "more";
  }
  if (r.keys_pending || r.margins_pending) {
    // The keys work is one audited step for the admin, written when its last phase ends.
    const phase = r.keys_pending ? "open" : "margins";
    const b = await applyQueueKeysBatch(tx, projectId, phase, phase === "open" ? r.keys_after : r.margins_after, { copy: r.copy_outputs });
    const changed = Number(r.keys_changed) + b.changed;
    const last = b.scanned < (phase === "open" ? QUEUE_KEYS_BATCH : MARGINS_BATCH) || b.last === null;
    if (last && (phase === "margins" || !r.margins_pending)) {
      await recordAudit(tx, {
        actorId: r.actor_id,
        action: "project.queue_keys_applied",
        subjectType: "project",
        subjectId: String(projectId),
        data: { pairs: changed },
      });
    }
    await tx.query(
      phase === "open"
        ? `UPDATE settings_recomputes SET keys_pending = $2, keys_after = coalesce($3::bigint, keys_after), keys_changed = $4,
                  pairs_done = pairs_done + $5, updated_at = now() WHERE project_id = $1`
        : `UPDATE settings_recomputes SET margins_pending = $2, margins_after = coalesce($3::bigint, margins_after), keys_changed = $4,
                  copy_outputs = copy_outputs AND $2, pairs_done = pairs_done + $5, updated_at = now() WHERE project_id = $1`,
      [projectId, !last, b.last, changed, b.scanned],
    );
    return "more";
  }
  await tx.query(`UPDATE settings_recomputes SET finished_at = now(), updated_at = now() WHERE project_id = $1`, [projectId]);
  return "finished";
}

/**
 * Runs a project's pending recompute to its end, batch by batch: "finished" when it ended, "idle" when there
 * was nothing to do, "interrupted" when `shouldStop` asked it to stop between batches (its checkpoint holds).
 * Safe to run twice at once: each batch takes the row's lock and continues from its checkpoint.
 */
export async function runSettingsRecompute(db: Db, projectId: number, opts: { shouldStop?: () => boolean } = {}): Promise<"finished" | "idle" | "interrupted"> {
  let moved = false;
  for (;;) {
    if (opts.shouldStop?.()) return "interrupted";
    const s = await db.transaction((tx) => step(tx, projectId));
    if (s === "more") moved = true;
    else return s === "finished" || moved ? "finished" : "idle";
  }
}

/** The last recompute of a project's pairs, for the settings page and API; null when there was none. */
export async function getSettingsRecompute(db: SqlRunner, projectId: number): Promise<TRecomputeStatus | null> {
  const [r] = await db.query<{
    overlap_pending: boolean;
    keys_pending: boolean;
    margins_pending: boolean;
    overlap_changed: string | number;
    keys_changed: string | number;
    pairs_done: string | number;
    pairs_total: string | number;
    started_at: Date | string;
    finished_at: Date | string | null;
  }>(
    `SELECT overlap_pending, keys_pending, margins_pending, overlap_changed, keys_changed, pairs_done, pairs_total, started_at, finished_at
     FROM settings_recomputes WHERE project_id = $1`,
    [projectId],
  );
  if (!r) return null;
  const iso = (d: Date | string) => new Date(d).toISOString();
  return {
    running: r.finished_at === null,
    phase: r.finished_at !== null ? null : r.overlap_pending ? "overlap" : r.keys_pending ? "keys" : r.margins_pending ? "margins" : null,
    pairsDone: Number(r.pairs_done),
    pairsTotal: Math.max(Number(r.pairs_total), Number(r.pairs_done)),
    overlapPairsChanged: Number(r.overlap_changed),
    keysPairsChanged: Number(r.keys_changed),
    startedAt: iso(r.started_at),
    finishedAt: r.finished_at === null ? null : iso(r.finished_at),
  };
}

export async function enqueueSettingsRecompute(db: Db, projectId: number): Promise<void> {
  const boss = await getQueue(db, QUEUE_SETTINGS_RECOMPUTE);
  // One queued job per project; a second runner waits on the row's lock batch by batch, so overlap is harmless.
  await boss.send(QUEUE_SETTINGS_RECOMPUTE, { projectId }, { singletonKey: `settings-${projectId}`, retryLimit: 0, expireInSeconds: 12 * 3600 });
}

async function handle(db: Db, data: { projectId?: unknown }, ctx: TJobContext): Promise<string> {
  const projectId = Number(data.projectId);
  if (!Number.isInteger(projectId)) return "idle";
  try {
    const r = await runSettingsRecompute(db, projectId, { shouldStop: () => ctx.stopping() });
    if (r === "interrupted") await enqueueSettingsRecompute(db, projectId);
    return r;
  } catch (err) {
    // Unexpected (database unreachable, a bug): the checkpoint holds and the sweeper queues the run again.
    console.warn(`[loupe] settings recompute of project ${projectId}: ${(err as Error)?.message ?? String(err)}`);
    return "failed";
  }
}

/** Queues again every unfinished run whose checkpoint has not moved for a while (its job was lost). */
async function sweep(db: Db): Promise<number> {
  const rows = await db.query<{ project_id: number }>(
    `SELECT project_id FROM settings_recomputes WHERE finished_at IS NULL AND updated_at < now() - make_interval(secs => $1)`,
    [STALLED_SECONDS],
  );
  for (const r of rows) await enqueueSettingsRecompute(db, Number(r.project_id));
  return rows.length;
}

export const settingsRecomputeJob: TJobHandler<{ projectId?: unknown }> = { queue: QUEUE_SETTINGS_RECOMPUTE, handle, sweep };
