import "server-only";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import type { AllowList } from "../images/resolve";
import { CLAIM_SECONDS, DELIVERY_TIMEOUT_MS, MAX_IN_FLIGHT_PER_ENDPOINT, retryDelaySeconds, truncate } from "./policy";
import { sendWebhook, type TSendResult } from "./send";
import { isSigningSecret, sign, SIGNATURE_HEADER, standardHeaders } from "./signature";
import { webhookAllowList } from "./url";

// The delivery worker: webhook_deliveries is its own queue (it holds the retry time and the log; a second
// queue in pg-boss would have to be kept in step). Any number of processes claim due rows with FOR UPDATE
// SKIP LOCKED, marking them "delivering" for CLAIM_SECONDS, POST outside any transaction, then record the
// outcome guarded by the attempt number claimed: two workers never send one attempt, and a dead worker's
// claim expires. Fairness: the claim takes at most MAX_IN_FLIGHT_PER_ENDPOINT per endpoint, then the earliest
// overall, so a silent receiver cannot take every slot. Claims run one at a time across processes (an
// advisory lock before the claim's snapshot), so two workers cannot both claim past an endpoint's cap.

/** What the worker needs of the database: pooled statements, and a transaction for the claim. */
export type TWebhookDb = Pick<Db, "query" | "exec" | "transaction">;

export interface TClaimedDelivery {
  id: string;
  endpointId: number;
  event: string;
  eventId: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  url: string;
  secrets: string[];
}

export interface TDeliverOptions {
  allow: AllowList;
  timeoutMs?: number;
  random?: () => number;
}

export interface TAttemptOutcome extends TSendResult {
  id: string;
  endpointId: number;
  attempt: number;
  /** What the delivery became: delivered, pending (retry later), paused or failed; null when it was no longer ours. */
  status: "delivered" | "pending" | "paused" | "failed" | null;
}

const CLAIM_SQL = `
  WITH due AS (
    -- A test event goes out even to an inactive endpoint: an admin may check a receiver before switching it on.
    SELECT d.id, e.active OR d.event = 'webhook.test' AS active
    FROM webhook_endpoints e
    CROSS JOIN LATERAL (
      -- webhook_deliveries_due_idx (endpoint_id, next_attempt_at): a probe per endpoint, however long its backlog.
      -- next_attempt_at is TIMESTAMPTZ(3), and PostgreSQL rounds to the millisecond: a row queued or
      -- retried "now" can be stored up to 0.5 ms ahead of now(), so a claim right after it (a woken
      -- worker) would pass it over. Compared with now() rounded the same way, it is due at once.
      SELECT d.id, d.event, d.next_attempt_at FROM webhook_deliveries d
      WHERE d.endpoint_id = e.id AND d.status IN ('pending', 'delivering') AND d.next_attempt_at <= now()::timestamptz(3)
      ORDER BY d.next_attempt_at
      -- Unexpired claims of this endpoint (webhook_deliveries_in_flight_idx) use up its share.
      LIMIT greatest(0, $3 - (SELECT count(*) FROM webhook_deliveries f
                               WHERE f.endpoint_id = e.id AND f.status = 'delivering' AND f.next_attempt_at > now()::timestamptz(3)))
      FOR UPDATE SKIP LOCKED
    ) d
    ORDER BY d.next_attempt_at
    LIMIT $1
  ), parked AS (
    -- Queued for an endpoint deactivated meanwhile: held until it is active again.
    UPDATE webhook_deliveries d SET status = 'paused' FROM due WHERE d.id = due.id AND NOT due.active RETURNING d.id
  )
  UPDATE webhook_deliveries d SET
    -- A claim that expired on its last attempt (the worker died) ends here rather than going over.
    status = CASE WHEN d.attempts >= d.max_attempts THEN 'failed' ELSE 'delivering' END,
    last_error = CASE WHEN d.attempts >= d.max_attempts THEN 'The worker stopped during the last attempt; no answer was recorded.' ELSE d.last_error END,
    attempts = CASE WHEN d.attempts >= d.max_attempts THEN d.attempts ELSE d.attempts + 1 END,
    last_attempt_at = now(),
    next_attempt_at = now() + make_interval(secs => $2)
  FROM due, webhook_endpoints e
  WHERE d.id = due.id AND due.active AND e.id = d.endpoint_id
  RETURNING d.id::text AS id, d.endpoint_id, d.status, d.event, d.event_id::text AS event_id, d.payload, d.attempts, d.max_attempts,
            e.url, e.secret, CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END AS previous_secret`;

const DELIVERED_SQL = `
  UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), next_attempt_at = now(),
    last_status_code = $3, last_error = NULL, response_ms = $4
  WHERE id = $1 AND status = 'delivering' AND attempts = $2
  RETURNING status`;

