import { z } from "zod";

// Webhook events, the admin API's answers and its input schemas; pure, for the admin page's client components.

export const WEBHOOK_EVENTS = ["pair.finalized", "pair.reopened", "export.finished"] as const;
export type TWebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Sent by "Send test event" to one endpoint, whatever it subscribes to. */
export const TEST_EVENT = "webhook.test";
export type TDeliveryEvent = TWebhookEvent | typeof TEST_EVENT;

export const EVENT_LABELS: Record<TDeliveryEvent, string> = {
  "pair.finalized": "Pair finalised",
  "pair.reopened": "Pair reopened",
  "export.finished": "Export finished",
  "webhook.test": "Test event",
};

export const DELIVERY_STATUSES = ["pending", "delivering", "delivered", "failed", "paused"] as const;
export type TDeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const ZUrl = z.string().trim().min(1, "Enter the endpoint's URL.").max(2048, "URLs are at most 2,048 characters.");
const ZEvents = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1, "Pick at least one event.")
  .transform((list) => WEBHOOK_EVENTS.filter((e) => list.includes(e)));
const ZDescription = z.string().trim().max(200);

export const ZEndpointCreate = z.object({ url: ZUrl, events: ZEvents, description: ZDescription.default("") });
export type TEndpointCreate = z.infer<typeof ZEndpointCreate>;

export const ZEndpointUpdate = z
  .object({ url: ZUrl.optional(), events: ZEvents.optional(), description: ZDescription.optional(), active: z.boolean().optional() })
  .refine((v) => Object.values(v).some((x) => x !== undefined), "Nothing to change.");
export type TEndpointUpdate = z.infer<typeof ZEndpointUpdate>;

/** keepPrevious: the old secret keeps signing for a day beside the new one, so receivers can switch over. */
export const ZSecretRotate = z.object({ keepPrevious: z.boolean().default(true) });

// Bounded by value, not only by digits: 19 digits reach past bigint's maximum, which the database
// would refuse with an error (a 500) instead of this 400.
const BIGINT_MAX = 9223372036854775807n;
const ZBigId = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, `not a ${what} id`)
    .refine((s) => BigInt(s) <= BIGINT_MAX, `not a ${what} id`);
export const ZEndpointParams = z.object({ endpointId: z.coerce.number().int().positive().max(2_147_483_647) });
export const ZDeliveryParams = ZEndpointParams.extend({ deliveryId: ZBigId("delivery").transform((s) => BigInt(s)) });
export const ZDeliveryQuery = z.object({
  before: ZBigId("delivery").transform((s) => BigInt(s)).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
});

export interface TEndpointView {
  id: number;
  projectId: number;
  url: string;
  description: string;
  events: TWebhookEvent[];
  active: boolean;
  createdAt: string;
  createdBy: string | null;
  /** While set, the previous secret still signs beside the current one. */
  previousSecretUntil: string | null;
  /**
   * The secret predates Standard Webhooks (base64url): Standard Webhooks libraries refuse it as it was
   * shown. Rotating gives one they accept (docs/guide/webhooks.md).
   */
  legacySecret: boolean;
  lastDelivery: { id: string; event: TDeliveryEvent; status: TDeliveryStatus; lastStatusCode: number | null; createdAt: string } | null;
}

export interface TDeliveryView {
  id: string;
  event: TDeliveryEvent;
  eventId: string;
  status: TDeliveryStatus;
  attempts: number;
  maxAttempts: number;
  /** When the next attempt is due (pending), or when a claim expires (delivering); null otherwise. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  responseMs: number | null;
  redeliveryOf: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload: unknown;
}

export interface TDeliveryPage {
  items: TDeliveryView[];
  nextCursor: string | null;
}

/** Answer to creating an endpoint or rotating its secret: the only times the secret is shown. */
export interface TEndpointWithSecret {
  endpoint: TEndpointView;
  secret: string;
}
