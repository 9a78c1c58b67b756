import { createHmac, timingSafeEqual } from "node:crypto";

// Webhook signatures, for Loupe (signing) and receivers (verifying; pure, so they can copy it).
//
// Standard Webhooks (https://www.standardwebhooks.com/, the spec's "Signature scheme"):
//   webhook-id: <event id>            the same on every attempt and redelivery of one event
//   webhook-timestamp: <unix seconds>
//   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>[ v1,<…>]
// The key is the secret's bytes: the secret is `whsec_` + their base64. During a secret rotation one
// `v1,` signature comes per valid secret, space-separated; any one matching is enough.
//
// Deprecated, kept for one release so existing receivers keep working (docs/decisions/019):
//   Loupe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(whole secret text, "<t>.<raw body>")>[,v1=<hex>]

export const SECRET_PREFIX = "whsec_";
export const SIGNATURE_HEADER = "Loupe-Signature";
/** How far the signed time may be from the receiver's clock, either way, before a request is refused. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

type TBody = string | Uint8Array;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function checkTimestamp(timestamp: number, who: string): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error(`${who}: timestamp must be whole unix seconds`);
}

const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The key bytes of a `whsec_` secret. Secrets made before Standard Webhooks were base64url (`-`, `_`):
 * the same bytes, so they are decoded here in either alphabet; a receiver's library wants the standard
 * one (docs/guide/webhooks.md says how to translate, or rotate).
 */
export function secretKey(secret: string): Buffer {
  if (!isSigningSecret(secret)) throw new Error("secret: not whsec_ followed by base64");
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/** Whether `secretKey` can read a key from the secret (base64 in either alphabet, not empty). */
export function isSigningSecret(secret: string): boolean {
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const unpadded = text.replace(/=+$/, "");
  return BASE64_KEY.test(text) && unpadded.length >= 2 && unpadded.length % 4 !== 1;
}

/** Whether a secret is in the alphabet the Standard Webhooks libraries decode (`+` `/`, not base64url's `-` `_`). */
export function isStandardSecret(secret: string): boolean {
  return /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) && (secret.length - SECRET_PREFIX.length) % 4 === 0;
}

/** One `v1,<base64>` signature of `id.timestamp.body`. */
export function computeStandardSignature(secret: string, msgId: string, timestamp: number, body: TBody): string {
  const mac = createHmac("sha256", secretKey(secret)).update(`${msgId}.${timestamp}.`).update(body).digest("base64");
  return `v1,${mac}`;
}

export type TStandardHeaders = Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>;

/** The three Standard Webhooks headers for `body`, signed with each secret in turn (current first). */
export function standardHeaders(secrets: string | readonly string[], msgId: string, body: TBody, timestamp: number = nowSeconds()): TStandardHeaders {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new Error("sign: no secret");
  checkTimestamp(timestamp, "sign");
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": list.map((s) => computeStandardSignature(s, msgId, timestamp, body)).join(" "),
  };
}

/** Whether the Standard Webhooks headers carry a signature of the raw `body` under `secret`, made within the tolerance. */
export function verifyStandard(
  secret: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: TBody,
  now: number = nowSeconds(),
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const one = (name: string) => {
    const v = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const msgId = one("webhook-id");
  const ts = one("webhook-timestamp");
  const sigs = one("webhook-signature");
  if (!msgId || !ts || !sigs || !/^\d{1,12}$/.test(ts)) return false;
  const timestamp = Number(ts);
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(computeStandardSignature(secret, msgId, timestamp, body));
  let ok = false;
  for (const candidate of sigs.split(" ")) {
    // No early return: every candidate costs the same whether or not an earlier one matched.
    if (constantTimeEqual(expected, Buffer.from(candidate))) ok = true;
  }
  return ok;
}

// ---- Loupe-Signature (deprecated) ----

/** Deprecated: Loupe-Signature's hex HMAC keyed by the whole secret text; Standard Webhooks replaces it. */
export function computeSignature(secret: string, timestamp: number, body: TBody): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** Deprecated: The Loupe-Signature value for `body`, signed with each secret in turn (current first). */
export function sign(secrets: string | readonly string[], body: TBody, timestamp: number = nowSeconds()): string {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new Error("sign: no secret");
  checkTimestamp(timestamp, "sign");
  return [`t=${timestamp}`, ...list.map((s) => `v1=${computeSignature(s, timestamp, body)}`)].join(",");
}

/** The timestamp and v1 signatures of a Loupe-Signature header; null when it has no usable timestamp. Unknown schemes are ignored. */
export function parseSignatureHeader(header: string | null | undefined): { timestamp: number; signatures: string[] } | null {
  if (!header) return null;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1") signatures.push(value);
  }
  return timestamp === null ? null : { timestamp, signatures };
}

/** Equal-length byte comparison whose time does not depend on where the inputs differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Deprecated: Whether a Loupe-Signature header has a v1 signature of the raw `body` under `secret`, within the tolerance. */
export function verify(
  secret: string,
  header: string | null | undefined,
  body: TBody,
  now: number = nowSeconds(),
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const parsed = parseSignatureHeader(header);
  if (!parsed || parsed.signatures.length === 0) return false;
  if (Math.abs(now - parsed.timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, parsed.timestamp, body), "hex");
  let ok = false;
  for (const candidate of parsed.signatures) {
    if (!HEX_SHA256.test(candidate)) continue;
    if (constantTimeEqual(expected, Buffer.from(candidate, "hex"))) ok = true;
  }
  return ok;
}
