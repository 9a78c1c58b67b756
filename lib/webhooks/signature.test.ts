import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import {
  computeSignature,
  computeStandardSignature,
  constantTimeEqual,
  isStandardSecret,
  parseSignatureHeader,
  secretKey,
  sign,
  standardHeaders,
  verify,
  verifyStandard,
} from "./signature";

// timingSafeEqual wrapped, still real, so a test can see that comparisons go through it.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = "whsec_known_vector";
const BODY = '{"id":"evt","type":"webhook.test"}';
const T = 1_700_000_000;
// Computed outside Node: printf '1700000000.{"id":"evt","type":"webhook.test"}' | openssl dgst -sha256 -hmac whsec_known_vector
const KNOWN = "9c6e4d90503bfffc71cdece89f92561a7c26609b992613ec838efe09cdd3be5c";
const KNOWN_PREVIOUS = "188410303741d561cac0f634914b347de6a5ecff89e280ddcc2bfafeff701f23"; // same with -hmac whsec_previous

// The Standard Webhooks reference vector (the spec's libraries test with it); checked outside Node too:
// printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' \
//   | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256) -binary | base64
const STD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const STD_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const STD_T = 1_614_265_330;
const STD_BODY = '{"test": 2432232314}';
const STD_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
// base64 of "secret-bytes-for-rotation-tests!!"; the same openssl line gives its signature.
const STD_SECOND = "whsec_c2VjcmV0LWJ5dGVzLWZvci1yb3RhdGlvbi10ZXN0cyEh";
const STD_SECOND_SIG = "v1,TaeFIy8Lj0B0Do0Fxcge28tMxEadV2KvBpapwWPB7T8=";

describe("Standard Webhooks signatures", () => {
  it("match the reference vector", () => {
    expect(computeStandardSignature(STD_SECRET, STD_ID, STD_T, STD_BODY)).toBe(STD_SIG);
    expect(standardHeaders(STD_SECRET, STD_ID, Buffer.from(STD_BODY), STD_T)).toEqual({
      "webhook-id": STD_ID,
      "webhook-timestamp": String(STD_T),
      "webhook-signature": STD_SIG,
    });
  });

  it("sign with each secret during a rotation, space-separated, and the official library accepts either", () => {
    const headers = standardHeaders([STD_SECRET, STD_SECOND], STD_ID, STD_BODY, STD_T);
    expect(headers["webhook-signature"]).toBe(`${STD_SIG} ${STD_SECOND_SIG}`);
    vi.useFakeTimers({ now: STD_T * 1000 + 10_000, toFake: ["Date"] });
    try {
      expect(new Webhook(STD_SECRET).verify(STD_BODY, headers)).toEqual({ test: 2432232314 });
      expect(new Webhook(STD_SECOND).verify(STD_BODY, headers)).toEqual({ test: 2432232314 });
      expect(() => new Webhook("whsec_" + Buffer.from("another key").toString("base64")).verify(STD_BODY, headers)).toThrow(/No matching signature/);
      expect(() => new Webhook(STD_SECRET).verify(STD_BODY.replace("2", "3"), headers)).toThrow(/No matching signature/);
    } finally {
      vi.useRealTimers();
    }
    expect(verifyStandard(STD_SECOND, headers, STD_BODY, STD_T)).toBe(true);
  });

  it("verifyStandard refuses a tampered id, body, timestamp, an old timestamp or missing headers", () => {
    const h = standardHeaders(STD_SECRET, STD_ID, STD_BODY, STD_T);
    expect(verifyStandard(STD_SECRET, h, STD_BODY, STD_T + 300)).toBe(true);
    expect(verifyStandard(STD_SECRET, h, STD_BODY, STD_T + 301)).toBe(false);
    expect(verifyStandard(STD_SECRET, { ...h, "webhook-id": "msg_other" }, STD_BODY, STD_T)).toBe(false);
    expect(verifyStandard(STD_SECRET, { ...h, "webhook-timestamp": String(STD_T + 1) }, STD_BODY, STD_T)).toBe(false);
    expect(verifyStandard(STD_SECRET, h, `${STD_BODY} `, STD_T)).toBe(false);
    expect(verifyStandard(STD_SECRET, { "webhook-id": STD_ID, "webhook-timestamp": String(STD_T) }, STD_BODY, STD_T)).toBe(false);
  });

  it("reads secrets made before Standard Webhooks (base64url) as the same key; the libraries want the standard alphabet", () => {
    const standard = "whsec_ab+/cd+/ef+/gh+/ij+/kl+/mn+/op+/";
    const legacy = "whsec_ab-_cd-_ef-_gh-_ij-_kl-_mn-_op-_";
    expect(secretKey(legacy)).toEqual(secretKey(standard));
    expect(secretKey(legacy)).toHaveLength(24);
    expect(computeStandardSignature(legacy, STD_ID, STD_T, STD_BODY)).toBe(computeStandardSignature(standard, STD_ID, STD_T, STD_BODY));
    expect(isStandardSecret(standard)).toBe(true);
    expect(isStandardSecret(legacy)).toBe(false);
    expect(isStandardSecret(STD_SECRET)).toBe(true);
    expect(() => new Webhook(legacy)).toThrow(); // why old secrets are flagged for rotation
    expect(() => new Webhook(standard)).not.toThrow();
    for (const bad of ["whsec_", "whsec_a", "whsec_not base64!", "plain"]) expect(() => secretKey(bad), bad).toThrow(/secret/);
  });
});

