import type { TExportRow } from "../types";
import { IMAGE_TAGS } from "./verifier-prompts";
import { verifierPreferenceRecord, verifierSftRecords } from "./verifier";

// The verifier samples (verifier.ts: failure detection, re-caption, re-caption preference) in the shape each
// training tool reads without a script in between. Pure: the writer (trainers.ts) and the tests share it.
// The rules each shape follows are the tools' own, cited where they bite:
// - LLaMA-Factory (data/README.md "Sharegpt Format", src/llamafactory/data/converter.py): OpenAI-style
//   role/content messages registered with tags in dataset_info.json; a preference row's `messages` end on a
//   user turn (an odd count) and `chosen` / `rejected` are single message objects, or the row is dropped;
//   image strings are joined to media_dir (default: the dataset_dir holding dataset_info.json).
// - ms-swift (docs Customization/Custom-dataset.md): `messages` + `images` with <image> tags, DPO adds
//   `rejected_response`, a string; images are opened relative to the working directory.
// - TRL (docs dataset_formats.md "Vision datasets"): `images` holds the image data and every message's
//   content is a list of typed parts, one {"type": "image"} per image, in order.

export type TSftSample = ReturnType<typeof verifierSftRecords>[number];
export type TPreferenceSample = ReturnType<typeof verifierPreferenceRecord>;

export interface TChatMessage {
  role: "user" | "assistant";
  content: string;
}

export interface TLlamaFactorySft {
  messages: TChatMessage[];
  images: string[];
}

export interface TLlamaFactoryDpo {
  messages: [TChatMessage];
  chosen: TChatMessage;
  rejected: TChatMessage;
  images: string[];
}

export interface TSwiftSft {
  messages: TChatMessage[];
  images: string[];
}

export interface TSwiftDpo {
  messages: [TChatMessage, TChatMessage];
  images: string[];
  rejected_response: string;
}

export type TContentPart = { type: "image"; text: null } | { type: "text"; text: string };
export interface TTypedMessage {
  role: "user" | "assistant";
  content: TContentPart[];
}

/** One TRL row before its images are read: the Parquet writer fills `images` with the bytes. */
export interface TTrlIds {
  sample: string;
  pair_id: string;
  external_id: string;
  edit_task: string | null;
  edit_subtask: string | null;
}
export type TTrlSft = TTrlIds & { messages: TTypedMessage[] };
export type TTrlDpo = TTrlIds & { prompt: TTypedMessage[]; chosen: TTypedMessage[]; rejected: TTypedMessage[] };

function userTurn(messages: { role: string; content: string }[]): TChatMessage {
  const first = messages[0];
  if (!first || first.role !== "user") throw new Error("a verifier sample starts with the user turn");
  return { role: "user", content: first.content };
}

function assistantTurn(messages: { role: string; content: string }[]): TChatMessage {
  const last = messages[messages.length - 1];
  if (!last || last.role !== "assistant") throw new Error("a verifier sample ends with the assistant turn");
  return { role: "assistant", content: last.content };
}

export function llamaFactorySft(s: TSftSample): TLlamaFactorySft {
  return { messages: [userTurn(s.messages), assistantTurn(s.messages)], images: [...s.images] };
}

export function llamaFactoryDpo(p: TPreferenceSample): TLlamaFactoryDpo {
  return { messages: [userTurn(p.prompt)], chosen: assistantTurn(p.chosen), rejected: assistantTurn(p.rejected), images: [...p.images] };
}

export function swiftSft(s: TSftSample): TSwiftSft {
  return { messages: [userTurn(s.messages), assistantTurn(s.messages)], images: [...s.images] };
}

export function swiftDpo(p: TPreferenceSample): TSwiftDpo {
  return { messages: [userTurn(p.prompt), assistantTurn(p.chosen)], images: [...p.images], rejected_response: assistantTurn(p.rejected).content };
}

/** The user turn as typed parts: the <image> tags it opens with become image parts, in order, the rest one text part. */
export function typedUser(content: string, images: number): TTypedMessage {
  if (!content.startsWith(IMAGE_TAGS) || IMAGE_TAGS.split("<image>").length - 1 !== images) {
    throw new Error(`expected the user turn to open with ${images} <image> tags`);
  }
  const parts: TContentPart[] = Array.from({ length: images }, () => ({ type: "image" as const, text: null }));
  return { role: "user", content: [...parts, { type: "text", text: content.slice(IMAGE_TAGS.length) }] };
}

export function typedAssistant(content: string): TTypedMessage {
  return { role: "assistant", content: [{ type: "text", text: content }] };
}

function trlIds(s: { task: string; pair_id: string; external_id: string; edit_task: string | null; edit_subtask: string | null }): TTrlIds {
  return { sample: s.task, pair_id: s.pair_id, external_id: s.external_id, edit_task: s.edit_task, edit_subtask: s.edit_subtask };
}

export function trlSft(s: TSftSample): TTrlSft {
  return { ...trlIds(s), messages: [typedUser(userTurn(s.messages).content, s.images.length), typedAssistant(assistantTurn(s.messages).content)] };
}

export function trlDpo(p: TPreferenceSample): TTrlDpo {
  return {
    ...trlIds(p),
    prompt: [typedUser(userTurn(p.prompt).content, p.images.length)],
    chosen: [typedAssistant(assistantTurn(p.chosen).content)],
    rejected: [typedAssistant(assistantTurn(p.rejected).content)],
  };
}

/** The verifier samples of one row: its SFT samples and, when people re-captioned it, its preference sample. */
export function trainerSamples(row: TExportRow, images: [string, string], withPreference: boolean): { sft: TSftSample[]; dpo: TPreferenceSample | null } {
  return { sft: verifierSftRecords(row, images), dpo: withPreference ? verifierPreferenceRecord(row, images) : null };
}

/** Dataset names registered in dataset_info.json. */
export const LLAMA_FACTORY_DATASETS = {
  sft: { train: "loupe_verifier_sft_train", validation: "loupe_verifier_sft_validation" },
  dpo: { train: "loupe_verifier_dpo_train", validation: "loupe_verifier_dpo_validation" },
} as const;

const LLAMA_FACTORY_TAGS = { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" } as const;

/** LLaMA-Factory's registry entry for one of our files (data/README.md "OpenAI Format", "Preference Dataset"). */
export function llamaFactoryEntry(fileName: string, kind: "sft" | "dpo") {
  return kind === "sft"
    ? { file_name: fileName, formatting: "sharegpt", columns: { messages: "messages", images: "images" }, tags: LLAMA_FACTORY_TAGS }
    : { file_name: fileName, formatting: "sharegpt", ranking: true, columns: { messages: "messages", chosen: "chosen", rejected: "rejected", images: "images" }, tags: LLAMA_FACTORY_TAGS };
}
