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
    // zod runs this refinement even when the regex failed, so it must not call BigInt on a non-number (a 500).
    .refine((s) => /^[0-9]+$/.test(s) && BigInt(s) <= BIGINT_MAX, `not a ${what} id`);
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

// ---- What a delivery's body says, per event: the OpenAPI document's `webhooks` are generated from these,
// and the database tests parse real deliveries with them, so the document and the triggers agree.

const ZIso = z.string().describe("ISO 8601 time, UTC, milliseconds.");
const ZDecisionName = z.enum(["accept", "reject", "recaption"]);
const ZFinalSource = z.enum(["consensus", "review"]).describe("`consensus`: the annotators agreed; `review`: a reviewer settled it.");

export const ZPairFinalizedData = z.strictObject({
  pairId: z.string().describe("Loupe's pair id (a bigint, as a string)."),
  externalId: z.string().describe("The pair's `id` in the import or the pipeline API."),
  instruction: z.string(),
  task: z.string().nullable(),
  subtask: z.string().nullable(),
  finalDecision: ZDecisionName,
  finalInstruction: z.string().nullable().describe("The re-caption when the decision is `recaption`, else the instruction."),
  finalReasons: z.array(z.string()).describe("Reject reason codes of the project's taxonomy."),
  finalSource: ZFinalSource,
  finalizedAt: ZIso,
  agreement: z.number().nullable().describe("Share of labels that agree with the final decision."),
  labelCount: z.number().int(),
});

export const REOPEN_REASONS = ["undo", "review", "other"] as const;

export const ZPairReopenedData = z.strictObject({
  pairId: z.string(),
  externalId: z.string(),
  task: z.string().nullable(),
  subtask: z.string().nullable(),
  reason: z
    .enum(REOPEN_REASONS)
    .describe("`undo`: an annotator took back a label; `review`: a reviewer's correction sent it back; `other`: any other withdrawal."),
  status: z.string().describe("Where the pair went: `open` (back in the annotators' queue) or `in_review`."),
  labelCount: z.number().int(),
  previousOutcome: z
    .strictObject({
      finalDecision: ZDecisionName,
      finalInstruction: z.string().nullable(),
      finalReasons: z.array(z.string()),
      finalSource: ZFinalSource,
      finalizedAt: ZIso.nullable(),
      agreement: z.number().nullable(),
    })
    .describe("The final answer the pair had, as its pair.finalized said."),
});

export const ZExportFinishedData = z
  .looseObject({
    exportId: z.string(),
    format: z.string(),
    pairs: z.number().int(),
    records: z.number().int(),
    dataFile: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
    finishedAt: ZIso,
    downloadPath: z.string(),
    manifestPath: z.string(),
  })
  .describe("The export's figures; the manifest (manifestPath) has everything.");

export const ZTestEventData = z.strictObject({ endpointId: z.number().int(), message: z.string() });

/** The body of every delivery: `id` is also the `webhook-id` header. */
export function ZWebhookEnvelope<E extends string, D extends z.ZodType>(event: E, data: D) {
  return z.strictObject({
    id: z.uuid().describe("The event id: the same in `webhook-id`, on every attempt and redelivery."),
    type: z.literal(event),
    occurredAt: ZIso,
    projectId: z.number().int(),
    data,
  });
}

export const WEBHOOK_PAYLOADS = {
  "pair.finalized": ZWebhookEnvelope("pair.finalized", ZPairFinalizedData),
  "pair.reopened": ZWebhookEnvelope("pair.reopened", ZPairReopenedData),
  "export.finished": ZWebhookEnvelope("export.finished", ZExportFinishedData),
  "webhook.test": ZWebhookEnvelope("webhook.test", ZTestEventData),
} as const satisfies Record<TDeliveryEvent, z.ZodType>;
