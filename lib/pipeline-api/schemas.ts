// Request and response shapes of the pipeline API (/api/v1). The OpenAPI document is generated from them and
// the tests parse real answers with them, so document and API cannot drift. Pure.
import { z } from "zod";
import { DIMENSIONS } from "../projects/reasons";
import { ROUTING_REASONS } from "../review/types";

export const MAX_PAIRS_PER_REQUEST = 1000;
/** Bounds the JSON held in memory for one POST (images embedded as data: URLs count here). */
export const MAX_PAIRS_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_LABELS_LIMIT = 100;
export const MAX_LABELS_LIMIT = 1000;

const DECISIONS = ["accept", "reject", "recaption"] as const;

const imageRef = z
  .string()
  .min(1)
  .describe(
    "An http(s) URL (fetched with the import's size and time limits; private addresses refused unless LOUPE_FETCH_ALLOW lists them), " +
      "an s3://bucket/key object (referenced in place, never copied), " +
      "a path relative to the server's image root (LOUPE_IMAGE_ROOT, else LOUPE_IMPORT_ROOT), or a data: URL holding base64 bytes.",
  );
const optText = z.string().nullish();
const score = z.number().int().min(1).max(3).nullish().describe("ScaleEdit inspector score, 1-3.");

/** One candidate pair, as an import manifest line (docs/guide/import.md); validated by the import's own mapping. */
export const ZApiPairInput = z
  .object({
    id: z.string().min(1).max(512).describe("Your id for the pair, unique within the project. Posting it again answers `duplicate` and changes nothing."),
    instruction: z.string().min(1).max(10_000),
    instruction_cn: optText,
    source_image: imageRef,
    edited_image: imageRef,
    mask_image: imageRef.nullish().describe("The edit area: white on black, or transparent where the edit is (an RGBA mask as MagicBrush and the OpenAI edits API ship it); any resolution."),
    session_id: z.string().min(1).max(512).nullish().describe("The multi-turn session this pair is a turn of; the annotate and review pages show its earlier turns."),
    turn: z.number().int().min(0).max(2_147_483_647).nullish().describe("The pair's turn in its session (needs session_id)."),
    task: optText,
    subtask: optText,
    vs_instruction_following: score,
    vs_editing_consistency: score,
    vs_generation_quality: score,
    vs_overall: z.number().nullish(),
    scores: z
      .record(z.string(), z.number().nullable())
      .nullish()
      .describe("The verifier's scores keyed by the project's declared score keys (its settings), each within its column's scale."),
    verifier_valid: z.boolean().nullish(),
    verifier_failure_class: optText,
    verifier_recaption: optText,
    model_version: optText.describe("The verifier version the scores, valid flag, failure class and re-caption are from."),
    gold: z.boolean().optional().describe("A gold pair with a known answer. Without this field, an item with gold_decision is gold."),
    gold_decision: z.enum(DECISIONS).nullish(),
    gold_reasons: z.array(z.string()).optional().describe("Expected reject reasons: codes of the project's reject reasons."),
    gold_instruction: optText.describe("Reference re-caption; required with gold_decision recaption."),
    metadata: z.record(z.string(), z.unknown()).optional().describe("Kept with the pair as it is."),
  })
  .strict();
export type TApiPairInput = z.infer<typeof ZApiPairInput>;

/** What the route parses: each item is checked one by one so a bad item is reported, not the batch refused. */
export const ZPostPairsBody = z.object({
  pairs: z.array(z.unknown()).min(1, "send at least one pair").max(MAX_PAIRS_PER_REQUEST, `send at most ${MAX_PAIRS_PER_REQUEST} pairs per request`),
});
export const ZPostPairsBodyDoc = z.object({ pairs: z.array(ZApiPairInput).min(1).max(MAX_PAIRS_PER_REQUEST) });

export const ZPairOutcome = z.object({
  index: z.number().int().min(0).describe("Position of the item in the request's `pairs`."),
  externalId: z.string().nullable().describe("The item's id as sent (null when it had none)."),
  status: z.enum(["created", "duplicate", "invalid"]),
  pairId: z.string().nullable().describe("Loupe's id of the pair: the new one, or the one already holding this id; null when invalid."),
  reason: z.string().optional().describe("Why the item is invalid, or which earlier item it repeats."),
});
export type TPairOutcome = z.infer<typeof ZPairOutcome>;

