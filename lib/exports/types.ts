// The shapes every export format reads and writes; pure, so formats and their tests run anywhere.

export const EXPORT_FORMATS = ["canonical", "gold-jsonl", "gold-csv", "gold-parquet", "verifier-sft", "verifier-preference"] as const;
export type TExportFormat = (typeof EXPORT_FORMATS)[number];

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
}

export interface TWriterContext {
  /** The export's own folder (exists, empty); writers put their files here and nowhere else. */
  dir: string;
  /** File name stem, e.g. "export-12-gold-parquet"; the data file is `${baseName}.jsonl` etc. */
  baseName: string;
  options: TExportOptions;
  /** Absolute path of the stored original image with this sha256 (LOUPE_DATA_DIR/images/..). */
  imagePath(sha256: string): string;
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
