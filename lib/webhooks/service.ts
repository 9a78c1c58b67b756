import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import type { Db, SqlRunner } from "../db/connect";
import type { Prisma } from "../db/generated/client";
import { recordAudit } from "../audit/record";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { MAX_ATTEMPTS } from "./policy";
import {
  TEST_EVENT,
  type TDeliveryEvent,
  type TDeliveryPage,
  type TDeliveryStatus,
  type TDeliveryView,
  type TEndpointCreate,
  type TEndpointUpdate,
  type TEndpointView,
  type TEndpointWithSecret,
  type TWebhookEvent,
} from "./schemas";
import { checkWebhookUrl, webhookAllowList, WebhookUrlError } from "./url";
import { wakeWebhookWorker } from "./worker";

// The admin's side of webhooks: endpoints (each change audited), the delivery log, test events and
// redelivery. Secrets leave the server only when an endpoint is created or its secret rotated.

export const DELIVERY_PAGE_SIZE = 50;
/** Bounds what one finalised pair fans out to inside the submit's transaction. */
export const MAX_ENDPOINTS_PER_PROJECT = 10;
/** After a rotation, how long the previous secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_HOURS = 24;

/** `whsec_` + standard base64 of 32 random bytes, as Standard Webhooks libraries decode it. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function validUrl(raw: string): string {
  try {
    return checkWebhookUrl(raw, webhookAllowList()).toString();
  } catch (err) {
    if (err instanceof WebhookUrlError) throw new InvalidError(`url: ${err.message}`, [{ path: "url", message: err.message }]);
    throw err;
  }
}

const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());

interface TEndpointRow {
  id: number;
  project_id: number;
  url: string;
  description: string;
  events: string[];
  active: boolean;
  created_at: Date;
  created_by: string | null;
  previous_secret_until: Date | null;
  legacy_secret: boolean;
  last_id: string | null;
  last_event: string | null;
  last_status: string | null;
  last_status_code: number | null;
  last_created_at: Date | null;
}

async function endpointRows(tx: SqlRunner, where: { projectId?: number; endpointId?: number }): Promise<TEndpointView[]> {
  const rows = await tx.query<TEndpointRow>(`
    SELECT e.id, e.project_id, e.url, e.description, e.events, e.active, e.created_at, u.name AS created_by,
           CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_until END AS previous_secret_until,
           -- Secrets made before Standard Webhooks are base64url (isStandardSecret in signature.ts, in SQL).
           NOT (e.secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$' AND length(e.secret) % 4 = 2) AS legacy_secret,
           l.id::text AS last_id, l.event AS last_event, l.status AS last_status, l.last_status_code, l.created_at AS last_created_at
    FROM webhook_endpoints e
    LEFT JOIN users u ON u.id = e.created_by
    LEFT JOIN LATERAL (
      SELECT d.id, d.event, d.status, d.last_status_code, d.created_at FROM webhook_deliveries d
      WHERE d.endpoint_id = e.id ORDER BY d.id DESC LIMIT 1) l ON true
    WHERE ($1::int IS NULL OR e.project_id = $1::int)
      AND ($2::int IS NULL OR e.id = $2::int)
    ORDER BY e.id`, [where.projectId ?? null, where.endpointId ?? null]);
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    url: r.url,
    description: r.description,
    events: r.events as TWebhookEvent[],
    active: r.active,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    previousSecretUntil: iso(r.previous_secret_until),
    legacySecret: r.legacy_secret,
    lastDelivery: r.last_id
      ? {
          id: r.last_id,
          event: r.last_event as TDeliveryEvent,
          status: r.last_status as TDeliveryStatus,
          lastStatusCode: r.last_status_code,
          createdAt: iso(r.last_created_at)!,
        }
      : null,
  }));
}

async function requireEndpoint(tx: SqlRunner, endpointId: number): Promise<TEndpointView> {
  const [e] = await endpointRows(tx, { endpointId });
  if (!e) throw new NotFoundError("Webhook endpoint not found.");
  return e;
}

export async function listEndpoints(db: Db, projectId: number): Promise<TEndpointView[]> {
  return endpointRows(db, { projectId });
}

export async function getEndpoint(db: Db, endpointId: number): Promise<TEndpointView> {
  return requireEndpoint(db, endpointId);
}

export async function createEndpoint(db: Db, actorId: number, projectId: number, input: TEndpointCreate): Promise<TEndpointWithSecret> {
  const url = validUrl(input.url);
  const secret = generateSecret();
  return db.transaction(async (tx) => {
    // The lock serialises concurrent creates for one project so the cap holds. NO KEY UPDATE does not
    // block label inserts (their foreign key takes KEY SHARE).
    const project = await tx.query<{ id: number }>(`SELECT id FROM projects WHERE id = $1 FOR NO KEY UPDATE`, [projectId]);
    if (project.length === 0) throw new NotFoundError("Project not found.");
    const [{ n: count } = { n: 0 }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE project_id = $1`, [projectId]);
    if (count >= MAX_ENDPOINTS_PER_PROJECT) {
      throw new ConflictError(`A project has at most ${MAX_ENDPOINTS_PER_PROJECT} webhook endpoints; delete one first.`);
    }
    const [created] = await tx.query<{ id: number }>(
      `INSERT INTO webhook_endpoints (project_id, url, description, events, secret, created_by) VALUES ($1, $2, $3, $4::text[], $5, $6) RETURNING id`,
      [projectId, url, input.description, input.events, secret, actorId],
    );
    await recordAudit(tx, {
      actorId,
      action: "webhook.create",
      subjectType: "webhook",
      subjectId: String(created!.id),
      data: { projectId, url, events: input.events },
    });
    return { endpoint: await requireEndpoint(tx, created!.id), secret };
  });
}

export async function updateEndpoint(db: Db, actorId: number, endpointId: number, input: TEndpointUpdate): Promise<TEndpointView> {
  const url = input.url === undefined ? undefined : validUrl(input.url);
  const endpoint = await db.transaction(async (tx) => {
    const [before] = await tx.query<{ projectId: number; url: string; events: string[]; description: string; active: boolean }>(
      `SELECT project_id AS "projectId", url, events, description, active FROM webhook_endpoints WHERE id = $1`,
      [endpointId],
    );
    if (!before) throw new NotFoundError("Webhook endpoint not found.");
    const next = {
      url: url ?? before.url,
      events: input.events ?? before.events,
      description: input.description ?? before.description,
      active: input.active ?? before.active,
    };
    const changes: Record<string, { from: Prisma.InputJsonValue; to: Prisma.InputJsonValue }> = {};
    if (next.url !== before.url) changes.url = { from: before.url, to: next.url };
    if (next.events.join() !== before.events.join()) changes.events = { from: before.events, to: next.events };
    if (next.description !== before.description) changes.description = { from: before.description, to: next.description };
    if (next.active !== before.active) changes.active = { from: before.active, to: next.active };
    if (Object.keys(changes).length === 0) return requireEndpoint(tx, endpointId);
    await tx.query(
      `UPDATE webhook_endpoints SET url = $2, events = $3::text[], description = $4, active = $5, updated_at = now() WHERE id = $1`,
      [endpointId, next.url, next.events, next.description, next.active],
    );
    // Switching off holds what is queued (paused); switching on sends it, starting now.
    if (changes.active && !next.active) {
      await tx.query(`UPDATE webhook_deliveries SET status = 'paused' WHERE endpoint_id = $1 AND status = 'pending'`, [endpointId]);
    } else if (changes.active && next.active) {
      await tx.query(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() WHERE endpoint_id = $1 AND status = 'paused'`, [endpointId]);
    }
    await recordAudit(tx, {
      actorId,
      action: "webhook.update",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: before.projectId, changes },
    });
    return requireEndpoint(tx, endpointId);
  });
  if (input.active) wakeWebhookWorker();
  return endpoint;
}

export async function deleteEndpoint(db: Db, actorId: number, endpointId: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [gone] = await tx.query<{ projectId: number; url: string; events: string[] }>(
      `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING project_id AS "projectId", url, events`,
      [endpointId],
    );
    if (!gone) throw new NotFoundError("Webhook endpoint not found.");
    await recordAudit(tx, {
      actorId,
      action: "webhook.delete",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: gone.projectId, url: gone.url, events: gone.events },
    });
  });
}

/** A new secret; with keepPrevious the old one also signs for PREVIOUS_SECRET_HOURS. */
export async function rotateSecret(db: Db, actorId: number, endpointId: number, keepPrevious: boolean): Promise<TEndpointWithSecret> {
  const secret = generateSecret();
  return db.transaction(async (tx) => {
    const [before] = await tx.query<{ projectId: number; secret: string }>(
      `SELECT project_id AS "projectId", secret FROM webhook_endpoints WHERE id = $1`,
      [endpointId],
    );
    if (!before) throw new NotFoundError("Webhook endpoint not found.");
    const until = keepPrevious ? new Date(Date.now() + PREVIOUS_SECRET_HOURS * 3600_000) : null;
    await tx.query(
      `UPDATE webhook_endpoints SET secret = $2, previous_secret = $3, previous_secret_until = $4, updated_at = now() WHERE id = $1`,
      [endpointId, secret, keepPrevious ? before.secret : null, until],
    );
    await recordAudit(tx, {
      actorId,
      action: "webhook.rotate_secret",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: before.projectId, previousSecretUntil: iso(until) },
    });
    return { endpoint: await requireEndpoint(tx, endpointId), secret };
  });
}

