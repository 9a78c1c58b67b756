import "server-only";
import type { Db } from "../db/connect";
import { InvalidError, NotFoundError } from "../errors";
import { parseReasons } from "../projects/reasons";
import { decodeCursor, encodeCursor } from "./cursor";
import type { TFinalLabel, TLabelsPage } from "./schemas";

// GET /api/v1/projects/:projectId/labels: final labels, incrementally, ordered by the pair's final_xid (the
// transaction that last changed its final answer, set by a trigger) then id, reading only rows older than
// every running transaction (pg_snapshot_xmin). So all a cursor could ever pass has committed when it is
// handed out: a pair finalised later, even by a transaction that began earlier, lands after it. A pair whose
// answer changes again moves to the end and is served again; clients upsert by pairId. The cost: a
// transaction left open elsewhere holds the feed back (never loses rows) until it ends.
// After a restore into another cluster, final_xid values can be beyond its counter: the feed finds that with
// one probe, renumbers them (loupe_repair_final_xid) and refuses older cursors with a 400 that says to start again.

interface FeedRow {
  id: string;
  external_id: string;
  is_final: boolean;
  final_decision: TFinalLabel["decision"];
  final_instruction: string | null;
  instruction: string;
  final_reasons: string[];
  final_source: TFinalLabel["source"];
  finalized_at: string | null;
  agreement: number | null;
  is_gold: boolean;
  task: string | null;
  subtask: string | null;
  review_reasons: string[];
  final_xid: string;
  labels: TFinalLabel["labels"]["items"];
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

// The row comparison walks pairs_final_feed_idx (project_id, final_xid, id) from the cursor on.
const FEED_SQL = `
SELECT p.id::text, p.external_id, p.status = 'final' AS is_final, p.final_decision::text AS final_decision,
       p.final_instruction, p.instruction, p.final_reasons, p.final_source,
       to_char(p.finalized_at AT TIME ZONE 'UTC', ${ISO}) AS finalized_at, p.agreement, p.is_gold, p.task, p.subtask,
       p.review_reasons, p.final_xid::text,
       coalesce(l.items, '[]'::jsonb) AS labels
  FROM pairs p
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
             'annotatorId', x.annotator_id, 'decision', x.decision, 'reasons', to_jsonb(x.reasons), 'recaption', x.recaption,
             'secondsSpent', x.seconds_spent, 'createdAt', to_char(x.created_at AT TIME ZONE 'UTC', ${ISO})) ORDER BY x.id) AS items
      FROM labels x WHERE x.pair_id = p.id) l ON true
 WHERE p.project_id = $1 AND p.final_xid IS NOT NULL
   AND (p.final_xid, p.id) > ($2::bigint, $3::bigint)
   AND p.final_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
 ORDER BY p.final_xid, p.id
 LIMIT $4`;

// The feed's epoch, this cluster's next xid, and whether this project holds a final_xid at or above it,
// impossible unless the data came from another cluster (one backwards probe of pairs_final_feed_idx).
const STATE_SQL = `
SELECT (SELECT last_value FROM pairs_final_feed_epoch)::text AS epoch,
       pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
       coalesce((SELECT p.final_xid FROM pairs p WHERE p.project_id = $1 AND p.final_xid IS NOT NULL ORDER BY p.final_xid DESC LIMIT 1)
                >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint, false) AS broken`;

interface FeedState {
  epoch: string;
  xmax: string;
  broken: boolean;
}

async function feedState(db: Db, projectId: number): Promise<FeedState> {
  const read = async () => (await db.query<FeedState>(STATE_SQL, [projectId], "loupe_api_labels_state"))[0]!;
  const state = await read();
  if (!state.broken) return state;
  // Restored under a running server: renumber now rather than hide these pairs until the next start.
  await db.query("SELECT loupe_repair_final_xid()");
  return read();
}

const STALE_CURSOR = "cursor: this cursor was handed out before the database was restored or moved; start without a cursor.";

export async function listFinalLabels(db: Db, projectId: number, q: { cursor?: string; limit: number }): Promise<TLabelsPage> {
  const from = q.cursor ? decodeCursor(q.cursor, projectId) : null;
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { rejectReasons: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const state = await feedState(db, projectId);
  // A position from the previous epoch, or one this cluster has not reached, would skip pairs.
  if (from && (from.epoch !== state.epoch || BigInt(from.xid) >= BigInt(state.xmax))) throw new InvalidError(STALE_CURSOR);
  const taxonomy = new Map(parseReasons(project.rejectReasons).map((r) => [r.code, r]));
  // One more row than asked tells whether another page is ready now.
  const rows = await db.query<FeedRow>(FEED_SQL, [projectId, from?.xid ?? "0", from?.id ?? "0", q.limit + 1], "loupe_api_labels_feed");
  const page = rows.slice(0, q.limit);
  const items = page.map((r): TFinalLabel => {
    const final = r.is_final;
    const count = (d: string) => r.labels.filter((l) => l.decision === d).length;
    return {
      pairId: r.id,
      externalId: r.external_id,
      state: final ? "final" : "withdrawn",
      decision: final ? r.final_decision : null,
      instruction: final ? r.final_instruction : null,
      originalInstruction: r.instruction,
      reasons: final
        ? r.final_reasons.map((code) => {
            const known = taxonomy.get(code);
            return { code, label: known?.label ?? code, dimension: known?.dimension ?? null };
          })
        : [],
      agreement: final && r.agreement !== null ? Number(r.agreement) : null,
      source: final ? r.final_source : null,
      finalizedAt: final ? r.finalized_at : null,
      gold: r.is_gold,
      task: r.task,
      subtask: r.subtask,
      reviewReasons: r.review_reasons,
      labels: { count: r.labels.length, accept: count("accept"), reject: count("reject"), recaption: count("recaption"), items: r.labels },
    };
  });
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: last ? encodeCursor({ projectId, epoch: state.epoch, xid: last.final_xid, id: last.id }) : (q.cursor ?? null),
    hasMore: rows.length > q.limit,
  };
}
