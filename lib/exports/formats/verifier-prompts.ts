import type { TExportRow } from "../types";

// The fixed texts and the answer of the verifier training formats (docs/guide/export.md), apart from the
// writer so the zod schemas and tests read the same definitions.

/** Failure classes: UnicEdit's three, plus Defect for rejects they do not name (quality, consistency, ...). */
export const FAILURE_CLASSES = ["Normal", "No Edit", "Hallucination", "Defect"] as const;
export type TFailureClass = (typeof FAILURE_CLASSES)[number];

/** Reason codes of the default taxonomy that name a UnicEdit class. */
const NO_EDIT_CODE = "no_visible_edit";
const HALLUCINATION_CODE = "hallucinated";

export interface TFailureAnswer {
  valid: boolean;
  failure_class: TFailureClass;
  reasons: { code: string; dimension: string | null }[];
}

const normalise = (text: string) => text.trim().replace(/\s+/g, " ");

/** A re-caption that says something else than the pipeline's instruction (white space alone confirms it). */
export function changesInstruction(row: Pick<TExportRow, "finalDecision" | "instruction" | "finalInstruction">): boolean {
  return row.finalDecision === "recaption" && normalise(row.finalInstruction) !== normalise(row.instruction);
}

/**
 * The human verdict on the pipeline's own instruction. Accept: valid, Normal. Re-caption: a clean edit of
 * something else than instructed, UnicEdit's Hallucination, which re-captioning repairs (kept wording counts
 * as an accept). Reject: No Edit or Hallucination when a reason of that name is among the final reasons,
 * else Defect.
 */
export function failureAnswer(row: Pick<TExportRow, "finalDecision" | "finalReasons" | "instruction" | "finalInstruction">): TFailureAnswer {
  const reasons = row.finalReasons.map((r) => ({ code: r.code, dimension: r.dimension }));
  if (row.finalDecision === "accept" || (row.finalDecision === "recaption" && !changesInstruction(row))) {
    return { valid: true, failure_class: "Normal", reasons: [] };
  }
  if (row.finalDecision === "recaption") return { valid: false, failure_class: "Hallucination", reasons };
  const codes = new Set(reasons.map((r) => r.code));
  const failure_class: TFailureClass = codes.has(NO_EDIT_CODE) ? "No Edit" : codes.has(HALLUCINATION_CODE) ? "Hallucination" : "Defect";
  return { valid: false, failure_class, reasons };
}

/** Compact JSON, keys in a fixed order, so the assistant target is one stable string per verdict. */
export function failureAnswerText(answer: TFailureAnswer): string {
  return JSON.stringify({ valid: answer.valid, failure_class: answer.failure_class, reasons: answer.reasons.map((r) => ({ code: r.code, dimension: r.dimension })) });
}

export const IMAGE_TAGS = "<image><image>";

export function failureDetectionPrompt(instruction: string): string {
  return (
    `${IMAGE_TAGS}The first image is the original and the second is the result of editing it with the instruction below. ` +
    `Judge whether the edit carries out the instruction cleanly. Reply with JSON only: ` +
    `{"valid": true or false, "failure_class": ${FAILURE_CLASSES.map((c) => `"${c}"`).join(" | ")}, ` +
    `"reasons": [{"code": reason code, "dimension": "IF" | "NC" | "VQ" | "RA"}]}.\n` +
    `Instruction: ${instruction}`
  );
}

export const RECAPTION_PROMPT = `${IMAGE_TAGS}The first image is the original and the second is an edited version of it. Write the editing instruction that turns the first image into the second. Reply with the instruction only.`;