const FAILED_SQL = `
  UPDATE webhook_deliveries d SET
    status = CASE WHEN d.attempts >= d.max_attempts THEN 'failed' WHEN e.active OR d.event = 'webhook.test' THEN 'pending' ELSE 'paused' END,
    next_attempt_at = now() + make_interval(secs => $5),
    last_status_code = $3, last_error = $4, response_ms = $6
  FROM webhook_endpoints e
  WHERE e.id = d.endpoint_id AND d.id = $1 AND d.status = 'delivering' AND d.attempts = $2
  RETURNING d.status`;

interface TClaimRow {
  id: string;
  endpoint_id: number;
  status: string;
  event: string;
  event_id: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
}

/** Any fixed number, the same in every Loupe process: serialises claims so the per-endpoint cap holds. */
const CLAIM_LOCK = 7_241_955;

/** Claims up to `limit` due deliveries, at most `perEndpoint` in flight per endpoint, in one short transaction. */
export async function claimDueDeliveries(
  db: TWebhookDb,
  limit: number,
  opts: { claimSeconds?: number; perEndpoint?: number } = {},
): Promise<TClaimedDelivery[]> {
  const rows = await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [CLAIM_LOCK]);
    return tx.query<TClaimRow>(CLAIM_SQL, [limit, opts.claimSeconds ?? CLAIM_SECONDS, opts.perEndpoint ?? MAX_IN_FLIGHT_PER_ENDPOINT]);
  });
  return rows
    .filter((r) => r.status === "delivering")
    .map((r) => ({
      id: r.id,
      endpointId: r.endpoint_id,
      event: r.event,
      eventId: r.event_id,
      payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      url: r.url,
      secrets: r.previous_secret ? [r.secret, r.previous_secret] : [r.secret],
    }));
}

export async function attemptDelivery(db: SqlRunner, d: TClaimedDelivery, opts: TDeliverOptions): Promise<TAttemptOutcome> {
  const body = Buffer.from(JSON.stringify(d.payload));
  const timestamp = Math.floor(Date.now() / 1000);
  // A secret that is not whsec_ + base64 can only have been written by hand into the table: the attempt
  // fails with a message in the log rather than leaving the delivery claimed.
  const usable = d.secrets.filter(isSigningSecret);
  const headers = {
    "user-agent": "Loupe-Webhooks/1",
    // Standard Webhooks: the event id is the message id, the same on every attempt and redelivery, so a
    // receiver can drop what it has already processed.
    ...(usable.length > 0 ? standardHeaders(usable, d.eventId, body, timestamp) : {}),
    "loupe-event": d.event,
    "loupe-event-id": d.eventId,
    "loupe-delivery": d.id,
    "loupe-attempt": String(d.attempts),
    // Deprecated, for one release: receivers written against it keep working while they switch.
    [SIGNATURE_HEADER.toLowerCase()]: sign(d.secrets, body, timestamp),
  };
  const result: TSendResult =
    usable.length > 0
      ? await sendWebhook(d.url, headers, body, { allow: opts.allow, timeoutMs: opts.timeoutMs ?? DELIVERY_TIMEOUT_MS })
      : { delivered: false, statusCode: null, error: "not sent: the endpoint's secret is not whsec_ followed by base64; rotate it", ms: 0 };
  const rows = result.delivered
    ? await db.query<{ status: TAttemptOutcome["status"] }>(DELIVERED_SQL, [d.id, d.attempts, result.statusCode, result.ms])
    : await db.query<{ status: TAttemptOutcome["status"] }>(FAILED_SQL, [
        d.id,
        d.attempts,
        result.statusCode,
        truncate(result.error ?? "failed"),
        retryDelaySeconds(d.attempts, opts.random),
        result.ms,
      ]);
  return { ...result, id: d.id, endpointId: d.endpointId, attempt: d.attempts, status: rows[0]?.status ?? null };
}

export async function deliverDue(db: TWebhookDb, opts: TDeliverOptions & { batch?: number; perEndpoint?: number }): Promise<TAttemptOutcome[]> {
  const claimed = await claimDueDeliveries(db, opts.batch ?? 16, { perEndpoint: opts.perEndpoint });
  return Promise.all(claimed.map((d) => attemptDelivery(db, d, opts)));
}

const POLL_MS = 1_000;
const CONCURRENCY = 8;
/** Delivered and failed deliveries are kept this long in the log, then deleted. */
export const RETENTION_DAYS = 30;
const PRUNE_EVERY_MS = 3600_000;
/** A pass that ran out of time (a backlog) goes on after this pause rather than an hour later. */
const PRUNE_AGAIN_MS = 60_000;
/** One pass deletes batches until one comes back short or this much time has gone. */
const PRUNE_PASS_MS = 20_000;
const PRUNE_BATCH = 5_000;

