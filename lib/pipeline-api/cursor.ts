// The labels feed's cursor: opaque to clients. It names its project and the feed's epoch
// (pairs_final_feed_epoch, moved when final_xid values are renumbered after a restore: older positions mean
// nothing after), and is versioned so the key can change without old cursors being misread. Pure.
import { InvalidError } from "../errors";

export interface TFeedPosition {
  projectId: number;
  /** pairs_final_feed_epoch when the cursor was handed out, as decimal text. */
  epoch: string;
  /** pairs.final_xid, as decimal text (a bigint). */
  xid: string;
  id: string;
}

const FORM = /^v1\.(\d{1,10})\.(\d{1,19})\.(\d{1,19})\.(\d{1,19})$/;
const BIGINT_MAX = 9223372036854775807n;
const INT_MAX = 2_147_483_647;

export function encodeCursor(p: TFeedPosition): string {
  return Buffer.from(`v1.${p.projectId}.${p.epoch}.${p.xid}.${p.id}`, "utf8").toString("base64url");
}

/** The position a cursor names in `projectId`'s feed; anything this API did not hand out for it is a 400. */
export function decodeCursor(cursor: string, projectId: number): TFeedPosition {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const m = FORM.exec(text);
  if (!m || Number(m[1]) > INT_MAX || [m[2]!, m[3]!, m[4]!].some((n) => BigInt(n) > BIGINT_MAX)) {
    throw new InvalidError("cursor: not a cursor this API handed out; start again without one.");
  }
  if (Number(m[1]) !== projectId) {
    throw new InvalidError("cursor: this cursor belongs to another project; start without a cursor.");
  }
  return { projectId, epoch: m[2]!, xid: m[3]!, id: m[4]! };
}
