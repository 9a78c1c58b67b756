// What the import form holds and how it becomes a TImportRequest. Pure, so it is unit-tested.
import type { TImportRequest, TMappingInput, TPreviewResponse } from "@/lib/imports/schemas";
import type { TEncoding, TImportFormat, TPresetName } from "@/lib/imports/types";
import { PRESETS } from "@/lib/imports/presets";
import type { TVerifierScale } from "@/lib/quality/scales";

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
  | "metadata" | "scores" | "dedupe" | "taskTaxonomy" | "sourceIndex" | "editedIndex" | "imagePathPrefix" | "imageBaseUrl" | "externalIdFromImage"
  // The older ScaleEdit score spellings: still read from saved mappings (JSON, CLI), shown as the declared score pickers.
  | "vsInstructionFollowing" | "vsEditingConsistency" | "vsGenerationQuality" | "vsOverall"
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
  { field: "verifierValid", label: "Verifier: valid flag" },
  { field: "verifierFailureClass", label: "Verifier: failure class" },
  { field: "verifierRecaption", label: "Verifier: re-caption" },
  { field: "modelVersion", label: "Verifier version" },
  { field: "gold", label: "Gold: flag (true/false)" },
  { field: "goldDecision", label: "Gold: expected decision" },
  { field: "goldReasons", label: "Gold: expected reasons" },
  { field: "goldInstruction", label: "Gold: reference re-caption" },
];

/** One select of the mapping step: a field of the pair, or one of the project's declared score columns. */
export type TMappingField =
  | { kind: "field"; field: TTargetField; label: string; required?: boolean }
  | { kind: "score"; key: string; label: string };

/** "IF (1–3, higher is better)": a label's abbreviation (else the label) with its scale. */
export function scorePickerLabel(s: Pick<TVerifierScale, "label" | "min" | "max" | "higherIsBetter">): string {
  const short = /\(([^)]{1,8})\)\s*$/.exec(s.label)?.[1] ?? s.label;
  return `${short} (${s.min}–${s.max}, ${s.higherIsBetter ? "higher" : "lower"} is better)`;
}

/** The mapping step's selects for a project: the pair's fields with one picker per declared score column, where the verifier's fields are. */
export function mappingFields(scales: readonly TVerifierScale[]): TMappingField[] {
  const fields: TMappingField[] = TARGET_FIELDS.map((f) => ({ kind: "field", ...f }));
  const at = fields.findIndex((f) => f.kind === "field" && f.field === "verifierValid");
  fields.splice(at, 0, ...scales.map((s): TMappingField => ({ kind: "score", key: s.key, label: `Verifier score: ${scorePickerLabel(s)}` })));
  return fields;
}

const LEGACY_SCORES = {
  instruction_following: "vsInstructionFollowing",
  editing_consistency: "vsEditingConsistency",
  generation_quality: "vsGenerationQuality",
  overall: "vsOverall",
} as const;

const normalize = (name: string) => name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");

/**
 * The draft with its scores keyed by the project's declared columns: a score the mapping already names
 * (under `scores` or an older ScaleEdit spelling) keeps its column, the others are guessed by name
 * (`key`, `key_score`, `vs_key`, the label's abbreviation). Keys the project does not declare are left
 * out: the import would refuse their values (the preset notice names them).
 */
export function withScorePickers(draft: TMappingDraft, columns: readonly string[], scales: readonly TVerifierScale[]): TMappingDraft {
  const { vsInstructionFollowing, vsEditingConsistency, vsGenerationQuality, vsOverall, scores, ...rest } = draft;
  const legacy: Record<string, string | null | undefined> = {
    [LEGACY_SCORES.instruction_following]: vsInstructionFollowing,
    [LEGACY_SCORES.editing_consistency]: vsEditingConsistency,
    [LEGACY_SCORES.generation_quality]: vsGenerationQuality,
    [LEGACY_SCORES.overall]: vsOverall,
  };
  const used = new Set<string>();
  for (const [key, value] of Object.entries(rest)) {
    if (key === "metadata") continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") used.add(v);
  }
  const byName = new Map<string, string>();
  for (const c of columns) if (!byName.has(normalize(c))) byName.set(normalize(c), c);
  const out: Record<string, string> = {};
  for (const s of scales) {
    const named = scores?.[s.key] ?? legacy[LEGACY_SCORES[s.key as keyof typeof LEGACY_SCORES] ?? ""] ?? null;
    if (named) {
      out[s.key] = named;
      used.add(named);
    }
  }
  for (const s of scales) {
    if (out[s.key]) continue;
    const abbrev = /\(([^)]{1,8})\)\s*$/.exec(s.label)?.[1];
    const names = [s.key, `${s.key}_score`, `vs_${s.key}`, `score_${s.key}`, ...(abbrev ? [normalize(abbrev), `${normalize(abbrev)}_score`] : [])];
    const column = names.map((n) => byName.get(n)).find((c): c is string => c !== undefined && !used.has(c));
    if (column) {
      out[s.key] = column;
      used.add(column);
    }
  }
  const next: TMappingDraft = { ...rest };
  if (Object.keys(out).length > 0) {
    next.scores = out;
    if (next.metadata) next.metadata = next.metadata.filter((c) => !Object.values(out).includes(c));
  }
  return next;
}

/** The preset's score keys the project does not declare (its rows' scores under them would be refused). */
export function undeclaredPresetScores(preset: TPresetName | null, scales: readonly TVerifierScale[]): string[] {
  const declared = new Set(scales.map((s) => s.key));
  return preset ? (PRESETS[preset].scales ?? []).map((s) => s.key).filter((k) => !declared.has(k)) : [];
}

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

export function settingsFromPreview(preview: TPreviewResponse, scales: readonly TVerifierScale[] = []): TImportSettings {
  return {
    preset: preview.preset ?? preview.suggestedPreset,
    mapping: withScorePickers({ ...preview.mapping }, preview.columns, scales),
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
