import { createHash } from "node:crypto";
import type { TSplit } from "./types";

// Train / validation split by hashing the pair's identity: the externalId the pipeline gave it
// (stable across Loupe databases and re-imports, unlike our serial pair id). The same threshold is
// applied within every subtask, so each subtask's validation share is the fraction (up to sampling),
// and a pair never changes side when later exports include more pairs: no train/validation leakage
// between successive exports. See docs/decisions/009-export.md.

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
