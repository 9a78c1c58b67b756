// Shapes the queue API answers with. Pure types: the annotate page imports them too.

export interface TClaimedPair {
  id: string;
  instruction: string;
  instructionCn: string | null;
  task: string | null;
  subtask: string | null;
  sourceImage: string;
  editedImage: string;
  maskImage: string | null;
  leaseExpiresAt: string;
  resumed: boolean;
}

export interface TProgress {
  labelsToday: number;
  labelsTotal: number;
  pairsLeft: number;
  pairsTotal: number;
}
