// Queue orders: how a project's regular pairs are served. Pure: the claim SQL, the settings and the form read it.
// Each order is a per-pair key kept by a BEFORE INSERT trigger and a partial index over open work in that
// key's order, so a claim under any order walks one index from its start and stops at the first pair it may take.

export const QUEUE_ORDERS = ["import", "uncertainty", "disagreement", "subtask", "audit"] as const;
export type TQueueOrder = (typeof QUEUE_ORDERS)[number];

export const DEFAULT_QUEUE_ORDER: TQueueOrder = "import";

export function isQueueOrder(v: unknown): v is TQueueOrder {
  return typeof v === "string" && (QUEUE_ORDERS as readonly string[]).includes(v);
}

export interface TQueueOrderInfo {
  label: string;
  /** One line an admin reads before choosing it. */
  explain: string;
  /** The claim's ORDER BY: project_id first, then exactly the columns of `index`, so only it can serve the order. */
  orderBy: string;
  /** The partial index (WHERE taken < wanted AND NOT is_gold, and `where`) that serves the order. */
  index: string;
  /** A further condition the pick adds: the index's own predicate, so only that index can serve it. */
  where?: string;
}

export const QUEUE_ORDER_INFO: Record<TQueueOrder, TQueueOrderInfo> = {
  import: {
    label: "Import order",
    explain: "Pairs in the order they were imported.",
    orderBy: "p.project_id, p.id",
    index: "pairs_open_work_idx",
  },
  uncertainty: {
    label: "Verifier uncertainty first",
    explain:
      "Pairs whose scores are fewest steps from flipping the keep rule first (valid flag contradicting the scores before all); pairs without scores last.",
    orderBy: "p.project_id, p.queue_uncertainty, p.id",
    index: "pairs_queue_uncertainty_idx",
  },
  disagreement: {
    label: "Likely disagreement with the verifier first",
    explain:
      "A heuristic from each pair's own signals, e.g. kept by the verifier with no visible change, or a valid flag against its scores; the strongest signals first.",
    orderBy: "p.project_id, p.queue_disagreement DESC, p.id",
    index: "pairs_queue_disagreement_idx",
  },
  subtask: {
    label: "Round robin over subtasks",
    explain: "The first pair of every subtask, then the second of every subtask, and so on, so rare subtasks reach people early.",
    orderBy: "p.project_id, p.queue_stratum_rank, p.id",
    index: "pairs_queue_subtask_idx",
  },
  audit: {
    label: "Audit sample",
    explain:
      "Only the current audit round's pairs (Dataset quality page), a random sample per task and subtask, in random order; nothing once they are labelled.",
    orderBy: "p.project_id, p.queue_audit, p.id",
    index: "pairs_queue_audit_idx",
    where: "p.queue_audit IS NOT NULL",
  },
};