describe("webhook signatures (Loupe-Signature, deprecated)", () => {
  it("matches a known vector", () => {
    expect(computeSignature(SECRET, T, BODY)).toBe(KNOWN);
    expect(sign(SECRET, BODY, T)).toBe(`t=${T},v1=${KNOWN}`);
    expect(computeSignature(SECRET, T, Buffer.from(BODY))).toBe(KNOWN);
  });

  it("signs with each secret during a rotation, current first", () => {
    expect(sign([SECRET, "whsec_previous"], BODY, T)).toBe(`t=${T},v1=${KNOWN},v1=${KNOWN_PREVIOUS}`);
    const header = sign([SECRET, "whsec_previous"], BODY, T);
    expect(verify(SECRET, header, BODY, T)).toBe(true);
    expect(verify("whsec_previous", header, BODY, T)).toBe(true);
    expect(verify("whsec_other", header, BODY, T)).toBe(false);
  });

  it("verifies a fresh signature of the exact body", () => {
    expect(verify(SECRET, `t=${T},v1=${KNOWN}`, BODY, T + 10)).toBe(true);
    expect(verify(SECRET, `t=${T},v1=${KNOWN.toUpperCase()}`, BODY, T)).toBe(true);
    expect(verify(SECRET, ` t=${T} , v9=abc, v1=${KNOWN} `, BODY, T)).toBe(true); // spaces, unknown schemes
  });

  it("refuses a tampered body, timestamp or signature", () => {
    expect(verify(SECRET, `t=${T},v1=${KNOWN}`, BODY.replace("test", "tesT"), T)).toBe(false);
    expect(verify(SECRET, `t=${T},v1=${KNOWN}`, `${BODY} `, T)).toBe(false);
    // The timestamp is signed: moving it forward to pass the tolerance breaks the signature.
    expect(verify(SECRET, `t=${T + 1},v1=${KNOWN}`, BODY, T + 1)).toBe(false);
    const flipped = (KNOWN[0] === "a" ? "b" : "a") + KNOWN.slice(1);
    expect(verify(SECRET, `t=${T},v1=${flipped}`, BODY, T)).toBe(false);
    expect(verify(SECRET, `t=${T},v1=${KNOWN.slice(0, 63)}`, BODY, T)).toBe(false);
    expect(verify("whsec_wrong", `t=${T},v1=${KNOWN}`, BODY, T)).toBe(false);
  });

  it("refuses an old or future timestamp outside the tolerance", () => {
    const header = `t=${T},v1=${KNOWN}`;
    expect(verify(SECRET, header, BODY, T + 300)).toBe(true);
    expect(verify(SECRET, header, BODY, T + 301)).toBe(false);
    expect(verify(SECRET, header, BODY, T - 301)).toBe(false);
    expect(verify(SECRET, header, BODY, T + 3600, 3600)).toBe(true);
  });

  it("refuses missing or malformed headers", () => {
    for (const h of [null, undefined, "", "v1=" + KNOWN, `t=${T}`, `t=abc,v1=${KNOWN}`, "garbage"]) {
      expect(verify(SECRET, h, BODY, T), String(h)).toBe(false);
    }
    expect(parseSignatureHeader(`t=${T},v1=a,v1=b`)).toEqual({ timestamp: T, signatures: ["a", "b"] });
  });

  it("compares in constant time (crypto.timingSafeEqual), never with ===", () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(verify(SECRET, `t=${T},v1=${"0".repeat(64)},v1=${KNOWN}`, BODY, T)).toBe(true);
    // Both candidates compared, the wrong one included: no early exit reveals which position matched.
    expect(spy).toHaveBeenCalledTimes(2);
    expect(constantTimeEqual(Buffer.from("abc"), Buffer.from("abc"))).toBe(true);
    expect(constantTimeEqual(Buffer.from("abc"), Buffer.from("abd"))).toBe(false);
    expect(constantTimeEqual(Buffer.from("abc"), Buffer.from("abcd"))).toBe(false);
  });
});
