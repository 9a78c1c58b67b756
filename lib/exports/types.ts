// The shapes every export format reads and writes; pure, so formats and their tests run anywhere.

export const EXPORT_FORMATS = ["canonical", "gold-jsonl", "gold-csv", "gold-parquet", "verifier-sft", "verifier-preference", "verifier-trainers"] as const;
export type TExportFormat = (typeof EXPORT_FORMATS)[number];

/** The training tools verifier-trainers writes for (lib/exports/formats/trainers.ts). */
export const TRAINERS = ["llama-factory", "ms-swift", "trl"] as const;
export type TTrainer = (typeof TRAINERS)[number];

export type TDecision = "accept" | "reject" | "recaption";
export type TSplit = "train" | "validation";

export interface TExportReason {
  code: string;
  label: string;
  /** The verifier dimension the reason supervises: IF | NC | VQ | RA (null: the code is no longer in the taxonomy). */
  dimension: string | null;
}

export interface TExportLabel {
  annotatorId: number;
  decision: TDecision;
  reasons: TExportReason[];
  recaption: string | null;
  secondsSpent: number;
  createdAt: string;
}

export interface TExportImage {
  sha256: string;
  mime: string;
  width: number;
  height: number;
}

export interface TExportRow {
  pairId: string;
  projectId: number;
  projectName: string;
  externalId: string;
  task: string | null;
  subtask: string | null;
  /** The instruction as imported (the pipeline's). */
  instruction: string;
  instructionCn: string | null;
  sourceImage: TExportImage;
  editedImage: TExportImage;
  maskImage: TExportImage | null;
  /** A third image of the edit kept from the import (AnyEdit's visual_input). */
  referenceImage?: TExportImage | null;
  /** The multi-turn session the pair is a turn of, and its turn (null for single-turn pairs). */
  sessionId?: string | null;
  turn?: number | null;
  finalDecision: TDecision;
  /** The instruction that describes the edit after review: a human re-caption, else the original. */
  finalInstruction: string;
  finalReasons: TExportReason[];
  finalSource: string;
  finalizedAt: string;
  agreement: number | null;
  review: { reasons: string[]; reviewerId: number | null; reviewedAt: string | null; note: string | null } | null;
  labels: TExportLabel[];
  verifier: {
    valid: boolean | null;
    failureClass: string | null;
    recaption: string | null;
    /** The active version's scores keyed by the project's declared score keys. */
    scores: Record<string, number>;
    /** The keep rule on the scores (every declared threshold met); null without a verdict from the scores. */
    keep: boolean | null;
    /** The verifier version the output is from. */
    modelVersion: string | null;
  };
  isGold: boolean;
  metadata: Record<string, unknown>;
  split: TSplit;
}

export interface TExportOptions {
  /** Parquet and verifier formats: images as files under images/ referenced by relative path, or embedded bytes. */
  images: "files" | "embedded";
  /** Share of pairs in the validation split (0..0.5). */
  validationFraction: number;
  /** verifier-trainers: the tools to write for (absent: all of them). */
  trainers?: TTrainer[];
}

/** Where an export came from, for the dataset cards formats write beside their data. */
export interface TExportAbout {
  exportId: string;
  projectId: number;
  projectName: string;
  createdBy: string | null;
  createdAt: string;
  loupeVersion: string;
  filtersText: string;
  filters: unknown;
}

export interface TWriterContext {
  /** The export's own folder (exists, empty); writers put their files here and nowhere else. */
  dir: string;
  /** File name stem, e.g. "export-12-gold-parquet"; the data file is `${baseName}.jsonl` etc. */
  baseName: string;
  options: TExportOptions;
  /** Absolute path of the stored original image with this sha256 (LOUPE_DATA_DIR/images/..). */
  imagePath(sha256: string): string;
  /** The export job's provenance (absent when a writer runs outside a job, as in unit tests). */
  about?: TExportAbout;
  /**
   * Puts the image at `rel` in the export when it is not a file under imagePath (a bucket store, an
   * original referenced in place); false: link or copy from imagePath.
   */
  copyImage?(sha256: string, rel: string): Promise<boolean>;
  /** The image's bytes when they are not a file under imagePath; null: read imagePath. */
  readImage?(sha256: string): Promise<Buffer | null>;
}

export interface TWriterResult {
  /** The main data file, relative to dir (the manifest's checksum covers it). */
  dataFile: string;
  /** Every file written, relative to dir, data file first (image folders listed as "images/"). */
  files: string[];
  /** Records written (a format may write none, one or several records per pair). */
  records: number;
  splits: Record<TSplit, number>;
}

export interface TFormatWriter {
  /** Writes one page of rows (in pair id order); rows the format does not take are skipped. */
  write(rows: TExportRow[]): Promise<void>;
  finish(): Promise<TWriterResult>;
  /** Stops early (cancelled or failed): closes files; the job removes the folder. */
  abort(): Promise<void>;
}

export type TOpenWriter = (ctx: TWriterContext) => Promise<TFormatWriter>;