type TDeliveryRecord = {
  id: bigint | string;
  event: string;
  eventId: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  responseMs: number | null;
  redeliveryOf: bigint | string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  payload: unknown;
};

const DELIVERY_SELECT = {
  id: true, event: true, eventId: true, status: true, attempts: true, maxAttempts: true, nextAttemptAt: true, lastAttemptAt: true,
  lastStatusCode: true, lastError: true, responseMs: true, redeliveryOf: true, createdAt: true, deliveredAt: true, payload: true,
} as const;

// The same columns as DELIVERY_SELECT, for the statements inside a transaction.
const DELIVERY_COLUMNS = `id::text AS id, event, event_id::text AS "eventId", status, attempts, max_attempts AS "maxAttempts",
  next_attempt_at AS "nextAttemptAt", last_attempt_at AS "lastAttemptAt", last_status_code AS "lastStatusCode",
  last_error AS "lastError", response_ms AS "responseMs", redelivery_of::text AS "redeliveryOf", created_at AS "createdAt",
  delivered_at AS "deliveredAt", payload`;

function deliveryView(d: TDeliveryRecord): TDeliveryView {
  const waiting = d.status === "pending" || d.status === "delivering";
  return {
    id: String(d.id),
    event: d.event as TDeliveryEvent,
    eventId: d.eventId,
    status: d.status as TDeliveryStatus,
    attempts: d.attempts,
    maxAttempts: d.maxAttempts,
    nextAttemptAt: waiting ? iso(d.nextAttemptAt) : null,
    lastAttemptAt: iso(d.lastAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    responseMs: d.responseMs,
    redeliveryOf: d.redeliveryOf === null ? null : String(d.redeliveryOf),
    createdAt: iso(d.createdAt)!,
    deliveredAt: iso(d.deliveredAt),
    payload: d.payload,
  };
}

export async function listDeliveries(db: Db, endpointId: number, opts: { before?: bigint; status?: TDeliveryStatus } = {}): Promise<TDeliveryPage> {
  await requireEndpoint(db, endpointId);
  const rows = await db.prisma.webhookDelivery.findMany({
    where: { endpointId, ...(opts.before ? { id: { lt: opts.before } } : {}), ...(opts.status ? { status: opts.status } : {}) },
    orderBy: { id: "desc" },
    take: DELIVERY_PAGE_SIZE + 1,
    select: DELIVERY_SELECT,
  });
  const more = rows.length > DELIVERY_PAGE_SIZE;
  const items = rows.slice(0, DELIVERY_PAGE_SIZE).map(deliveryView);
  return { items, nextCursor: more ? items[items.length - 1]!.id : null };
}

/** Queues a "webhook.test" event for one endpoint (active or not): one attempt, shown in the log; audited. */
export async function sendTestEvent(db: Db, actorId: number, endpointId: number): Promise<TDeliveryView> {
  const created = await db.transaction(async (tx) => {
    const endpoint = await requireEndpoint(tx, endpointId);
    const eventId = randomUUID();
    const payload = {
      id: eventId,
      type: TEST_EVENT,
      occurredAt: new Date().toISOString(),
      projectId: endpoint.projectId,
      data: { endpointId, message: "A test event from Loupe: if its signature verifies, this endpoint is ready." },
    };
    const [delivery] = await tx.query<TDeliveryRecord>(
      `INSERT INTO webhook_deliveries (endpoint_id, event, event_id, max_attempts, payload) VALUES ($1, $2, $3::uuid, 1, $4::jsonb)
       RETURNING ${DELIVERY_COLUMNS}`,
      [endpointId, TEST_EVENT, eventId, JSON.stringify(payload)],
    );
    await recordAudit(tx, {
      actorId,
      action: "webhook.test",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: endpoint.projectId, url: endpoint.url, deliveryId: String(delivery!.id), eventId },
    });
    return delivery!;
  });
  wakeWebhookWorker();
  return deliveryView(created);
}

