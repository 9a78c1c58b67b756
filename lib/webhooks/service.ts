import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../db/connect";
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

// The admin's side of webhooks: endpoints (each change audited in its own transaction), the
// delivery log, "Send test event" and "Redeliver". Secrets leave the server only in the answers to
// creating an endpoint and rotating its secret; lists never carry them.

export const DELIVERY_PAGE_SIZE = 50;
/** Bounds what one finalised pair fans out to inside the submit's transaction. */
export const MAX_ENDPOINTS_PER_PROJECT = 10;
/** After a rotation, how long the previous secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_HOURS = 24;

type Tx = Pick<Db, "$queryRaw" | "$executeRaw" | "auditEvent" | "webhookEndpoint" | "webhookDelivery">;

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
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
  last_id: string | null;
  last_event: string | null;
  last_status: string | null;
  last_status_code: number | null;
  last_created_at: Date | null;
}

async function endpointRows(tx: Pick<Db, "$queryRaw">, where: { projectId?: number; endpointId?: number }): Promise<TEndpointView[]> {
  const rows = await tx.$queryRaw<TEndpointRow[]>`
    SELECT e.id, e.project_id, e.url, e.description, e.events, e.active, e.created_at, u.name AS created_by,
           CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_until END AS previous_secret_until,
           l.id::text AS last_id, l.event AS last_event, l.status AS last_status, l.last_status_code, l.created_at AS last_created_at
    FROM webhook_endpoints e
    LEFT JOIN users u ON u.id = e.created_by
    LEFT JOIN LATERAL (
      SELECT d.id, d.event, d.status, d.last_status_code, d.created_at FROM webhook_deliveries d
      WHERE d.endpoint_id = e.id ORDER BY d.id DESC LIMIT 1) l ON true
    WHERE (${where.projectId ?? null}::int IS NULL OR e.project_id = ${where.projectId ?? null}::int)
      AND (${where.endpointId ?? null}::int IS NULL OR e.id = ${where.endpointId ?? null}::int)
    ORDER BY e.id`;
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

async function requireEndpoint(tx: Pick<Db, "$queryRaw">, endpointId: number): Promise<TEndpointView> {
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
  return db.$transaction(async (tx) => {
    // The lock serialises concurrent creates for one project so the cap holds. NO KEY UPDATE does not
    // block label inserts (their foreign key takes KEY SHARE).
    const project = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM projects WHERE id = ${projectId} FOR NO KEY UPDATE`;
    if (project.length === 0) throw new NotFoundError("Project not found.");
    const count = await tx.webhookEndpoint.count({ where: { projectId } });
    if (count >= MAX_ENDPOINTS_PER_PROJECT) {
      throw new ConflictError(`A project has at most ${MAX_ENDPOINTS_PER_PROJECT} webhook endpoints; delete one first.`);
    }
    const created = await tx.webhookEndpoint.create({
      data: { projectId, url, description: input.description, events: input.events, secret, createdBy: actorId },
      select: { id: true },
    });
    await recordAudit(tx, {
      actorId,
      action: "webhook.create",
      subjectType: "webhook",
      subjectId: String(created.id),
      data: { projectId, url, events: input.events },
    });
    return { endpoint: await requireEndpoint(tx, created.id), secret };
  });
}

export async function updateEndpoint(db: Db, actorId: number, endpointId: number, input: TEndpointUpdate): Promise<TEndpointView> {
  const url = input.url === undefined ? undefined : validUrl(input.url);
  const endpoint = await db.$transaction(async (tx: Tx) => {
    const before = await tx.webhookEndpoint.findUnique({ where: { id: endpointId } });
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
    await tx.webhookEndpoint.update({ where: { id: endpointId }, data: next });
    // Switching off holds what is queued (paused); switching on sends it, starting now.
    if (changes.active && !next.active) {
      await tx.webhookDelivery.updateMany({ where: { endpointId, status: "pending" }, data: { status: "paused" } });
    } else if (changes.active && next.active) {
      await tx.webhookDelivery.updateMany({ where: { endpointId, status: "paused" }, data: { status: "pending", nextAttemptAt: new Date() } });
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
  await db.$transaction(async (tx) => {
    const gone = await tx.webhookEndpoint.delete({ where: { id: endpointId }, select: { projectId: true, url: true, events: true } }).catch((err: { code?: string }) => {
      if (err?.code === "P2025") throw new NotFoundError("Webhook endpoint not found.");
      throw err;
    });
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
  return db.$transaction(async (tx) => {
    const before = await tx.webhookEndpoint.findUnique({ where: { id: endpointId }, select: { projectId: true, secret: true } });
    if (!before) throw new NotFoundError("Webhook endpoint not found.");
    const until = keepPrevious ? new Date(Date.now() + PREVIOUS_SECRET_HOURS * 3600_000) : null;
    await tx.webhookEndpoint.update({
      where: { id: endpointId },
      data: { secret, previousSecret: keepPrevious ? before.secret : null, previousSecretUntil: until },
    });
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
  id: bigint;
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
  redeliveryOf: bigint | null;
  createdAt: Date;
  deliveredAt: Date | null;
  payload: unknown;
};

const DELIVERY_SELECT = {
  id: true, event: true, eventId: true, status: true, attempts: true, maxAttempts: true, nextAttemptAt: true, lastAttemptAt: true,
  lastStatusCode: true, lastError: true, responseMs: true, redeliveryOf: true, createdAt: true, deliveredAt: true, payload: true,
} as const;

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

/** The endpoint's deliveries, newest first, in keyset pages of DELIVERY_PAGE_SIZE. */
export async function listDeliveries(db: Db, endpointId: number, opts: { before?: bigint; status?: TDeliveryStatus } = {}): Promise<TDeliveryPage> {
  await requireEndpoint(db, endpointId);
  const rows = await db.webhookDelivery.findMany({
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
  const created = await db.$transaction(async (tx) => {
    const endpoint = await requireEndpoint(tx, endpointId);
    const eventId = randomUUID();
    const delivery = await tx.webhookDelivery.create({
      data: {
        endpointId,
        event: TEST_EVENT,
        eventId,
        maxAttempts: 1,
        payload: {
          id: eventId,
          type: TEST_EVENT,
          occurredAt: new Date().toISOString(),
          projectId: endpoint.projectId,
          data: { endpointId, message: "A test event from Loupe: if its signature verifies, this endpoint is ready." },
        },
      },
      select: DELIVERY_SELECT,
    });
    await recordAudit(tx, {
      actorId,
      action: "webhook.test",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: endpoint.projectId, url: endpoint.url, deliveryId: String(delivery.id), eventId },
    });
    return delivery;
  });
  wakeWebhookWorker();
  return deliveryView(created);
}

/** Sends a delivery's event again, as a new delivery with the same event id and body. */
export async function redeliver(db: Db, actorId: number, endpointId: number, deliveryId: bigint): Promise<TDeliveryView> {
  const created = await db.$transaction(async (tx) => {
    const endpoint = await tx.webhookEndpoint.findUnique({ where: { id: endpointId }, select: { projectId: true, active: true } });
    if (!endpoint) throw new NotFoundError("Webhook endpoint not found.");
    const original = await tx.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId }, select: DELIVERY_SELECT });
    if (!original) throw new NotFoundError("Delivery not found for this endpoint.");
    if (!endpoint.active && original.event !== TEST_EVENT) {
      throw new ConflictError("This endpoint is inactive: activate it before redelivering.");
    }
    const copy = await tx.webhookDelivery.create({
      data: {
        endpointId,
        event: original.event,
        eventId: original.eventId,
        // Copied from a stored body, so never JSON null.
        payload: original.payload as Prisma.InputJsonValue,
        maxAttempts: original.event === TEST_EVENT ? 1 : MAX_ATTEMPTS,
        redeliveryOf: original.id,
      },
      select: DELIVERY_SELECT,
    });
    await recordAudit(tx, {
      actorId,
      action: "webhook.redeliver",
      subjectType: "webhook",
      subjectId: String(endpointId),
      data: { projectId: endpoint.projectId, deliveryId: String(deliveryId), newDeliveryId: String(copy.id), event: original.event, eventId: original.eventId },
    });
    return copy;
  });
  wakeWebhookWorker();
  return deliveryView(created);
}
