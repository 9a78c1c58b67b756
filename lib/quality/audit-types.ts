// The audit estimate's shapes, for the page, its JSON and the export manifest. Pure: the page's parts import them.
import type { TCombinedEstimate, TDomainEstimate, TLabelsNeeded } from "./audit-math";

export interface TAuditRound {
  round: number;
  allocation: "proportional" | "equal";
  requested: number;
  frameSize: number;
  sampleSize: number;
  drawnAt: string;
}

/** One domain (kept or dropped) of one stratum on the page. */
export interface TStratumDomainView extends TDomainEstimate {
  /** Sampled pairs in the domain, labelled or not. */
  sampled: number;
  needed: TLabelsNeeded | null;
}

export interface TStratumView {
  task: string | null;
  subtask: string | null;
  /** N_h when drawn, n_h drawn (still present), n_h / N_h. */
  stratumSize: number;
  sampled: number;
  probability: number;
  /** Sampled pairs with a final human decision, and those without a verdict from the scores. */
  labelled: number;
  noVerdict: number;
  keep: TStratumDomainView;
  drop: TStratumDomainView;
  /** More audit labels in this stratum for both intervals to be under the width (null: unknown or no width). */
  moreLabels: number | null;
}

export interface TDatasetQuality {
  project: { id: number; name: string; keepRule: string; queueOrder: string };
  round: TAuditRound | null;
  /** The interval width asked for (a fraction), if any. */
  width: number | null;
  strata: TStratumView[];
  keep: TCombinedEstimate | null;
  drop: TCombinedEstimate | null;
  labelled: number;
  sampled: number;
}

/** What an export's manifest carries: the latest round's kept and dropped estimates over the strata it covers. */
export interface TAuditEstimateSummary {
  round: number;
  drawnAt: string;
  /** The strata (task / subtask) the export covers that the round sampled. */
  strata: { task: string | null; subtask: string | null }[];
  /** Sampled pairs in those strata, and those with a final human decision. */
  sampleSize: number;
  labelled: number;
  keep: TCombinedEstimate;
  drop: TCombinedEstimate;
  method: string;
}