export const ZPostPairsResponse = z.object({
  created: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.number().int(),
  items: z.array(ZPairOutcome).describe("One per item, in request order."),
});
export type TPostPairsResponse = z.infer<typeof ZPostPairsResponse>;

export const ZLabelsQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LABELS_LIMIT).default(DEFAULT_LABELS_LIMIT),
});

/** UTC, millisecond precision, as the API writes times (a short pattern keeps the document readable). */
const isoTime = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  .meta({ format: "date-time" });

export const ZFinalLabel = z.object({
  pairId: z.string(),
  externalId: z.string(),
  state: z
    .enum(["final", "withdrawn"])
    .describe("`withdrawn`: the pair was final and is no longer (an annotator undid a label); its final fields are null until it is final again."),
  decision: z.enum(DECISIONS).nullable(),
  instruction: z.string().nullable().describe("The final instruction: the original, or the chosen re-caption."),
  originalInstruction: z.string(),
  reasons: z
    .array(z.object({ code: z.string(), label: z.string(), dimension: z.enum(DIMENSIONS).nullable() }))
    .describe("Final reject reasons with the verifier dimension each supervises (null: a code no longer in the project's list)."),
  agreement: z.number().nullable().describe("Share of the labels that agree with the majority decision."),
  source: z.enum(["consensus", "review", "gold"]).nullable(),
  finalizedAt: isoTime.nullable(),
  gold: z.boolean(),
  task: z.string().nullable(),
  subtask: z.string().nullable(),
  reviewReasons: z.array(z.string()).describe("Why the pair went to review before it became final (empty when it did not)."),
  labels: z.object({
    count: z.number().int(),
    accept: z.number().int(),
    reject: z.number().int(),
    recaption: z.number().int(),
    items: z.array(
      z.object({
        annotatorId: z.number().int(),
        decision: z.enum(DECISIONS),
        reasons: z.array(z.string()),
        recaption: z.string().nullable(),
        secondsSpent: z.number(),
        createdAt: isoTime,
      }),
    ),
  }),
});
export type TFinalLabel = z.infer<typeof ZFinalLabel>;

export const ZLabelsPage = z.object({
  items: z.array(ZFinalLabel),
  nextCursor: z
    .string()
    .nullable()
    .describe("Pass as `cursor` for the next page, and keep the last one to poll for pairs finalised later. Null only before any pair is final."),
  hasMore: z.boolean().describe("True when the next page can be fetched at once; false when this page reached the end for now."),
});
export type TLabelsPage = z.infer<typeof ZLabelsPage>;

const count = z.number().int().min(0);

export const ZApiProgress = z.object({
  projectId: z.number().int(),
  pairs: z.object({ total: count, open: count, labelled: count, inReview: count, final: count }),
  finalByDecision: z.object({ accept: count, reject: count, recaption: count }),
  inReviewByReason: z.object(Object.fromEntries(ROUTING_REASONS.map((r) => [r, count])) as Record<(typeof ROUTING_REASONS)[number], typeof count>),
  gold: z.object({ total: count, active: count }).describe("Gold pairs are final from the start; they count in `pairs` and `finalByDecision`."),
  labels: count,
  percentDone: z.number().min(0).max(100).describe("Final pairs among the pairs that are not gold, in percent (one decimal)."),
});
export type TApiProgress = z.infer<typeof ZApiProgress>;

const interval = z.object({ low: z.number(), high: z.number() }).nullable().describe("95% Wilson interval; null without labels.");
const domainEstimate = z.object({
  pairs: z.number().describe("Pairs in this pool, estimated from the sample (stratum size × the sample's share)."),
  labelled: count,
  accepted: count,
  share: z.number().nullable().describe("Estimated share people accept (final decision accept); null without labels."),
  interval,
});
const combinedEstimate = domainEstimate.extend({
  effectiveLabels: z.number().nullable().describe("Kish's effective sample size the combined Wilson interval uses."),
  coverage: z.number().nullable().describe("Share of the pool's estimated pairs in strata with at least one label."),
});
const stratumDomain = domainEstimate.extend({
  sampled: count.describe("Sampled pairs in this pool, labelled or not."),
  needed: z
    .object({ domainLabels: z.number().int().nullable(), auditLabels: z.number().int().nullable() })
    .nullable()
    .describe("More labels in this pool, and audit labels in the stratum, for the interval to be at most `width` wide; null without a width."),
});

