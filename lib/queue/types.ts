// Shapes the queue API answers with. Pure types: the annotate page imports them too.

export interface TPairView {
  /** sha256 of what the compare view shows: the import-time preview, or the original when small. */
  sourceImage: string;
  editedImage: string;
  maskImage: string | null;
  /** A third image the edit was made with (AnyEdit's visual input), shown beside the pair; null for most. */
  referenceImage: string | null;
  /** The full-resolution originals (equal to the above when no preview was needed). */
  sourceOriginal: string;
  editedOriginal: string;
  /** Change map computed at import: a difference heatmap image and its statistics (null before). */
  heatmapImage: string | null;
  changedFraction: number | null;
  ssim: number | null;
  /** Fraction of pixels outside the mask that changed (non-edit consistency aid); null without a mask. */
  changeOutsideMask: number | null;
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
  labelsToday: number;
  labelsTotal: number;
  pairsLeft: number;
  pairsTotal: number;
  /**
   * Gold is mixed in: "pairs left" is then rounded (coarseCount) and the page refreshes it on a timer,
   * since a count unchanged after a decision gives gold away.
   */
  goldMixed: boolean;
}
