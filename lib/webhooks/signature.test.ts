import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { computeSignature, constantTimeEqual, parseSignatureHeader, sign, verify } from "./signature";

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

describe("webhook signatures", () => {
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
