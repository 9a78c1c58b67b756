// Shared shapes of the import pipeline; pure, so the admin UI shares the preview and mapping types.

/** `json`: one JSON array of objects; `webdataset`: tar shards whose members sharing a key form one sample. */
export type TImportFormat = "jsonl" | "csv" | "parquet" | "json" | "webdataset";
export type TPresetName =
  | "scaleedit"
  | "unicedit"
  | "omniedit"
  | "magicbrush"
  | "ultraedit"
  | "imgedit"
  | "gptimageedit"
  | "seededit"
  | "anyedit"
  | "hqedit"
  | "instructpix2pix"
  | "picobanana";
export type TEncoding = "auto" | "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

/** Where a record came from, for error reports: a text line (1-based) or a Parquet row group and row. */
export interface TRecordLocation {
  /** File path relative to the import's root (or the file name for uploads). */
  file: string;
  /** 0-based index of the record within its file; resuming skips this many records. */
  index: number;
  /** 1-based physical line where the record starts (JSONL, CSV). */
  line?: number;
  /** 0-based row group and 0-based row within it (Parquet). */
  rowGroup?: number;
  row?: number;
  /** The sample's key (WebDataset): its members' common name. */
  key?: string;
}

export type TRawRecord =
  | { ok: true; loc: TRecordLocation; values: Record<string, unknown> }
  /** A record that could not even be parsed (malformed JSON line, wrong number of CSV fields...). */
  | { ok: false; loc: TRecordLocation; reason: string };

import type { TImageRef } from "../images/types";

export type { TImageRef };

/** How pairs of one import are told apart from pairs already in the project. */
export type TDedupe =
  | "externalId"
  /** On project + externalId + both image hashes: UnicEdit's `key` is not unique. */
  | "externalIdAndImages";

/** Column names per target field. Only `source`, `edited` and `instruction` are required. */
export interface TMapping {
  /** One column, or several joined with ":" (MagicBrush: `img_id` + `turn_index`). */
  externalId?: string | string[] | null;
  instruction: string;
  instructionCn?: string | null;
  task?: string | null;
  subtask?: string | null;
  source: string;
  edited: string;
  /**
   * Where the source is fetched from when its column is empty (ScaleEdit's `source_image_url`), and the
   * sha256 the downloaded bytes must have (`source_image_sha256`).
   */
  sourceUrl?: string | null;
  sourceSha256?: string | null;
  /** When the source or edited column holds a list (ImgEdit's `input_images`): the element to take, 0-based (0 by default). */
  sourceIndex?: number | null;
  editedIndex?: number | null;
  mask?: string | null;
  /** A third image kept with the pair and shown beside it (AnyEdit's `visual_input`). */
  reference?: string | null;
  /** The verifier's scores: a declared score key (the project's verifier_scales) → the column holding it. */
  scores?: Record<string, string> | null;
  /** Older spellings of scores.instruction_following, .editing_consistency, .generation_quality and .overall (saved mappings). */
  vsInstructionFollowing?: string | null;
  vsEditingConsistency?: string | null;
  vsGenerationQuality?: string | null;
  vsOverall?: string | null;
  verifierValid?: string | null;
  verifierFailureClass?: string | null;
  verifierRecaption?: string | null;
  /** The verifier version the row's scores, valid flag, failure class and re-caption are from. */
  modelVersion?: string | null;
  /** Gold flag column (true/false, yes/no, 1/0); without one, a row with an expected decision is gold. */
  gold?: string | null;
  goldDecision?: string | null;
  goldReasons?: string | null;
  goldInstruction?: string | null;
  /** Columns copied into metadata as they are (image-byte columns are never copied). */
  metadata?: string[];
  dedupe?: TDedupe;
  /** Split the task column with a known taxonomy: ScaleEdit's "2.1_object_addition" is task "object", subtask "addition". */
  taskTaxonomy?: "scaleedit" | null;
  /** Joined in front of every relative image path (a subset's folder inside an archive, say). */
  imagePathPrefix?: string | null;
  /** Relative image paths are URLs under this base (Pico-Banana's `output_image` on the publisher's CDN). */
  imageBaseUrl?: string | null;
  /** No id column: the id is this image's path without its extension (GPT-Image-Edit names a pair by its files). */
  externalIdFromImage?: "source" | "edited" | null;
  /** A column whose instruction undoes the edit: each such row gives a second pair, edited → source (HQ-Edit's `inverse_edit`). */
  inverseInstruction?: string | null;
  /** Multi-turn sessions: the session's id and the pair's turn in it, a whole number from 0 (MagicBrush's `img_id`, `turn_index`). */
  sessionId?: string | null;
  turn?: string | null;
}

export interface TCandidate {
  /** Null when the source has no id column: the runner derives one from the image hashes. */
  externalId: string | null;
  instruction: string;
  instructionCn: string | null;
  task: string | null;
  subtask: string | null;
  source: TImageRef;
  edited: TImageRef;
  mask: TImageRef | null;
  reference: TImageRef | null;
  /** The instruction of the reversed pair this row also gives (mapping.inverseInstruction), or null. */
  inverseInstruction: string | null;
  /** The session the pair is a turn of, and its turn (null for single-turn pairs). */
  sessionId: string | null;
  turn: number | null;
  /** The verifier's scores keyed by declared score key (null: the row has none). */
  scores: Record<string, number> | null;
  verifierValid: boolean | null;
  verifierFailureClass: string | null;
  verifierRecaption: string | null;
  modelVersion: string | null;
  metadata: Record<string, unknown>;
  gold: TGoldAnswer | null;
}

export interface TGoldAnswer {
  decision: "accept" | "reject" | "recaption";
  /** Expected reject reasons (codes of the project's taxonomy); a check passes with any one of them. */
  reasons: string[];
  /** Reference re-caption; set only with the decision "recaption". */
  instruction: string | null;
}

export type TMapResult = { ok: true; candidate: TCandidate } | { ok: false; reason: string };
