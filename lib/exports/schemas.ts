import type { TAuditEstimateSummary } from "../quality/audit-types";
import { z } from "zod";
import { ZExportFilters, type TExportFilters } from "./filters";
import { EXPORT_FORMATS, TRAINERS, type TExportFormat, type TExportOptions, type TSplit } from "./types";

// What the export routes accept and answer. Pure: the admin pages import the types.

export const EXPORT_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type TExportStatus = (typeof EXPORT_STATUSES)[number];

export const ZExportOptions = z.strictObject({
  images: z.enum(["files", "embedded"], { error: "images are files or embedded" }).default("files"),
  validationFraction: z.number({ error: "the validation fraction must be a number" })
    .min(0, "the validation fraction is between 0 and 0.5").max(0.5, "the validation fraction is between 0 and 0.5").default(0.1),
  trainers: z.array(z.enum(TRAINERS, { error: `trainers are ${TRAINERS.join(", ")}` }))
    .min(1, "pick at least one trainer").max(TRAINERS.length).optional(),
}) satisfies z.ZodType<TExportOptions, unknown>;

export const ZExportCreate = z
  .strictObject({
    format: z.enum(EXPORT_FORMATS, { error: `format is one of ${EXPORT_FORMATS.join(", ")}` }),
    filters: ZExportFilters.prefault({}),
    options: ZExportOptions.prefault({}),
  })
  .refine((v) => v.options.trainers === undefined || v.format === "verifier-trainers", {
    message: "trainers apply to the verifier-trainers format only",
    path: ["options", "trainers"],
  });
export type TExportCreate = z.input<typeof ZExportCreate>;

export const ZExportParams = z.object({ exportId: z.string().regex(/^\d{1,18}$/, "exportId must be a number") });

export const ZExportListQuery = z.object({
  before: z.string().regex(/^\d{1,18}$/).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ZSavedFilterInput = z.strictObject({
  name: z.string().trim().min(1, "give the filter a name").max(80, "names are at most 80 characters"),
  filters: ZExportFilters,
});
export type TSavedFilterInput = z.input<typeof ZSavedFilterInput>;

export const ZSavedFilterParams = z.object({
  projectId: z.coerce.number().int().positive(),
  filterId: z.coerce.number().int().positive(),
});

export interface TSavedFilter {
  id: number;
  projectId: number;
  name: string;
  filters: TExportFilters;
  description: string;
  createdBy: string | null;
  updatedAt: string;
}

/** Pairs read, by final decision, subtask ("" for none) and split. */
export interface TExportCounts {
  decision: Record<string, number>;
  subtask: Record<string, number>;
  split: Record<TSplit, number>;
}

export interface TExportManifest {
  loupe: { version: string };
  export: { id: string; format: TExportFormat; createdAt: string; finishedAt: string; createdBy: string | null };
  project: { id: number; name: string };
  filters: TExportFilters;
  filtersText: string;
  options: TExportOptions;
  split: { method: string; validationFraction: number };
  /** Final pairs the filters matched and the export read (a format may write some of them, or several records each). */
  pairs: number;
  counts: TExportCounts;
  records: number;
  recordsPerSplit: Record<TSplit, number>;
  dataFile: string;
  bytes: number;
  sha256: string;
  /** Every file written, relative to the manifest's folder, data file first. */
  files: string[];
  /** The project's reject reasons when exported: the taxonomy the reasons' dimensions come from. */
  rejectReasons: unknown;
  /**
   * The latest audit round's estimate of the share people accept among the pairs the verifier keeps and drops,
   * over the strata this export covers, with 95% intervals and the sample size; null without a round.
   */
  audit: TAuditEstimateSummary | null;
}

export interface TExportView {
  id: string;
  projectId: number;
  format: TExportFormat;
  status: TExportStatus;
  filters: TExportFilters;
  filtersText: string;
  options: TExportOptions;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  totalRows: number | null;
  rowsDone: number;
  records: number;
  /** 0..1 for the progress bar (1 only when done). */
  fraction: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  dataFile: string | null;
  files: string[];
  bytes: number | null;
  sha256: string | null;
  counts: TExportCounts | null;
  message: string | null;
  downloadUrl: string | null;
  manifestUrl: string | null;
}

/** POST …/exports/count: the matching final pairs before an export starts (lib/exports/service.ts countExportPairs). */
export const ZExportCountRequest = z.strictObject({
  filters: ZExportFilters.prefault({}),
  /** Count over the pairs themselves when the kept figures can only give an upper bound (a scan: on request only). */
  exact: z.boolean().default(false),
});
export type TExportCountRequest = z.input<typeof ZExportCountRequest>;
