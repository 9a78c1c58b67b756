import type { TExportImage, TExportRow, TOpenWriter } from "../types";
import { openLineWriter } from "./gold";
import { escapePlaceholders } from "./images";
import type { TVerifierPreferenceRecord, TVerifierSftRecord } from "./schemas";
import { RECAPTION_PROMPT, changesInstruction, failureAnswer, failureAnswerText, failureDetectionPrompt } from "./verifier-prompts";

// Verifier training data in the multimodal chat layout LLaMA-Factory, ms-swift and TRL read:
// `messages` whose user turn opens with one <image> tag per entry of `images` (source, then
// edited). Images are paths relative to the export folder, or data URLs when embedded.

function sampleIds(row: TExportRow, images: [string, string]) {
  return {
    pair_id: row.pairId,
    external_id: row.externalId,
    split: row.split,
    edit_task: row.task,
    edit_subtask: row.subtask,
    images,
  };
}

/** Source, then edited; the mask is no input of the verifier. */
function pairImages(row: TExportRow, ref: (i: TExportImage) => Promise<string>): Promise<[string, string]> {
  return Promise.all([ref(row.sourceImage), ref(row.editedImage)]);
}

const anyRow = (_row: TExportRow): _row is TExportRow => true;

/** A final re-caption that says something else than the pipeline's instruction (the only ones that teach anything). */
const hasRecaption = (row: TExportRow): row is TExportRow => changesInstruction(row);

/** Samples of one pair: failure detection always, re-caption when people re-captioned it. */
export function verifierSftRecords(row: TExportRow, images: [string, string]): TVerifierSftRecord[] {
  const out: TVerifierSftRecord[] = [
    {
      task: "failure_detection",
      ...sampleIds(row, images),
      messages: [
        { role: "user", content: failureDetectionPrompt(escapePlaceholders(row.instruction)) },
        { role: "assistant", content: failureAnswerText(failureAnswer(row)) },
      ],
    },
  ];
  if (hasRecaption(row)) {
    out.push({
      task: "recaption",
      ...sampleIds(row, images),
      messages: [
        { role: "user", content: RECAPTION_PROMPT },
        { role: "assistant", content: escapePlaceholders(row.finalInstruction) },
      ],
    });
  }
  return out;
}

export function verifierPreferenceRecord(row: TExportRow, images: [string, string]): TVerifierPreferenceRecord {
  return {
    task: "recaption_preference",
    ...sampleIds(row, images),
    prompt: [{ role: "user", content: RECAPTION_PROMPT }],
    chosen: [{ role: "assistant", content: escapePlaceholders(row.finalInstruction) }],
    rejected: [{ role: "assistant", content: escapePlaceholders(row.instruction) }],
  };
}

/** verifier-sft: every final pair gives a failure-detection sample; re-captioned pairs a re-caption sample too. */
export const openVerifierSftWriter: TOpenWriter = (ctx) =>
  openLineWriter(ctx, {
    ext: "jsonl",
    take: anyRow,
    images: ctx.options.images,
    encode: async (row, images) => verifierSftRecords(row, await pairImages(row, (i) => images.ref(i))),
    emit: (recs, counts) => {
      counts.add(recs[0]!.split, recs.length);
      return recs.map((r) => `${JSON.stringify(r)}\n`).join("");
    },
  });

/** verifier-preference: re-captioned pairs, the human re-caption chosen over the pipeline's instruction. */
export const openVerifierPreferenceWriter: TOpenWriter = (ctx) =>
  openLineWriter(ctx, {
    ext: "jsonl",
    take: hasRecaption,
    images: ctx.options.images,
    encode: async (row, images) => verifierPreferenceRecord(row, await pairImages(row, (i) => images.ref(i))),
    emit: (rec, counts) => {
      counts.add(rec.split);
      return `${JSON.stringify(rec)}\n`;
    },
  });
