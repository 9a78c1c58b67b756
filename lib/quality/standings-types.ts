// An annotator's standing in a project, as the quality page shows it. Types only, so the standings
// table imports them too (lib/quality/standings.ts computes them).

export interface TStanding {
  userId: number;
  name: string;
  email: string;
  labels: number;
  /** Gold checks since the last lift (what the pause rule counts), from loupe_gold_accuracy. */
  goldChecks: number;
  goldCorrect: number;
  /** goldCorrect / goldChecks, null before the first check. */
  goldAccuracy: number | null;
  /** Every gold check on a still-active gold pair, lifts ignored. */
  lifetimeGoldChecks: number;
  lifetimeGoldCorrect: number;
  /** Labels on final, non-gold pairs, and how many of them equal the final decision. */
  finalLabels: number;
  agreeing: number;
  /** agreeing / finalLabels, null when none of their pairs is final yet. */
  agreement: number | null;
  /** Median seconds per pair over their most recent MEDIAN_WINDOW labels in the project. */
  medianSeconds: number | null;
  /** Labels in the last RATE_DAYS days divided by the distinct clock hours (UTC) they labelled in. */
  labelsPerHour: number | null;
  /** Gold checks still needed before the pause rule can apply (0: it applies now). */
  checksToGo: number;
  /** Under the threshold after the minimum count with the current settings: the rule pauses (or would pause) them (loupe_pause_due). */
  ruleApplies: boolean;
  pause: null | { pausedAt: Date; reason: string | null; byRule: boolean };
  lastLift: null | { liftedAt: Date; liftedBy: string | null };
}

export interface TStandings {
  goldMinCount: number;
  goldAccuracyThreshold: number;
  /** One page, most labels first. */
  annotators: TStanding[];
  /** Where the next page starts (the last shown annotator), null on the last page. */
  next: { labels: number; userId: number } | null;
}
