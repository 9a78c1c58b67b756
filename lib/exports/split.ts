import { createHash } from "node:crypto";
import type { TSplit } from "./types";

// Train / validation split by hashing the pair's externalId (stable across databases and re-imports, unlike
// our serial id). The same threshold applies within every subtask, so each keeps the fraction, and a pair
// never changes side when later exports include more pairs: no leakage between exports (decision 009).

/** A number in [0, 1) from the first 52 bits of sha256("loupe-split\0" + externalId). */
export function splitHash(externalId: string): number {
  const h = createHash("sha256").update("loupe-split\0").update(externalId).digest();
  // 52 bits fit a double exactly.
  const hi = h.readUInt32BE(0);
  const lo = h.readUInt32BE(4) >>> 12;
  return (hi * 2 ** 20 + lo) / 2 ** 52;
}

export function splitOf(externalId: string, validationFraction: number): TSplit {
  return splitHash(externalId) < validationFraction ? "validation" : "train";
}
