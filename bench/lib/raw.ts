// The ceiling: the same claim → submit work as raw SQL over `pg`, one connection per annotator.
// The statements are copied from lib/queue/claim.ts (releaseExpiredLeases + the claim CTE) and
// lib/queue/submit.ts (the submit transaction incl. the audit row from lib/audit/record.ts); keep
// them in step when those change. lib/queue/* import "server-only", so they cannot be imported here.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { ClaimOutcome, LoopWorker, SubmitOutcome } from "./loop";

const MAX_LIVE_LEASES = 2; // lib/queue/claim.ts

const RELEASE_EXPIRED_SQL = `
    DELETE FROM leases WHERE id IN (
      SELECT id FROM leases WHERE expires_at <= now()
      ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`;

// $1 userId, $2 projectId, $3 exclude bigint[], $4 MAX_LIVE_LEASES, $5 leaseSeconds
const CLAIM_SQL = `
        WITH mine AS (
          SELECT l.pair_id, l.expires_at FROM leases l
          WHERE l.annotator_id = $1 AND l.project_id = $2
            AND l.submitted_at IS NULL AND l.expires_at > now()
            AND NOT (l.pair_id = ANY($3::bigint[]))
          ORDER BY l.created_at LIMIT 1
        ), live AS (
          SELECT count(*) AS n FROM leases l
          WHERE l.annotator_id = $1 AND l.project_id = $2
            AND l.submitted_at IS NULL AND l.expires_at > now()
        ), picked AS (
          SELECT p.id FROM pairs p
          WHERE p.project_id = $2 AND p.taken < p.wanted
            AND NOT EXISTS (SELECT 1 FROM mine)
            AND (SELECT n FROM live) < $4
            AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.pair_id = p.id AND l.annotator_id = $1)
            AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $1)
            AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.pair_id = p.id AND s.annotator_id = $1)
          ORDER BY p.id
          LIMIT 1
          FOR UPDATE SKIP LOCKED
        ), ins AS (
          INSERT INTO leases (pair_id, project_id, annotator_id, expires_at)
          SELECT id, $2, $1, now() + make_interval(secs => $5)
          FROM picked
          RETURNING pair_id, expires_at
        ), got AS (
          SELECT pair_id, expires_at, false AS resumed FROM ins
          UNION ALL
          SELECT pair_id, expires_at, true AS resumed FROM mine
        )
        SELECT g.pair_id, g.expires_at, g.resumed, p.instruction, p.instruction_cn, p.task, p.subtask,
               p.source_image, p.edited_image, p.mask_image
        FROM got g JOIN pairs p ON p.id = g.pair_id`;

const LEASE_SQL = `
      SELECT id, project_id, expires_at <= now() AS expired, submitted_at IS NOT NULL AS submitted
      FROM leases WHERE pair_id = $1 AND annotator_id = $2 FOR UPDATE`;
const PRIOR_SQL = `SELECT * FROM labels WHERE submission_id = $1::uuid`;
const INSERT_LABEL_SQL = `
      INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
      VALUES ($1, $2, $3, $4::"Decision", $5::text[], $6, $7, $8::uuid)
      RETURNING *`;
const MARK_LEASE_SQL = `UPDATE leases SET submitted_at = now() WHERE id = $1`;
const AUDIT_SQL = `
      INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data)
      VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING *`;

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "23505" || code === "23514" || code === "40001";
}

export class RawWorker implements LoopWorker {
  constructor(
    private client: pg.Client,
    private userId: number,
    private projectId: number,
    private leaseSeconds: number,
  ) {}

  async claim(): Promise<ClaimOutcome> {
    try {
      await this.client.query(RELEASE_EXPIRED_SQL, [500]);
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await this.client.query(CLAIM_SQL, [this.userId, this.projectId, [], MAX_LIVE_LEASES, this.leaseSeconds]);
          const row = r.rows[0] as { pair_id: string } | undefined;
          return row ? { kind: "ok", pairId: String(row.pair_id) } : { kind: "empty" };
        } catch (e) {
          if (attempt < 3 && isRetryable(e)) continue;
          throw e;
        }
      }
    } catch (e) {
      return { kind: "error", what: `raw claim ${(e as { code?: string }).code ?? (e as Error).message.slice(0, 60)}` };
    }
  }

  async submit(pairId: string): Promise<SubmitOutcome> {
    const c = this.client;
    try {
      await c.query("BEGIN");
      try {
        const leases = await c.query(LEASE_SQL, [pairId, this.userId]);
        const submissionId = randomUUID();
        const prior = await c.query(PRIOR_SQL, [submissionId]);
        if (prior.rows[0]) throw new Error("replayed submission id");
        const lease = leases.rows[0] as { id: string; project_id: number; expired: boolean; submitted: boolean } | undefined;
        if (!lease || lease.expired) throw new Error("lease_expired");
        if (lease.submitted) throw new Error("already_decided");
        const rows = await c.query(INSERT_LABEL_SQL, [pairId, lease.project_id, this.userId, "accept", [], null, 1, submissionId]);
        await c.query(MARK_LEASE_SQL, [lease.id]);
        const label = rows.rows[0] as { id: string; pair_id: string; decision: string; reasons: string[] };
        await c.query(AUDIT_SQL, [
          this.userId,
          "label.create",
          "pair",
          String(label.pair_id),
          JSON.stringify({ labelId: String(label.id), decision: label.decision, reasons: label.reasons }),
        ]);
        await c.query("COMMIT");
        return { kind: "ok" };
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw e;
      }
    } catch (e) {
      return { kind: "error", what: `raw submit ${(e as { code?: string }).code ?? (e as Error).message.slice(0, 60)}` };
    }
  }
}
