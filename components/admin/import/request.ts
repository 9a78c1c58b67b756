// What the import form holds and how it becomes a TImportRequest. Pure, so it is unit-tested.
import type { TImportRequest, TMappingInput, TPreviewResponse } from "@/lib/imports/schemas";
import type { TEncoding, TImportFormat, TPresetName } from "@/lib/imports/types";

export type TImportSource = TImportRequest["source"];

export interface TPickedSource {
  request: TImportSource;
  label: string;
}

export const PRESET_LABELS: Record<TPresetName, string> = {
  scaleedit: "ScaleEdit-12M",
  unicedit: "UnicEdit-10M",
  omniedit: "OmniEdit",
  magicbrush: "MagicBrush",
  ultraedit: "UltraEdit",
  imgedit: "ImgEdit",
  gptimageedit: "GPT-Image-Edit-1.5M",
  seededit: "SEED-Data-Edit",
  anyedit: "AnyEdit",
  hqedit: "HQ-Edit",
  instructpix2pix: "InstructPix2Pix",
  picobanana: "Pico-Banana-400K",
};

export const ENCODING_LABELS: Record<TEncoding, string> = {
  auto: "Detect automatically",
  "utf-8": "UTF-8",
  "utf-16le": "UTF-16 LE",
  "utf-16be": "UTF-16 BE",
  "windows-1252": "Windows-1252 (Latin)",
};

export const FORMAT_LABELS: Record<TImportFormat, string> = { jsonl: "JSONL", csv: "CSV", parquet: "Parquet", json: "JSON array", webdataset: "WebDataset (tar)" };

export type TTargetField = Exclude<
  keyof TMappingInput,
  "metadata" | "scores" | "dedupe" | "taskTaxonomy" | "sourceIndex" | "editedIndex" | "imagePathPrefix" | "imageBaseUrl" | "externalIdFromImage"
>;

export const TARGET_FIELDS: { field: TTargetField; label: string; required?: boolean }[] = [
  { field: "externalId", label: "External id" },
  { field: "instruction", label: "Instruction", required: true },
  { field: "instructionCn", label: "Instruction (Chinese)" },
  { field: "task", label: "Task" },
  { field: "subtask", label: "Subtask" },
  { field: "source", label: "Source image", required: true },
  { field: "edited", label: "Edited image", required: true },
  { field: "sourceUrl", label: "Source image URL (when the source is empty)" },
  { field: "sourceSha256", label: "Source image sha256 (checks the download)" },
  { field: "mask", label: "Mask" },
  { field: "reference", label: "Reference image" },
  { field: "sessionId", label: "Session id (multi-turn)" },
  { field: "turn", label: "Turn in the session" },
  { field: "vsInstructionFollowing", label: "Verifier: instruction following" },
  { field: "vsEditingConsistency", label: "Verifier: editing consistency" },
  { field: "vsGenerationQuality", label: "Verifier: generation quality" },
  { field: "vsOverall", label: "Verifier: overall score" },
  { field: "verifierValid", label: "Verifier: valid flag" },
  { field: "verifierFailureClass", label: "Verifier: failure class" },
  { field: "verifierRecaption", label: "Verifier: re-caption" },
  { field: "modelVersion", label: "Verifier version" },
  { field: "gold", label: "Gold: flag (true/false)" },
  { field: "goldDecision", label: "Gold: expected decision" },
  { field: "goldReasons", label: "Gold: expected reasons" },
  { field: "goldInstruction", label: "Gold: reference re-caption" },
];

export type TMappingDraft = { [K in keyof TMappingInput]?: TMappingInput[K] | null };

export interface TImportSettings {
  preset: TPresetName | null;
  mapping: TMappingDraft;
  encoding: TEncoding;
  /** As typed: "" = detect, "\t" or "tab" = a tab. */
  delimiter: string;
  /** Joined before relative image paths ("" = none). */
  imagePathPrefix: string;
  /** Relative image paths are URLs under this ("" = the preset's, if any). */
  imageBaseUrl: string;
  /** Also import each row reversed (a preset with an inverse instruction: HQ-Edit). */
  inverse: boolean;
}

export function settingsFromPreview(preview: TPreviewResponse): TImportSettings {
  return {
    preset: preview.preset ?? preview.suggestedPreset,
    mapping: { ...preview.mapping },
    encoding: "auto",
    delimiter: "",
    imagePathPrefix: "",
    imageBaseUrl: "",
    inverse: false,
  };
}

export function parseDelimiter(text: string): string | undefined | null {
  if (text === "") return undefined;
  if (text === "\\t" || text.toLowerCase() === "tab") return "\t";
  return [...text].length === 1 ? text : null;
}

/** Problems the form can tell before asking the server (it would refuse the request outright). */
export function settingsErrors(settings: TImportSettings, format: TImportFormat | null): string[] {
  const errors: string[] = [];
  if (settings.preset === null) {
    for (const { field, label, required } of TARGET_FIELDS) {
      if (required && !settings.mapping[field]) errors.push(`Choose the column for ${label}.`);
    }
  }
  if (format === "csv" && parseDelimiter(settings.delimiter) === null) {
    errors.push('The delimiter must be one character (or "\\t" for a tab).');
  }
  if (settings.imageBaseUrl.trim() !== "" && !/^https?:\/\/[^/\s]+/i.test(settings.imageBaseUrl.trim())) {
    errors.push("The image base URL must start with http:// or https:// and name a host.");
  }
  return errors;
}

function cleanMapping(draft: TMappingDraft): TMappingInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(draft)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value) && value.length === 0 && key !== "metadata") continue;
    out[key] = value;
  }
  return out as TMappingInput;
}

/** The request body; after the first preview every choice is explicit: the import runs what the last preview showed. */
export function buildImportRequest(
  source: TImportSource,
  settings: TImportSettings | null,
  format: TImportFormat | null,
): TImportRequest {
  if (!settings) return { source };
  const request: TImportRequest = { source, preset: settings.preset };
  if (settings.preset === null) request.mapping = cleanMapping(settings.mapping);
  if (format === "csv") {
    if (settings.encoding !== "auto") request.encoding = settings.encoding;
    const delimiter = parseDelimiter(settings.delimiter);
    if (delimiter) request.delimiter = delimiter;
  }
  const options: NonNullable<TImportRequest["options"]> = {};
  if (settings.imagePathPrefix.trim()) options.imagePathPrefix = settings.imagePathPrefix.trim();
  if (settings.imageBaseUrl.trim()) options.imageBaseUrl = settings.imageBaseUrl.trim();
  if (settings.inverse) options.inverse = true;
  if (Object.keys(options).length > 0) request.options = options;
  return request;
}

/** Value of a column <select>: "" for none; a composite id (several columns) gets its own value. */
export const COMPOSITE_VALUE = "__composite__";

export function columnSelectValue(value: string | string[] | null | undefined): string {
  if (Array.isArray(value)) return value.length === 1 ? (value[0] ?? "") : COMPOSITE_VALUE;
  return value ?? "";
}

/** The columns a select offers: the file's, plus a mapped column the file lacks (so it shows as chosen). */
export function columnOptions(columns: string[], value: string | string[] | null | undefined): string[] {
  const extra = (Array.isArray(value) ? [] : [value]).filter((v): v is string => !!v && !columns.includes(v));
  return [...columns, ...extra];
}
