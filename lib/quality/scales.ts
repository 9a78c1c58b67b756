// A project's verifier score columns: their shape, validation, the presets' declarations and the keep
// rule's margin. Pure, so the settings form, the import mapping and the presets import it too; the
// database's own copy of the margin is loupe_verifier_margin (lib/quality/sql/verifier.sql).
import { z } from "zod";

/** One declared score column. `keep` is the keep threshold (null: shown and exported, not part of the keep rule). */
export interface TVerifierScale {
  key: string;
  label: string;
  min: number;
  max: number;
  higherIsBetter: boolean;
  keep: number | null;
}

export const MAX_VERIFIER_SCALES = 12;
export const SCALE_KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

export const ZVerifierScale = z
  .strictObject({
    key: z
      .string({ error: "Each score column needs a key." })
      .regex(SCALE_KEY_PATTERN, "A score key is 1–40 lower-case letters, digits or underscores, starting with a letter."),
    label: z.string({ error: "Each score column needs a label." }).trim().min(1, "Each score column needs a label.").max(80, "A score label is at most 80 characters."),
    min: z.number({ error: "A scale's lowest value must be a number." }).finite(),
    max: z.number({ error: "A scale's highest value must be a number." }).finite(),
    higherIsBetter: z.boolean({ error: "Say which way each score is better." }),
    keep: z.number({ error: "A keep threshold must be a number or empty." }).finite().nullable(),
  })
  .superRefine((s, ctx) => {
    if (!(s.min < s.max)) ctx.addIssue({ code: "custom", path: ["max"], message: `${s.label}: the highest value must be above the lowest.` });
    else if (s.keep !== null && (s.keep < s.min || s.keep > s.max)) {
      ctx.addIssue({ code: "custom", path: ["keep"], message: `${s.label}: the keep threshold must be between ${s.min} and ${s.max}.` });
    }
  });

export const ZVerifierScales = z
  .array(ZVerifierScale, { error: "The score columns must be a list." })
  .max(MAX_VERIFIER_SCALES, `At most ${MAX_VERIFIER_SCALES} score columns.`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.key)) ctx.addIssue({ code: "custom", path: [i, "key"], message: `The score key "${s.key}" is declared twice.` });
      seen.add(s.key);
    });
  });

const col = (key: string, label: string, min: number, max: number, keep: number | null, higherIsBetter = true): TVerifierScale => ({
  key,
  label,
  min,
  max,
  higherIsBetter,
  keep,
});

/** The declarations the dataset presets bring (and the settings form offers), thresholds as starting points. */
export const SCALE_PRESETS = {
  scaleedit: {
    label: "ScaleEdit (IF / EC / GQ, 1–3)",
    scales: [
      col("instruction_following", "Instruction following (IF)", 1, 3, 3),
      col("editing_consistency", "Editing consistency (EC)", 1, 3, 2),
      col("generation_quality", "Generation quality (GQ)", 1, 3, 2),
      col("overall", "Overall score (Overall)", 0, 10, null),
    ],
  },
  unicbench: {
    label: "UnicBench (IF / NC / VQ / RA, 0–10)",
    scales: [
      col("instruction_following", "Instruction following (IF)", 0, 10, 6),
      col("non_edit_consistency", "Non-edit consistency (NC)", 0, 10, 6),
      col("visual_quality", "Visual quality (VQ)", 0, 10, 6),
      col("reasoning_accuracy", "Reasoning accuracy (RA)", 0, 10, null),
    ],
  },
  omniedit: {
    label: "OmniEdit (VIEScore-style, 0–10)",
    scales: [
      col("sc_score_1", "Semantic consistency 1", 0, 10, 6),
      col("sc_score_2", "Semantic consistency 2", 0, 10, 6),
      col("pq_score", "Perceptual quality", 0, 10, 6),
      col("o_score", "Overall", 0, 10, null),
    ],
  },
  ultraedit: {
    label: "UltraEdit (similarities, 0–1)",
    scales: [
      col("clip_sim_dir", "CLIP direction similarity", 0, 1, 0.2),
      col("clip_sim_image", "CLIP image similarity", 0, 1, 0.7),
      col("dinov2_sim", "DINOv2 similarity", 0, 1, 0.4),
      col("ssim", "SSIM", 0, 1, 0.5),
      col("clip_sim_source", "CLIP source similarity", 0, 1, null),
      col("clip_sim_target", "CLIP target similarity", 0, 1, null),
    ],
  },
} as const satisfies Record<string, { label: string; scales: TVerifierScale[] }>;
export type TScalePreset = keyof typeof SCALE_PRESETS;

/** The declaration of a project made before scales could be declared (and of a new project). */
export const DEFAULT_VERIFIER_SCALES: TVerifierScale[] = SCALE_PRESETS.scaleedit.scales.map((s) => ({ ...s }));

/** Reads a stored declaration; anything malformed reads as no columns (no keep rule on scores) rather than failing a page. */
export function parseVerifierScales(value: unknown): TVerifierScale[] {
  const parsed = ZVerifierScales.safeParse(value);
  return parsed.success ? parsed.data : [];
}

/**
 * The keep rule's signed margin on the normalised scale, as loupe_verifier_margin computes it: >= 0 kept
 * (the smallest distance above a threshold), < 0 dropped (minus the summed distances below), null
 * without a verdict from the scores.
 */
export function verifierMargin(scores: Record<string, unknown> | null, scales: readonly TVerifierScale[]): number | null {
  if (!scores) return null;
  let kept: number | null = null;
  let short = 0;
  let n = 0;
  for (const s of scales) {
    if (s.keep === null) continue;
    const v = scores[s.key];
    if (typeof v !== "number" || !Number.isFinite(v)) return null;
    const d = (s.higherIsBetter ? v - s.keep : s.keep - v) / Math.max(s.max - s.min, 1e-9);
    n += 1;
    if (d >= 0) kept = kept === null ? d : Math.min(kept, d);
    else short -= d;
  }
  if (n === 0) return null;
  return short > 0 ? -short : kept;
}

/** "IF ≥ 3 ∧ EC ≥ 2" for pages; "no thresholds" when none is declared. */
export function describeKeepRule(scales: readonly TVerifierScale[]): string {
  const parts = scales.filter((s) => s.keep !== null).map((s) => `${shortLabel(s)} ${s.higherIsBetter ? "≥" : "≤"} ${s.keep}`);
  return parts.length ? parts.join(" ∧ ") : "no score thresholds";
}

/** The abbreviation in a label's parentheses ("Instruction following (IF)" → "IF"), else the key. */
export function shortLabel(s: Pick<TVerifierScale, "key" | "label">): string {
  return /\(([^)]{1,8})\)\s*$/.exec(s.label)?.[1] ?? s.key;
}