// On globalThis: Next may load this module once per route bundle, and the route that queues a test
// event must reach the worker that the process started (instrumentation.ts).
const globalForWebhooks = globalThis as unknown as { __loupeWebhookWakers?: Set<() => void> };
const wakers = (globalForWebhooks.__loupeWebhookWakers ??= new Set<() => void>());

/** Wakes this process's worker now (after "Send test event" or "Redeliver") instead of at its next poll. */
export function wakeWebhookWorker(): void {
  for (const wake of wakers) wake();
}

const PRUNE_SQL = `
  WITH gone AS (
    DELETE FROM webhook_deliveries WHERE id IN (
      -- webhook_deliveries_finished_idx (created_at) WHERE status IN ('delivered', 'failed'): the
      -- oldest finished rows first, without walking anything else.
      SELECT id FROM webhook_deliveries
      WHERE status IN ('delivered', 'failed') AND created_at < now() - make_interval(days => $1)
      ORDER BY created_at
      LIMIT $2)
    RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

/** Deletes old delivered and failed deliveries in short batches until one comes back short or time is up. */
export async function pruneDeliveries(
  runner: SqlRunner,
  opts: { days?: number; batch?: number; passMs?: number } = {},
): Promise<{ deleted: number; done: boolean }> {
  const batch = opts.batch ?? PRUNE_BATCH;
  const deadline = Date.now() + (opts.passMs ?? PRUNE_PASS_MS);
  let deleted = 0;
  for (;;) {
    const [row] = await runner.query<{ n: number }>(PRUNE_SQL, [opts.days ?? RETENTION_DAYS, batch]);
    const n = row?.n ?? 0;
    deleted += n;
    if (n < batch) return { deleted, done: true };
    if (Date.now() >= deadline) return { deleted, done: false };
  }
}

export interface TWebhookWorker {
  stop(): Promise<void>;
}

export function startWebhookWorker(db: TWebhookDb, opts: Partial<TDeliverOptions> = {}): TWebhookWorker {
  const runner: SqlRunner = db;
  const options: TDeliverOptions = { allow: opts.allow ?? webhookAllowList(), timeoutMs: opts.timeoutMs, random: opts.random };
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let wake: () => void = () => {};
  // Pruning runs beside the claims, never in their way: a long pass must not hold deliveries up.
  let pruning: Promise<void> | null = null;
  let nextPrune = 0;
  const prune = () => {
    pruning = pruneDeliveries(runner)
      .then(
        (r) => {
          nextPrune = Date.now() + (r.done ? PRUNE_EVERY_MS : PRUNE_AGAIN_MS);
        },
        (err: Error) => {
          nextPrune = Date.now() + PRUNE_AGAIN_MS;
          console.warn(`[loupe] webhook log pruning: ${err.message}`);
        },
      )
      .finally(() => {
        pruning = null;
      });
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      function done() {
        clearTimeout(t);
        wake = () => {};
        resolve();
      }
      wake = done;
    });
  // A wake-up that arrives while the loop is busy is remembered, so the next sleep is skipped.
  let woken = false;
  const waker = () => {
    woken = true;
    wake();
  };
  wakers.add(waker);

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      const room = CONCURRENCY - inFlight.size;
      let claimed = 0;
      try {
        if (!pruning && Date.now() >= nextPrune) prune();
        if (room > 0) {
          const list = await claimDueDeliveries(db, room);
          claimed = list.length;
          for (const d of list) {
            const p: Promise<unknown> = attemptDelivery(runner, d, options)
              .catch((err: Error) => console.warn(`[loupe] webhook delivery ${d.id}: ${err.message}`))
              .finally(() => {
                inFlight.delete(p);
                if (inFlight.size === CONCURRENCY - 1) waker();
              });
            inFlight.add(p);
          }
        }
        failures = 0;
      } catch (err) {
        failures++;
        console.warn(`[loupe] webhook worker: ${(err as Error).message}`);
      }
      if (stopped) break;
      // A full claim means more may be due: go again at once. Otherwise wait for the poll, a
      // finished attempt (room again) or a wake-up; longer while the database is failing.
      if ((room > 0 && claimed === room) || woken) {
        woken = false;
        continue;
      }
      await sleep(failures > 0 ? Math.min(30_000, POLL_MS * 2 ** failures) : POLL_MS);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wakers.delete(waker);
      wake();
      await loop;
      await Promise.allSettled([...inFlight, pruning]);
    },
  };
}
