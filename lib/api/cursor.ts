// The labels feed's cursor: opaque to clients, a position (final_xid, pair id) to the server.
// Versioned so the key can change without old cursors being misread. Pure, for unit tests.
import { InvalidError } from "../errors";

export interface TFeedPosition {
  /** pairs.final_xid, as decimal text (a bigint). */
  xid: string;
  /** pairs.id, as decimal text. */
  id: string;
}

const FORM = /^v1\.(\d{1,19})\.(\d{1,19})$/;

export function encodeCursor(p: TFeedPosition): string {
  return Buffer.from(`v1.${p.xid}.${p.id}`, "utf8").toString("base64url");
}

/** The position a cursor names; anything this API did not hand out is a 400. */
export function decodeCursor(cursor: string): TFeedPosition {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const m = FORM.exec(text);
  if (!m || BigInt(m[1]!) > 9223372036854775807n || BigInt(m[2]!) > 9223372036854775807n) {
    throw new InvalidError("cursor: not a cursor this API handed out; start again without one.");
  }
  return { xid: m[1]!, id: m[2]! };
}
