import { z } from "zod";

// Each reject reason maps to the verifier dimension it supervises, so a reject is training signal for that
// dimension rather than one bit.
export const DIMENSIONS = ["IF", "NC", "VQ", "RA"] as const;
export type TDimension = (typeof DIMENSIONS)[number];

export const ZRejectReason = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, "codes are lower_snake_case"),
  label: z.string().trim().min(1).max(80),
  dimension: z.enum(DIMENSIONS),
  // Retired: no longer offered or accepted, kept so the labels that used it still read (decision 030).
  retired: z.boolean().optional(),
});
export type TRejectReason = z.infer<typeof ZRejectReason>;

export const ZRejectReasons = z
  .array(ZRejectReason)
  .min(1)
  .max(60)
  .refine((rs) => new Set(rs.map((r) => r.code)).size === rs.length, "Two reasons have the same code.")
  .refine((rs) => rs.filter((r) => !r.retired).length >= 1, "Keep at least one reason in use.")
  .refine((rs) => rs.filter((r) => !r.retired).length <= 30, "At most 30 reasons can be in use at once.");

export const DEFAULT_REJECT_REASONS: TRejectReason[] = [
  { code: "no_visible_edit", label: "No visible edit", dimension: "IF" },
  { code: "instruction_not_followed", label: "Instruction not followed", dimension: "IF" },
  { code: "wrong_object", label: "Wrong object or region edited", dimension: "IF" },
  { code: "hallucinated", label: "Hallucinated attribute or action", dimension: "IF" },
  { code: "extra_change", label: "Extra unrequested change", dimension: "NC" },
  { code: "change_outside_region", label: "Change outside the target region", dimension: "NC" },
  { code: "identity_changed", label: "Identity or count changed", dimension: "NC" },
  { code: "artifacts", label: "Artifacts or distortion", dimension: "VQ" },
  { code: "lighting_mismatch", label: "Lighting, shadow or perspective mismatch", dimension: "VQ" },
  { code: "text_wrong", label: "Text rendered wrong", dimension: "VQ" },
  { code: "anatomy_error", label: "Anatomy error", dimension: "VQ" },
  { code: "reasoning_wrong", label: "Reasoning wrong", dimension: "RA" },
];

/** Reasons stored on a project, parsed; a corrupt value falls back to nothing rather than crashing a page. */
export function parseReasons(value: unknown): TRejectReason[] {
  const r = ZRejectReasons.safeParse(value);
  return r.success ? r.data : [];
}

/** The reasons an annotator or reviewer may pick: the taxonomy without its retired entries. */
export function activeReasons(reasons: TRejectReason[]): TRejectReason[] {
  return reasons.filter((r) => !r.retired);
}

/** A new reason's code from its label ("Blurry face" → "blurry_face"), unique among `taken`. */
export function reasonCode(label: string, taken: ReadonlySet<string>): string {
  let base = label.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 36);
  if (!/^[a-z]/.test(base)) base = `reason_${base}`.replace(/_+$/, "");
  if (base.length < 2) base = "reason";
  let code = base;
  for (let n = 2; taken.has(code); n++) code = `${base}_${n}`;
  return code;
}
