import { z } from "zod";
import { FAILURE_CLASSES, IMAGE_TAGS, RECAPTION_PROMPT } from "./verifier-prompts";

// The shape of every JSONL line the non-canonical formats write (pure: tests and the export job's
// tests validate lines with these). Field names are snake_case, as Python training code expects.

const ZSha256 = z.string().regex(/^[0-9a-f]{64}$/);
const ZSplit = z.enum(["train", "validation"]);

/** images/<sha256>.<ext>, relative to the export folder. */
export const ZImagePath = z.string().regex(/^images\/[0-9a-f]{64}\.[a-z0-9]+$/);
/** data:<mime>;base64,<bytes>. */
export const ZImageDataUrl = z.string().regex(/^data:[a-z0-9.+-]+\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]*={0,2}$/);
export const ZImageRef = z.union([ZImagePath, ZImageDataUrl]);

const ZIds = {
  pair_id: z.string().min(1),
  external_id: z.string(),
  split: ZSplit,
};

/** gold-jsonl lines; gold-csv rows and gold-parquet rows carry the same columns. */
export const ZGoldRecord = z.strictObject({
  ...ZIds,
  task: z.string().nullable(),
  subtask: z.string().nullable(),
  /** The multi-turn session and turn (MagicBrush); null for single-turn pairs. */
  session_id: z.string().nullable(),
  turn: z.int().nonnegative().nullable(),
  /** The final instruction: a human re-caption, else the original. */
  instruction: z.string(),
  original_instruction: z.string(),
  final_decision: z.enum(["accept", "recaption"]),
  is_gold: z.boolean(),
  source_image: ZImageRef,
  edited_image: ZImageRef,
  mask_image: ZImageRef.nullable(),
  source_sha256: ZSha256,
  edited_sha256: ZSha256,
  mask_sha256: ZSha256.nullable(),
  source_width: z.int().positive(),
  source_height: z.int().positive(),
  edited_width: z.int().positive(),
  edited_height: z.int().positive(),
});
export type TGoldRecord = z.infer<typeof ZGoldRecord>;

export const GOLD_COLUMNS = Object.keys(ZGoldRecord.shape) as (keyof TGoldRecord)[];

const ZUserMessage = z.strictObject({ role: z.literal("user"), content: z.string() });
const ZAssistantMessage = z.strictObject({ role: z.literal("assistant"), content: z.string() });

export const ZFailureAnswer = z.strictObject({
  valid: z.boolean(),
  failure_class: z.enum(FAILURE_CLASSES),
  reasons: z.array(z.strictObject({ code: z.string().min(1), dimension: z.enum(["IF", "NC", "VQ", "RA"]).nullable() })),
});

const tagCount = (text: string) => text.split("<image>").length - 1;

/** The user turn opens with exactly one <image> tag per image, and no other tag anywhere. */
function checkTags(messages: { role: string; content: string }[], images: string[], ctx: z.RefinementCtx) {
  const [first, ...rest] = messages;
  if (!first?.content.startsWith(IMAGE_TAGS) || tagCount(first.content) !== images.length || rest.some((m) => tagCount(m.content) > 0)) {
    ctx.addIssue({ code: "custom", message: `expected ${images.length} <image> tags at the start of the user turn and none elsewhere` });
  }
}

const ZSampleIds = {
  ...ZIds,
  edit_task: z.string().nullable(),
  edit_subtask: z.string().nullable(),
  images: z.tuple([ZImageRef, ZImageRef]),
};

export const ZFailureDetectionRecord = z
  .strictObject({
    task: z.literal("failure_detection"),
    ...ZSampleIds,
    messages: z.tuple([ZUserMessage, ZAssistantMessage]),
  })
  .superRefine((rec, ctx) => {
    checkTags(rec.messages, rec.images, ctx);
    let answer: unknown;
    try {
      answer = JSON.parse(rec.messages[1].content);
    } catch {
      answer = undefined;
    }
    const parsed = ZFailureAnswer.safeParse(answer);
    if (!parsed.success) ctx.addIssue({ code: "custom", message: "the assistant turn is not a failure-detection answer", path: ["messages", 1, "content"] });
    else if (parsed.data.valid !== (parsed.data.failure_class === "Normal")) {
      ctx.addIssue({ code: "custom", message: "valid must be true exactly when the class is Normal", path: ["messages", 1, "content"] });
    }
  });

export const ZRecaptionRecord = z
  .strictObject({
    task: z.literal("recaption"),
    ...ZSampleIds,
    messages: z.tuple([ZUserMessage.extend({ content: z.literal(RECAPTION_PROMPT) }), ZAssistantMessage]),
  })
  .superRefine((rec, ctx) => checkTags(rec.messages, rec.images, ctx));

export const ZVerifierSftRecord = z.discriminatedUnion("task", [ZFailureDetectionRecord, ZRecaptionRecord]);
export type TVerifierSftRecord = z.infer<typeof ZVerifierSftRecord>;

/** verifier-preference lines (TRL's conversational preference layout with an images list). */
export const ZVerifierPreferenceRecord = z
  .strictObject({
    task: z.literal("recaption_preference"),
    ...ZSampleIds,
    prompt: z.tuple([ZUserMessage.extend({ content: z.literal(RECAPTION_PROMPT) })]),
    chosen: z.tuple([ZAssistantMessage]),
    rejected: z.tuple([ZAssistantMessage]),
  })
  .superRefine((rec, ctx) => {
    checkTags([...rec.prompt, ...rec.chosen, ...rec.rejected], rec.images, ctx);
    if (rec.chosen[0].content === rec.rejected[0].content) ctx.addIssue({ code: "custom", message: "chosen and rejected are the same text" });
  });
export type TVerifierPreferenceRecord = z.infer<typeof ZVerifierPreferenceRecord>;
