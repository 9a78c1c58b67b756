// Shapes the queue API answers with. Pure types: the annotate page imports them too.

export interface TPairView {
  /** sha256 of what the compare view shows: the preview, or the original when small or while the preview is pending. */
  sourceImage: string;
  editedImage: string;
  maskImage: string | null;
  /** A third image the edit was made with (AnyEdit's visual input), shown beside the pair; null for most. */
  referenceImage: string | null;
  /** The full-resolution originals (equal to the above when no preview was needed). */
  sourceOriginal: string;
  editedOriginal: string;
  /** Change map made after the import (derivatives): a difference heatmap image and its statistics (null before). */
  heatmapImage: string | null;
  changedFraction: number | null;
  ssim: number | null;
  /** Fraction of pixels outside the mask that changed (non-edit consistency aid); null without a mask. */
  changeOutsideMask: number | null;
  /** Previews and change map are still being made by the background workers (decision 015). */
  derivativesPending: boolean;
  /** The multi-turn session the pair is a turn of, and its turn; null for single-turn pairs (earlier turns load on demand). */
  sessionId: string | null;
  turn: number | null;
}

export interface TClaimedPair extends TPairView {
  id: string;
  instruction: string;
  instructionCn: string | null;
  task: string | null;
  subtask: string | null;
  leaseExpiresAt: string;
  resumed: boolean;
}

export interface TProgress {
  /** The annotator's labels in the project since midnight in their time zone ("done today"). */
  labelsToday: number;
  labelsTotal: number;
  /** Open pairs in the project. */
  pairsLeft: number;
  /** Open pairs the annotator has neither labelled nor skipped ("left for you"). */
  leftForYou: number;
  pairsTotal: number;
  /** The annotator's own daily goal in the project, or null. */
  dailyGoal: number | null;
  /**
   * Gold is mixed in: "pairs left" and "left for you" are then rounded (coarseCount) and the page refreshes them on a timer,
   * since a count unchanged after a decision gives gold away.
   */
  goldMixed: boolean;
}

/** One earlier turn of a pair's session, as the earlier-turns strip shows it (images are previews). */
export interface TEarlierTurn {
  pairId: string;
  turn: number;
  instruction: string;
  sourceImage: string;
  editedImage: string;
  maskImage: string | null;
}

/** GET /api/pairs/:pairId/session: the pair's session and turn, and the turns before it in turn order. */
export interface TEarlierTurns {
  sessionId: string | null;
  turn: number | null;
  earlier: TEarlierTurn[];
  /** Earlier turns left out beyond the most recent MAX_EARLIER_TURNS. */
  omitted: number;
}
