// A project's quality settings: their shape, and the zod schema of a change. Pure, so the settings
// form imports it too (lib/quality/settings.ts reads and writes them).
import { z } from "zod";
import { QUEUE_ORDERS, type TQueueOrder } from "../queue/order";
import { ZVerifierScales, type TVerifierScale } from "./scales";

export const VERIFIER_RULES = ["auto", "valid_flag", "scores", "off"] as const;
export type TVerifierRule = (typeof VERIFIER_RULES)[number];

/** A project's quality settings, fractions as stored (the form shows rates as percentages). */
export interface TProjectSettings {
  overlap: number;
  goldRate: number;
  goldMinCount: number;
  goldAccuracyThreshold: number;
  goldRecaptionThreshold: number;
  recaptionDisagreementThreshold: number;
  verifierRule: TVerifierRule;
  /** The verifier's score columns, each with its scale, direction and keep threshold (lib/quality/scales.ts). */
  verifierScales: TVerifierScale[];
  /** The verifier version the keep rule, queue orders, filters, calibration and exports read (null: each pair's first output). */
  verifierVersion: string | null;
  leaseSeconds: number;
  guidelines: string;
  queueOrder: TQueueOrder;
  /** http(s) images of new imports referenced at their address (read from there, checked by hash) instead of copied. */
  webImagesInPlace: boolean;
}
export type TSettingKey = keyof TProjectSettings;

const between = (label: string, min: number, max: number, unit = "") =>
  z
    .number({ error: `${label} must be a number.` })
    .min(min, `${label} must be between ${min} and ${max}${unit}.`)
    .max(max, `${label} must be between ${min} and ${max}${unit}.`);
const wholeBetween = (label: string, min: number, max: number) =>
  between(label, min, max).int(`${label} must be a whole number from ${min} to ${max}.`);

/** PATCH settings body: rates are fractions; bounds repeat the CHECKs so an admin reads a sentence, not a constraint. */
export const ZSettingsPatch = z
  .strictObject({
    overlap: wholeBetween("Overlap", 1, 5),
    goldRate: between("Gold rate", 0, 0.5, " (0–50%)"),
    goldMinCount: wholeBetween("Minimum gold checks", 1, 10_000),
    goldAccuracyThreshold: between("Gold accuracy threshold", 0, 1, " (0–100%)"),
    goldRecaptionThreshold: between("Gold re-caption threshold", 0, 1),
    recaptionDisagreementThreshold: between("Re-caption disagreement threshold", 0, 1),
    verifierRule: z.enum(VERIFIER_RULES, { error: `Verifier rule must be one of ${VERIFIER_RULES.join(", ")}.` }),
    verifierScales: ZVerifierScales,
    verifierVersion: z
      .string({ error: "The verifier version must be text." })
      .trim()
      .max(200, "A verifier version name is at most 200 characters.")
      .transform((v) => (v === "" ? null : v))
      .nullable(),
    leaseSeconds: wholeBetween("Lease", 30, 86_400),
    guidelines: z.string({ error: "Guidelines must be text." }).max(20_000, "Guidelines can be at most 20,000 characters."),
    queueOrder: z.enum(QUEUE_ORDERS, { error: `Queue order must be one of ${QUEUE_ORDERS.join(", ")}.` }),
    webImagesInPlace: z.boolean({ error: "Web images in place is on or off (true or false)." }),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { error: "Send at least one setting to change." });
export type TSettingsPatch = z.infer<typeof ZSettingsPatch>;

/** The background recompute a settings change left for the pairs (lib/quality/recompute.ts). */
export interface TRecomputeStatus {
  running: boolean;
  /** What the run is doing now: giving untouched open pairs the overlap, the open pairs' queue keys, or every pair's verdict margin. */
  phase: "overlap" | "keys" | "margins" | null;
  pairsDone: number;
  pairsTotal: number;
  /** Open pairs nobody had started whose overlap now follows the project's. */
  overlapPairsChanged: number;
  /** Pairs whose verifier copy, margin or queue keys changed. */
  keysPairsChanged: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface TSettingsResult {
  settings: TProjectSettings;
  /** The settings that differed from the stored ones (empty: nothing changed, nothing audited). */
  changed: TSettingKey[];
  /** The pairs' recompute this save queued (overlap; score columns, verifier rule or version); null when none. */
  recompute: TRecomputeStatus | null;
}
