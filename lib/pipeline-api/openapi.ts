// The OpenAPI 3.1 document at GET /api/v1/openapi.json. Body schemas are generated from the zod schemas the
// routes parse and answer with, so the document describes what the code does. Pure.
import { z } from "zod";
import { EVENT_LABELS, WEBHOOK_PAYLOADS, type TDeliveryEvent } from "../webhooks/schemas";
import { DEFAULT_LABELS_LIMIT, MAX_LABELS_LIMIT, MAX_PAIRS_BODY_BYTES, MAX_PAIRS_PER_REQUEST, ZApiDatasetQuality, ZApiError, ZApiProgress, ZApiVersionComparison, ZLabelsPage, ZPostPairsBodyDoc, ZPostPairsResponse } from "./schemas";

type TJson = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: "input" | "output"): TJson {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: "draft-2020-12", io }) as TJson;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: TJson) => ({ "application/json": { schema } });

const projectParam = {
  name: "projectId",
  in: "path",
  required: true,
  description: "The project's id (Admin → project; the token must be scoped to it).",
  schema: { type: "integer", minimum: 1 },
};

const wwwAuthenticate = {
  "WWW-Authenticate": {
    description: 'Bearer challenge (RFC 6750): `Bearer realm="loupe"`, with `error="invalid_token"` when a token was sent.',
    schema: { type: "string" },
  },
};

const header = (name: string, description: string, schema: TJson, extra: TJson = {}) => ({ name, in: "header", required: true, description, schema, ...extra });

const WEBHOOK_HEADERS = [
  header("webhook-id", "Standard Webhooks: the event id (the body's `id`), the same on every attempt and redelivery: deduplicate on it.", { type: "string" }),
  header("webhook-timestamp", "Standard Webhooks: when this attempt was signed, in unix seconds. Refuse it when more than 5 minutes from your clock.", {
    type: "string",
    pattern: "^[0-9]+$",
  }),
  header(
    "webhook-signature",
    "Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed by the " +
      "base64-decoded part of the endpoint's `whsec_` secret; one per active secret while a rotation overlaps. Verify with a " +
      "Standard Webhooks library (`standardwebhooks` on npm and PyPI).",
    { type: "string", pattern: "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$" },
  ),
  header(
    "Loupe-Signature",
    "Deprecated: removed in the next release; verify `webhook-signature` instead. `t=<unix seconds>,v1=<hex HMAC-SHA256>` of " +
      "`<t>.<raw body>`, keyed by the whole secret text, one `v1=` per active secret.",
    { type: "string" },
    { deprecated: true },
  ),
  header("Loupe-Event", "The event type (the body's `type`).", { type: "string" }),
  header("Loupe-Event-Id", "The event id (as `webhook-id`).", { type: "string", format: "uuid" }),
  header("Loupe-Delivery", "This delivery's id in the endpoint's log (a redelivery gets a new one).", { type: "string" }),
  header("Loupe-Attempt", "1 for the first attempt, then counting retries.", { type: "string" }),
];

const WEBHOOK_HELP: Record<TDeliveryEvent, string> = {
  "pair.finalized": "A pair got its final label (the annotators' consensus or a reviewer), or its final label changed.",
  "pair.reopened":
    "A final pair stopped being final: an annotator took back a label (`undo`) or a reviewer's correction sent it back (`review`). " +
    "Take back what you did with its pair.finalized; a new pair.finalized follows once it is final again.",
  "export.finished": "An export job wrote its files.",
  "webhook.test": "Sent by “Send test event” to one endpoint, whatever it subscribes to.",
};

function webhookSchemaName(event: TDeliveryEvent): string {
  return `Webhook${event.split(/[._]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")}`;
}

function webhooks(): TJson {
  return Object.fromEntries(
    (Object.keys(WEBHOOK_PAYLOADS) as TDeliveryEvent[]).map((event) => [
      event,
      {
        post: {
          operationId: `webhook_${event.replace(".", "_")}`,
          summary: EVENT_LABELS[event],
          description: WEBHOOK_HELP[event] + " Answer 2xx within 10 s; anything else is retried with backoff (9 attempts over about a day).",
          parameters: WEBHOOK_HEADERS,
          requestBody: { required: true, content: json(ref(webhookSchemaName(event))) },
          responses: { "200": { description: "Received (any 2xx)." } },
        },
      },
    ]),
  );
}

function errors(extra: Record<string, string> = {}): TJson {
  const e = (description: string, headers?: TJson) => ({ description, content: json(ref("Error")), ...(headers ? { headers } : {}) });
  const out: TJson = {
    "400": e("Invalid input: the message names the field (`error.details` lists every issue)."),
    "401": e("No credentials, or a malformed, unknown, revoked or expired token, or a token whose owner is disabled.", wwwAuthenticate),
    "403": e("The token's owner lacks the permission (roles are read on every request), or the project is outside the token's scope — the same answer whether or not that project exists, so a token cannot probe for other projects."),
    "404": e("No such project (only a session, which is not scoped, can tell)."),
  };
  for (const [code, description] of Object.entries(extra)) out[code] = e(description);
  return out;
}

