import { createHmac, timingSafeEqual } from "node:crypto";

// Webhook signatures, Stripe-style, for Loupe (signing) and receivers (verifying; pure, so they can copy it).
//   Loupe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<hex>]
// The timestamp is signed with the body, so a replayed capture fails the tolerance check. During a secret
// rotation one v1 comes per valid secret; any one matching is enough.

export const SIGNATURE_HEADER = "Loupe-Signature";
/** How far the signed time may be from the receiver's clock, either way, before a request is refused. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

type TBody = string | Uint8Array;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function computeSignature(secret: string, timestamp: number, body: TBody): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** The header value for `body`, signed with each secret in turn (current first). */
export function sign(secrets: string | readonly string[], body: TBody, timestamp: number = nowSeconds()): string {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new Error("sign: no secret");
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error("sign: timestamp must be whole unix seconds");
  return [`t=${timestamp}`, ...list.map((s) => `v1=${computeSignature(s, timestamp, body)}`)].join(",");
}

/** The timestamp and v1 signatures of a header; null when it has no usable timestamp. Unknown schemes are ignored. */
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

/** Whether `header` has a v1 signature of the raw `body` under `secret`, made within `toleranceSeconds` of `now`. */
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
    // No early return: every candidate costs the same whether or not an earlier one matched.
    if (constantTimeEqual(expected, Buffer.from(candidate, "hex"))) ok = true;
  }
  return ok;
}
