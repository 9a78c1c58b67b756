// Shapes the review API answers with. Pure types and constants: the review page imports them too.
import type { TPairView } from "../queue/types";

import type { TRoutingReason } from "../quality/routing";

export { ROUTING_REASONS, type TRoutingReason } from "../quality/routing";

export const ROUTING_REASON_LABELS: Record<TRoutingReason, string> = {
  decision: "Decision disagreement",
  recaption: "Re-captions differ",
  verifier: "Contradicts the verifier",
};

export type TDecision = "accept" | "reject" | "recaption";

export interface TReviewLabel {
  id: string;
  annotatorId: number;
  annotatorName: string;
  decision: TDecision;
  reasons: string[];
  recaption: string | null;
  secondsSpent: number;
  createdAt: string;
}

export interface TScoreSignal {
  key: string;
  label: string;
  /** The label's abbreviation ("IF"), else the key. */
  short: string;
  value: number;
  min: number;
  max: number;
}

export interface TVerifierSignals {
  valid: boolean | null;
  failureClass: string | null;
  recaption: string | null;
  /** The active version's scores on the project's declared columns, in declared order (columns it has no score for left out). */
  scores: TScoreSignal[];
  /** The verifier version these signals are from. */
  modelVersion: string | null;
}

/** The verifier's verdict under the project's keep rule, and what it was read from. */
export interface TVerdict {
  valid: boolean | null;
  basis: "flag" | "scores" | null;
  rule: string;
  /** The keep rule's thresholds in declared order: "IF ≥ 3" is { short: "IF", higherIsBetter: true, keep: 3 }. */
  keep: { short: string; higherIsBetter: boolean; keep: number }[];
}

export interface TRoutingExplanation {
  reason: TRoutingReason;
  text: string;
}

export interface TReviewPair extends TPairView {
  id: string;
  projectId: number;
  externalId: string;
  instruction: string;
  instructionCn: string | null;
  task: string | null;
  subtask: string | null;
  verifier: TVerifierSignals;
  verdict: TVerdict;
  reviewReasons: TRoutingReason[];
  routing: TRoutingExplanation[];
  /** Share of labels agreeing with the majority decision. */
  agreement: number | null;
  /** When the pair was routed to review: the version the reviewer decides on (sent back on adjudication). */
  routedAt: string | null;
  /** Largest distance between two human re-captions (null with fewer than two). */
  recaptionSpread: number | null;
  labels: TReviewLabel[];
  claimExpiresAt: string;
  resumed: boolean;
}

export interface TReviewFilters {
  reason?: TRoutingReason;
  task?: string;
  subtask?: string;
}

export interface TReviewCounts {
  inReview: number;
  matching: number;
  byReason: Record<TRoutingReason, number>;
  /** Pairs another reviewer holds a live claim on. */
  claimedByOthers: number;
}

export interface TAdjudicationResult {
  replayed: boolean;
  pair: {
    id: string;
    status: "final";
    finalDecision: TDecision;
    finalInstruction: string;
    finalReasons: string[];
    reviewedBy: { id: number; name: string };
    reviewedAt: string;
    note: string | null;
    isGold: boolean;
  };
}

/** How long after an adjudication its reviewer may take it back (lib/review/service.ts undoAdjudication enforces it). */
export const REVIEW_UNDO_MINUTES = 5;

/** The longest final instruction the server keeps; the editor counts toward it while typing. */
export const FINAL_INSTRUCTION_MAX_CHARS = 4000;
