import { z } from "zod";

// One line of the canonical JSONL export: everything Loupe knows about one final pair, snake_case like the
// import manifests. Pure, so anyone validating a file can import it. The line is built in SQL
// (lib/exports/reader.ts); toCanonical() in ./canonical.ts builds the same object from a TExportRow.

export const CANONICAL_SCHEMA_VERSION = 1;

const ZDecision = z.enum(["accept", "reject", "recaption"]);
/** ISO 8601 in UTC with milliseconds, e.g. 2026-12-01T09:30:00.000Z. */
const ZTime = z.iso.datetime();

export const ZCanonicalReason = z.strictObject({
  code: z.string().min(1),
  label: z.string().min(1),
  /** The verifier dimension it supervises (IF | NC | VQ | RA); null when the code left the project's taxonomy. */
  dimension: z.string().nullable(),
});

export const ZCanonicalImage = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.string(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});

export const ZCanonicalLabel = z.strictObject({
  annotator_id: z.number().int(),
  decision: ZDecision,
  reasons: z.array(ZCanonicalReason),
  recaption: z.string().nullable(),
  seconds: z.number().nonnegative(),
  created_at: ZTime,
});

export const ZCanonicalLine = z.strictObject({
  pair_id: z.string().regex(/^\d+$/),
  external_id: z.string(),
  project: z.strictObject({ id: z.number().int(), name: z.string() }),
  task: z.string().nullable(),
  subtask: z.string().nullable(),
  /** The instruction as imported (the pipeline's). */
  instruction: z.string(),
  instruction_cn: z.string().nullable(),
  /** The multi-turn session the pair is a turn of (MagicBrush's img_id) and its turn; null for single-turn pairs. */
  session_id: z.string().nullable(),
  turn: z.number().int().nonnegative().nullable(),
  /** `reference`: a third image of the edit, kept from the import (AnyEdit's visual_input). */
  images: z.strictObject({ source: ZCanonicalImage, edited: ZCanonicalImage, mask: ZCanonicalImage.nullable(), reference: ZCanonicalImage.nullable() }),
  final: z.strictObject({
    decision: ZDecision,
    /** The instruction that describes the edit: a human re-caption when there is one, else the original. */
    instruction: z.string(),
    reasons: z.array(ZCanonicalReason),
    source: z.enum(["consensus", "review", "gold"]),
    finalized_at: ZTime,
  }),
  /** Share of the labels agreeing with the majority decision (null for gold pairs). */
  agreement: z.number().min(0).max(1).nullable(),
  /** Present when a reviewer adjudicated the pair: why it was routed, who decided, when, their note. */
  review: z.strictObject({
    reasons: z.array(z.string()),
    reviewer_id: z.number().int().nullable(),
    reviewed_at: ZTime.nullable(),
    note: z.string().nullable(),
  }).nullable(),
  labels: z.array(ZCanonicalLabel),
  verifier: z.strictObject({
    valid: z.boolean().nullable(),
    failure_class: z.string().nullable(),
    recaption: z.string().nullable(),
    scores: z.record(z.string(), z.number()),
    keep: z.boolean().nullable(),
    model_version: z.string().nullable(),
  }),
  is_gold: z.boolean(),
  metadata: z.record(z.string(), z.unknown()),
  split: z.enum(["train", "validation"]),
});

export type TCanonicalLine = z.infer<typeof ZCanonicalLine>;
