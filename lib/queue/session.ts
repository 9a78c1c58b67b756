import "server-only";
import type { Db } from "../db/connect";
import { can, type TSessionUser } from "../auth/permissions";
import { NotFoundError } from "../errors";
import type { TEarlierTurns } from "./types";

// The earlier turns of a multi-turn session (MagicBrush: turn n edits turn n-1's output), for the strip
// above the annotate and review workbenches. Read on demand, after the pair is on screen, so it never
// delays a claim.

/** The most recent earlier turns shown; a longer session says how many it left out. */
export const MAX_EARLIER_TURNS = 10;

// The pair, if the caller may see it: reviewers and admins see any pair (they review and export them),
// an annotator only a pair they hold or held a lease on or labelled.
const PAIR_SQL = `
SELECT p.project_id, p.session_id, p.turn
  FROM pairs p
 WHERE p.id = $1
   AND ($3::boolean
        OR EXISTS (SELECT 1 FROM leases l WHERE l.pair_id = p.id AND l.annotator_id = $2)
        OR EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $2))`;

// Through pairs_session_idx (project_id, session_id, turn), newest first to take the last few.
const EARLIER_SQL = `
SELECT e.id::text AS pair_id, e.turn, e.instruction, e.source_image, e.source_preview, e.edited_image, e.edited_preview,
       e.mask_image, count(*) OVER () AS total
  FROM pairs e
 WHERE e.project_id = $1 AND e.session_id = $2 AND e.turn < $3
 ORDER BY e.turn DESC, e.id DESC
 LIMIT $4`;

interface TEarlierRow {
  pair_id: string;
  turn: number;
  instruction: string;
  source_image: string;
  source_preview: string | null;
  edited_image: string;
  edited_preview: string | null;
  mask_image: string | null;
  total: number | string;
}

export async function getEarlierTurns(db: Db, user: TSessionUser, pairId: bigint): Promise<TEarlierTurns> {
  const [pair] = await db.query<{ project_id: number; session_id: string | null; turn: number | null }>(
    PAIR_SQL,
    [String(pairId), user.id, can(user.role, "review:label:any")],
    "loupe_session_pair",
  );
  if (!pair) throw new NotFoundError("Pair not found.");
  if (pair.session_id === null || pair.turn === null) return { sessionId: pair.session_id, turn: pair.turn, earlier: [], omitted: 0 };
  const rows = await db.query<TEarlierRow>(EARLIER_SQL, [pair.project_id, pair.session_id, pair.turn, MAX_EARLIER_TURNS], "loupe_session_earlier");
  const total = Number(rows[0]?.total ?? 0);
  return {
    sessionId: pair.session_id,
    turn: Number(pair.turn),
    earlier: rows.reverse().map((r) => ({
      pairId: r.pair_id,
      turn: Number(r.turn),
      instruction: r.instruction,
      // CHAR(64) columns come back padded on some drivers.
      sourceImage: (r.source_preview ?? r.source_image).trim(),
      editedImage: (r.edited_preview ?? r.edited_image).trim(),
      maskImage: r.mask_image?.trim() ?? null,
    })),
    omitted: Math.max(0, total - rows.length),
  };
}