export function openApiDocument(): TJson {
  return {
    openapi: "3.1.0",
    info: {
      title: "Loupe pipeline API",
      version: "1",
      description:
        "Send candidate edit pairs into a Loupe project and read back the final human labels. Authenticate with an API token " +
        "(Admin → API tokens; shown once) as `Authorization: Bearer loupe_…`. A token acts as the admin who created it, with " +
        "that user's current role, on the projects it is scoped to only; revoking it, or disabling its owner, stops it at once. " +
        "`webhooks` describes what Loupe sends to your endpoints (Admin → project → Webhooks), signed per Standard Webhooks.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerToken: [] }, { session: [] }],
    paths: {
      "/api/v1/projects/{projectId}/pairs": {
        post: {
          operationId: "postPairs",
          summary: "Add candidate pairs (idempotent by id)",
          description:
            `Up to ${MAX_PAIRS_PER_REQUEST} pairs (and ${MAX_PAIRS_BODY_BYTES / (1024 * 1024)} MB) per request, validated exactly as the import validates a ` +
            "manifest line. Each item is answered on its own, in order: `created`, `duplicate` (the project already has a pair with this id, " +
            "or an earlier item of the request has it; nothing is written) or `invalid` with the reason. Retrying a request is safe.",
          parameters: [projectParam],
          requestBody: { required: true, content: json(ref("PostPairsRequest")) },
          responses: {
            "200": { description: "One outcome per item.", content: json(ref("PostPairsResponse")) },
            ...errors({ "413": "The request body is too large." }),
          },
        },
      },
      "/api/v1/projects/{projectId}/labels": {
        get: {
          operationId: "listFinalLabels",
          summary: "Final labels, incrementally",
          description:
            "Pairs whose final answer was set, in the order their final answers committed. Start without `cursor`; pass `nextCursor` " +
            "back while `hasMore` is true; keep the last `nextCursor` and call again later for pairs finalised since. Every final pair " +
            "appears exactly once per change of its final answer: a pair re-adjudicated (or whose gold answer is corrected) appears " +
            "again with its new answer, and one taken back out of final appears with `state: withdrawn`; upsert by `pairId`. " +
            "The same cursor answers the same page unless one of its pairs changed meanwhile.",
          parameters: [
            projectParam,
            { name: "cursor", in: "query", required: false, description:
                "Opaque; from a previous answer's `nextCursor` for this project. Another project's cursor, or one handed out before the " +
                "database was restored into another PostgreSQL server, is refused with 400: start again without one.",
              schema: { type: "string", maxLength: 200 } },
            {
              name: "limit",
              in: "query",
              required: false,
              description: "Pairs per page.",
              schema: { type: "integer", minimum: 1, maximum: MAX_LABELS_LIMIT, default: DEFAULT_LABELS_LIMIT },
            },
          ],
          responses: { "200": { description: "A page of final labels.", content: json(ref("LabelsPage")) }, ...errors() },
        },
      },
      "/api/v1/projects/{projectId}/progress": {
        get: {
          operationId: "getProgress",
          summary: "Counts by status, final pairs by decision, percent done",
          parameters: [projectParam],
          responses: { "200": { description: "The project's progress.", content: json(ref("Progress")) }, ...errors() },
        },
      },
      "/api/v1/projects/{projectId}/dataset-quality": {
        get: {
          operationId: "getDatasetQuality",
          summary: "The audit estimate: share people accept among the pairs the verifier keeps and drops, with 95% intervals",
          parameters: [
            projectParam,
            {
              name: "width",
              in: "query",
              required: false,
              description: "An interval width in percentage points: each stratum then says how many more audit labels bring its intervals under it.",
              schema: { type: "number", minimum: 0.1, maximum: 100 },
            },
          ],
          responses: { "200": { description: "The latest audit round's estimates.", content: json(ref("DatasetQuality")) }, ...errors() },
        },
      },
      "/api/v1/projects/{projectId}/calibration/versions": {
        get: {
          operationId: "getVersionComparison",
          summary: "Verifier versions compared on the same human-labelled pairs",
          description:
            "Precision, recall and F1 (with 95% intervals) of each verifier version's verdict, by task and subtask, and each declared " +
            "score's precision-recall curve per version with the threshold reaching the target precision, on the final pairs that " +
            "have an output from every compared version. Read from a summary computed on demand (the calibration page's button): " +
            "`summary.computedAt` says when; null means it was never computed.",
          parameters: [
            projectParam,
            { name: "task", in: "query", required: false, schema: { type: "string", maxLength: 200 } },
            { name: "subtask", in: "query", required: false, schema: { type: "string", maxLength: 200 } },
            { name: "gold", in: "query", required: false, description: "Include gold pairs.", schema: { type: "string", enum: ["include", "exclude"] } },
            { name: "precision", in: "query", required: false, description: "Target precision in percent.", schema: { type: "number", minimum: 0, maximum: 100, default: 90 } },
            { name: "versions", in: "query", required: false, description: "Comma-separated version names to compare; default every version.", schema: { type: "string", maxLength: 4000 } },
          ],
          responses: { "200": { description: "The comparison.", content: json(ref("VersionComparison")) }, ...errors() },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "getOpenApi",
          summary: "This document",
          description: "Any valid token or signed-in user may read it.",
          responses: {
            "200": { description: "OpenAPI 3.1 document.", content: json({ type: "object" }) },
            "401": errors()["401"],
          },
        },
      },
    },
    webhooks: webhooks(),
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", bearerFormat: "loupe_ followed by 43 base64url characters" },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token", description: "The browser session of a signed-in user." },
      },
      schemas: {
        PostPairsRequest: schemaOf(ZPostPairsBodyDoc, "input"),
        PostPairsResponse: schemaOf(ZPostPairsResponse, "output"),
        LabelsPage: schemaOf(ZLabelsPage, "output"),
        Progress: schemaOf(ZApiProgress, "output"),
        DatasetQuality: schemaOf(ZApiDatasetQuality, "output"),
        VersionComparison: schemaOf(ZApiVersionComparison, "output"),
        Error: schemaOf(ZApiError, "output"),
        ...Object.fromEntries(
          (Object.entries(WEBHOOK_PAYLOADS) as [TDeliveryEvent, z.ZodType][]).map(([event, schema]) => [webhookSchemaName(event), schemaOf(schema, "output")]),
        ),
      },
    },
  };
}
