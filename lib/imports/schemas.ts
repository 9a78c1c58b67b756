// Request schemas and response shapes of the import API, shared with the admin UI (so no server-only).
import { z } from "zod";
import type { TImportOutcome } from "./outcome";
import type { TImportFormat, TPresetName, TRecordLocation } from "./types";

export type { TImportOutcome };

export const PRESET_NAMES = [
  "scaleedit",
  "unicedit",
  "omniedit",
  "magicbrush",
  "ultraedit",
  "imgedit",
  "gptimageedit",
  "seededit",
  "anyedit",
  "hqedit",
  "instructpix2pix",
  "picobanana",
] as const satisfies readonly TPresetName[];
export const FORMATS = ["jsonl", "csv", "parquet", "json", "webdataset"] as const satisfies readonly TImportFormat[];
export const ENCODINGS = ["auto", "utf-8", "utf-16le", "utf-16be", "windows-1252"] as const;

const column = z.string().min(1).max(200);
const optColumn = column.nullish();

export const ZMapping = z.object({
  externalId: z.union([column, z.array(column).min(1).max(4)]).nullish(),
  instruction: column,
  instructionCn: optColumn,
  task: optColumn,
  subtask: optColumn,
  source: column,
  edited: column,
  /** Fetched when the source column is empty; the download must hash to sourceSha256 when that is mapped. */
  sourceUrl: optColumn,
  sourceSha256: optColumn,
  sourceIndex: z.number().int().min(0).max(1000).nullish(),
  editedIndex: z.number().int().min(0).max(1000).nullish(),
  mask: optColumn,
  reference: optColumn,
  inverseInstruction: optColumn,
  sessionId: optColumn,
  turn: optColumn,
  /** Declared score key → column (lib/quality/scales.ts keys). */
  scores: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "A score key is lower-case letters, digits or underscores."), column).nullish(),
  vsInstructionFollowing: optColumn,
  vsEditingConsistency: optColumn,
  vsGenerationQuality: optColumn,
  vsOverall: optColumn,
  verifierValid: optColumn,
  verifierFailureClass: optColumn,
  verifierRecaption: optColumn,
  modelVersion: optColumn,
  gold: optColumn,
  goldDecision: optColumn,
  goldReasons: optColumn,
  goldInstruction: optColumn,
  metadata: z.array(column).max(200).optional(),
  dedupe: z.enum(["externalId", "externalIdAndImages"]).optional(),
  /** "scaleedit": split `edit_task` into family (task) and subtask with the ScaleEdit taxonomy. */
  taskTaxonomy: z.enum(["scaleedit"]).nullish(),
  imagePathPrefix: z.string().max(1000).nullish(),
  imageBaseUrl: z.string().url().max(2000).nullish(),
  externalIdFromImage: z.enum(["source", "edited"]).nullish(),
});

/** Settings laid over the mapping, preset or not: where relative image paths are, and HQ-Edit's reversed pairs. */
export const ZImportOptions = z.object({
  imagePathPrefix: z.string().max(1000).optional(),
  imageBaseUrl: z.string().url().max(2000).optional(),
  /** With a preset that has an inverse instruction column (HQ-Edit): also import each row reversed. */
  inverse: z.boolean().optional(),
});

/** Where the rows come from: a file uploaded through /api/uploads, or a file or folder under LOUPE_IMPORT_ROOT. */
export const ZImportSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("upload"), uploadId: z.string().uuid() }),
  z.object({ kind: z.literal("path"), path: z.string().min(1).max(4096) }),
]);

export const ZImportRequest = z.object({
  source: ZImportSource,
  /** Archives (tar, tar.gz, numbered parts) the rows' image paths point into; a folder source's own archives when absent. */
  archives: z.array(ZImportSource).max(100).optional(),
  options: ZImportOptions.optional(),
  format: z.enum(FORMATS).optional(),
  preset: z.enum(PRESET_NAMES).nullish(),
  /** Required when preset is null/absent for the real import; the preview guesses one when missing. */
  mapping: ZMapping.optional(),
  encoding: z.enum(ENCODINGS).optional(),
  delimiter: z.string().min(1).max(1).optional(),
});
export type TImportRequest = z.infer<typeof ZImportRequest>;
export type TImportOptions = z.infer<typeof ZImportOptions>;
export type TMappingInput = z.infer<typeof ZMapping>;

export const ZProjectCreate = z.object({
  name: z.string().trim().min(1).max(120),
  overlap: z.coerce.number().int().min(1).max(5).default(1),
  guidelines: z.string().max(20_000).optional(),
});

export interface TUploadResponse {
  uploadId: string;
  name: string;
  size: number;
}

export interface TBrowseEntry {
  name: string;
  /** Path relative to the import root, usable as `source.path`. */
  path: string;
  kind: "file" | "dir";
  size: number | null;
}
export interface TBrowseResponse {
  /** Null when LOUPE_IMPORT_ROOT is not configured (the UI then explains how to set it). */
  root: string | null;
  dir: string;
  entries: TBrowseEntry[];
}

export interface TPreviewRow {
  loc: TRecordLocation;
  /** Cell values made displayable (long strings cut, bytes as "<binary 34.2 KB>"). */
  values: Record<string, string>;
  ok: boolean;
  reason?: string;
  /** The mapped fields when ok (instruction, externalId, task, subtask, image refs described). */
  mapped?: Record<string, string | number | boolean | null>;
}

/** A row the preview found a problem with: where it is, its own id, and what the import would say. */
export interface TPreviewProblem {
  loc: TRecordLocation;
  externalId: string | null;
  reason: string;
}

/** Images of a sample of rows resolved as the import would (root, fetch policy, sha256, decoding), storing nothing. */
export interface TImageCheck {
  /** Rows sampled: the preview rows, and a few spread through the files where that is cheap. */
  rows: number;
  /** Image references resolved. */
  images: number;
  /** Images left unchecked when the check ran out of time. */
  unchecked: number;
  /** The first problems, in file order. */
  problems: TPreviewProblem[];
}

export interface TPreviewResponse {
  format: TImportFormat;
  files: { path: string; size: number }[];
  /** Archives the rows' image paths are looked up in (read once, at the start of the import). */
  archives: { path: string; size: number }[];
  columns: string[];
  suggestedPreset: TPresetName | null;
  preset: TPresetName | null;
  mapping: TMappingInput;
  /** Problems with the mapping itself (missing required target, unknown column); empty when usable. */
  mappingErrors: string[];
  /** Rows from the start of the first file (up to 20), each validated with the mapping. */
  rows: TPreviewRow[];
  /** Total rows when known up front (Parquet), else null. */
  totalRows: number | null;
  totalBytes: number;
  /** Null when the mapping is incomplete (or the caller asked for no image check). */
  imageCheck: TImageCheck | null;
}

export type TImportStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface TImportView {
  id: string;
  projectId: number;
  status: TImportStatus;
  format: TImportFormat;
  preset: TPresetName | null;
  sourceLabel: string;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  rowsDone: number;
  totalRows: number | null;
  bytesDone: number;
  totalBytes: number;
  /** 0..1, from rows when the total is known, else from bytes. */
  fraction: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  inserted: number;
  /** Rows already present (same id as a pair in the project, or as an earlier row of this import). */
  duplicates: number;
  invalid: number;
  /** What a finished import amounted to; null until it is done. */
  outcome: TImportOutcome | null;
  /** The first invalid rows (up to 3) once the import has stopped. */
  firstInvalid: TPreviewProblem[];
  message: string | null;
  /** GET this for the CSV report: every invalid and already-present row (see docs/guide/import.md). */
  reportUrl: string;
}