/** Sends a delivery's event again, as a new delivery with the same event id and body. */
export async function redeliver(db: Db, actorId: number, endpointId: number, deliveryId: bigint): Promise<TDeliveryView> {
  const created = await db.transaction(async (tx) => {
    const [endpoint] = await tx.query<{ projectId: number; active: boolean }>(
      `SELECT project_id AS "projectId", active FROM webhook_endpoints WHERE id = $1`,
      [endpointId],
    );
    if (!endpoint) throw new NotFoundError("Webhook endpoint not found.");
    const [original] = await tx.query<TDeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2`,
      [String(deliveryId), endpointId],
    );
    if (!original) throw new NotFoundError("Delivery not found for this endpoint.");
    if (!endpoint.active && original.event !== TEST_EVENT) {
      throw new ConflictError("This endpoint is inactive: activate it before redelivering.");
    }
    const [copy] = await tx.query<TDeliveryRecord>(
      `INSERT INTO webhook_deliveries (endpoint_id, event, event_id, payload, max_attempts, redelivery_of)
       VALUES ($1, $2, $3::uuid, $4::jsonb, $5, $6::bigint)
       RETURNING ${DELIVERY_COLUMNS}`,
      [endpointId, original.event, original.eventId, JSON.stringify(original.payload), original.event === TEST_EVENT ? 1 : MAX_ATTEMPTS, String(original.id)],
    );
    await recordAudit(tx, {
      actorId,
      action: "webhook.redeliver",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: endpoint.projectId, deliveryId: String(deliveryId), newDeliveryId: String(copy!.id), event: original.event, eventId: original.eventId },
    });
    return copy!;
  });
  wakeWebhookWorker();
  return deliveryView(created);
}