/** GET /api/v1/projects/:projectId/dataset-quality: the latest audit round's estimates (docs/decisions/025-audit-sample.md). */
export const ZApiDatasetQuality = z.object({
  project: z.object({ id: z.number().int(), name: z.string(), keepRule: z.string(), queueOrder: z.string() }),
  round: z
    .object({
      round: z.number().int(),
      allocation: z.enum(["proportional", "equal"]),
      requested: count,
      frameSize: count,
      sampleSize: count,
      drawnAt: z.string(),
    })
    .nullable()
    .describe("The latest audit round; null before the first."),
  width: z.number().nullable().describe("The interval width asked for, as a fraction."),
  strata: z.array(
    z.object({
      task: z.string().nullable(),
      subtask: z.string().nullable(),
      stratumSize: count.describe("Regular pairs in the stratum when drawn (N_h)."),
      sampled: count.describe("Pairs drawn (n_h)."),
      probability: z.number().describe("Inclusion probability n_h / N_h."),
      labelled: count,
      noVerdict: count,
      keep: stratumDomain,
      drop: stratumDomain,
      moreLabels: z.number().int().nullable().describe("More audit labels in the stratum for both intervals to be under the width."),
    }),
  ),
  keep: combinedEstimate.nullable().describe("The pairs the verifier keeps, strata combined by their estimated size."),
  drop: combinedEstimate.nullable().describe("The pairs the verifier drops, likewise."),
  labelled: count,
  sampled: count,
});
export type TApiDatasetQuality = z.infer<typeof ZApiDatasetQuality>;

export const ZApiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// The verifier versions compared on the same human-labelled pairs (GET …/calibration/versions).
const ratio = z.number().min(0).max(1).nullable();
const ciInterval = z.object({ low: z.number(), high: z.number() }).nullable().describe("95% interval; null when the figure is undefined.");
const verdicts = z.object({ tp: count, fp: count, fn: count, tn: count, noVerdictAccepted: count, noVerdictNotAccepted: count });
const scope = z.union([
  z.object({ level: z.literal("project") }),
  z.object({ level: z.literal("task"), task: z.string() }),
  z.object({ level: z.literal("subtask"), task: z.string(), subtask: z.string() }),
]);
const sweepPoint = z.object({
  threshold: z.number(), kept: count, tp: count, fp: count, precision: z.number(), recall: ratio, f1: ratio,
});
export const ZApiVersionComparison = z.object({
  project: z.object({ id: z.number().int(), name: z.string(), verifierRule: z.string(), activeVersion: z.string().nullable() }),
  filter: z.object({ task: z.string().optional(), subtask: z.string().optional(), includeGold: z.boolean(), versions: z.array(z.string()) }),
  summary: z.object({
    computedAt: z.string().nullable().describe("When the summary's computation started (it counts the final pairs as of then); null: never computed."),
    ageSeconds: count.nullable().describe("Seconds since computedAt."),
    pairs: count,
    ruleChanged: z.boolean().describe("The verifier rule or the declared scales changed since the summary was computed."),
    running: z.object({ startedAt: z.string(), progress: z.number().min(0).max(1) }).nullable(),
  }),
  versions: z.array(z.string()).describe("Every version in the summary (\"\" names outputs imported without a version)."),
  options: z.object({ tasks: z.array(z.string()), subtasks: z.array(z.string()) }),
  pairs: count.describe("Final pairs in the selection with an output from every compared version."),
  accepted: count,
  scopes: z.array(z.object({
    scope,
    pairs: count,
    byVersion: z.array(z.object({
      version: z.string(),
      verdicts,
      stats: z.object({
        tp: count, fp: count, fn: count, tn: count, n: count, precision: ratio, recall: ratio, f1: ratio, agreement: ratio,
        precisionCi: ciInterval, recallCi: ciInterval, f1Ci: ciInterval,
      }).describe("The version's verdict under the project's verifier rule. Wilson intervals for precision and recall; for F1 Wilson's interval with the effective sample size of the delta-method variance (decision 024)."),
    })),
  })),
  targetPrecision: z.number().min(0).max(1),
  sweeps: z.array(z.object({
    key: z.string(), label: z.string(), short: z.string(), lowerIsBetter: z.boolean(), integer: z.boolean(),
    curves: z.array(z.object({
      version: z.string(),
      scored: count,
      points: z.array(sweepPoint).describe("Precision and recall of \"valid when score ≥ threshold\" (≤ when lower is better), by ascending threshold."),
      atTarget: sweepPoint.nullable().describe("The lowest threshold reaching the target precision; null: none does."),
      mostPrecise: sweepPoint.nullable(),
    })),
  })),
});
